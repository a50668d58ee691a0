"""The zero-init kind: gradients at an all-zero initialisation (7.15).

The oracle is a network written out here again in plain mpmath, with its
gradients taken by central differences and gradient descent run on numbers,
plus the closed forms worked by hand: at zero the output bias gets -2y, the
sigmoid's output weights get -2y * sig(0) = -y, everything else 0; with ReLU
the output bias follows beta <- beta - 2 alpha (beta - y).
"""

from __future__ import annotations

import json
from pathlib import Path

import mpmath
import pytest
import sympy
from _helpers import S
from click.testing import CliRunner

from gradsym.cli import cli
from gradsym.expressions import parse
from gradsym.kinds import get as get_kind
from gradsym.kinds import initialisation
from gradsym.problems import loads
from gradsym.render import render_solution, solution_json

DATA = Path(__file__).parent / "data" / "kind_activations.yaml"
NAMES_1221 = [
    "beta0_1",
    "beta0_2",
    "omega0_11",
    "omega0_21",
    "beta1_1",
    "beta1_2",
    "omega1_11",
    "omega1_12",
    "omega1_21",
    "omega1_22",
    "beta2_1",
    "omega2_11",
    "omega2_12",
]


def one(body: str) -> str:
    lines = "".join(f"    {line}\n" for line in body.strip().splitlines())
    return f"problems:\n  - id: t\n    title: T\n    kind: zero-init\n{lines}"


def solve_text(text: str):
    problem = loads(text, "test").problems[0]
    return get_kind(problem.kind).solve(problem)


def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def report():
    problem = loads(DATA.read_text(), "test").get("7.15")
    return get_kind(problem.kind).solve(problem)


# -- an independent network ---------------------------------------------------------

ACT = {
    "relu": lambda z: max(z, mpmath.mpf(0)),
    "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
    "tanh": mpmath.tanh,
}


def loss(widths, act, p, x, y):
    """Sum of squared errors of the fully connected net with parameters p."""
    h = list(x)
    for k in range(len(widths) - 1):
        f = [
            p[f"beta{k}_{i}"]
            + sum(p[f"omega{k}_{i}{j}"] * h[j - 1] for j in range(1, widths[k] + 1))
            for i in range(1, widths[k + 1] + 1)
        ]
        h = [ACT[act](v) for v in f]
    return sum((fi - yi) ** 2 for fi, yi in zip(f, y, strict=True))


def names(widths):
    found = []
    for k in range(len(widths) - 1):
        found += [f"beta{k}_{i}" for i in range(1, widths[k + 1] + 1)]
        found += [
            f"omega{k}_{i}{j}"
            for i in range(1, widths[k + 1] + 1)
            for j in range(1, widths[k] + 1)
        ]
    return found


STEP = mpmath.mpf(10) ** -25


def gradient(widths, act, p, x, y):
    step = STEP
    result = {}
    for name in p:
        up, down = dict(p), dict(p)
        up[name] += step
        down[name] -= step
        result[name] = (loss(widths, act, up, x, y) - loss(widths, act, down, x, y)) / (
            2 * step
        )
    return result


def descend(widths, act, x, y, rate, steps):
    with mpmath.workdps(80):
        p = {n: mpmath.mpf(0) for n in names(widths)}
        for _ in range(steps):
            g = gradient(widths, act, p, x, y)
            p = {n: p[n] - rate * g[n] for n in p}
        return p


# -- 7.15 -----------------------------------------------------------------------------


def test_solves_and_every_check_holds(report):
    assert report.agree
    assert all(c.verdict.holds for c in report.checks)


def test_gradients_at_zero_closed_forms(report):
    relu = report.data["activations"]["relu"]["gradients_at_zero"]
    sigmoid = report.data["activations"]["sigmoid"]["gradients_at_zero"]
    assert list(relu) == NAMES_1221
    assert relu == {n: ("-2*y" if n == "beta2_1" else "0") for n in NAMES_1221}
    assert sigmoid == {
        n: {"beta2_1": "-2*y", "omega2_11": "-y", "omega2_12": "-y"}.get(n, "0")
        for n in NAMES_1221
    }
    assert report.data["activations"]["relu"]["non_zero"] == ["beta2_1"]


