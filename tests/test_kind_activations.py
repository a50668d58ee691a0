"""The activation kind: the sigmoid's derivative (7.7) and step activations (7.8).

The oracles are independent of gradsym's code: closed forms known from the
calculus (sig' = sig (1 - sig) <= 1/4, tanh' <= 1), limits evaluated with
mpmath at large |z|, step functions written here as Python conditionals, and
the one-unit network's gradients by central differences in mpmath.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import mpmath
import pytest
import sympy
from _helpers import S
from click.testing import CliRunner

from gradsym.cli import cli
from gradsym.expressions import parse
from gradsym.kinds import activations
from gradsym.kinds import get as get_kind
from gradsym.problems import loads
from gradsym.render import render_sheet, render_solution, solution_json

DATA = Path(__file__).parent / "data" / "kind_activations.yaml"
z = S("z")


def one(kind: str, body: str = "") -> str:
    """A problem file with one problem of ``kind`` and the keys in ``body``."""
    lines = "".join(f"    {line}\n" for line in body.strip().splitlines())
    return f"problems:\n  - id: t\n    title: T\n    kind: {kind}\n{lines}"


def solve_text(text: str):
    problem = loads(text, "test").problems[0]
    return get_kind(problem.kind).solve(problem)


def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def reports():
    problems = loads(DATA.read_text(), "test").problems
    return {p.id: get_kind(p.kind).solve(p) for p in problems if p.kind == "activation"}


def sig(x):
    return 1 / (1 + mpmath.exp(-x))


# -- 7.7: the sigmoid --------------------------------------------------------------


def test_7_7_solves_and_every_check_holds(reports):
    report = reports["7.7"]
    assert report.agree
    assert len(report.checks) >= 12
    assert all(c.verdict.holds for c in report.checks)


def test_7_7_derivative_is_sig_times_one_minus_sig(reports):
    data = reports["7.7"].data["functions"]["sigmoid"]
    book, exp_form = parse(data["derivative"]), parse(data["derivative_exp_form"])
    with mpmath.workdps(30):
        for x in (-7, -1.5, 0, 0.3, 2, 9):
            x = mpmath.mpf(x)
            expected = sig(x) * (1 - sig(x))  # the closed form
            numeric = mpmath.diff(sig, x)  # and a numeric derivative
            assert abs(numeric - expected) < mpmath.mpf(10) ** -20
            for value in (book, exp_form):
                got = sympy.N(value.rewrite(sympy.exp).subs(z, sympy.Float(x, 30)), 30)
                assert abs(mpmath.mpf(str(got)) - expected) < mpmath.mpf(10) ** -20


def test_7_7_limits_and_maximum(reports):
    data = reports["7.7"].data["functions"]["sigmoid"]
    assert data["limit_plus_infinity"] == "0"
    assert data["limit_minus_infinity"] == "0"
    assert data["maximum"] == "1/4"
    assert data["argmax"] == "0"
    # independent: the derivative is tiny far out and 1/4 at 0
    with mpmath.workdps(30):
        assert sig(40) * (1 - sig(40)) < mpmath.mpf(10) ** -16
        assert sig(-40) * (1 - sig(-40)) < mpmath.mpf(10) ** -16
        grid = [mpmath.mpf(k) / 50 for k in range(-500, 501)]
        best = max(grid, key=lambda x: sig(x) * (1 - sig(x)))
        assert best == 0 and sig(best) * (1 - sig(best)) == mpmath.mpf(1) / 4


def test_7_7_shows_the_third_derivative_and_critical_point(reports):
    text = render_solution(reports["7.7"], "text")
    assert "real zeros = {0}" in text
    assert "-1/8" in text  # sig''' at 0 = (1/4)(0 - 1/2) = -1/8
    labels = [c.label for c in reports["7.7"].checks]
    assert any("claimed largest value" in label for label in labels)


def test_tanh_closed_forms():
    report = solve_text(one("activation", "function: tanh"))
    assert report.agree
    data = report.data["functions"]["tanh"]
    assert parse(data["derivative"]) == 1 - sympy.tanh(z) ** 2
    assert data["maximum"] == "1"
    assert (data["limit_plus_infinity"], data["limit_minus_infinity"]) == ("0", "0")


def test_a_wrong_book_form_fails_its_check():
    # A deliberately wrong closed form must not pass: the checks are not vacuous.
    spec = activations._smooth()["sigmoid"]
    wrong = activations.Smooth(
        spec.tex,
        spec.apply,
        lambda s: s * (1 + s),
        spec.book_tex,
        spec.limits,
        sympy.Rational(1, 2),
    )
    report = solve_text(one("activation", "function: sigmoid"))
    report.checks.clear()
    activations.solve_smooth(report, "sigmoid", wrong, [])
    failed = [c.label for c in report.checks if not c.verdict.holds]
    assert any("exponential form equals" in label for label in failed)
    assert any("largest derivative" in label for label in failed)


# -- 7.8: step functions -------------------------------------------------------------


def test_7_8_solves_and_every_check_holds(reports):
    report = reports["7.8"]
    assert report.agree
    assert all(c.verdict.holds for c in report.checks)


def test_7_8_jumps_and_one_sided_quotients(reports):
    data = reports["7.8"].data["functions"]
    assert data["heaviside"]["jumps"] == [
        {
            "at": "0",
            "left": "0",
            "value": "1",
            "right": "1",
            "quotient_left": "oo",
            "quotient_right": "0",
        }
    ]
    assert data["rect"]["jumps"] == [
        {
            "at": "0",
            "left": "0",
            "value": "1",
            "right": "1",
            "quotient_left": "oo",
            "quotient_right": "0",
        },
        {
            "at": "1",
            "left": "1",
            "value": "1",
            "right": "0",
            "quotient_left": "0",
            "quotient_right": "-oo",
        },
    ]
    assert data["heaviside"]["derivative_between_jumps"] == "0"


def heaviside_(x):
    return 1 if x >= 0 else 0


def rect_(x):
    return 1 if 0 <= x <= 1 else 0


@pytest.mark.parametrize(
    "name, step, jumps", [("heaviside", heaviside_, [0]), ("rect", rect_, [0, 1])]
)
def test_difference_quotients_numerically(name, step, jumps):
    for jump in jumps:
        for h in (1e-3, 1e-6, 1e-9):
            left = (step(jump - h) - step(jump)) / (-h)
            right = (step(jump + h) - step(jump)) / h
            assert max(abs(left), abs(right)) >= 1 / h * 0.999  # one diverges
            assert min(abs(left), abs(right)) == 0  # the other is 0


def numeric_loss(step, values):
    f = values["phi0"] + values["phi1"] * step(
        values["theta0"] + values["theta1"] * values["x"]
    )
    return (f - values["y"]) ** 2


@pytest.mark.parametrize("name, step", [("heaviside", heaviside_), ("rect", rect_)])
def test_7_8_network_gradients(reports, name, step):
    gradients = reports["7.8"].data["functions"][name]["network_gradients"]
    assert gradients == {
        "phi0": "2*(f - y)",
        "phi1": "2*h*(f - y)",
        "theta0": "0",
        "theta1": "0",
    }
    # central differences at points away from the jumps agree
    point = {
        "x": 0.4,
        "y": -1.1,
        "phi0": 0.3,
        "phi1": 1.7,
        "theta0": 0.2,
        "theta1": 0.5,
    }  # z = 0.4, inside both functions' unit steps
    h = 1e-7
    z_value = point["theta0"] + point["theta1"] * point["x"]
    f = point["phi0"] + point["phi1"] * step(z_value)
    env = {S("f"): f, S("y"): point["y"], S("h"): step(z_value)}
    for wrt, text in gradients.items():
        up = dict(point, **{wrt: point[wrt] + h})
        down = dict(point, **{wrt: point[wrt] - h})
        numeric = (numeric_loss(step, up) - numeric_loss(step, down)) / (2 * h)
        assert abs(numeric - float(parse(text).subs(env))) < 1e-6


def test_7_8_uses_no_dirac_delta_or_sympy_heaviside(reports):
    for fmt in ("text", "markdown", "latex"):
        text = render_solution(reports["7.8"], fmt)
        assert "DiracDelta" not in text and "Heaviside(" not in text
    assert "vanishing-gradient problem" in render_solution(reports["7.8"], "text")


def test_jumps_of_a_three_level_staircase():
    stairs = sympy.Piecewise((0, z < -1), (2, z < 3), (5, True))
    jumps = activations.jumps_of(stairs)
    assert [(j.at, j.left, j.value, j.right) for j in jumps] == [
        (-1, 0, 2, 2),
        (3, 2, 5, 5),
    ]
    assert [(j.quotient_left, j.quotient_right) for j in jumps] == [
        (sympy.oo, 0),
        (sympy.oo, 0),
    ]


def test_wrong_jump_list_fails_its_check():
    spec = activations._steps()["rect"]
    wrong = activations.Step(
        spec.tex, spec.apply, spec.definition, spec.cases_tex, (0,)
    )
    report = solve_text(one("activation", "function: rect"))
    report.checks.clear()
    activations.solve_step(report, "rect", wrong, [])
    assert [c.label for c in report.checks if not c.verdict.holds] == [
        "rect: jumps found in the definition"
    ]


# -- formats and the command line ----------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_each_format_renders(reports, fmt):
    for report in reports.values():
        text = render_solution(report, fmt)
        assert f"Problem {report.problem.id}" in text


def test_json(reports):
    document = json.loads(json.dumps(solution_json(reports["7.8"])))
    assert document["kind"] == "activation"
    rect = document["results"]["functions"]["rect"]
    assert rect["network_gradients"]["theta1"] == "0"
    assert all(claim["verdict"] == "equivalent" for claim in document["claims"])


def test_sheet_renders_in_latex(reports):
    sheet = render_sheet(list(reports.values()), "latex")
    assert sheet.startswith("\\documentclass") and "\\end{document}" in sheet


def test_check_exits_0_on_the_whole_file():
    # all four problems: 7.7 and 7.8 here, 7.14 and 7.15 of the sibling kinds
    result = run_cli("check", "--problems", str(DATA))
    assert result.exit_code == 0, result.output
    assert "not equivalent" not in result.output.replace("0 not equivalent", "")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_the_latex_sheet_compiles(tmp_path):
    tex = tmp_path / "sheet.tex"
    result = run_cli(
        "sheet", "--problems", str(DATA), "--format", "latex", "-o", str(tex)
    )
    assert result.exit_code == 0, result.output
    compiled = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert compiled.returncode == 0, compiled.stdout[-2000:]
    assert (tmp_path / "sheet.pdf").exists()


WRONG_CLAIMS = """
function: sigmoid
claims:
  - quantity: maximum
    value: "1/2"
  - quantity: derivative
    value: "sig(z)*(1 - sig(z))"
