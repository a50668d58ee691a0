"""Direct, reverse and forward mode against derivatives worked out by hand and
against central finite differences computed here with mpmath."""

from __future__ import annotations

import random

import mpmath
import pytest
import sympy
from _helpers import (
    GRAPHS,
    I_,
    LEAVES,
    SYMBOLIC,
    S,
    central_difference,
    close,
    graph_problems,
    num,
    random_point,
    relu_point,
    run,
    same_function,
    sigmoid,
    substitute_all,
)

from gradsym.derivation import MODES
from gradsym.problems import loads
from gradsym.solution import solve

IDS = ["7.1", "7.2", "7.4", "7.5", "7.12", "7.13"]


@pytest.fixture(scope="module")
def solutions():
    return {p.id: solve(p) for p in graph_problems()}


def test_bundled_ids(solutions):
    assert list(solutions) == IDS


# -- derivatives worked out by hand, in graph names ------------------------------


def gt0(name: str) -> sympy.Expr:
    return I_(sympy.StrictGreaterThan(S(name), 0))


_ec = sympy.exp(S("f3")) + sympy.cos(S("f3"))
_chain = 2 * S("omega3") * sympy.sin(S("f2")) * (S("y_i") - S("f3"))
_dh11 = S("phi1") * S("psi11") * gt0("z21") + S("phi2") * S("psi12") * gt0("z22")
_dh12 = S("phi1") * S("psi21") * gt0("z21") + S("phi2") * S("psi22") * gt0("z22")

EXPECTED: dict[str, dict[str, sympy.Expr]] = {
    "7.12": {
        "f5": sympy.Integer(1),
        "f4": sympy.Integer(1),
        "f3": _ec,
        "f2": _ec,
        "f1": _ec * (1 + 2 * S("f1")),
        "x": (2 * S("f1") + 1) * _ec * sympy.exp(S("x")),
    },
    "7.13": {"x": (2 * S("f1") + 1) * _ec * sympy.exp(S("x"))},
    "7.2": {
        "f3": 2 * (S("f3") - S("y_i")),
        "f2": _chain,
        "h2": _chain * S("omega2"),
        "f1": _chain * S("omega2") * sympy.exp(S("f1")),
        "h1": _chain * S("omega2") * sympy.exp(S("f1")) * S("omega1"),
        "f0": _chain
        * S("omega2")
        * sympy.exp(S("f1"))
        * S("omega1")
        * sympy.cos(S("f0")),
    },
    "7.4": {"f": -2 * (S("y_i") - S("f"))},
    "7.5": {"f": sigmoid(S("f")) - S("y_i")},
    "7.1": {
        "phi0": sympy.Integer(1),
        "phi1": S("h21"),
        "phi2": S("h22"),
        "theta01": _dh11 * gt0("z11"),
        "theta11": _dh11 * gt0("z11") * S("x"),
        "theta02": _dh12 * gt0("z12"),
        "theta12": _dh12 * gt0("z12") * S("x"),
        "psi01": S("phi1") * gt0("z21"),
        "psi11": S("phi1") * gt0("z21") * S("h11"),
        "psi21": S("phi1") * gt0("z21") * S("h12"),
        "psi02": S("phi2") * gt0("z22"),
        "psi12": S("phi2") * gt0("z22") * S("h11"),
        "psi22": S("phi2") * gt0("z22") * S("h12"),
    },
}

CASES = [(pid, wrt, mode) for pid in IDS for wrt in EXPECTED[pid] for mode in MODES]


def test_every_wanted_derivative_has_an_expectation(solutions):
    for pid, solution in solutions.items():
        problem = solution.problem
        assert set(problem.wrt) == set(EXPECTED[pid]), pid
    assert len(EXPECTED["7.1"]) == 13


