"""The matrix-calculus kinds: jacobian-sizes (7.3), jacobian (7.6),
matrix-gradient (7.9) and backprop-equations (7.10).

The oracles are independent of gradsym: sizes written out by hand from the
layout rule, matrices built here with SymPy, and derivatives of the leaky
ReLU taken from a Piecewise definition rather than gradsym's primitives.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from _helpers import S
from click.testing import CliRunner

from gradsym.cli import cli
from gradsym.kinds import get as get_kind
from gradsym.kinds import matrices
from gradsym.primitives import indicator
from gradsym.problems import loads
from gradsym.render import render_sheet, render_solution, solution_json

DATA = Path(__file__).parent / "data" / "kind_matrices.yaml"
IDS = ("7.3", "7.6", "7.9", "7.10")


def solve_text(text: str):
    problem = loads(text, "test").problems[0]
    return get_kind(problem.kind).solve(problem)


def one(kind: str, body: str = "") -> str:
    """A problem file with one problem of ``kind`` and the keys in ``body``."""
    lines = "".join(f"    {line}\n" for line in body.strip().splitlines())
    return f"problems:\n  - id: t\n    title: T\n    kind: {kind}\n{lines}"


@pytest.fixture(scope="module")
def reports():
    problems = loads(DATA.read_text(), "test").problems
    return {p.id: get_kind(p.kind).solve(p) for p in problems}


def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args))


# -- the bundled file ------------------------------------------------------------------


def test_the_file_has_the_four_problems_of_the_right_kinds():
    problems = loads(DATA.read_text(), "test").problems
    assert [(p.id, p.kind) for p in problems] == [
        ("7.3", "jacobian-sizes"),
        ("7.6", "jacobian"),
        ("7.9", "matrix-gradient"),
        ("7.10", "backprop-equations"),
    ]


@pytest.mark.parametrize("problem_id", IDS)
def test_each_problem_solves_and_every_check_holds(reports, problem_id):
    report = reports[problem_id]
    assert report.checks
    assert report.agree, [c.label for c in report.checks if not c.verdict.holds]


def test_gradsym_check_exits_0_for_the_file():
    result = run_cli("check", "--problems", str(DATA))
    assert result.exit_code == 0, result.output
    assert "0 not equivalent, 0 undecided" in result.stdout


@pytest.mark.parametrize("problem_id", IDS)
@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_each_format_renders(reports, problem_id, fmt):
    text = render_solution(reports[problem_id], fmt)
    assert f"Problem {problem_id}" in text
    assert "✗" not in text and "$\\times$" not in text
    if fmt == "latex":
        # only pdflatex-safe characters outside maths, balanced maths
        assert text.count("\\begin{") == text.count("\\end{")
        assert "\\checkmark" in text


@pytest.mark.parametrize("problem_id", IDS)
def test_json_is_serialisable_and_has_results(reports, problem_id):
    document = solution_json(reports[problem_id])
    json.dumps(document)
    assert document["id"] == problem_id
    assert document["results"]
    assert all(c["verdict"] == "equivalent" for c in document["claims"])


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex")
def test_the_latex_sheet_compiles(reports, tmp_path):
    source = tmp_path / "sheet.tex"
    source.write_text(render_sheet(list(reports.values()), "latex"))
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source.name],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout[-2000:]


# -- jacobian-sizes (7.3) ----------------------------------------------------------

# Denominator layout: d(of)/d(wrt) is dim(wrt) x dim(of); written out by hand.
SIZES = {
    "dh1/df0": ("D1", "D1"),
    "df1/dh1": ("D1", "D2"),
    "dh2/df1": ("D2", "D2"),
    "df2/dh2": ("D2", "D3"),
    "dh3/df2": ("D3", "D3"),
    "df3/dh3": ("D3", "Df"),
    "dl/df3": ("Df", "1"),
    "dl/df0": ("D1", "1"),
}


def test_sizes_of_every_factor_symbolic_and_concrete(reports):
    factors = reports["7.3"].data["factors"]
    widths = {"D1": 2, "D2": 3, "D3": 4, "Df": 1, "1": 1}
    assert [f["factor"] for f in factors] == list(SIZES)
    for factor in factors:
        rows, columns = SIZES[factor["factor"]]
        assert factor["size"] == f"{rows} x {columns}"
        assert (factor["rows"], factor["columns"]) == (widths[rows], widths[columns])


def test_the_sizes_chain_to_d1_by_1(reports):
    chain = reports["7.3"].data["chain"]
    assert chain[0] == "dl/df3: Df x 1"
    assert chain[-1] == "dl/df0 = dh1/df0 dl/dh1: (D1 x D1)(D1 x 1) = D1 x 1"
    assert len(chain) == 7


def test_the_seed_sizes_are_all_confirmed(reports):
    checks = {c.label: c for c in reports["7.3"].checks}
    for factor, (rows, columns) in SIZES.items():
        check = checks[f"size of {factor}"]
        assert check.claimed == f"{rows} x {columns}"
        assert check.verdict.holds


def test_the_built_jacobians_are_diag_omega_transposed_and_the_loss_gradient():
    network = matrices.SizesNetwork({"D1": 2, "D2": 3, "D3": 4, "Df": 1})
    f0 = [S("f0_1"), S("f0_2")]
    jacobians = network.jacobians
    assert jacobians["dh1/df0"] == sympy.diag(
        *[indicator(sympy.StrictGreaterThan(s, 0)) for s in f0]
    )
    omega1 = sympy.Matrix(3, 2, lambda i, j: S(f"omega1_{i + 1}{j + 1}"))
    assert jacobians["df1/dh1"] == omega1.T
    assert jacobians["df3/dh3"].shape == (4, 1)
    assert jacobians["dl/df3"] == sympy.Matrix([2 * (S("f3_1") - S("y_1"))])


def test_product_of_the_factors_matches_a_hand_written_gradient():
    # One unit per layer: dl/df0 = 2 (f3 - y) w3 I[f2 > 0] w2 I[f1 > 0] w1 I[f0 > 0]
    network = matrices.SizesNetwork({"D1": 1, "D2": 1, "D3": 1, "Df": 1})
    point = {
        S("omega1_11"): Fraction(3, 2),
        S("omega2_11"): Fraction(-2),
        S("omega3_11"): Fraction(5, 4),
        S("beta1_1"): Fraction(1, 3),
        S("beta2_1"): Fraction(7, 2),
        S("beta3_1"): Fraction(-1),
        S("y_1"): Fraction(1, 2),
        S("f0_1"): Fraction(2, 3),
    }
    f0 = Fraction(2, 3)
    f1 = Fraction(1, 3) + Fraction(3, 2) * f0
    f2 = Fraction(7, 2) - 2 * f1
    f3 = -1 + Fraction(5, 4) * f2
    assert f1 > 0 and f2 > 0
    expected = 2 * (f3 - Fraction(1, 2)) * Fraction(5, 4) * -2 * Fraction(3, 2)
    assert network.chain_product(point) == sympy.Matrix(
        [sympy.Rational(expected.numerator, expected.denominator)]
    )
    assert network.gradient_by_differences(point) == network.chain_product(point)
    assert network.gradient_by_sympy(point, 0) == network.chain_product(point)[0]


def test_a_dead_unit_gives_a_zero_gradient():
    network = matrices.SizesNetwork({"D1": 1, "D2": 1, "D3": 1, "Df": 1})
    point = {
        S("omega1_11"): Fraction(1),
        S("omega2_11"): Fraction(1),
        S("omega3_11"): Fraction(1),
        S("beta1_1"): Fraction(-5),
        S("beta2_1"): Fraction(1),
        S("beta3_1"): Fraction(0),
        S("y_1"): Fraction(0),
        S("f0_1"): Fraction(1),
    }  # f1 = -4: dead
    assert network.chain_product(point) == sympy.Matrix([0])
    assert network.gradient_by_differences(point) == sympy.Matrix([0])


def test_exact_slope_is_exact_across_a_nearby_kink():
    kink = Fraction(1, 2) - Fraction(1, 2000)  # inside the first step of 1/1024

    def loss_and_signs(t):
        z = t - kink
        return (z if z > 0 else Fraction(0)) ** 2, ((z > 0) - (z < 0),)

    assert matrices.exact_slope(loss_and_signs, Fraction(1, 2)) == Fraction(1, 1000)


def test_numerator_layout_jacobians_fail_the_checks(monkeypatch):
    # Teeth: without the transpose, the sizes no longer chain at distinct widths.
    original = matrices.SizesNetwork._jacobians

    def untransposed(self):
        return {name: m.T for name, m in original(self).items()}

    monkeypatch.setattr(matrices.SizesNetwork, "_jacobians", untransposed)
    report = solve_text(one("jacobian-sizes", "widths: {D1: 2, D2: 3, D3: 4, Df: 1}"))
    failed = {c.label for c in report.checks if not c.verdict.holds}
    assert "size of df1/dh1" in failed
    assert "product of the seven factors = dl/df0" in failed


def test_widths_default_and_claims_spellings():
    report = solve_text(
        one(
            "jacobian-sizes",
            """
