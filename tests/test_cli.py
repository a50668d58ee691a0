"""The command line, through click's CliRunner and as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import mpmath
import pytest
import sympy
from _helpers import SYMBOLIC, S, same_function
from click.testing import CliRunner

from gradsym.cli import cli
from gradsym.expressions import parse

IDS = ["7.1", "7.2", "7.4", "7.5", "7.12", "7.13"]  # the graph problems
ALL_IDS = [f"7.{n}" for n in range(1, 18)]
BUNDLED_CLAIMS = 43  # claims of the graph problems
BUNDLED_CHECKS = 145  # checks of the other kinds' reports
WRONG_7_12 = "x=exp(f3) + cos(f3) + 2*f1*(exp(f3) + cos(f3))*exp(f1)"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def one_line_error(result, code: int = 2) -> str:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("gradsym: ")
    assert "internal error" not in lines[0]
    return lines[0]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def dy_dx_7_12(x: str) -> mpmath.mpf:
    with mpmath.workdps(30):
        ex = mpmath.exp(mpmath.mpf(x))
        f3 = ex + ex**2
        return (2 * ex + 1) * (mpmath.exp(f3) + mpmath.cos(f3)) * ex


# -- list ----------------------------------------------------------------------------


def test_list_shows_the_seventeen_ids_in_order():
    result = invoke("list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ALL_IDS
    assert "Reverse mode on an acyclic graph" in lines[11]


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert "0.1.0" in result.stdout


# -- check ---------------------------------------------------------------------------


def test_check_of_the_bundled_set_passes():
    result = invoke("check")
    assert result.exit_code == 0, result.output
    assert "✗" not in result.stdout
    total = BUNDLED_CLAIMS + BUNDLED_CHECKS
    assert result.stdout.count("✓") == total + len(IDS)
    assert (
        f"{total} claims: {total} equivalent, 0 not equivalent, "
        "0 undecided; modes disagree in 0 of 6 graph problems."
    ) in result.stdout


def test_check_of_a_wrong_claim_fails():
    result = invoke("check", "7.12", "--claim", WRONG_7_12)
    assert result.exit_code == 1
    assert "✗" in result.stdout
    assert "not equivalent" in result.stdout
    assert "1 claim: 0 equivalent, 1 not equivalent, 0 undecided" in result.stdout


def test_check_counterexample_in_text_is_real():
    result = invoke("check", "7.12", "--claim", WRONG_7_12)
    match = re.search(
        r"at x=(\S+) the claim gives (\S+) but the derivative is (\S+)", result.stdout
    )
    assert match is not None
    x = mpmath.mpf(match.group(1))
    ex = mpmath.exp(x)
    f3 = ex + ex**2
    claimed = (
        mpmath.exp(f3)
        + mpmath.cos(f3)
        + 2 * ex * (mpmath.exp(f3) + mpmath.cos(f3)) * mpmath.exp(ex)
    )
    # x is printed to 6 significant digits, the values to 10
    assert float(match.group(2)) == pytest.approx(float(claimed), rel=1e-4)
    assert float(match.group(3)) == pytest.approx(
        float(dy_dx_7_12(match.group(1))), rel=1e-4
    )


def test_check_of_a_right_claim_about_a_node_passes():
    result = invoke("check", "7.12", "--claim", "f1/x=exp(x)")
    assert result.exit_code == 0, result.output
    assert "✓ df1/dx = exp(x)" in result.stdout
    assert "✗" not in result.stdout


def test_check_with_several_claims():
    result = invoke(
        "check",
        "7.12",
        "--claim",
        "f1/x=exp(x)",
        "--claim",
        "f3=exp(f3) + cos(f3)",
        "--claim",
        "x=0",
    )
    assert result.exit_code == 1
    assert "3 claims: 2 equivalent, 1 not equivalent, 0 undecided" in result.stdout


def test_check_of_an_unknown_id():
    result = invoke("check", "7.99")
    line = one_line_error(result)
    assert "7.99" in line
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["check", "7.12", "7.13", "--claim", "x=1"],  # --claim with two problems
        ["check", "7.12", "--claim", "x"],  # not WRT=VALUE
        ["check", "7.12", "--claim", "q=1"],  # unknown wrt
        ["check", "7.12", "--claim", "x=exp(q)"],  # undeclared name
        ["check", "7.12", "--claim", "x=exp(x"],  # bad expression
        ["solve", "7.12", "--at", "y=1"],  # not a leaf
        ["solve", "7.12", "--at", "x"],  # not NAME=VALUE
        ["solve", "7.2", "--at", "x_i=1"],  # missing values
        ["sheet", "7.4", "--templates", "/nonexistent/folder/for/gradsym"],
    ],
)
def test_bad_usage_exits_2_with_one_line(args):
    one_line_error(invoke(*args))


def test_malformed_problem_file(tmp_path):
    path = write(
        tmp_path,
        "bad.yaml",
        """
        problems:
          - id: "a"
            title: t
            inputs: [x]
            graph:
              y: x + foo(x)
        """,
    )
    for command in ("list", "check", "solve a", "sheet"):
        result = invoke(*command.split(), "--problems", str(path))
        line = one_line_error(result)
        assert f"{path}:6:14" in line  # the line and column of foo
        assert "foo" in line


def test_problem_file_that_is_not_yaml(tmp_path):
    path = write(tmp_path, "bad.yaml", "problems: [\n")
    one_line_error(invoke("check", "--problems", str(path)))


def test_missing_problem_file(tmp_path):
    one_line_error(invoke("check", "--problems", str(tmp_path / "absent.yaml")))


def test_debug_shows_the_error():
    result = invoke("--debug", "check", "7.99")
    assert result.exit_code != 0
    assert result.exception is not None
    assert "7.99" in str(result.exception)


def test_check_junit():
    result = invoke("check", "--format", "junit")
    assert result.exit_code == 0
    root = ElementTree.fromstring(result.stdout)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == len(ALL_IDS)
    cases = root.iter("testcase")
    assert len(list(cases)) == BUNDLED_CLAIMS + BUNDLED_CHECKS + len(IDS)
    assert len(list(root.iter("failure"))) == 0
    for suite in suites:
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert suite.get("failures") == "0"


def test_check_junit_with_a_failure():
    result = invoke(
        "check",
        "7.12",
        "--format",
        "junit",
        "--claim",
        WRONG_7_12,
        "--claim",
        "f1/x=exp(x)",
    )
    assert result.exit_code == 1
    root = ElementTree.fromstring(result.stdout)
    (suite,) = root.findall("testsuite")
    assert suite.get("tests") == "3"
    assert suite.get("failures") == "1"
    failures = list(root.iter("failure"))
    assert len(failures) == 1
    assert "not equivalent" in failures[0].get("message")


def test_check_json_is_a_list_of_claims():
    result = invoke("check", "--format", "json")
    assert result.exit_code == 0
    claims = json.loads(result.stdout)
    assert isinstance(claims, list)
    assert len(claims) == BUNDLED_CLAIMS + BUNDLED_CHECKS
    graph_claims = [c for c in claims if c["problem"] in IDS]
    assert len(graph_claims) == BUNDLED_CLAIMS
    for claim in graph_claims:
        assert {
            "problem",
            "of",
            "wrt",
            "value",
            "derived",
            "verdict",
            "decided_by",
            "points",
            "counterexample",
        } <= set(claim)
    for check in claims:
        assert {"problem", "derived", "verdict", "decided_by"} <= set(check)
        assert check["verdict"] == "equivalent"
    for claim in graph_claims:
        assert claim["verdict"] == "equivalent"
        assert claim["decided_by"] in ("symbolic", "numeric")
        assert claim["counterexample"] is None
    assert [c["problem"] for c in claims].count("7.1") == 13


def test_check_json_counterexample():
    result = invoke("check", "7.12", "--format", "json", "--claim", WRONG_7_12)
    assert result.exit_code == 1
    (claim,) = json.loads(result.stdout)
    assert claim["verdict"] == "not-equivalent"
    example = claim["counterexample"]
    assert set(example["point"]) == {"x"}
    expected = dy_dx_7_12(repr(example["point"]["x"]))
    assert example["derived"] == pytest.approx(float(expected), rel=1e-9)
    assert example["claimed"] != pytest.approx(example["derived"], rel=1e-6)


def test_check_writes_output_file(tmp_path):
    target = tmp_path / "report.json"
    result = invoke("check", "7.4", "--format", "json", "-o", str(target))
    assert result.exit_code == 0
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 1


# -- solve ---------------------------------------------------------------------------


def _expression_strings(document):
    """(where, text) of every expression string in a solve JSON document."""
    for d in document["derivatives"]:
        yield "derivative", d["value"]
        if d["expanded"] is not None:
            yield "expanded", d["expanded"]
        for text in d["modes"].values():
            yield "mode", text
    for step in document["steps"]["direct"]:
        yield "direct expression", step["expression"]
        yield "direct value", step["value"]
    for mode in ("reverse", "forward"):
        for sweep in document["steps"][mode]:
            for step in sweep["steps"]:
                yield f"{mode} value", step["value"]
                for term in step["terms"]:
                    yield f"{mode} local", term["local_value"]
    for claim in document["claims"]:
        yield "claim", claim["value"]
        yield "derived", claim["derived"]


def test_solve_json_7_12():
    result = invoke("solve", "7.12", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert set(document) == {"id", "title", "output", "derivatives", "steps", "claims"}
    assert document["id"] == "7.12"
    assert document["output"] == "y"
    assert [d["wrt"] for d in document["derivatives"]] == [
        "f5",
        "f4",
        "f3",
        "f2",
        "f1",
        "x",
    ]
    assert all(d["agree"] for d in document["derivatives"])
    assert set(document["steps"]) == {"direct", "reverse", "forward"}
    dy_dx = next(d for d in document["derivatives"] if d["wrt"] == "x")
    expected = (
        (2 * S("f1") + 1)
        * (sympy.exp(S("f3")) + sympy.cos(S("f3")))
        * sympy.exp(S("x"))
    )
    assert same_function(parse(dy_dx["value"]), expected, SYMBOLIC["7.12"])
    for mode in ("direct", "reverse", "forward"):
        assert same_function(parse(dy_dx["modes"][mode]), expected, SYMBOLIC["7.12"])


@pytest.mark.parametrize("pid", IDS)
def test_solve_json_expressions_parse_back(pid):
    from gradsym.printing import to_text
    from gradsym.problems import load
    from gradsym.solution import solve

    result = invoke("solve", pid, "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    solution = solve(load().get(pid))
    for text in (t for _, t in _expression_strings(document)):
        parse(text)  # every expression string parses

    # SymPy distributes a number over a sum when it builds 2*(f - y_i), so the
    # text parses back to the same function, not always to the same tree.
    def same(a, b):
        return sympy.expand(a - b) == 0

    assert len(document["derivatives"]) == len(solution.derivatives)
    for item, derivative in zip(document["derivatives"], solution.derivatives):
        assert (item["of"], item["wrt"]) == derivative.pair
        assert same(parse(item["value"]), derivative.value)
        assert parse(item["value"]) == parse(to_text(derivative.value))
        for mode, text in item["modes"].items():
            assert same(parse(text), derivative.modes[mode])
    assert len(document["claims"]) == len(solution.claims)
    for item, check in zip(document["claims"], solution.claims):
        assert parse(item["value"]) == check.claim.value
        assert same(parse(item["derived"]), check.derived)


def test_solve_json_of_several_ids_is_a_list():
    result = invoke("solve", "7.4", "7.5", "--format", "json")
    assert result.exit_code == 0
    documents = json.loads(result.stdout)
    assert [d["id"] for d in documents] == ["7.4", "7.5"]


def test_solve_at_a_point_prints_the_value():
    result = invoke("solve", "7.12", "--at", "x=0.5")
    assert result.exit_code == 0
    section = result.stdout.split("At x=0.5:")[1]
    match = re.search(r"^\s*dy/dx = (\S+)$", section, re.M)
    assert match is not None
    expected = dy_dx_7_12("0.5")
    # about 555.9719679
    assert float(match.group(1)) == pytest.approx(float(expected), rel=1e-9)
    f3 = re.search(r"^\s*f3 = (\S+)$", section, re.M)
    assert float(f3.group(1)) == pytest.approx(
        float(mpmath.exp(0.5) + mpmath.e), rel=1e-9
    )


def test_solve_at_a_point_in_json():
    result = invoke("solve", "7.12", "--format", "json", "--at", "x=0.5")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    values = {(d["of"], d["wrt"]): d["value"] for d in document["at"]["derivatives"]}
    assert values[("y", "x")] == pytest.approx(float(dy_dx_7_12("0.5")), rel=1e-12)
    assert values[("y", "f5")] == 1
    assert document["at"]["point"] == {"x": 0.5}


def test_solve_at_accepts_expressions():
    result = invoke("solve", "7.4", "--format", "json", "--at", "f=pi/4, y_i=1/2")
    assert result.exit_code == 0
    (item,) = json.loads(result.stdout)["at"]["derivatives"]
    # dl/df = -2*(y_i - f)
    assert item["value"] == pytest.approx(-2 * (0.5 - float(mpmath.pi) / 4), rel=1e-12)


def test_solve_modes_filter():
    result = invoke("solve", "7.12", "--mode", "reverse")
    assert result.exit_code == 0
    assert "Reverse mode" in result.stdout
    assert "Forward mode" not in result.stdout
    assert "Direct:" not in result.stdout


def test_solve_at_a_non_real_value_is_bad_input():
    one_line_error(invoke("solve", "7.12", "--at", "x=sqrt(-1)"))


def test_solve_at_a_point_outside_the_domain_is_bad_input(tmp_path):
    path = write(
        tmp_path,
        "log.yaml",
        """
        problems:
          - id: "l"
            title: log
            inputs: [x]
            graph:
              y: log(x)
        """,
    )
    one_line_error(invoke("solve", "l", "--problems", str(path), "--at", "x=-1"))


def test_claim_with_a_non_real_value_is_not_an_internal_error():
    result = invoke("check", "7.12", "--claim", "x=exp(x)*sqrt(-1)")
    assert result.exit_code in (1, 2), result.output
    assert "internal error" not in result.output


def test_check_of_a_graph_using_sign(tmp_path):
    path = write(
        tmp_path,
        "sign.yaml",
        """
        problems:
          - id: "s"
            title: sign
            inputs: [x]
            graph:
              y: x*sign(x)
            claims:
              - wrt: x
                value: "sign(x)"
        """,
    )
    result = invoke("check", "--problems", str(path))
    assert result.exit_code == 0, result.output


def test_check_of_an_exp_tower_that_overflows_at_some_points(tmp_path):
    path = write(
        tmp_path,
        "tower.yaml",
        """
        problems:
          - id: "t"
            title: tower
            inputs: [x]
            graph:
              a: exp(x)
              b: exp(a)
              c: exp(b)
              y: exp(c)
        """,
    )
    result = invoke("check", "--problems", str(path))
    assert result.exit_code == 0, result.output


# -- sheet and output files -------------------------------------------------------


def test_sheet_latex_to_a_file(tmp_path):
    target = tmp_path / "sheet.tex"
    result = invoke("sheet", "--format", "latex", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert text.lstrip().startswith(r"\documentclass")
    assert text.rstrip().endswith(r"\end{document}")
    assert text.count(r"\begin{document}") == 1
    for pid in ALL_IDS:
        assert f"Problem {pid}:" in text
    assert os.listdir(tmp_path) == ["sheet.tex"]  # no temporary file left


def test_sheet_markdown():
    result = invoke("sheet", "7.12", "--title", "My answers")
    assert result.exit_code == 0
    assert result.stdout.startswith("# My answers")
    assert "## Problem 7.12: Reverse mode on an acyclic graph" in result.stdout
    assert "## Problem 7.13" not in result.stdout


def test_output_into_a_missing_folder_writes_nothing(tmp_path):
    target = tmp_path / "missing" / "sheet.tex"
    result = invoke("sheet", "7.4", "--format", "latex", "-o", str(target))
    one_line_error(result)
    assert not target.parent.exists()
    assert os.listdir(tmp_path) == []


def test_failed_render_leaves_an_existing_output_untouched(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "sheet.md.j2").write_text(
        "{{ no_such_variable.field }}\n", encoding="utf-8"
    )
    target = tmp_path / "sheet.md"
    target.write_text("previous\n", encoding="utf-8")
    result = invoke("sheet", "7.4", "--templates", str(templates), "-o", str(target))
    one_line_error(result)
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert sorted(os.listdir(tmp_path)) == ["sheet.md", "templates"]


def test_user_template_is_used(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "sheet.md.j2").write_text(
        "CUSTOM {{ title }}:{% for s in solutions %} [{{ s.problem.id }}]{% endfor %}\n",
        encoding="utf-8",
    )
    result = invoke(
        "sheet", "7.4", "7.12", "--templates", str(templates), "--title", "House"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "CUSTOM House: [7.4] [7.12]\n"


def test_user_template_falls_back_to_the_bundled_ones(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "solution.md.j2").write_text(
        "SOLUTION {{ problem.id }}\n", encoding="utf-8"
    )
    result = invoke("sheet", "7.4", "7.5", "--templates", str(templates))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Solutions")  # the bundled sheet.md.j2
    assert "SOLUTION 7.4" in result.stdout and "SOLUTION 7.5" in result.stdout
    assert "## Problem" not in result.stdout


# -- the installed entry point ------------------------------------------------------


def _command() -> list[str]:
    installed = shutil.which("gradsym")
    return [installed] if installed else [sys.executable, "-m", "gradsym"]


def test_subprocess_entry_point():
    wrong = subprocess.run(
        [*_command(), "check", "7.12", "--claim", WRONG_7_12],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wrong.returncode == 1, wrong.stderr
    assert "✗" in wrong.stdout
    assert "1 claim: 0 equivalent, 1 not equivalent" in wrong.stdout


def test_subprocess_module_errors():
    result = subprocess.run(
        [sys.executable, "-m", "gradsym", "check", "7.99"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("gradsym: error:")


def test_check_of_an_undecided_claim_exits_1(tmp_path):
    path = write(
        tmp_path,
        "nowhere.yaml",
        """
        problems:
          - id: "u"
            title: defined nowhere on the reals
            inputs: [x]
            graph:
              y: log(-exp(x))
            claims:
              - wrt: x
                value: "2*x"
        """,
    )
    result = invoke("check", "--problems", str(path))
    assert result.exit_code == 1, result.output
    assert "undecided" in result.stdout
    assert "1 claim: 0 equivalent, 0 not equivalent, 1 undecided" in result.stdout


def test_solve_text_of_every_bundled_problem():
    result = invoke("solve", *IDS)
    assert result.exit_code == 0, result.output
    for pid in IDS:
        assert f"Problem {pid}:" in result.stdout
    assert "✗" not in result.stdout
    assert result.stdout.count("✓") == BUNDLED_CLAIMS


# -- output targets and usage errors ---------------------------------------------


def test_output_through_a_symbolic_link_writes_the_target(tmp_path):
    target = tmp_path / "real.txt"
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    result = invoke("check", "7.4", "-o", str(link))
    assert result.exit_code == 0
    assert link.is_symlink()  # the link itself is kept
    assert "dl_i/df = -2*(y_i - f)" in target.read_text()


def test_output_to_a_device_writes_through_it():
    result = invoke("check", "7.4", "-o", os.devnull)
    assert result.exit_code == 0
    assert not os.path.isfile(os.devnull)  # still the device, not a file


def test_usage_errors_are_one_line_with_exit_2():
    run = subprocess.run(
        [sys.executable, "-m", "gradsym", "solve", "7.12", "--mode", "sideways"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("gradsym: error: Invalid value for '--mode'")
    assert "Try 'gradsym solve --help'." in lines[0]


def test_sqrt_of_a_square_is_abs_with_derivative_sign():
    result = invoke("check", "7.4", "--claim", "f=-2*(y_i - sqrt(f**2))")
    assert result.exit_code == 1  # wrong for f < 0, right for f > 0
    assert "not equivalent: at" in result.stdout
    result = invoke("check", "7.4", "--claim", "f=2*sqrt(f**2)*sign(f) - 2*y_i")
    assert result.exit_code == 0, result.output