@pytest.mark.parametrize("pid, wrt, mode", CASES)
def test_mode_gives_the_hand_derived_derivative(solutions, pid, wrt, mode):
    solution = solutions[pid]
    of = solution.problem.output
    value = solution.derivations[mode].value((of, wrt))
    assert value is not None, f"{mode} mode was skipped"
    assert same_function(value, EXPECTED[pid][wrt], SYMBOLIC[pid])


def test_7_12_dy_dx_substituted(solutions):
    x = S("x")
    ex = sympy.exp(x)
    f3 = ex + sympy.exp(2 * x)
    expected = (2 * ex + 1) * (sympy.exp(f3) + sympy.cos(f3)) * ex
    for mode in MODES:
        value = solutions["7.12"].derivations[mode].value(("y", "x"))
        assert sympy.simplify(substitute_all(value, SYMBOLIC["7.12"]) - expected) == 0
    derivative = next(d for d in solutions["7.12"].derivatives if d.wrt == "x")
    assert derivative.expanded is not None
    assert derivative.expanded.free_symbols == {x}
    assert sympy.simplify(derivative.expanded - expected) == 0


def test_7_12_dy_dx_in_graph_names_uses_only_f1_f3_and_x(solutions):
    value = solutions["7.12"].derivations["reverse"].value(("y", "x"))
    assert value.free_symbols == {S("f1"), S("f3"), S("x")}
    assert sympy.expand(value - EXPECTED["7.12"]["x"]) == 0


def test_7_5_reduces_to_sigmoid_minus_target(solutions):
    for mode in MODES:
        value = solutions["7.5"].derivations[mode].value(("l_i", "f"))
        full = substitute_all(value, SYMBOLIC["7.5"])
        assert sympy.simplify(full - (sigmoid(S("f")) - S("y_i"))) == 0


def test_every_bundled_problem_agrees(solutions):
    for pid, solution in solutions.items():
        assert solution.agree, pid
        for derivative in solution.derivatives:
            assert derivative.agreement.status == "equivalent", (pid, derivative.pair)
            assert derivative.agreement.decided_by in ("symbolic", "numeric")
        for mode in MODES:
            assert not solution.derivations[mode].skipped, (pid, mode)


# -- the order of the steps -------------------------------------------------------


def test_reverse_sweep_order_for_7_12(solutions):
    sweep = next(
        s for s in solutions["7.12"].derivations["reverse"].sweeps if s.seed == "y"
    )
    assert [step.wrt for step in sweep.steps] == [
        "y",
        "f5",
        "f4",
        "f3",
        "f2",
        "f1",
        "x",
    ]
    assert all(step.of == "y" for step in sweep.steps)
    assert sweep.steps[0].is_seed


def test_reverse_chain_rule_terms_for_7_12(solutions):
    sweep = next(
        s for s in solutions["7.12"].derivations["reverse"].sweeps if s.seed == "y"
    )
    steps = {step.wrt: step for step in sweep.steps}
    f1, f3 = S("f1"), S("f3")
    terms = {(t.known, t.local): t.local_value for t in steps["f3"].terms}
    assert terms == {
        (("y", "f4"), ("f4", "f3")): sympy.exp(f3),
        (("y", "f5"), ("f5", "f3")): sympy.cos(f3),
    }
    terms = {(t.known, t.local): t.local_value for t in steps["f1"].terms}
    assert terms == {
        (("y", "f2"), ("f2", "f1")): 2 * f1,
        (("y", "f3"), ("f3", "f1")): sympy.Integer(1),
    }
    terms = {(t.known, t.local): t.local_value for t in steps["x"].terms}
    assert terms == {(("y", "f1"), ("f1", "x")): sympy.exp(S("x"))}