claims: {"dl_i/df3": "D_f x 1", "df1/dh1": "d1×D2", "dh3/df2": "D3*D3"}
""",
        )
    )
    assert report.data["widths"] == {"D1": 2, "D2": 3, "D3": 4, "Df": 1}
    claimed = {c.label: c.claimed for c in report.checks if c.claimed}
    assert claimed == {
        "size of dl/df3": "Df x 1",
        "size of df1/dh1": "D1 x D2",
        "size of dh3/df2": "D3 x D3",
    }
    assert report.agree


def test_equal_widths_are_mentioned():
    report = solve_text(one("jacobian-sizes", "widths: {D1: 2, D2: 2, D3: 2, Df: 2}"))
    assert report.agree
    assert any("widths are equal" in getattr(b, "text", "") for b in report.blocks)


def test_a_wrong_size_claim_fails_and_check_exits_1(tmp_path):
    path = tmp_path / "wrong.yaml"
    path.write_text(one("jacobian-sizes", "claims: {df1/dh1: D2 x D1}"))
    report = solve_text(path.read_text())
    wrong = [c for c in report.checks if not c.verdict.holds]
    assert [(c.label, c.derived, c.claimed) for c in wrong] == [
        ("size of df1/dh1", "D1 x D2", "D2 x D1")
    ]
    result = run_cli("check", "--problems", str(path))
    assert result.exit_code == 1
    assert "✗ size of df1/dh1: D1 x D2" in result.stdout


# -- jacobian (7.6) ---------------------------------------------------------------


def omega(rows: int, columns: int) -> sympy.Matrix:
    return sympy.Matrix(rows, columns, lambda i, j: S(f"omega_{i + 1}{j + 1}"))


def test_jacobian_both_layouts(reports):
    data = reports["7.6"].data
    assert data["numerator_layout"] == (
        "[[omega_11, omega_12, omega_13], [omega_21, omega_22, omega_23]]"
    )
    assert data["denominator_layout"] == (
        "[[omega_11, omega_21], [omega_12, omega_22], [omega_13, omega_23]]"
    )
    assert data["element"] == "dz_i/dh_j = omega_ij"


@pytest.mark.parametrize("rows, columns", [(1, 1), (3, 2), (4, 4)])
def test_jacobian_other_sizes(rows, columns):
    report = solve_text(one("jacobian", f"rows: {rows}\ncolumns: {columns}"))
    assert report.agree
    expected = omega(rows, columns).T
    shown = [
        [S(name) for name in re.findall(r"omega_\d\d", row)]
        for row in report.data["denominator_layout"].split("], [")
    ]
    assert sympy.Matrix(shown) == expected
    assert f"all {rows * columns} pairs" in report.checks[0].label


def test_jacobian_notes_the_seed_layout_mismatch(reports):
    text = render_solution(reports["7.6"], "text")
    assert "row $i$ and column $j$" in text
    assert "placement and the answer" in text


# -- matrix-gradient (7.9) -----------------------------------------------------------


@pytest.mark.parametrize("outputs, inputs", [(2, 3), (1, 1), (3, 1), (3, 3)])
def test_matrix_gradient_sizes(outputs, inputs):
    report = solve_text(one("matrix-gradient", f"outputs: {outputs}\ninputs: {inputs}"))
    assert report.agree
    assert report.data["size"] == f"{outputs} x {inputs}"
    labels = [c.label for c in report.checks]
    assert f"all {outputs * outputs * inputs} cases" in labels[0]
    assert f"all {outputs * inputs} pairs" in labels[1]


def test_matrix_gradient_formula_against_a_concrete_loss():
    # The identity the kind checks, with an explicit loss: dl/domega_ij = dl/df_i h_j.
    w = omega(2, 3)
    h = sympy.Matrix([S("h_1"), S("h_2"), S("h_3")])
    f = sympy.Matrix([S("beta_1"), S("beta_2")]) + w * h
    loss = f[0] ** 2 * sympy.sin(f[1])
    grad_f = sympy.Matrix([sympy.diff(loss, S(f"beta_{i}")) for i in (1, 2)])
    direct = sympy.Matrix(2, 3, lambda i, j: sympy.diff(loss, w[i, j]))
    assert sympy.simplify(direct - grad_f * h.T) == sympy.zeros(2, 3)


def test_matrix_gradient_notes_the_seed_index_confusion(reports):
    text = render_solution(reports["7.9"], "markdown")
    assert "f_{ij}" in text and "Its final formula is right" in text


# -- backprop-equations (7.10) ----------------------------------------------------


def piecewise_gradients(point: matrices.BackpropPoint):
    """Every dl/dparameter by SymPy on a Piecewise leaky ReLU: an oracle that
    uses neither gradsym's primitives nor its backward pass."""
    alpha = sympy.Rational(point.alpha.numerator, point.alpha.denominator)
    network = point.network
    symbols, values = [], {}
    weights, biases = [], []
    layers = zip(network.weights, network.biases, strict=True)
    for k, (weight, bias) in enumerate(layers):
        w = sympy.Matrix(
            [
                [sympy.Symbol(f"w{k}_{i}{j}", real=True) for j in range(len(weight[0]))]
                for i in range(len(weight))
            ]
        )
        b = sympy.Matrix(
            [sympy.Symbol(f"b{k}_{i}", real=True) for i in range(len(bias))]
        )
        for matrix, numbers in ((w, [x for row in weight for x in row]), (b, bias)):
            for s, v in zip(matrix, numbers, strict=True):
                symbols.append(s)
                values[s] = sympy.Rational(v.numerator, v.denominator)
        weights.append(w)
        biases.append(b)
    z = sympy.Symbol("z", real=True)
    leaky = sympy.Lambda(z, sympy.Piecewise((z, z > 0), (alpha * z, True)))
    current = sympy.Matrix(
        [sympy.Rational(x.numerator, x.denominator) for x in point.x]
    )
    for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
        if k > 0:
            current = current.applyfunc(leaky)
        current = b + w * current
    targets = [sympy.Rational(t.numerator, t.denominator) for t in network.targets]
    loss = sum((e - t) ** 2 for e, t in zip(current, targets, strict=True))
    return [sympy.diff(loss, s).subs(values) for s in symbols]