"""


def test_a_wrong_claim_exits_1(tmp_path):
    path = tmp_path / "wrong.yaml"
    path.write_text(one("activation", WRONG_CLAIMS))
    result = run_cli("check", "--problems", str(path))
    assert result.exit_code == 1
    assert (
        "✗ sigmoid: the claimed largest value of the derivative: 1/4" in result.output
    )
    assert "the claim '1/2' does not hold" in result.output
    assert "✓ sigmoid: the claimed derivative" in result.output


def test_a_wrong_step_claim_exits_1(tmp_path):
    path = tmp_path / "wrong.yaml"
    path.write_text(
        one(
            "activation",
            'functions: [rect]\nclaims:\n  - quantity: derivative\n    value: "1"',
        )
    )
    assert run_cli("check", "--problems", str(path)).exit_code == 1


@pytest.mark.parametrize(
    "body, where, words",
    [
        ("function: softplus", "5:15", "'function' must name one of"),
        ("functions: [sigmoid, sigmoid]", "5:26", "appears twice"),
        ("functions: []", "5:16", "at least one"),
        ("functions: [sigmoid, tanh, rect, heaviside, sigmoid]", "5:16", "at most 4"),
        ("function: sigmoid\nfunctions: [rect]", "6:16", "either 'function' or"),
        ("title2: x", "5:5", "Unknown key 'title2'"),
        ("function: sigmoid\nclaims: 3", "6:13", "'claims' must be a list"),
        (
            "function: sigmoid\nclaims:\n  - quantity: slope\n    value: '1'",
            "7:19",
            "'quantity' for sigmoid must be one of",
        ),
        ("function: sigmoid\nclaims:\n  - value: '1'", "7:9", "missing 'quantity'"),
        ("function: sigmoid\nclaims:\n  - quantity: maximum", "7:9", "missing 'value'"),
        (
            "function: sigmoid\nclaims:\n  - quantity: maximum\n    value: '1/4 + q'",
            "8:17",
            "uses 'q'",
        ),
        (
            "function: sigmoid\nclaims:\n  - quantity: maximum\n    value: '1/+'",
            "8:20",
            "Expected a number",
        ),
        (
            "functions: [sigmoid, rect]\nclaims:\n  - quantity: maximum\n    value: '1'",
            "7:9",
            "which function",
        ),
        (
            "function: rect\nclaims:\n  - quantity: maximum\n    value: '1'",
            "7:19",
            "for rect must be one of derivative",
        ),
        (
            "function: rect\nclaims:\n  - quantity: derivative\n    value: '1'\n"
            "    function: sigmoid",
            "9:19",
            "'function' must be one of rect",
        ),
    ],
)
def test_bad_values_exit_2_naming_line_and_column(tmp_path, body, where, words):
    path = tmp_path / "bad.yaml"
    path.write_text(one("activation", body))
    result = run_cli("check", "--problems", str(path))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gradsym: error:")
    assert f"bad.yaml:{where}" in lines[0] and words in lines[0]


def test_missing_functions_is_an_error():
    with pytest.raises(Exception, match="Missing 'functions'"):
        loads(one("activation", "claims: []"), "test")
