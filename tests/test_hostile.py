"""Hostile and broken input: problem files, --claim and --at strings, output files.

Every problem file under tests/hostile/ is broken or hostile on purpose.  The
expected message phrase, line and column of each were worked out by reading
the file, not by running gradsym.  Files that would be large (long
expressions, deep YAML, bytes that are not UTF-8) are generated here in
tmp_path.  Payloads that would run code target marker files under /tmp whose
absence is checked afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import sympy
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gradsym.cli import cli
from gradsym.errors import ExpressionError, GradsymError, LimitError, ProblemFileError
from gradsym.expressions import parse
from gradsym.problems import load, loads

HOSTILE = Path(__file__).parent / "hostile"
MARKER = "/tmp/gradsym-pwned-"
MARKERS = [
    MARKER + name
    for name in (
        "python-tag",
        "python-mapping",
        "python-document",
        "python-scalar",
        "template",
        "claim",
        "at",
    )
]
TIMEOUT = 60  # seconds for any one run of the command


def _command() -> list[str]:
    beside = Path(sys.executable).with_name("gradsym")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("gradsym")
    return [found] if found else [sys.executable, "-m", "gradsym"]


GRADSYM = _command()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command, in its own process, with a time limit."""
    return subprocess.run(
        [*GRADSYM, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        encoding="utf-8",
        errors="backslashreplace",
    )


def invoke(*args: str):
    """The command in this process (faster), with stderr kept apart."""
    return CliRunner().invoke(cli, list(args))


def assert_error(code: int, stderr: str, *phrases: str) -> str:
    """Exit 2, one line on stderr starting 'gradsym: error:', every phrase in it."""
    assert "Traceback" not in stderr, stderr
    assert "internal error" not in stderr, stderr
    assert stderr.startswith("gradsym: error: "), stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    for phrase in phrases:
        assert phrase in stderr, (phrase, stderr)
    assert code == 2, (code, stderr)
    return stderr


def markers() -> set[str]:
    """The marker files of this module's payloads that exist now."""
    return {marker for marker in MARKERS if os.path.exists(marker)}


@pytest.fixture(autouse=True)
def no_markers():
    """No payload ever runs: no marker file before or after any test."""
    for leftover in markers():  # from some earlier, unrelated run
        os.unlink(leftover)
    yield
    assert markers() == set(), "a payload ran"


# -- the corpus: one file per kind of breakage --------------------------------


@dataclass(frozen=True)
class Case:
    file: str
    phrases: tuple[str, ...]
    line: int | None
    column: int | None
    problem: str | None = None


CASES = [
    # YAML tags that a full loader would turn into os.system(...)
    Case(
        "payload_python_tag.yaml",
        ("python/object/apply:os.system' is not allowed",),
        7,
        10,
        "h.payload",
    ),
    Case(
        "payload_python_mapping.yaml",
        ("python/object/apply:os.system' is not allowed",),
        9,
        9,
        "h.payload2",
    ),
    Case(
        "payload_python_document.yaml",
        ("python/object/apply:os.system' is not allowed",),
        1,
        5,
    ),
    Case(
        "payload_python_scalar.yaml",
        ("python/object/apply:os.system",),
        5,
        12,
        "h.payload3",
    ),
    # YAML itself
    Case("alias_bomb.yaml", ("YAML aliases (*name) are not allowed",), 3, 8),
    Case(
        "duplicate_key.yaml",
        ("Duplicate key 'title'", "(the first is at line 3)"),
        7,
        5,
        "h.dupkey",
    ),
    Case(
        "duplicate_node.yaml",
        ("Duplicate key 'f1'", "(the first is at line 6)"),
        8,
        7,
        "h.dupnode",
    ),
    Case(
        "not_yaml.yaml",
        ("The file is not valid YAML", "mapping values are not allowed here"),
        3,
        13,
    ),
    Case(
        "tab_indent.yaml",
        (
            "The file is not valid YAML",
            "found character '\\t' that cannot start any token",
        ),
        2,
        1,
    ),
    Case(
        "multiple_documents.yaml",
        ("The file is not valid YAML", "but found another document"),
        2,
        1,
    ),
    Case("complex_key.yaml", ("Mapping keys must be plain words",), 2, 7),
    Case(
        "empty.yaml",
        ("A problem file is a mapping with a 'problems' list",),
        None,
        None,
    ),
    Case(
        "comments_only.yaml",
        ("A problem file is a mapping with a 'problems' list",),
        None,
        None,
    ),
    # the schema
    Case(
        "unknown_key.yaml",
        ("Unknown key 'tittle'.", "Did you mean 'title'?"),
        3,
        5,
        "h.unknown",
    ),
    Case(
        "unknown_claim_key.yaml",
        ("Unknown key 'vaule'.", "Did you mean 'value'?"),
        9,
        9,
        "h.unknownclaim",
    ),
    Case(
        "unknown_top_key.yaml",
        ("Unknown key 'problem'", "Did you mean 'problems'?"),
        1,
        1,
    ),
    Case(
        "undeclared_name.yaml",
        ("'thetaa' is not declared.", "Did you mean 'theta'?"),
        6,
        10,
        "h.undeclared",
    ),
    Case("cycle.yaml", ("The graph has a cycle: a -> c -> b -> a",), 6, 10, "h.cycle"),
    Case("self_cycle.yaml", ("The graph has a cycle: y -> y",), 6, 10, "h.selfcycle"),
    Case(
        "later_node.yaml",
        ("Node 'f1' uses 'f2', which is defined later in the graph",),
        6,
        11,
        "h.later",
    ),
    Case(
        "input_in_graph.yaml",
        ("'w' is an input or parameter and also a graph node",),
        6,
        7,
        "h.inputnode",
    ),
    Case(
        "duplicate_id.yaml",
        ("Duplicate problem id 'h.dup'", "also problem number 1"),
        7,
        9,
        "h.dup",
    ),
    Case(
        "duplicate_numeric_id.yaml",
        ("Duplicate problem id '7.10'", "also problem number 1"),
        7,
        9,
        "7.10",
    ),
    Case("missing_id.yaml", ("Missing 'id'",), 2, 5),
    Case("missing_title.yaml", ("Missing 'title'",), 2, 5, "h.notitle"),
    Case(
        "missing_graph.yaml",
        ("'graph' must be a mapping of node names to expressions",),
        2,
        5,
        "h.nograph",
    ),
    Case(
        "missing_claim_value.yaml",
        ("The claim is missing 'value'",),
        8,
        9,
        "h.claimvalue",
    ),
    Case("wrong_type.yaml", ("'inputs' must be a list of names",), 4, 13, "h.type"),
    Case(
        "wrong_type_title.yaml",
        ("'title' must be text, not a list",),
        3,
        12,
        "h.titletype",
    ),
    Case(
        "wrong_type_node.yaml",
        ("Expected an expression as text, not true/false",),
        6,
        10,
        "h.nodetype",
    ),
    Case("wrong_type_graph.yaml", ("'graph' must be a mapping",), 5, 12, "h.graphtype"),
    Case("wrong_type_claims.yaml", ("'claims' must be a list",), 7, 13, "h.claimstype"),
    Case("wrong_type_problems.yaml", ("'problems' must be a non-empty list",), 1, 11),
    Case("problem_not_mapping.yaml", ("Each problem must be a mapping",), 1, 12),
    Case("too_many_problems.yaml", ("More than 1000 problems",), 1, 11),
    Case(
        "bad_input_name.yaml",
        ("'exp' in 'inputs' is not a usable name",),
        4,
        17,
        "h.inputname",
    ),
    Case(
        "bad_node_name.yaml",
        ("'pi' in 'graph' is not a usable name",),
        6,
        7,
        "h.nodename",
    ),
    Case(
        "bad_kind.yaml",
        ("Unknown kind 'grahp'.", "Did you mean 'graph'?"),
        4,
        11,
        "h.kind",
    ),
    Case(
        "bad_output.yaml",
        ("'output' names 'los', which is not a graph node.", "Did you mean 'loss'?"),
        7,
        13,
        "h.output",
    ),
    Case(
        "bad_wrt.yaml", ("'wrt' names 'thta'", "Did you mean 'theta'?"), 7, 14, "h.wrt"
    ),
    Case(
        "bad_claim_of.yaml",
        ("The claim's 'of' names 'lost'", "Did you mean 'loss'?"),
        8,
        13,
        "h.claimof",
    ),
    Case(
        "bad_claim_wrt.yaml",
        ("The claim's 'wrt' names 'thta'", "Did you mean 'theta'?"),
        9,
        14,
        "h.claimwrt",
    ),
    Case(
        "bad_claim_value_name.yaml",
        ("The claim uses 'los', which is not declared.", "Did you mean 'loss'?"),
        9,
        16,
        "h.claimname",
    ),
    Case(
        "no_variables.yaml",
        ("Nothing to differentiate with respect to",),
        2,
        5,
        "h.novars",
    ),
    # expressions: the column is that of the offending text in the file
    Case("attribute_access.yaml", ("Unexpected character '.'",), 6, 11, "h.attr"),
    Case("dunder_call.yaml", ("Unknown function '__import__'",), 6, 10, "h.dunder"),
    Case(
        "dunder_name.yaml",
        ("Names may not start with an underscore",),
        6,
        14,
        "h.dundername",
    ),
    Case("string_literal.yaml", ('Unexpected character "\'"',), 6, 11, "h.string"),
    Case("lambda_expr.yaml", ("Unexpected character ':'",), 6, 17, "h.lambda"),
    Case("subscript.yaml", ("Unexpected character '['",), 6, 11, "h.subscript"),
    Case(
        "keyword.yaml",
        ("Expected an operator or the end of the expression, found 'if'",),
        6,
        12,
        "h.keyword",
    ),
    Case("comprehension.yaml", ("Unexpected character '['",), 6, 11, "h.comprehension"),
    Case(
        "unknown_function.yaml",
        ("Unknown function 'sine'.", "Did you mean 'sin'?"),
        6,
        10,
        "h.function",
    ),
    Case("eval_call.yaml", ("Unknown function 'eval'",), 6, 10, "h.eval"),
    Case("complex_constant.yaml", ("has no real value",), 7, 12, "h.complex"),
    Case(
        "comparison_outside.yaml",
        ("Comparisons are allowed only inside indicator(...)",),
        6,
        12,
        "h.compare",
    ),
    # limits: the location is the expression; the message names the limit
    Case(
        "huge_power.yaml",
        ("Exponent 387420489", "larger than the limit of 1000"),
        6,
        10,
        "h.power",
    ),
    Case(
        "huge_integer.yaml",
        ("longer than the limit of 400 digits",),
        6,
        10,
        "h.integer",
    ),
    Case("huge_float_exponent.yaml", ("exponent is beyond 300",), 6, 10, "h.float"),
    Case("huge_number_product.yaml", ("limit",), 6, 10, "h.product"),
    Case("huge_number_fraction.yaml", ("limit",), 6, 10, "h.tiny"),
    Case("deep_nesting.yaml", ("nests deeper than 80 levels",), 6, 10, "h.deep"),
    Case("deep_calls.yaml", ("nests deeper than 80 levels",), 6, 10, "h.deepcalls"),
    Case("deep_signs.yaml", ("nests deeper than 80 levels",), 6, 10, "h.deepsigns"),
]
BY_FILE = {case.file: case for case in CASES}


def location(path: Path | str, case: Case) -> str:
    if case.line is None:
        return f"{path}: "
    return f"{path}:{case.line}:{case.column}"


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_corpus_cli(case: Case) -> None:
    """`gradsym check --problems FILE`: exit 2, one line naming file, line, column."""
    path = HOSTILE / case.file
    result = invoke("check", "--problems", str(path))
    stderr = assert_error(result.exit_code, result.stderr, *case.phrases)
    assert location(path, case) in stderr
    if case.problem is not None:
        assert f"problem {case.problem}" in stderr
    assert result.stdout == ""


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_corpus_library(case: Case) -> None:
    """gradsym.problems.loads raises ProblemFileError with the exact position."""
    text = (HOSTILE / case.file).read_text(encoding="utf-8")
    with pytest.raises(ProblemFileError) as caught:
        loads(text, case.file)
    error = caught.value
    for phrase in case.phrases:
        assert phrase in str(error)
    assert error.file == case.file
    assert (error.line, error.column) == (case.line, case.column)
    if case.problem is not None:
        assert error.problem == case.problem


PAYLOADS = {  # corpus file -> the marker file its payload would create
    "payload_python_tag.yaml": "/tmp/gradsym-pwned-python-tag",
    "payload_python_mapping.yaml": "/tmp/gradsym-pwned-python-mapping",
    "payload_python_document.yaml": "/tmp/gradsym-pwned-python-document",
    "payload_python_scalar.yaml": "/tmp/gradsym-pwned-python-scalar",
}


LIVE = sorted(set(PAYLOADS) - {"payload_python_scalar.yaml"})


@pytest.mark.parametrize("name", LIVE)
def test_payloads_are_live_under_an_unsafe_loader(name: str) -> None:
    """Control: yaml.unsafe_load really runs each payload, creating its marker."""
    program = f"import yaml; yaml.unsafe_load(open({str(HOSTILE / name)!r}))"
    subprocess.run([sys.executable, "-c", program], timeout=TIMEOUT, check=True)
    assert os.path.exists(PAYLOADS[name])
    os.unlink(PAYLOADS[name])


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_payload_files_run_nothing(name: str) -> None:
    """The real command in its own process: refused, and no marker file appears."""
    path = HOSTILE / name
    assert PAYLOADS[name] in path.read_text()
    result = run("check", "--problems", str(path))
    assert_error(result.returncode, result.stderr, *BY_FILE[name].phrases)
    assert not os.path.exists(PAYLOADS[name])


def test_template_syntax_in_problem_text_is_not_evaluated(tmp_path: Path) -> None:
    path = HOSTILE / "template_injection.yaml"
    output = tmp_path / "sheet.md"
    result = run("sheet", "--problems", str(path), "-o", str(output))
    assert result.returncode == 0, result.stderr
    sheet = output.read_text(encoding="utf-8")
    assert "{{ 7*7 }} {% for i in range(3) %}loop{% endfor %}" in sheet
    assert "49" not in sheet and "looploop" not in sheet
    assert "{{ cycler.__init__.__globals__.os.system(" in sheet
    assert not os.path.exists("/tmp/gradsym-pwned-template")


# -- corpus files that are generated, being large or not text ------------------

HEADER = "problems:\n  - id: h.gen\n    title: Generated\n    inputs: [x]\n    graph:\n"


def test_long_expression(tmp_path: Path) -> None:
    path = tmp_path / "long_expression.yaml"
    path.write_text(HEADER + "      y: " + "x+" * 5000 + "x\n")  # 10,001 characters
    stderr = assert_error(
        *_check(path), "10001 characters", "longer than the limit of 10000"
    )
    assert f"{path}:6:10" in stderr and "problem h.gen" in stderr
    with pytest.raises(ProblemFileError) as caught:
        loads(path.read_text(), "long.yaml")
    assert (caught.value.line, caught.value.column) == (6, 10)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "not_utf8.yaml"
    path.write_bytes(b"problems:\n  - id: \xff\xfe\n")
    assert_error(*_check(path), f"{path}: ", "not UTF-8", "(byte 18)")
    with pytest.raises(ProblemFileError) as caught:
        load(path)
    assert caught.value.file == str(path)


def test_nul_byte(tmp_path: Path) -> None:
    path = tmp_path / "nul_byte.yaml"
    path.write_bytes(b"problems:\n  - id: a\x00b\n")  # the NUL is at line 2, column 10
    assert_error(*_check(path), f"{path}:2:10")
    with pytest.raises(ProblemFileError) as caught:
        loads(path.read_text(), "nul.yaml")
    assert (caught.value.line, caught.value.column) == (2, 10)


def test_file_too_big(tmp_path: Path) -> None:
    path = tmp_path / "too_big.yaml"
    path.write_bytes(b"# " + b"x" * 2_000_000 + b"\n")  # 2,000,003 bytes
    assert_error(*_check(path), f"{path}: ", "larger than the limit of 2000000 bytes")


def test_missing_problem_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    assert_error(
        *_check(path),
        f"{path}: Cannot read the problem file",
        "No such file or directory",
    )


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))