def backward_flat(point):
    d_omega, d_beta = matrices.backward_pass(point)
    return [e for w, b in zip(d_omega, d_beta, strict=True) for e in (*w, *b)]


def test_backward_pass_matches_an_independent_piecewise_oracle():
    settings = matrices.BackpropSettings((1, 2, 2), sympy.Rational(1, 10), 1)
    point = matrices._random_backprop(settings, random.Random(3))
    oracle = piecewise_gradients(point)
    assert backward_flat(point) == oracle
    direct = []
    layers = zip(point.network.weights, point.network.biases, strict=True)
    for k, (w, b) in enumerate(layers):
        direct += [
            matrices.direct_gradient(point, "Omega", k, i)
            for i in range(len(w) * len(w[0]))
        ]
        direct += [matrices.direct_gradient(point, "beta", k, i) for i in range(len(b))]
    assert direct == oracle


def test_backward_pass_hand_example():
    # x = 1, one hidden unit with f0 = -2 (negative branch), alpha = 1/4:
    # h1 = -1/2, f1 = 3 h1 + 1 = -1/2, l = (f1 - 1)^2 = 9/4, dl/df1 = -3,
    # dl/dOmega1 = -3 h1 = 3/2, dl/df0 = alpha * 3 * -3 = -9/4, dl/dOmega0 = -9/4.
    omega0, omega1 = ((Fraction(-3),),), ((Fraction(3),),)
    network = matrices.Network(
        (omega0, omega1), ((Fraction(1),), (Fraction(1),)), (Fraction(1),)
    )
    point = matrices.BackpropPoint(network, (Fraction(1),), Fraction(1, 4))
    d_omega, d_beta = matrices.backward_pass(point)
    third = sympy.Rational
    assert d_beta[1] == sympy.Matrix([-3])
    assert d_omega[1] == sympy.Matrix([third(3, 2)])
    assert d_beta[0] == sympy.Matrix([third(-9, 4)])
    assert d_omega[0] == sympy.Matrix([third(-9, 4)])
    assert matrices.direct_gradient(point, "Omega", 0, 0) == third(-9, 4)
    assert matrices.sympy_gradient(point, "Omega", 0, 0) == third(-9, 4)
    assert matrices.direct_gradient(point, "beta", 1, 0) == -3


