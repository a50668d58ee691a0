"""Kind ``expectation``: the second moment of b = ReLU[a] for a of variance sigma^2.

For each distribution, given by its density with a symbolic scale sigma > 0,
gradsym integrates the density, a times it and a^2 times it over each side of
zero, so it checks that the density has total mass 1, mean 0 and variance
sigma^2, and finds E[b^2] = integral over (0, oo) of a^2 p(a) da (b is zero
for a <= 0).  Every integral runs under a time limit.

Keys (besides id, title, statement, kind):

``distributions``
    One name or a list of distinct names of densities that are symmetric
    about 0: ``normal``, ``uniform`` (on [-sqrt(3) sigma, sqrt(3) sigma]),
    ``laplace`` (scale sigma/sqrt(2)) and ``triangular`` (on
    [-sqrt(6) sigma, sqrt(6) sigma]).  For each, E[b^2] is checked to be
    sigma^2/2.
``counter_case`` (optional)
    One name or a list of asymmetric densities, also with mean 0 and variance
    sigma^2, for which E[b^2] is not sigma^2/2: ``centred-exponential``
    (a = e - sigma with e exponential of mean sigma; E[b^2] = 2 sigma^2/e) and
    ``split-uniform-exponential`` (probability 1/2 on each side: uniform on
    [0, 2m] and a mirrored exponential of mean m below 0, m = sqrt(3/5) sigma;
    P(a > 0) = 1/2 yet E[b^2] = 2 sigma^2/5).
``claims`` (optional)
    A list of mappings with ``value`` (E[b^2], an expression in sigma) and
    ``distribution`` (any distribution or counter case of the problem; without
    it, the claim is checked for every one of ``distributions``).

Example::

    - id: "7.14"
      title: The second moment after a ReLU
      kind: expectation
      distributions: [normal, uniform, laplace]
      counter_case: centred-exponential
      claims:
        - value: "sigma**2/2"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from gradsym.expressions import symbol
from gradsym.kinds import Kind
from gradsym.kinds.activations import choice_list, claim_expression, claim_list, pick
from gradsym.limits import OutOfTime, time_limit
from gradsym.printing import to_latex, to_text
from gradsym.report import Equation, Report, same

INTEGRAL_SECONDS = 5.0  # per integral; sympy.integrate can run very long

a = symbol("a")
sigma = sympy.Symbol("sigma", positive=True)  # prints as the parsed name "sigma"
half_variance = sigma**2 / 2


@dataclass(frozen=True)
class Piece:
    """The density on one interval, entirely on one side of zero."""

    density: sympy.Expr
    low: sympy.Expr
    high: sympy.Expr


@dataclass(frozen=True)
class Density:
    pieces: tuple[Piece, ...]
    symmetric: bool
    expected: sympy.Expr  # E[b^2], the closed form known for this density
    about: str  # one sentence, Markdown with maths


def _densities() -> dict[str, Density]:
    oo, s, e = sympy.oo, sigma, sympy.E
    sqrt = sympy.sqrt
    normal = sympy.exp(-(a**2) / (2 * s**2)) / (s * sqrt(2 * sympy.pi))
    c_uniform, b_laplace, c_triangle = sqrt(3) * s, s / sqrt(2), sqrt(6) * s
    m = sqrt(sympy.Rational(3, 5)) * s
    exponential = sympy.exp(-(a + s) / s) / s
    return {
        "normal": Density(
            (Piece(normal, -oo, 0), Piece(normal, 0, oo)),
            True,
            half_variance,
            "the normal density with mean 0 and standard deviation $\\sigma$.",
        ),
        "uniform": Density(
            (
                Piece(1 / (2 * c_uniform), -c_uniform, 0),
                Piece(1 / (2 * c_uniform), 0, c_uniform),
            ),
            True,
            half_variance,
            "uniform on $[-\\sqrt{3}\\sigma, \\sqrt{3}\\sigma]$.",
        ),
        "laplace": Density(
            (
                Piece(sympy.exp(a / b_laplace) / (2 * b_laplace), -oo, 0),
                Piece(sympy.exp(-a / b_laplace) / (2 * b_laplace), 0, oo),
            ),
            True,
            half_variance,
            "the Laplace density with scale $\\sigma/\\sqrt{2}$.",
        ),
        "triangular": Density(
            (
                Piece((c_triangle + a) / c_triangle**2, -c_triangle, 0),
                Piece((c_triangle - a) / c_triangle**2, 0, c_triangle),
            ),
            True,
            half_variance,
            "triangular on $[-\\sqrt{6}\\sigma, \\sqrt{6}\\sigma]$.",
        ),
        "centred-exponential": Density(
            (Piece(exponential, -s, 0), Piece(exponential, 0, oo)),
            False,
            2 * s**2 / e,
            "$a = e - \\sigma$ where $e$ is exponential with mean $\\sigma$: "
            "skewed, with a long right tail.",
        ),
        "split-uniform-exponential": Density(
            (Piece(sympy.exp(a / m) / (2 * m), -oo, 0), Piece(1 / (4 * m), 0, 2 * m)),
            False,
            2 * s**2 / 5,
            "with probability 1/2 uniform on $[0, 2m]$ and with probability 1/2 "
            "a mirrored exponential of mean $-m$, where $m = \\sqrt{3/5}\\,\\sigma$: "
            "the median is 0 but the two sides differ in shape.",
        ),
    }


SYMMETRIC = ("normal", "uniform", "laplace", "triangular")
COUNTER_CASES = ("centred-exponential", "split-uniform-exponential")
CLAIM_KEYS = ("value", "distribution")


# -- settings --------------------------------------------------------------------


@dataclass(frozen=True)
class MomentClaim:
    distribution: str
    text: str
    value: sympy.Expr


@dataclass(frozen=True)
class ExpectationSettings:
    distributions: tuple[str, ...]
    counter_cases: tuple[str, ...] = ()
    claims: tuple[MomentClaim, ...] = ()


def build_expectation(
    entry: dict[str, Any], v: Any, path: tuple[Any, ...]
) -> ExpectationSettings:
    distributions = choice_list(
        v, entry, "distributions", path, SYMMETRIC, len(SYMMETRIC)
    )
    counter = choice_list(
        v,
        entry,
        "counter_case",
        path,
        COUNTER_CASES,
        len(COUNTER_CASES),
        required=False,
    )
    claims = []
    for item, where in claim_list(v, entry, path, CLAIM_KEYS):
        value = claim_expression(v, item, where, {"sigma"})
        value = value.xreplace({symbol("sigma"): sigma})
        text = str(item["value"])
        if item.get("distribution") is None:
            claims += [MomentClaim(name, text, value) for name in distributions]
        else:
            name = pick(v, item, where, "distribution", distributions + counter)
            claims.append(MomentClaim(name, text, value))
    return ExpectationSettings(distributions, counter, tuple(claims))


# -- integrals -------------------------------------------------------------------


@dataclass(frozen=True)
class Moments:
    """Integrals of a^k p(a) over each side of zero; None where SymPy gave up."""

    negative: tuple[sympy.Expr | None, ...]  # k = 0, 1, 2 over a < 0
    positive: tuple[sympy.Expr | None, ...]  # k = 0, 1, 2 over a > 0

    def total(self, k: int) -> sympy.Expr | None:
        left, right = self.negative[k], self.positive[k]
        return None if left is None or right is None else left + right


def integral(expr: sympy.Expr, low: sympy.Expr, high: sympy.Expr) -> sympy.Expr | None:
    """The definite integral in closed form, or None (unfinished or unevaluated)."""
    try:
        with time_limit(INTEGRAL_SECONDS):
            value = sympy.integrate(expr, (a, low, high))
    except OutOfTime:
        return None
    return None if value.has(sympy.Integral) else value


def moments(density: Density) -> Moments:
    sides: dict[bool, list[sympy.Expr | None]] = {}
    for positive in (False, True):
        pieces = [p for p in density.pieces if bool(p.low >= 0) == positive]
        found: list[sympy.Expr | None] = []
        for k in range(3):
            parts = [integral(a**k * p.density, p.low, p.high) for p in pieces]
            found.append(None if None in parts else sympy.Add(*parts))
        sides[positive] = found
    return Moments(tuple(sides[False]), tuple(sides[True]))


def is_mirror_image(density: Density) -> bool:
    """p(-a) = p(a): each piece below zero mirrors the piece above it."""
    below = [p for p in density.pieces if bool(p.high <= 0)]
    above = [p for p in density.pieces if bool(p.low >= 0)]
    if len(below) != len(above):
        return False
    for piece in below:
        mirror = [
            q
            for q in above
            if _same_bound(q.low, -piece.high) and _same_bound(q.high, -piece.low)
        ]
        if not mirror or not same(piece.density.subs(a, -a), mirror[0].density):
            return False
    return True


def _same_bound(left: sympy.Expr, right: sympy.Expr) -> bool:
    # oo - oo is nan, so infinite bounds are compared as they are
    return left == right or (left.is_finite and right.is_finite and same(left, right))


# -- the report ----------------------------------------------------------------------


def _merged(density: Density) -> list[Piece]:
    """The pieces, with neighbours that share a formula joined for display."""
    merged: list[Piece] = []
    for piece in sorted(density.pieces, key=lambda p: bool(p.low >= 0)):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.high == piece.low
            and same(last.density, piece.density)
        ):
            merged[-1] = Piece(last.density, last.low, piece.high)
        else:
            merged.append(piece)
    return merged


def _cases(density: Density) -> tuple[str, str]:
    pieces = _merged(density)
    whole_line = pieces[0].low == -sympy.oo and pieces[-1].high == sympy.oo
    text = "; ".join(
        f"{to_text(p.density)} for {to_text(p.low)} < a < {to_text(p.high)}"
        for p in pieces
    )
    rows = [
        rf"{to_latex(p.density)} & {to_latex(p.low)} < a < {to_latex(p.high)}"
        for p in pieces
    ]
    if not whole_line:
        text += "; 0 elsewhere"
        rows.append(r"0 & \text{elsewhere}")
    if len(rows) == 1:
        return text, to_latex(pieces[0].density)
    return text, r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}"


def _general_argument(report: Report, settings: ExpectationSettings) -> None:
    report.say(
        "Since $b = \\mathrm{ReLU}[a]$ is $a$ for $a > 0$ and $0$ otherwise, "
        "$b^2 = a^2\\,\\mathbb{I}[a > 0]$ and"
    )
    report.equations(
        Equation(
            "E[b^2]",
            r"\mathbb{E}[b^2]",
            "integral of a^2 p(a) over (0, oo)",
            rhs_tex=r"\int_{-\infty}^{\infty} \mathrm{ReLU}[a]^2 p(a)\,da = "
            r"\int_{0}^{\infty} a^2 p(a)\,da",
        ),
        Equation(
            "E[a^2 I(a < 0)]",
            r"\int_{-\infty}^{0} a^2 p(a)\,da",
            "integral of u^2 p(-u) over (0, oo)",
            rhs_tex=r"\int_{0}^{\infty} u^2 p(-u)\,du",
        ),
    )
    report.say(
        "If the density is symmetric, $p(-u) = p(u)$, the two halves of "
        "$\\mathbb{E}[a^2] = \\int_{-\\infty}^{0} a^2 p(a)\\,da + "
        "\\int_{0}^{\\infty} a^2 p(a)\\,da$ are equal. With mean 0, "
        "$\\mathbb{E}[a^2] = \\sigma^2$, so $\\mathbb{E}[b^2] = \\sigma^2/2$. "
        "The published solution argues instead that $P(a > 0) = 1/2$ gives "
        "$\\mathbb{E}[a^2\\,\\mathbb{I}[a > 0]] = "
        "\\frac{1}{2}\\mathbb{E}[a^2]$. "
        "That step treats $a^2$ and $\\mathbb{I}[a > 0]$ as independent. "
        "Symmetry is what makes them so; $P(a > 0) = 1/2$ alone does not"
        + (
            ", as a counter case below shows."
            if "split-uniform-exponential" in settings.counter_cases
            else " (the counter case split-uniform-exponential shows it)."
        )
        + " Each density below is integrated piece by piece with a "
        "symbolic $\\sigma > 0$."
    )


def _distribution(
    report: Report, name: str, density: Density
) -> tuple[Moments, list[str]]:
    found = moments(density)
    text, tex = _cases(density)
    report.say(f"**{name}**: {density.about}")
    report.equations(
        Equation("p(a)", "p(a)", text, rhs_tex=tex),
        *_moment_rows(found),
    )
    mass, mean, second = (found.total(k) for k in range(3))
    report.check(
        f"{name}: total mass 1, mean 0 and variance sigma**2",
        ", ".join(_text(x) for x in (mass, mean, second)),
        None not in (mass, mean, second)
        and same(mass, 1)
        and same(mean, 0)
        and same(second, sigma**2),
    )
    mirror = is_mirror_image(density)
    if density.symmetric:
        report.check(
            f"{name}: the density is symmetric, p(-a) = p(a)",
            "symmetric" if mirror else "not symmetric",
            mirror,
        )
    else:
        report.check(
            f"{name}: the density is not symmetric",
            "symmetric" if mirror else "p(-a) differs from p(a)",
            not mirror,
        )
    moment = found.positive[2]
    report.check(
        f"{name}: E[b^2] = {to_text(density.expected)}",
        _text(moment),
        moment is not None and same(moment, density.expected),
        note="" if moment is not None else "the integral was not found",
    )
    if not density.symmetric:
        differs = moment is not None and not same(moment, half_variance)
        report.check(f"{name}: E[b^2] is not sigma**2/2", _text(moment), differs)
    row = [
        name,
        "yes" if density.symmetric else "no",
        _text(found.positive[0]),
        _text(None if moment is None else sympy.simplify(moment / sigma**2)),
    ]
    return found, row


def _moment_rows(found: Moments) -> list[Equation]:
    labels = [
        ("P(a > 0)", r"P(a > 0)", found.positive[0]),
        ("E[a]", r"\mathbb{E}[a]", found.total(1)),
        ("E[a^2]", r"\mathbb{E}[a^2]", found.total(2)),
        ("E[a^2 I(a < 0)]", r"\int_{-\infty}^{0} a^2 p(a)\,da", found.negative[2]),
        (
            "E[b^2]",
            r"\mathbb{E}[b^2] = \int_{0}^{\infty} a^2 p(a)\,da",
            found.positive[2],
        ),
    ]
    return [
        Equation(text, tex, value if value is not None else "not found in time")
        for text, tex, value in labels
    ]


def _text(value: sympy.Expr | None) -> str:
    return "not found" if value is None else to_text(value)


def solve_expectation(problem: Any) -> Report:
    settings: ExpectationSettings = problem.settings
    report = Report(problem)
    densities = _densities()
    _general_argument(report, settings)
    results: dict[str, Any] = {}
    rows = []
    for name in settings.distributions + settings.counter_cases:
        if name == (settings.counter_cases or ("",))[0]:
            report.say(
                "Now distributions with mean 0 and variance $\\sigma^2$ that "
                "are not symmetric:"
            )
        found, row = _distribution(report, name, densities[name])
        rows.append(row)
        results[name] = {
            "symmetric": densities[name].symmetric,
            "p_positive": _text(found.positive[0]),
            "mean": _text(found.total(1)),
            "variance": _text(found.total(2)),
            "second_moment_relu": _text(found.positive[2]),
        }
        for claim in (c for c in settings.claims if c.distribution == name):
            moment = found.positive[2]
            report.check(
                f"{name}: the claimed E[b^2]",
                _text(moment),
                moment is not None and same(claim.value, moment),
                claimed=claim.text,
            )
    report.say("In summary:")
    report.table(["distribution", "symmetric", "P(a > 0)", "E[b^2]/sigma^2"], rows)
    if settings.counter_cases:
        median = "split-uniform-exponential" in settings.counter_cases
        report.say(
            "Every symmetric density gives exactly $\\sigma^2/2$; the "
            "asymmetric ones, with the same mean and variance, do not"
            + (", even the one with $P(a > 0) = 1/2$." if median else ".")
        )
    report.data = {"distributions": results}
    return report


KINDS = {
    "expectation": Kind(
        keys=("distributions", "counter_case", "claims"),
        build=build_expectation,
        solve=solve_expectation,
        summary="The second moment of ReLU[a] for symmetric and asymmetric "
        "densities with mean 0 and variance sigma^2, by integration.",
    ),
}
