"""A deep chain: no recursion errors, direct mode skipped, gradient right."""

from __future__ import annotations

import random

import mpmath
import pytest
import sympy
from _helpers import S, close

from gradsym.problems import loads
from gradsym.solution import solve

N = 60


def chain_yaml(n: int) -> str:
    parameters = ", ".join(f"w{k}, b{k}" for k in range(1, n + 1))
    lines = [
        "problems:",
        "  - id: chain",
        f"    title: A chain of {n} sine layers",
        "    inputs: [x]",
        f"    parameters: [{parameters}]",
        "    graph:",
        "      f0: x",
    ]
    lines += [f"      f{k}: sin(w{k}*f{k - 1} + b{k})" for k in range(1, n + 1)]
    return "\n".join(lines) + "\n"


def chain_value(point: dict[str, mpmath.mpf]) -> mpmath.mpf:
    f = point["x"]
    for k in range(1, N + 1):
        f = mpmath.sin(point[f"w{k}"] * f + point[f"b{k}"])
    return f


def finite_difference(point, name, h=mpmath.mpf("1e-15")):
    up = dict(point, **{name: point[name] + h})
    down = dict(point, **{name: point[name] - h})
    return (chain_value(up) - chain_value(down)) / (2 * h)


@pytest.fixture(scope="module")
def point():
    rng = random.Random("chain")
    with mpmath.workdps(50):
        values = {"x": mpmath.mpf(rng.uniform(-1, 1))}
        for k in range(1, N + 1):
            values[f"w{k}"] = mpmath.mpf(rng.uniform(0.8, 1.2))
            values[f"b{k}"] = mpmath.mpf(rng.uniform(-0.5, 0.5))
    return values


@pytest.fixture(scope="module")
def solved(point):
    problem = loads(chain_yaml(N), "chain.yaml").problems[0]
    return problem, solve(problem, at=point)


def test_chain_problem_shape(solved):
    problem, _ = solved
    assert problem.output == f"f{N}"
    assert len(problem.wrt) == 2 * N
    assert len(problem.graph.nodes) == N + 1


def test_direct_mode_is_skipped_with_a_reason(solved):
    _, solution = solved
    reason = solution.derivations["direct"].skipped
    assert isinstance(reason, str) and reason.strip()
    assert solution.derivations["direct"].value((f"f{N}", "w1")) is None


def test_reverse_and_forward_agree(solved):
    _, solution = solved
    assert solution.agree is True
    assert len(solution.derivatives) == 2 * N
    for derivative in solution.derivatives:
        assert derivative.agreement.status == "equivalent"


def test_reverse_gradient_matches_finite_differences(solved, point):
    _, solution = solved
    derivatives = solution.evaluation.derivatives
    with mpmath.workdps(50):
        for name in ("w1", "b30", "w60"):
            estimate = finite_difference(point, name)
            assert close(
                derivatives[(f"f{N}", name)], estimate, rel=1e-12, abs_=1e-20
            ), name


def test_last_layer_derivative_in_graph_names(solved):
    _, solution = solved
    value = solution.derivations["reverse"].value((f"f{N}", f"b{N}"))
    assert value == sympy.cos(S(f"w{N}") * S(f"f{N - 1}") + S(f"b{N}"))
    value = solution.derivations["reverse"].value((f"f{N}", f"w{N}"))
    assert (
        sympy.expand(
            value - S(f"f{N - 1}") * sympy.cos(S(f"w{N}") * S(f"f{N - 1}") + S(f"b{N}"))
        )
        == 0
    )


def test_json_of_a_chain_too_deep_for_direct_mode():
    # 13 layers: 14 nodes deep, beyond direct mode's 12; small enough to be quick
    from gradsym.render import solution_json

    problem = loads(chain_yaml(13), "chain.yaml").problems[0]
    solution = solve(problem)
    assert solution.agree
    document = solution_json(solution)
    assert set(document["steps"]["direct"]) == {"skipped"}
    assert (
        document["steps"]["direct"]["skipped"] == solution.derivations["direct"].skipped
    )
    assert isinstance(document["steps"]["forward"], list)
    assert len(document["steps"]["reverse"]) == 1
    for item in document["derivatives"]:
        assert item["modes"]["direct"] is None
        assert item["modes"]["reverse"] is not None
        assert item["agree"] is True