def test_backprop_data_and_both_branches(reports):
    data = reports["7.10"].data
    assert data["widths"] == [2, 3, 4, 2] and data["layers"] == 2
    assert data["alpha"] == "1/10"
    # 3*2 + 3 + 4*3 + 4 + 2*4 + 2 = 35 parameters at each of 2 points
    assert data["compared"] == 70
    assert data["negative_preactivations"] > 0 and data["positive_preactivations"] > 0
    assert data["negative_preactivations"] + data["positive_preactivations"] == 2 * 7


def test_relu_instead_of_leaky_relu_fails_the_checks(monkeypatch):
    # Teeth: a backward pass that forgets alpha (the ReLU rule) must be caught.
    leaky_backward = matrices.backward_pass

    def relu_backward(point):
        return leaky_backward(
            matrices.BackpropPoint(point.network, point.x, Fraction(0))
        )

    monkeypatch.setattr(matrices, "backward_pass", relu_backward)
    report = solve_text(one("backprop-equations", "widths: [2, 3, 4, 2]"))
    assert not report.agree
    assert report.checks[-1].verdict.holds  # the kink facts do not depend on it


@pytest.mark.parametrize(
    "body, layers, widths",
    [
        ("layers: 1", 1, [2, 3, 2]),
        ("widths: [1, 2, 1]", 1, [1, 2, 1]),
        (
            "layers: 3\nwidths: [1, 2, 2, 2, 1]\npoints: 1\nalpha: 1/100",
            3,
            [1, 2, 2, 2, 1],
        ),
    ],
)
def test_backprop_other_networks(body, layers, widths):
    report = solve_text(one("backprop-equations", body))
    assert report.agree
    assert report.data["layers"] == layers and report.data["widths"] == widths


