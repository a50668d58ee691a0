"""Claims: the published seed answers (some wrong) and the bundled claims."""

from __future__ import annotations

from pathlib import Path

import mpmath
import pytest
import sympy
import yaml
from _helpers import GRAPHS, LEAVES, S, close, graph_problems, num, run

from gradsym.expressions import parse
from gradsym.problems import Claim, load, loads
from gradsym.solution import solve

SEED = Path(__file__).parent / "data" / "seed_claims.yaml"

# (problem, of, wrt) of the seed answers that are wrong, found by hand:
# 7.1's theta answers lack the second-layer indicators, 7.2's dl_i/df0 has a
# stray omega0, 7.12's dy/dx has exp(f1) in place of exp(x) on one term only.
WRONG = {
    ("7.1", "y", "theta01"),
    ("7.1", "y", "theta11"),
    ("7.1", "y", "theta02"),
    ("7.1", "y", "theta12"),
    ("7.2", "l_i", "f0"),
    ("7.12", "y", "x"),
}


def _seed_claims() -> list[dict]:
    return yaml.safe_load(SEED.read_text(encoding="utf-8"))["claims"]


@pytest.fixture(scope="module")
def seed_checks():
    problem_set = load()
    by_problem: dict[str, list[Claim]] = {}
    for item in _seed_claims():
        text = item["value"]
        by_problem.setdefault(item["problem"], []).append(
            Claim(item["of"], item["wrt"], text, parse(text))
        )
    checks = []
    for pid, claims in by_problem.items():
        solution = solve(problem_set.get(pid), claims=tuple(claims))
        assert len(solution.claims) == len(claims)
        checks += [(pid, check) for check in solution.claims]
    return checks


def test_seed_file_shape():
    claims = _seed_claims()
    assert len(claims) == 41
    assert {c["problem"] for c in claims} == {
        "7.1",
        "7.2",
        "7.4",
        "7.5",
        "7.12",
        "7.13",
    }


def test_exactly_the_wrong_seed_claims_are_flagged(seed_checks):
    flagged = {
        (pid, c.claim.of, c.claim.wrt)
        for pid, c in seed_checks
        if c.verdict.status == "not-equivalent"
    }
    assert flagged == WRONG
    for pid, check in seed_checks:
        key = (pid, check.claim.of, check.claim.wrt)
        expected = "not-equivalent" if key in WRONG else "equivalent"
        assert check.verdict.status == expected, (key, check.claim.text)


def test_seed_verdicts_record_how_they_were_decided(seed_checks):
    for pid, check in seed_checks:
        verdict = check.verdict
        if verdict.status == "not-equivalent":
            assert verdict.decided_by == "numeric"
            assert verdict.counterexample is not None
        else:
            assert verdict.decided_by in ("symbolic", "numeric")
            assert verdict.counterexample is None


# derivatives written out by hand as Python functions of the graph's values
def _ind(condition: bool) -> int:
    return 1 if condition else 0


TRUE_VALUE = {
    ("7.1", "y", "theta01"): lambda v: (
        (
            v["phi1"] * v["psi11"] * _ind(v["z21"] > 0)
            + v["phi2"] * v["psi12"] * _ind(v["z22"] > 0)
        )
        * _ind(v["z11"] > 0)
    ),
    ("7.1", "y", "theta11"): lambda v: v["x"] * TRUE_VALUE[("7.1", "y", "theta01")](v),
    ("7.1", "y", "theta02"): lambda v: (
        (
            v["phi1"] * v["psi21"] * _ind(v["z21"] > 0)
            + v["phi2"] * v["psi22"] * _ind(v["z22"] > 0)
        )
        * _ind(v["z12"] > 0)
    ),
    ("7.1", "y", "theta12"): lambda v: v["x"] * TRUE_VALUE[("7.1", "y", "theta02")](v),
    ("7.2", "l_i", "f0"): lambda v: (
        2
        * (v["f3"] - v["y_i"])
        * v["omega3"]
        * -mpmath.sin(v["f2"])
        * v["omega2"]
        * mpmath.exp(v["f1"])
        * v["omega1"]
        * mpmath.cos(v["f0"])
    ),
    ("7.12", "y", "x"): lambda v: (
        (mpmath.exp(v["f3"]) + mpmath.cos(v["f3"]))
        * (1 + 2 * v["f1"])
        * mpmath.exp(v["x"])
    ),
}


def test_counterexamples_are_real(seed_checks):
    for pid, check in seed_checks:
        if check.verdict.status != "not-equivalent":
            continue
        example = check.verdict.counterexample
        assert set(example.point) == set(LEAVES[pid])
        with mpmath.workdps(40):
            values = run(
                GRAPHS[pid], {k: mpmath.mpf(v) for k, v in example.point.items()}
            )
            claimed = num(check.claim.value, values)
            derived = TRUE_VALUE[(pid, check.claim.of, check.claim.wrt)](values)
        # the reported values are the claim's and the derivative's at that point
        assert close(example.left, claimed, rel=1e-6, abs_=1e-9), (pid, check.claim.wrt)
        assert close(example.right, derived, rel=1e-6, abs_=1e-9), (
            pid,
            check.claim.wrt,
        )
        # and they really differ there
        assert abs(claimed - derived) > 1e-6 * max(1, abs(derived))


def test_bundled_claims_all_hold():
    for problem in graph_problems():
        solution = solve(problem)
        assert len(solution.claims) == len(problem.claims) > 0
        for check in solution.claims:
            assert check.verdict.status == "equivalent", (problem.id, check.claim.text)
            assert check.verdict.decided_by in ("symbolic", "numeric")
            assert check.verdict.holds
        assert solution.claims_hold