def test_forward_sweep_order_for_7_13(solutions):
    sweep = next(
        s for s in solutions["7.13"].derivations["forward"].sweeps if s.seed == "x"
    )
    assert [step.of for step in sweep.steps] == ["x", "f1", "f2", "f3", "f4", "f5", "y"]
    assert all(step.wrt == "x" for step in sweep.steps)
    steps = {step.of: step for step in sweep.steps}
    terms = {(t.known, t.local): t.local_value for t in steps["f3"].terms}
    assert terms == {
        (("f1", "x"), ("f3", "f1")): sympy.Integer(1),
        (("f2", "x"), ("f3", "f2")): sympy.Integer(1),
    }


# -- finite differences -------------------------------------------------------------


def _points(pid: str, count: int = 3) -> list[dict[str, mpmath.mpf]]:
    rng = random.Random(f"fd-{pid}")
    if pid == "7.1":
        return [relu_point(rng) for _ in range(count)]
    return [random_point(LEAVES[pid], rng) for _ in range(count)]


def _fd_cases():
    cases = []
    for problem in graph_problems():
        pairs = [(problem.output, w) for w in problem.wrt]
        pairs += [(c.of, c.wrt) for c in problem.claims]
        for of, wrt in dict.fromkeys(pairs):
            cases.append((problem.id, of, wrt))
    return cases


@pytest.mark.parametrize("pid, of, wrt", _fd_cases())
def test_modes_match_central_differences(solutions, pid, of, wrt):
    solution = solutions[pid]
    for point in _points(pid):
        values = run(GRAPHS[pid], point)
        estimate = central_difference(GRAPHS[pid], point, of, wrt)
        for mode in MODES:
            derived = solution.derivations[mode].value((of, wrt))
            assert derived is not None
            got = num(derived, values)
            assert close(got, estimate, rel=1e-12, abs_=1e-12), (
                mode,
                point,
                got,
                estimate,
            )


def test_relu_points_reach_both_sides_of_the_kinks():
    # the finite-difference points of 7.1 exercise active and inactive units
    signs = set()
    for point in _points("7.1", 3) + [relu_point(random.Random(k)) for k in range(12)]:
        values = run(GRAPHS["7.1"], point)
        signs |= {(z, values[z] > 0) for z in ("z11", "z12", "z21", "z22")}
    assert len(signs) == 8


# -- small graphs with exactly known answers ---------------------------------------


def _one(text: str):
    return loads(text, "test.yaml").problems[0]


def test_node_wrt_holds_upstream_fixed():
    problem = _one("""
problems:
  - id: t
    title: shared input
    inputs: [x]
    graph:
      a: x**2
      b: a + x
      y: a*b
    wrt: [a, b, x]
""")
    solution = solve(problem)
    a, b, x = S("a"), S("b"), S("x")
    expected = {
        "a": a + b,  # dy/da = b + a*db/da, x held fixed
        "b": a,
        "x": (a + b) * 2 * x + a,  # total derivative
    }
    definitions = {"a": x**2, "b": a + x}
    for mode in MODES:
        for wrt, value in expected.items():
            derived = solution.derivations[mode].value(("y", wrt))
            assert same_function(derived, value, definitions), (mode, wrt)
        total = substitute_all(
            solution.derivations[mode].value(("y", "x")), definitions
        )
        assert sympy.expand(total - (4 * x**3 + 3 * x**2)) == 0
    assert solution.agree


def test_derivative_of_a_node_that_does_not_depend_on_wrt_is_zero():
    problem = _one("""
problems:
  - id: t
    title: independent
    inputs: [x, u]
    graph:
      a: sin(x)
      b: exp(u)
      y: a*b
    wrt: [x, u]
    claims:
      - of: a
        wrt: u
        value: "0"
      - of: a
        wrt: b
        value: "0"
      - of: y
        wrt: a
        value: "b"
""")
    solution = solve(problem)
    for mode in MODES:
        assert solution.derivations[mode].value(("a", "u")) == 0
        assert solution.derivations[mode].value(("a", "b")) == 0
        assert solution.derivations[mode].value(("y", "a")) == S("b")
    assert [c.verdict.status for c in solution.claims] == ["equivalent"] * 3