def test_endless_problem_file(tmp_path: Path) -> None:
    """A problem file that is a link to /dev/zero, as a pull request may add:
    the size limit must stop the reading, not the memory running out."""
    path = tmp_path / "problems.yaml"
    path.symlink_to("/dev/zero")
    try:
        result = subprocess.run(
            [*GRADSYM, "check", "--problems", str(path)],
            capture_output=True,
            text=True,
            timeout=30,
            preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("reading an endless problem file did not stop within 30 s")
    assert_error(
        result.returncode,
        result.stderr,
        f"{path}: ",
        "larger than the limit of 2000000 bytes",
    )


def test_deep_yaml_nesting(tmp_path: Path) -> None:
    """10,000 nested YAML lists (20 kB), deeper than any recursive loader goes."""
    path = tmp_path / "deep_yaml.yaml"
    path.write_text(HEADER + "      y: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert_error(*_check(path), f"{path}:6:")


def test_nested_yaml_is_refused_in_bounded_time(tmp_path: Path) -> None:
    """2,000 lists nested 150 deep (600 kB, well under the size limit)."""
    path = tmp_path / "nested_yaml.yaml"
    block = "[" * 150 + "]" * 150
    path.write_text(
        HEADER + "      y: exp(x)\n    statement: [" + ",".join([block] * 2000) + "]\n"
    )
    try:
        result = subprocess.run(
            [*GRADSYM, "check", "--problems", str(path)],
            capture_output=True,
            text=True,
            timeout=8,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("a 600 kB file of nested YAML lists was not refused within 8 s")
    assert_error(result.returncode, result.stderr, f"{path}:")


def test_deep_yaml_nesting_library() -> None:
    """loads() raises ProblemFileError, not RecursionError."""
    text = HEADER + "      y: " + "[" * 600 + "]" * 600 + "\n"
    with pytest.raises(ProblemFileError) as caught:
        loads(text, "deep_yaml.yaml")
    assert caught.value.line == 6


def test_too_many_nodes(tmp_path: Path) -> None:
    path = tmp_path / "too_many_nodes.yaml"
    nodes = "".join(f"      f{i}: x + {i}\n" for i in range(5001))
    path.write_text(HEADER + nodes)
    stderr = assert_error(*_check(path), "5001 nodes", "limit of 5000", "problem h.gen")
    # The limit is about the graph: its key (5:5) or its first node (6:7).
    assert f"{path}:5:5" in stderr or f"{path}:6:7" in stderr, stderr
    with pytest.raises(ProblemFileError) as caught:
        loads(path.read_text(), "nodes.yaml")
    assert (caught.value.line, caught.value.column) in ((5, 5), (6, 7))


def test_huge_whole_number_in_mode_cost(tmp_path: Path) -> None:
    path = tmp_path / "mode_cost.yaml"
    path.write_text(HEADER + "      y: exp(x)\n    mode_cost: [" + "9" * 5000 + "]\n")
    assert_error(
        *_check(path),
        f"{path}:7:17",
        "problem h.gen",
        "'mode_cost' must be between 1 and 1000000",
    )


def _check(path: Path) -> tuple[int, str]:
    result = invoke("check", "--problems", str(path))
    return result.exit_code, result.stderr


def test_lone_surrogate_in_title() -> None:
    """A YAML escape for a lone surrogate: no UTF-8 text exists for it."""
    path = HOSTILE / "surrogate_title.yaml"
    result = run("check", "--problems", str(path))
    assert_error(result.returncode, result.stderr, f"{path}:")
    listed = invoke("list", "--problems", str(path))
    assert_error(listed.exit_code, listed.stderr, f"{path}:")


# -- --claim and --at strings ---------------------------------------------------

HOSTILE_CLAIMS = [
    ("x=x.__class__", ("Unexpected character '.'", "column 2 of 'x.__class__'")),
    ("x=().__class__.__bases__", ("Unexpected character '.'", "column 3 of")),
    ("x=lambda: 1", ("Unexpected character ':'", "column 7 of 'lambda: 1'")),
    ('x="a"', ("Unexpected character '\"'", "column 1 of")),
    ("x=x[0]", ("Unexpected character '['", "column 2 of 'x[0]'")),
    ("x=9**9**9**9", ("Exponent 387420489 at column 5", "limit of 1000")),
    ("x=__import__(x)", ("Unknown function '__import__'", "column 1 of")),
    ("x=open(x)", ("Unknown function 'open'", "column 1 of")),
    ("x=exp(x", ("Expected ')' to close the call of exp()", "column 6 of 'exp(x'")),
    ("x=x if x else 1", ("found 'if'", "column 3 of")),
    ("x=" + "x+" * 5000 + "x", ("10001 characters", "limit of 10000")),
    ("x=" + "(" * 81 + "x" + ")" * 81, ("nests deeper than 80 levels",)),
    ("x=1e999", ("exponent is beyond 300",)),
    ("x=2**sqrt(-1)", ()),
    ("x=x**(0*log(0))", ()),
    ("x=indicator(log(0) > 1)", ()),
]


@pytest.mark.parametrize(
    "claim, phrases", HOSTILE_CLAIMS, ids=[c[:30] for c, _ in HOSTILE_CLAIMS]
)
def test_hostile_claim(claim: str, phrases: tuple[str, ...]) -> None:
    result = invoke("check", "7.12", "--claim", claim)
    assert_error(result.exit_code, result.stderr, *phrases)


def test_claim_payload_runs_nothing() -> None:
    marker = MARKER + "claim"
    claim = f"x=__import__('os').system('touch {marker}')"
    result = run("check", "7.12", "--claim", claim)
    assert_error(
        result.returncode,
        result.stderr,
        "--claim",
        'Unexpected character "\'"',
        "column 12 of",
    )
    assert not os.path.exists(marker)


def test_at_payload_runs_nothing() -> None:
    marker = MARKER + "at"
    point = f"x=__import__('os').system('touch {marker}')"
    result = run("solve", "7.12", "--at", point)
    assert_error(
        result.returncode,
        result.stderr,
        "--at",
        'Unexpected character "\'"',
        "column 12 of",
    )
    assert not os.path.exists(marker)


@pytest.mark.parametrize(
    "value, phrase",
    [
        ("y", "must be a real number"),
        ("log(-1)", "no real value"),
        ("sqrt(-1)", "no real value"),
        ("log(0)", "no real value"),
        ("0*log(0)", "no real value"),
    ],
)
def test_at_value_that_is_not_a_real_number(value: str, phrase: str) -> None:
    result = invoke("solve", "7.12", "--at", f"x={value}")
    assert_error(result.exit_code, result.stderr, f"--at 'x={value}'", phrase)


def test_at_point_where_the_graph_overflows() -> None:
    """7.12 at x=1000: f4 = exp(f3) = exp(exp(1000) + exp(2000)) has no value."""
    result = invoke("solve", "7.12", "--at", "x=1000")
    assert_error(result.exit_code, result.stderr, "--at")


@pytest.mark.parametrize("command", ["check", "solve"])
def test_unknown_id_suggests_the_nearest(command: str) -> None:
    result = invoke(command, "7.21")
    assert_error(
        result.exit_code, result.stderr, "No problem '7.21'", "Did you mean '7.2'?"
    )


def test_sympy_names_are_plain_symbols() -> None:
    for name in ("beta", "gamma", "zeta", "lambda", "E", "I", "N", "S", "Q", "O"):
        assert parse(name) == sympy.Symbol(name, real=True)
    assert parse("I**2") == sympy.Symbol("I", real=True) ** 2
    assert parse("E - E") == 0 and parse("exp(1)") != parse("E")
    for call in ("gamma(x)", "beta(x, x)", "zeta(x)", "N(x)", "S(x)", "O(x)"):
        with pytest.raises(ExpressionError):
            parse(call)
    result = invoke("check", "--problems", str(HOSTILE / "sympy_names.yaml"))
    assert result.exit_code == 0, result.stderr
    assert "4 claims: 4 equivalent, 0 not equivalent, 0 undecided" in result.stdout


@pytest.mark.parametrize(
    "text, column",
    [
        ("x*sqrt(-1)", 3),
        ("x*log(-1)", 3),
        ("x*log(0)", 3),
        ("x + 0*log(0)", 7),
        ("2**sqrt(-1)", 4),
        ("x**(0*log(0))", 7),
        ("indicator(log(0) > 1)", 11),
    ],
)
def test_constants_without_a_real_value_are_refused(text: str, column: int) -> None:
    """sqrt(-1) is i, log(0) is zoo, 0*log(0) is nan: refused where they appear."""
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert "has no real value" in str(caught.value)
    assert (caught.value.text, caught.value.column) == (text, column)


def test_parse_limits_raise_limit_error() -> None:
    for text in (
        "9**9**9**9",
        "x**1001",
        "1" * 401,
        "1e301",
        "x+" * 5000 + "x",
        "(" * 81 + "x" + ")" * 81,
        "-" * 81 + "x",
        "(2**1000)**1000",
    ):
        with pytest.raises(LimitError):
            parse(text)
    # Numbers computed from literals: the digits limit holds for products and
    # for powers of small fractions too, not only for powers of big numbers.
    for text in (
        "*".join(["2**1000"] * 16),
        "0.0000000000000000000000000000000000000000000000000000000001**1000",
    ):
        with pytest.raises(LimitError):
            parse(text)


def test_longest_expression_parses_in_bounded_time() -> None:
    """10,000 characters (the limit) of a product of distinct names."""
    names = [f"a{i}" for i in range(2100)]
    text = "*".join(names)[:10_000].rstrip("*")
    assert len(text) == 10_000 and len(set(text.split("*"))) > 1800
    program = f"from gradsym.expressions import parse; parse({text!r})"
    try:
        subprocess.run([sys.executable, "-c", program], check=True, timeout=6)
    except subprocess.TimeoutExpired:
        pytest.fail("parsing one 10,000-character expression took over 6 s")


def test_numbers_past_the_digit_limit_are_refused_before_solving() -> None:
    """2**1000 sixteen times over: 4,817 digits, which Python will not print."""
    path = HOSTILE / "huge_number_product.yaml"
    result = invoke("solve", "--problems", str(path), "h.product")
    assert_error(result.exit_code, result.stderr, f"{path}:6:10")


# -- atomic output ---------------------------------------------------------------

SMALL = """\
problems:
  - id: h.small
    title: Small
    inputs: [x]
    graph:
      y: exp(x)
"""


@pytest.fixture
def output_dir(tmp_path: Path) -> tuple[Path, Path, Path]:
    problems = tmp_path / "problems.yaml"
    problems.write_text(SMALL)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "sheet.md"
    target.write_text("previous content\n")
    return problems, folder, target


BROKEN_TEMPLATES = {
    "undefined": ("{{ undefined_thing }}\n", ("'undefined_thing' is undefined",)),
    "syntax": (
        "{% for s in solutions %}\n{{ s.problem.id }\n",
        ("sheet.md.j2", "line 2"),
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_TEMPLATES))
def test_broken_template_leaves_output_untouched(
    tmp_path: Path, output_dir, kind: str
) -> None:
    problems, folder, target = output_dir
    templates = tmp_path / "templates"
    templates.mkdir()
    text, phrases = BROKEN_TEMPLATES[kind]
    (templates / "sheet.md.j2").write_text(text)
    result = run(
        "sheet",
        "--problems",
        str(problems),
        "--templates",
        str(templates),
        "-o",
        str(target),
    )
    assert_error(result.returncode, result.stderr, *phrases)
    assert target.read_text() == "previous content\n"
    assert sorted(p.name for p in folder.iterdir()) == ["sheet.md"]


def test_template_that_raises_leaves_output_untouched(
    tmp_path: Path, output_dir
) -> None:
    problems, folder, target = output_dir
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "sheet.md.j2").write_text("partial {{ 1/0 }}\n")
    result = invoke(
        "sheet",
        "--problems",
        str(problems),
        "--templates",
        str(templates),
        "-o",
        str(target),
    )
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    assert target.read_text() == "previous content\n"
    assert sorted(p.name for p in folder.iterdir()) == ["sheet.md"]


def test_unencodable_output_leaves_output_untouched(output_dir) -> None:
    _, folder, target = output_dir
    result = invoke(
        "sheet", "--problems", str(HOSTILE / "surrogate_title.yaml"), "-o", str(target)
    )
    assert target.read_text() == "previous content\n"
    assert sorted(p.name for p in folder.iterdir()) == ["sheet.md"]
    assert_error(result.exit_code, result.stderr)


def test_output_into_missing_folder(tmp_path: Path, output_dir) -> None:
    problems, _, _ = output_dir
    target = tmp_path / "missing" / "sheet.md"
    result = invoke("sheet", "--problems", str(problems), "-o", str(target))
    assert_error(
        result.exit_code,
        result.stderr,
        f"Cannot write {target}",
        "No such file or directory",
    )
    assert not target.parent.exists()


def test_output_replaced_when_all_goes_well(output_dir) -> None:
    problems, folder, target = output_dir
    result = invoke("sheet", "--problems", str(problems), "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert "h.small" in target.read_text()
    assert sorted(p.name for p in folder.iterdir()) == ["sheet.md"]


# -- numeric evaluation on hostile graphs -----------------------------------------


def check_json(path: Path) -> tuple[int, list[dict]]:
    result = run("check", "--problems", str(path), "--format", "json")
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, (
        result.stderr
    )
    return result.returncode, json.loads(result.stdout)


NO_POINTS = "only 0 of 30 points gave finite real values on both sides; 12 are needed"


def test_off_domain_everywhere_is_undecided() -> None:
    code, claims = check_json(HOSTILE / "off_domain.yaml")
    assert code == 1
    assert [
        (c["problem"], c["verdict"], c["decided_by"], c["points"], c["note"])
        for c in claims
    ] == [("h.offdomain", "undecided", None, 0, NO_POINTS)]
    text = invoke("check", "--problems", str(HOSTILE / "off_domain.yaml"))
    assert text.exit_code == 1
    assert f"undecided: {NO_POINTS}" in text.stdout


def test_overflow_and_division_by_zero_are_skipped() -> None:
    code, claims = check_json(HOSTILE / "overflow.yaml")
    assert code == 0
    assert [(c["problem"], c["verdict"]) for c in claims] == [
        ("h.overflow", "equivalent"),
        ("h.divzero", "equivalent"),
    ]


def test_slow_identity_finishes() -> None:
    """Equal, but slow to prove: the time-limited proof falls back to numbers."""
    code, claims = check_json(HOSTILE / "slow_identity.yaml")
    assert code == 0
    assert [(c["problem"], c["verdict"]) for c in claims] == [("h.slow", "equivalent")]


# -- the parser on random text ----------------------------------------------------


def _parses_or_refuses(text: str) -> None:
    try:
        result = parse(text)
    except GradsymError:
        return
    assert isinstance(result, sympy.Basic), (text, result)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.text(max_size=200))
def test_parse_random_text(text: str) -> None:
    _parses_or_refuses(text)


TOKENS = [
    "x",
    "y",
    "z1",
    "pi",
    "E",
    "I",
    "lambda",
    "_",
    "__class__",
    "__import__",
    "exp",
    "log",
    "sqrt",
    "sin",
    "tan",
    "abs",
    "sign",
    "max",
    "min",
    "relu",
    "heaviside",
    "indicator",
    "leaky_relu",
    "sig",
    "eval",
    "0",
    "1",
    "2",
    "9",
    "0.5",
    ".5",
    "1e3",
    "1e999",
    "123456789",
    "+",
    "-",
    "*",
    "/",
    "**",
    "^",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "(",
    ")",
    ",",
    ".",
    "[",
    "]",
    "'",
    '"',
    ":",
    " ",
    "\t",
    "\n",
]


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
@example("2**sqrt(-1)")
@example("x**(0*log(0))")
@example("indicator(log(0) > 1)")
@example("log(0)**-1")
def test_parse_grammar_like_text(text: str) -> None:
    _parses_or_refuses(text)


# -- the corpus is complete --------------------------------------------------------


def test_every_corpus_file_is_used() -> None:
    used = (
        set(BY_FILE)
        | set(PAYLOADS)
        | {
            "template_injection.yaml",
            "surrogate_title.yaml",
            "sympy_names.yaml",
            "off_domain.yaml",
            "overflow.yaml",
            "slow_identity.yaml",
        }
    )
    present = {p.name for p in HOSTILE.iterdir()}
    assert present == used, textwrap.shorten(str(present ^ used), 300)