def test_kink_convention_checks(reports):
    checks = {c.label: c for c in reports["7.10"].checks}
    slope = checks["gradsym's leaky ReLU slope at z = 0 is the left derivative alpha"]
    assert slope.derived == "1/10"
    assert checks[
        "the published factor I[f > 0] + alpha I[f < 0] at f = 0 is "
        "neither one-sided derivative"
    ].derived.startswith("0 ")


# -- bad values: exit 2, one line naming line:column ------------------------------

BAD = [
    ("jacobian-sizes", "widths: [2, 3]", "must be a mapping"),
    ("jacobian-sizes", "widths: {D1: 2, D2: 3, D3: 4}", "no value for Df"),
    ("jacobian-sizes", "widths: {D1: 2, D2: 3, D3: 4, Df: 1, D4: 2}", "Unknown width"),
    ("jacobian-sizes", "widths: {D1: 5, D2: 3, D3: 4, Df: 1}", "between 1 and 4"),
    ("jacobian-sizes", "widths: {D1: two, D2: 3, D3: 4, Df: 1}", "whole number"),
    ("jacobian-sizes", "claims: [D1 x D1]", "mapping of factors"),
    ("jacobian-sizes", "claims: {dh9/df0: D1 x D1}", "Unknown factor"),
    ("jacobian-sizes", "claims: {dh1/df0: D1 by}", "not of the form"),
    ("jacobian-sizes", "claims: {dl/df3: Df x 1, dl_i/df3: Df x 1}", "claimed twice"),
    ("jacobian", "rows: 0", "between 1 and 8"),
    ("jacobian", "columns: 9", "between 1 and 8"),
    ("jacobian", "rows: two", "whole number"),
    ("matrix-gradient", "outputs: 7", "between 1 and 6"),
    ("matrix-gradient", "inputs: 1.5", "whole number"),
    ("backprop-equations", "layers: 2\nwidths: [2, 3, 2]", "must hold 4", 6),
    ("backprop-equations", "widths: [2, 3]", "3 to 5 whole numbers"),
    ("backprop-equations", "widths: [2, 5, 2]", "between 1 and 4"),
    ("backprop-equations", "widths: {a: 1}", "list of whole numbers"),
    ("backprop-equations", "layers: 4", "between 1 and 3"),
    ("backprop-equations", "alpha: 1", "between 0 and 1"),
    ("backprop-equations", "alpha: -0.1", "between 0 and 1"),
    ("backprop-equations", "alpha: a", "between 0 and 1"),
    ("backprop-equations", "alpha: '(0.1'", "Expected ')'"),
    ("backprop-equations", "points: 5", "between 1 and 4"),
    ("backprop-equations", "flavour: 1", "Unknown key"),
]


@pytest.mark.parametrize(
    "kind, body, message, line",
    [case if len(case) == 4 else (*case, 5) for case in BAD],
)
def test_a_bad_value_exits_2_naming_line_and_column(
    tmp_path, kind, body, message, line
):
    path = tmp_path / "bad.yaml"
    path.write_text(one(kind, body))
    result = run_cli("check", "--problems", str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("gradsym: error: ")
    assert re.search(rf"{re.escape(str(path))}:{line}:\d+", lines[0]), lines[0]
    assert message in lines[0]