def test_leaky_relu_max_min_graph_matches_finite_differences():
    problem = _one("""
problems:
  - id: t
    title: piecewise
    inputs: [x]
    parameters: [w, alpha]
    graph:
      z: w*x - 1/2
      h: leaky_relu(z, alpha)
      m: max(h, x) + min(h, -x)
      y: m**2
""")
    solution = solve(problem)
    assert solution.agree

    def graph_values(point):
        v = dict(point)
        v["z"] = v["w"] * v["x"] - mpmath.mpf(1) / 2
        v["h"] = v["z"] if v["z"] > 0 else v["alpha"] * v["z"]
        v["m"] = max(v["h"], v["x"]) + min(v["h"], -v["x"])
        v["y"] = v["m"] ** 2
        return v

    graph = [
        (n, (lambda name: lambda v: graph_values(v)[name])(n))
        for n in ("z", "h", "m", "y")
    ]
    for point in (
        {"x": mpmath.mpf("0.7"), "w": mpmath.mpf("1.9"), "alpha": mpmath.mpf("0.1")},
        {"x": mpmath.mpf("-0.8"), "w": mpmath.mpf("0.4"), "alpha": mpmath.mpf("0.2")},
        {"x": mpmath.mpf("1.3"), "w": mpmath.mpf("-1.1"), "alpha": mpmath.mpf("0.3")},
    ):
        values = graph_values(point)
        for wrt in ("w", "alpha"):
            estimate = central_difference(graph, point, "y", wrt)
            for mode in MODES:
                got = num(solution.derivations[mode].value(("y", wrt)), values)
                assert close(got, estimate, rel=1e-12), (mode, wrt, point)


def test_sign_in_a_graph_is_differentiated_and_checked():
    # x*sign(x) = |x|, whose derivative is sign(x) away from 0
    problem = _one("""
problems:
  - id: t
    title: sign
    inputs: [x]
    graph:
      y: x*sign(x)
    claims:
      - wrt: x
        value: "sign(x)"
""")
    solution = solve(problem)
    assert solution.agree
    assert solution.claims[0].verdict.status == "equivalent"


def test_overflowing_points_are_skipped_not_fatal():
    # exp(exp(exp(exp(x)))) overflows for x above about 2; such points are
    # skipped, and the rest of the 30 points still decide.
    problem = _one("""
problems:
  - id: t
    title: tower
    inputs: [x]
    graph:
      a: exp(x)
      b: exp(a)
      c: exp(b)
      y: exp(c)
    claims:
      - wrt: x
        value: "exp(c)*exp(b)*exp(a)*exp(x)"
      - wrt: x
        value: "exp(c)*exp(b)*exp(a)"
""")
    solution = solve(problem)
    assert solution.agree
    assert [c.verdict.status for c in solution.claims] == [
        "equivalent",
        "not-equivalent",
    ]


def test_7_5_shows_the_simplification_to_sig_minus_y():
    from gradsym.expressions import parse
    from gradsym.problems import load

    solution = solve(load().get("7.5"))
    (dl_df,) = [d for d in solution.derivatives if d.pair == ("l_i", "f")]
    steps = dl_df.simplification
    f, y, s = S("f"), S("y_i"), S("s")
    sig = parse("sig(f)")
    assert [why for _, why in steps] == [
        "",
        "substitute the graph",
        "multiply out and cancel each term",
        "collect terms",
    ]
    assert steps[-1][0] == sig - y
    assert s not in steps[1][0].free_symbols  # the graph name s is gone
    # every form is the same function
    for form, _ in steps[1:]:
        assert sympy.simplify(form - (sig - y)) == 0
    assert f in steps[-1][0].free_symbols


def test_no_simplification_is_shown_when_nothing_gets_simpler():
    from gradsym.problems import load

    solution = solve(load().get("7.12"))
    assert all(d.simplification == [] for d in solution.derivatives)
