"""The expectation kind: E[ReLU[a]^2] for densities of variance sigma^2 (7.14).

The oracle is numeric quadrature with mpmath of densities written out here
again (not gradsym's pieces), at a few values of sigma, and the closed forms
known by hand: sigma^2/2 for symmetric densities, 2 sigma^2/e for the centred
exponential (integral of a^2 exp(-(a + s)/s)/s over (0, oo)) and 2 sigma^2/5
for the split density (half of the uniform's second moment (2m)^2/3, with
m^2 = 3 sigma^2/5).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import mpmath
import pytest
import sympy
from click.testing import CliRunner

from gradsym.cli import cli
from gradsym.expressions import parse
from gradsym.kinds import expectation
from gradsym.kinds import get as get_kind
from gradsym.problems import loads
from gradsym.render import render_solution, solution_json

DATA = Path(__file__).parent / "data" / "kind_activations.yaml"


def one(body: str) -> str:
    lines = "".join(f"    {line}\n" for line in body.strip().splitlines())
    return f"problems:\n  - id: t\n    title: T\n    kind: expectation\n{lines}"


def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def report():
    problem = loads(DATA.read_text(), "test").get("7.14")
    return get_kind(problem.kind).solve(problem)


def densities(s):
    """Each density as a Python function of a, for standard deviation s."""
    u, b, t = math.sqrt(3) * s, s / math.sqrt(2), math.sqrt(6) * s
    m = math.sqrt(3 / 5) * s
    return {
        "normal": lambda a: mpmath.npdf(a, 0, s),
        "uniform": lambda a: 1 / (2 * u) if -u <= a <= u else 0,
        "laplace": lambda a: mpmath.exp(-abs(a) / b) / (2 * b),
        "triangular": lambda a: max(t - abs(a), 0) / t**2,
        "centred-exponential": lambda a: mpmath.exp(-(a + s) / s) / s if a >= -s else 0,
        "split-uniform-exponential": lambda a: (
            (1 / (4 * m) if a <= 2 * m else 0)
            if a >= 0
            else mpmath.exp(a / m) / (2 * m)
        ),
    }


def breaks(name, s):
    """The support of each density, split where it has a kink or a jump."""
    u, t, m = math.sqrt(3) * s, math.sqrt(6) * s, math.sqrt(3 / 5) * s
    return {
        "uniform": [-u, 0, u],
        "triangular": [-t, 0, t],
        "centred-exponential": [-s, 0, mpmath.inf],
        "split-uniform-exponential": [-mpmath.inf, 0, 2 * m],
    }.get(name, [-mpmath.inf, 0, mpmath.inf])


CLOSED_FORMS = {
    "normal": "sigma**2/2",
    "uniform": "sigma**2/2",
    "laplace": "sigma**2/2",
    "triangular": "sigma**2/2",
    "centred-exponential": "2*sigma**2*exp(-1)",
    "split-uniform-exponential": "2*sigma**2/5",
}


def test_solves_and_every_check_holds(report):
    assert report.agree
    assert len(report.checks) == 4 * 4 + 2 * 4  # 4 symmetric + claims, 2 counter


def test_closed_forms(report):
    results = report.data["distributions"]
    assert list(results) == list(CLOSED_FORMS)
    for name, expected in CLOSED_FORMS.items():
        assert (
            sympy.simplify(parse(results[name]["second_moment_relu"]) - parse(expected))
            == 0
        )
        assert results[name]["mean"] == "0"
        assert parse(results[name]["variance"]) == parse("sigma**2")
    assert results["centred-exponential"]["p_positive"] == "exp(-1)"
    assert results["split-uniform-exponential"]["p_positive"] == "1/2"
    assert [r["symmetric"] for r in results.values()] == [True] * 4 + [False] * 2


@pytest.mark.parametrize("s", [0.7, 1.3, 2.0])
def test_against_numeric_quadrature(report, s):
    results = report.data["distributions"]
    for name, pdf in densities(s).items():
        points = breaks(name, s)

        def second(a, pdf=pdf):
            return a * a * pdf(a)

        mass = mpmath.quad(pdf, points)
        variance = mpmath.quad(second, points)
        positive = mpmath.quad(second, points[1:])
        assert abs(mass - 1) < 1e-9 and abs(variance - s * s) < 1e-8
        derived = parse(results[name]["second_moment_relu"]).subs(parse("sigma"), s)
        assert abs(float(derived) - float(positive)) < 1e-8, name


def test_the_seed_reasoning_is_refuted_by_a_median_zero_case(report):
    split = report.data["distributions"]["split-uniform-exponential"]
    assert split["p_positive"] == "1/2"
    assert parse(split["second_moment_relu"]) != parse("sigma**2/2")
    text = render_solution(report, "text")
    assert "treats $a^2$ and $\\mathbb{I}[a > 0]$ as independent" in text


def test_a_wrong_expected_value_fails_its_check():
    density = expectation._densities()["laplace"]
    wrong = expectation.Density(density.pieces, True, parse("sigma**2/3"), "x")
    report = get_kind("expectation").solve(
        loads(one("distributions: normal"), "test").problems[0]
    )
    report.checks.clear()
    expectation._distribution(report, "laplace", wrong)
    assert [c.label for c in report.checks if not c.verdict.holds] == [
        "laplace: E[b^2] = sigma**2/3"
    ]


def test_symmetry_is_read_off_the_pieces():
    found = expectation._densities()
    assert all(expectation.is_mirror_image(found[n]) for n in expectation.SYMMETRIC)
    assert not any(
        expectation.is_mirror_image(found[n]) for n in expectation.COUNTER_CASES
    )


def test_one_distribution_without_counter_case():
    problem = loads(one("distributions: uniform"), "test").problems[0]
    report = get_kind("expectation").solve(problem)
    assert report.agree and list(report.data["distributions"]) == ["uniform"]


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_each_format_renders(report, fmt):
    text = render_solution(report, fmt)
    assert "Problem 7.14" in text and "split-uniform-exponential" in text


def test_json(report):
    document = json.loads(json.dumps(solution_json(report)))
    assert document["kind"] == "expectation"
    assert (
        document["results"]["distributions"]["normal"]["second_moment_relu"]
        == "sigma**2/2"
    )


def test_check_exits_0_on_the_file():
    assert run_cli("check", "7.14", "--problems", str(DATA)).exit_code == 0


def test_the_symmetric_claim_fails_for_a_counter_case(tmp_path):
    path = tmp_path / "wrong.yaml"
    path.write_text(
        one(
            "distributions: [uniform]\ncounter_case: centred-exponential\n"
            "claims:\n  - value: 'sigma**2/2'\n"
            "  - value: 'sigma**2/2'\n    distribution: centred-exponential"
        )
    )
    result = run_cli("check", "--problems", str(path))
    assert result.exit_code == 1
    assert "✓ uniform: the claimed E[b^2]" in result.output
    assert (
        "✗ centred-exponential: the claimed E[b^2]: 2*sigma**2*exp(-1)" in result.output
    )


@pytest.mark.parametrize(
    "body, where, words",
    [
        ("distributions: [normal, cauchy]", "5:29", "must name one of normal"),
        ("distributions: normal\ncounter_case: skewed", "6:19", "centred-exponential"),
        ("distributions: [normal, normal]", "5:29", "appears twice"),
        ("counter_case: centred-exponential", "2:5", "Missing 'distributions'"),
        ("distributions: normal\nclaims:\n  - value: 's**2/2'", "7:17", "uses 's'"),
        (
            "distributions: normal\nclaims:\n  - value: 'sigma'\n    distribution: uniform",
            "8:23",
            "'distribution' must be one of normal",
        ),
        ("distributions: normal\nclaims: 3", "6:13", "must be a list"),
        ("distributions: normal\nsigma: 2", "6:5", "Unknown key 'sigma'"),
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