@pytest.mark.parametrize("act", ["relu", "sigmoid"])
def test_gradients_at_zero_by_central_differences(report, act):
    derived = report.data["activations"][act]["gradients_at_zero"]
    with mpmath.workdps(50):
        x, y = mpmath.mpf("0.3"), mpmath.mpf("-0.8")
        zero = {n: mpmath.mpf(0) for n in NAMES_1221}
        numeric = gradient([1, 2, 2, 1], act, zero, [x], [y])
        for name, text in derived.items():
            value = parse(text).subs(
                {S("x"): sympy.Rational(3, 10), S("y"): sympy.Rational(-8, 10)}
            )
            assert abs(numeric[name] - mpmath.mpf(str(float(value)))) < 1e-12, name


def test_relu_descent_moves_only_the_output_bias(report):
    descent = report.data["activations"]["relu"]["descent"]
    assert descent["moved"] == [[], ["beta_2"], ["beta_2"], ["beta_2"]]
    alpha, y = S("alpha"), S("y")
    bias = parse(descent["output_bias"][0])
    assert sympy.expand(bias - y * (1 - (1 - 2 * alpha) ** 3)) == 0
    # numbers: three steps of the independent network
    with mpmath.workdps(80):
        p = descend(
            [1, 2, 2, 1],
            "relu",
            [mpmath.mpf("0.3")],
            [mpmath.mpf("-0.8")],
            mpmath.mpf("0.1"),
            3,
        )
        assert all(abs(v) < 1e-30 for n, v in p.items() if n != "beta2_1")
        expected = mpmath.mpf("-0.8") * (1 - mpmath.mpf("0.8") ** 3)
        assert abs(p["beta2_1"] - expected) < 1e-30


def test_sigmoid_descent_keeps_hidden_units_identical(report):
    descent = report.data["activations"]["sigmoid"]["descent"]
    assert descent["units_identical"] == [True] * 4
    assert descent["moved"] == [
        [],
        ["beta_2", "Omega_2"],
        ["beta_1", "Omega_1", "beta_2", "Omega_2"],
        ["beta_0", "Omega_0", "beta_1", "Omega_1", "beta_2", "Omega_2"],
    ]
    # independently: after four numeric steps every layer has moved, yet the two
    # units of each hidden layer still have equal parameters
    with mpmath.workdps(80):
        p = descend(
            [1, 2, 2, 1],
            "sigmoid",
            [mpmath.mpf("0.3")],
            [mpmath.mpf("-0.8")],
            mpmath.mpf("0.5"),
            4,
        )
    assert all(abs(p[n]) > 1e-12 for n in p)
    pairs = [
        ("beta0_1", "beta0_2"),
        ("omega0_11", "omega0_21"),
        ("beta1_1", "beta1_2"),
        ("omega1_11", "omega1_22"),
        ("omega1_12", "omega1_21"),
        ("omega2_11", "omega2_12"),
    ]
    assert all(abs(p[a] - p[b]) < 1e-20 for a, b in pairs)


def test_the_seed_answer_is_rejected_in_prose(report):
    text = render_solution(report, "text")
    assert "That is wrong" in text and "it outputs 1/2" in text


def test_tanh_and_two_outputs():
    report = solve_text(one("widths: [2, 3, 2]\nactivations: tanh\nsteps: 2"))
    assert report.agree
    data = report.data["activations"]["tanh"]
    assert data["non_zero"] == ["beta1_1", "beta1_2"]
    assert data["gradients_at_zero"]["beta1_2"] == "-2*y2"
    assert data["descent"]["moved"] == [[], ["beta_1"], ["beta_1"]]


def test_steps_default_and_zero():
    assert (
        loads(one("widths: [1, 3, 3, 3, 1]\nactivations: relu"), "t")
        .problems[0]
        .settings.steps
        == 4
    )
    report = solve_text(one("widths: [1, 2, 1]\nactivations: sigmoid\nsteps: 0"))
    assert report.agree and "descent" not in report.data["activations"]["sigmoid"]