def test_claim_count_of_the_bundled_set():
    assert sum(len(p.claims) for p in graph_problems()) == 43


# -- claims on small, made-up problems -------------------------------------------


def _one(text: str):
    return loads(text, "test.yaml").problems[0]


RELU = """
problems:
  - id: r
    title: relu
    inputs: [x]
    graph:
      h: relu(x)
      y: h**2/2
"""


def _check(problem, of, wrt, text):
    claim = Claim(of, wrt, text, parse(text))
    return solve(problem, claims=(claim,)).claims[0].verdict


@pytest.mark.parametrize(
    "of, wrt, text, status",
    [
        ("h", "x", "1", "not-equivalent"),  # true only for x > 0
        ("h", "x", "indicator(x > 0)", "equivalent"),
        ("h", "x", "heaviside(x)", "equivalent"),  # differs only at x = 0
        ("y", "x", "x", "not-equivalent"),  # relu(x) claimed as x
        ("y", "x", "relu(x)", "equivalent"),
        ("y", "x", "h", "equivalent"),
        ("y", "h", "h", "equivalent"),
        ("y", "h", "relu(x)", "equivalent"),
        ("y", "h", "x", "not-equivalent"),
        ("y", "x", "abs(x)", "not-equivalent"),
        ("y", "x", "max(x, 0)", "equivalent"),
    ],
)
def test_claims_true_on_part_of_the_domain_are_not_equivalent(of, wrt, text, status):
    verdict = _check(_one(RELU), of, wrt, text)
    assert verdict.status == status
    if status == "not-equivalent":
        example = verdict.counterexample
        # a counterexample lies where the claim and the derivative differ: x < 0
        assert example.point["x"] < 0
        assert example.left != example.right


def test_relu_counterexample_values():
    verdict = _check(_one(RELU), "y", "x", "x")
    example = verdict.counterexample
    assert example.left == pytest.approx(example.point["x"], rel=1e-12)
    assert example.right == 0


def test_claim_on_a_function_defined_nowhere():
    problem = _one("""
problems:
  - id: u
    title: nowhere real
    inputs: [x]
    graph:
      y: log(-exp(x))
""")
    # No point is real, so the numbers say nothing; but d/dx log(-exp(x)) is
    # the formula 1, and the claim 2 differs from it by exactly 1.
    verdict = _check(problem, "y", "x", "2")
    assert verdict.status == "not-equivalent"
    assert verdict.decided_by == "symbolic"
    assert verdict.points == 0
    assert verdict.counterexample is None
    assert "differ by exactly 1 " in verdict.note
    assert not verdict.holds


def test_a_claim_off_by_a_tiny_constant_is_not_equivalent():
    # 1e-25 is below what the random points can tell apart; the symbolic
    # stage finds the exact difference.
    problem = _one("""
problems:
  - id: t
    title: tiny offset
    inputs: [f, y]
    graph:
      l: (y - f)**2
""")
    verdict = _check(problem, "l", "f", "-2*(y - f) + 10^-25")
    assert verdict.status == "not-equivalent"
    assert verdict.decided_by == "symbolic"
    assert "differ by exactly 1/10000000000000000000000000 " in verdict.note


def test_claim_on_a_function_defined_on_a_sliver_is_undecided():
    # log(1/10 - |x|) is real only for |x| < 1/10: few random points qualify.
    # The claim agrees with the derivative there (the indicator is 0) but not
    # elsewhere, so no point refutes it and no proof exists.
    problem = _one("""
problems:
  - id: u
    title: sliver
    inputs: [x]
    graph:
      y: log(1/10 - abs(x))
""")
    claim = "-sign(x)/(1/10 - abs(x)) + indicator(abs(x) > 1/10)"
    verdict = _check(problem, "y", "x", claim)
    assert verdict.status == "undecided"
    assert verdict.decided_by is None
    assert 0 < verdict.points < 12
    # a wrong claim is refuted at the few points that are valid
    assert _check(problem, "y", "x", "x").status == "not-equivalent"


def test_correct_claim_is_proved_symbolically():
    problem = load().get("7.12")
    verdict = _check(problem, "y", "x", "(exp(f3) + cos(f3))*(1 + 2*f1)*exp(x)")
    assert verdict.status == "equivalent"
    assert verdict.decided_by == "symbolic"
    assert 12 <= verdict.points <= 30


def test_claim_in_leaves_only_is_equivalent():
    problem = load().get("7.12")
    text = "(2*exp(x) + 1)*(exp(exp(x) + exp(2*x)) + cos(exp(x) + exp(2*x)))*exp(x)"
    verdict = _check(problem, "y", "x", text)
    assert verdict.status == "equivalent"


def test_claim_off_by_a_tiny_constant_is_not_equivalent():
    problem = load().get("7.4")
    verdict = _check(problem, "l_i", "f", "-2*(y_i - f) + 1e-15")
    assert verdict.status == "not-equivalent"


def test_claims_are_compared_with_the_derivative_of_their_own_of():
    problem = load().get("7.5")
    # ds/df, not dl_i/df
    assert _check(problem, "s", "f", "s*(1 - s)").status == "equivalent"
    assert _check(problem, "s", "f", "sig(f) - y_i").status == "not-equivalent"
    assert (
        _check(problem, "l_i", "s", "(1 - y_i)/(1 - s) - y_i/s").status == "equivalent"
    )


def test_claim_check_reports_what_reverse_mode_derived():
    problem = load().get("7.4")
    claim = Claim("l_i", "f", "f", parse("f"))
    check = solve(problem, claims=(claim,)).claims[0]
    assert sympy.expand(check.derived - (2 * S("f") - 2 * S("y_i"))) == 0