def test_a_wrong_backprop_fails_the_agreement_check(monkeypatch):
    real = initialisation.backprop

    def broken(net, act, values, slope_at_zero=None):
        run = real(net, act, values, slope_at_zero)
        first = net.parameters[0]
        run.gradients[first] = run.gradients[first] + 1
        return run

    monkeypatch.setattr(initialisation, "backprop", broken)
    report = solve_text(one("widths: [1, 2, 1]\nactivations: relu\nsteps: 1"))
    failed = [c.label for c in report.checks if not c.verdict.holds]
    assert any("agree on all" in label for label in failed)
    assert any("central differences" in label for label in failed)


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_each_format_renders(report, fmt):
    text = render_solution(report, fmt)
    assert "Problem 7.15" in text
    assert ("omega2\\_12" if fmt == "latex" else "omega2_12") in text


def test_json(report):
    document = json.loads(json.dumps(solution_json(report)))
    assert document["kind"] == "zero-init"
    assert document["results"]["widths"] == [1, 2, 2, 1]


def test_check_exits_0_on_the_file():
    assert run_cli("check", "7.15", "--problems", str(DATA)).exit_code == 0


def test_the_seed_claim_of_no_updates_exits_1(tmp_path):
    path = tmp_path / "wrong.yaml"
    path.write_text(
        one(
            "widths: [1, 2, 2, 1]\nactivations: sigmoid\nsteps: 0\n"
            "claims:\n  - wrt: beta2_1\n    value: '0'\n"
            "  - wrt: omega0_11\n    value: '0'"
        )
    )
    result = run_cli("check", "--problems", str(path))
    assert result.exit_code == 1
    assert "✗ sigmoid: the claimed dl/dbeta2_1 at zero: -2*y" in result.output
    assert "✓ sigmoid: the claimed dl/domega0_11 at zero: 0" in result.output


@pytest.mark.parametrize(
    "body, where, words",
    [
        ("widths: [1, 9, 1]\nactivations: relu", "5:17", "between 1 and 4"),
        ("widths: [1, 1]\nactivations: relu", "5:13", "3 to 5"),
        ("widths: [1, 2, 2, 2, 2, 1]\nactivations: relu", "5:13", "3 to 5"),
        ("widths: 3\nactivations: relu", "5:13", "list of whole numbers"),
        ("widths: [1, 2.5, 1]\nactivations: relu", "5:17", "whole number"),
        ("widths: [1, 2, 1]\nactivations: [softmax]", "6:19", "relu, sigmoid, tanh"),
        ("widths: [1, 2, 1]\nactivations: [relu, relu]", "6:25", "appears twice"),
        ("widths: [1, 2, 1]", "2:5", "Missing 'activations'"),
        ("activations: relu", "2:5", "Missing 'widths'"),
        ("widths: [1, 2, 1]\nactivations: relu\nsteps: 9", "7:12", "between 0 and 4"),
        ("widths: [1, 2, 1]\nactivations: relu\nsteps: two", "7:12", "whole number"),
        (
            "widths: [1, 2, 1]\nactivations: relu\nclaims:\n  - wrt: beta9_1\n"
            "    value: '0'",
            "8:14",
            "parameter of this network",
        ),
        (
            "widths: [1, 2, 1]\nactivations: relu\nclaims:\n  - wrt: beta1_1\n"
            "    value: 'z'",
            "9:17",
            "uses 'z'",
        ),
        (
            "widths: [1, 2, 1]\nactivations: [relu, tanh]\nclaims:\n  - wrt: beta1_1\n"
            "    value: '0'",
            "8:9",
            "which activation",
        ),
        (
            "widths: [1, 2, 1]\nactivations: relu\nlearning_rate: 1",
            "7:5",
            "Unknown key 'learning_rate'",
        ),
    ],
)
def test_bad_values_exit_2_naming_line_and_column(tmp_path, body, where, words):
    path = tmp_path / "bad.yaml"
    path.write_text(one(body))
    result = run_cli("check", "--problems", str(path))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gradsym: error:")
    assert f"bad.yaml:{where}" in lines[0] and words in lines[0]
