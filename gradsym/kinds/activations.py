"""Kind ``activation``: where an activation's derivative vanishes or does not exist.

Keys (besides id, title, statement, kind):

``functions`` (or ``function``; give one of the two)
    One name or a list of at most four distinct names.  Smooth functions,
    ``sigmoid`` and ``tanh``: the derivative is derived from the exponential
    form and shown equal to the book's form (sig[z](1 - sig[z]),
    1 - tanh[z]^2), its limits at plus and minus infinity are taken, and its
    maximum is found from the zeros of its own derivative.  Step functions,
    ``heaviside`` and ``rect``: the derivative on each interval between the
    jumps, the one-sided difference quotients at each jump, and the gradients
    of a one-unit network f = phi0 + phi1*a[theta0 + theta1*x] trained with
    the least-squares loss l = (f - y)^2, derived by gradsym's three modes.
``claims`` (optional)
    A list of answers to check, each a mapping with ``quantity``, ``value``
    and, when the problem has several functions, ``function``.  The
    quantities are ``derivative`` (an expression in z; for a step function,
    its derivative away from the jumps), and for smooth functions also
    ``limit_plus_infinity``, ``limit_minus_infinity`` (of the derivative),
    ``maximum`` (the largest value of the derivative) and ``argmax`` (where
    it is largest).  A claim that does not hold makes ``gradsym check`` fail.

Example::

    - id: "7.7"
      title: The derivative of the logistic sigmoid
      kind: activation
      function: sigmoid
      claims:
        - quantity: derivative
          value: "sig(z)*(1 - sig(z))"

The helpers ``choice_list`` and ``claim_list`` are shared with the sibling
kinds ``expectation`` and ``zero-init``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import sympy

from gradsym.expressions import nearest, parse, symbol
from gradsym.kinds import Kind
from gradsym.limits import OutOfTime, time_limit
from gradsym.printing import partial_latex, to_latex, to_text
from gradsym.report import Equation, Report, same

MAX_FUNCTIONS = 4
MAX_CLAIMS = 50
SOLVE_SECONDS = 5.0  # solveset and limit on the exponential forms

z = symbol("z")
h = sympy.Symbol("h", positive=True)  # the step of a difference quotient


# -- shared validation helpers ----------------------------------------------------


def choice_list(
    v: Any,
    entry: dict[str, Any],
    key: str,
    path: tuple[Any, ...],
    choices: tuple[str, ...],
    maximum: int,
    required: bool = True,
) -> tuple[str, ...]:
    """One choice or a list of distinct choices, at most ``maximum`` of them."""
    value = entry.get(key)
    if value is None:
        if required:
            raise v.error(
                path,
                f"Missing {key!r}: one of {', '.join(choices)}, or a list of them.",
            )
        return ()
    items = value if isinstance(value, list) else [value]
    where = (
        (lambda i: path + (key, i))
        if isinstance(value, list)
        else (lambda i: path + (key,))
    )
    if not items:
        raise v.error(
            path + (key,), f"{key!r} must name at least one of {', '.join(choices)}."
        )
    if len(items) > maximum:
        raise v.error(
            path + (key,),
            f"{key!r} may list at most {maximum} names, not {len(items)}.",
        )
    seen: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, str) or item not in choices:
            hint = nearest(str(item), set(choices)) if isinstance(item, str) else ""
            raise v.error(
                where(index),
                f"{key!r} must name one of {', '.join(choices)}, not {item!r}.{hint}",
            )
        if item in seen:
            raise v.error(
                where(index), f"{item!r} appears twice in {key!r}; name each once."
            )
        seen.append(str(item))
    return tuple(seen)


def claim_list(
    v: Any, entry: dict[str, Any], path: tuple[Any, ...], keys: tuple[str, ...]
) -> list[tuple[dict[str, Any], tuple[Any, ...]]]:
    """The ``claims`` mappings with their paths, their keys checked."""
    raw = entry.get("claims")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise v.error(
            path + ("claims",),
            f"'claims' must be a list of mappings with {', '.join(keys)}.",
        )
    if len(raw) > MAX_CLAIMS:
        raise v.error(
            path + ("claims",),
            f"'claims' may hold at most {MAX_CLAIMS} claims, not {len(raw)}.",
        )
    found = []
    for index, item in enumerate(raw):
        where = path + ("claims", index)
        if not isinstance(item, dict):
            raise v.error(where, f"Each claim is a mapping with {', '.join(keys)}.")
        v.keys(item, where, keys)
        if item.get("value") is None:
            raise v.error(where, "The claim is missing 'value'.")
        found.append((item, where))
    return found


def claim_expression(
    v: Any, item: dict[str, Any], where: tuple[Any, ...], allowed: set[str]
) -> sympy.Expr:
    """The claim's ``value`` parsed, using only the names in ``allowed``."""
    value = item["value"]
    if not isinstance(value, str):
        raise v.error(
            where + ("value",),
            "The claim's 'value' must be an expression "
            'written as text, such as "1/4".',
        )
    expr = v.expression(value, where + ("value",))
    unknown = sorted({s.name for s in expr.free_symbols} - allowed)
    if unknown:
        names = ", ".join(sorted(allowed)) or "no names"
        raise v.error(
            where + ("value",),
            f"The claim uses {unknown[0]!r}; here a value may use {names}.",
        )
    return expr


def pick(
    v: Any,
    item: dict[str, Any],
    where: tuple[Any, ...],
    key: str,
    listed: tuple[str, ...],
) -> str:
    """The claim's ``key`` (one of ``listed``); optional when only one is listed."""
    value = item.get(key)
    if value is None:
        if len(listed) == 1:
            return listed[0]
        raise v.error(
            where,
            f"The claim must say which {key} it is about: one of {', '.join(listed)}.",
        )
    if not isinstance(value, str) or value not in listed:
        raise v.error(
            where + (key,),
            f"The claim's {key!r} must be one of "
            f"{', '.join(listed)} (those of this problem), "
            f"not {value!r}.",
        )
    return str(value)


# -- the functions -------------------------------------------------------------------


@dataclass(frozen=True)
class Smooth:
    """A smooth activation with the closed forms the book states for it."""

    tex: str  # LaTeX name, written before square brackets
    apply: Callable[[sympy.Expr], sympy.Expr]  # gradsym's function
    book_form: Callable[[sympy.Expr], sympy.Expr]  # derivative in terms of a[z]
    book_tex: str
    limits: tuple[sympy.Expr, sympy.Expr]  # of the function at -oo and +oo
    maximum: sympy.Expr  # of the derivative (at z = 0 for both)
    bridge: tuple[tuple[str, str], ...] = ()  # (text, LaTeX) steps to the book form


@dataclass(frozen=True)
class Step:
    """A piecewise-constant activation: its definition and its jumps."""

    tex: str
    apply: Callable[[sympy.Expr], sympy.Expr]  # gradsym's function
    definition: Callable[[sympy.Expr], sympy.Piecewise]  # independent of gradsym
    cases_tex: str
    jumps: tuple[int, ...]  # the closed form: where the function jumps


def _smooth() -> dict[str, Smooth]:
    from gradsym.primitives import sigmoid

    return {
        "sigmoid": Smooth(
            r"\mathrm{sig}",
            sigmoid,
            lambda s: s * (1 - s),
            r"\mathrm{sig}[z](1-\mathrm{sig}[z])",
            (sympy.S.Zero, sympy.S.One),
            sympy.Rational(1, 4),
            (
                (
                    "1/(1 + exp(-z)) * exp(-z)/(1 + exp(-z))",
                    r"\frac{1}{1+\exp[-z]}\cdot\frac{\exp[-z]}{1+\exp[-z]}",
                ),
                (
                    "sig(z) * (1 - 1/(1 + exp(-z)))",
                    r"\mathrm{sig}[z]\left(1-\frac{1}{1+\exp[-z]}\right)",
                ),
            ),
        ),
        "tanh": Smooth(
            r"\tanh",
            sympy.tanh,
            lambda t: 1 - t**2,
            r"1-\tanh[z]^2",
            (-sympy.S.One, sympy.S.One),
            sympy.S.One,
            (
                (
                    "((exp(z) + exp(-z))**2 - (exp(z) - exp(-z))**2)"
                    "/(exp(z) + exp(-z))**2",
                    r"\frac{(\exp[z]+\exp[-z])^2-(\exp[z]-\exp[-z])^2}"
                    r"{(\exp[z]+\exp[-z])^2}",
                ),
                (
                    "1 - ((exp(z) - exp(-z))/(exp(z) + exp(-z)))**2",
                    r"1-\left(\frac{\exp[z]-\exp[-z]}{\exp[z]+\exp[-z]}\right)^2",
                ),
            ),
        ),
    }


def _steps() -> dict[str, Step]:
    from gradsym.primitives import heaviside, rect

    return {
        "heaviside": Step(
            r"\mathrm{heaviside}",
            heaviside,
            lambda u: sympy.Piecewise((0, u < 0), (1, True)),
            r"\begin{cases} 0 & z < 0 \\ 1 & z \geq 0 \end{cases}",
            (0,),
        ),
        "rect": Step(
            r"\mathrm{rect}",
            rect,
            lambda u: sympy.Piecewise((0, u < 0), (1, u <= 1), (0, True)),
            r"\begin{cases} 0 & z < 0 \\ 1 & 0 \leq z \leq 1 \\ 0 & z > 1 "
            r"\end{cases}",
            (0, 1),
        ),
    }


SMOOTH_NAMES = ("sigmoid", "tanh")
STEP_NAMES = ("heaviside", "rect")
FUNCTION_NAMES = SMOOTH_NAMES + STEP_NAMES
SMOOTH_QUANTITIES = (
    "derivative",
    "limit_plus_infinity",
    "limit_minus_infinity",
    "maximum",
    "argmax",
)
CLAIM_KEYS = ("quantity", "value", "function")


# -- settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivationClaim:
    function: str
    quantity: str
    text: str
    value: sympy.Expr


@dataclass(frozen=True)
class ActivationSettings:
    functions: tuple[str, ...]
    claims: tuple[ActivationClaim, ...] = ()


def build_activation(
    entry: dict[str, Any], v: Any, path: tuple[Any, ...]
) -> ActivationSettings:
    if "function" in entry and "functions" in entry:
        raise v.error(
            path + ("functions",), "Give either 'function' or 'functions', not both."
        )
    key = "function" if "function" in entry else "functions"
    functions = choice_list(v, entry, key, path, FUNCTION_NAMES, MAX_FUNCTIONS)
    claims = []
    for item, where in claim_list(v, entry, path, CLAIM_KEYS):
        function = pick(v, item, where, "function", functions)
        quantities = SMOOTH_QUANTITIES if function in SMOOTH_NAMES else ("derivative",)
        quantity = item.get("quantity")
        if quantity is None:
            raise v.error(
                where,
                f"The claim is missing 'quantity': one of {', '.join(quantities)}.",
            )
        if quantity not in quantities:
            raise v.error(
                where + ("quantity",) if "quantity" in item else where,
                f"The claim's 'quantity' for {function} must be one of "
                f"{', '.join(quantities)}, not {quantity!r}.",
            )
        allowed = {"z"} if quantity == "derivative" else set()
        value = claim_expression(v, item, where, allowed)
        claims.append(
            ActivationClaim(function, str(quantity), str(item["value"]), value)
        )
    return ActivationSettings(functions, tuple(claims))


# -- smooth functions ----------------------------------------------------------------


def _bounded(compute: Callable[[], Any]) -> Any:
    """``compute()``, or None when SymPy does not finish in time."""
    try:
        with time_limit(SOLVE_SECONDS):
            return compute()
    except OutOfTime:
        return None


@dataclass(frozen=True)
class SmoothFacts:
    exp_form: sympy.Expr
    derivative: sympy.Expr  # of the exponential form
    limits: tuple[Any, Any]  # of the derivative at +oo and -oo
    critical: Any  # real zeros of the second derivative (a SymPy set)
    curvature: sympy.Expr | None  # third derivative at z = 0
    peak: sympy.Expr  # the derivative at z = 0


def smooth_facts(spec: Smooth) -> SmoothFacts:
    exp_form = spec.apply(z).rewrite(sympy.exp)
    derivative = sympy.diff(exp_form, z)
    second = sympy.diff(derivative, z)
    limits = (
        _bounded(lambda: sympy.limit(derivative, z, sympy.oo)),
        _bounded(lambda: sympy.limit(derivative, z, -sympy.oo)),
    )
    critical = _bounded(lambda: sympy.solveset(second, z, sympy.Reals))
    curvature = _bounded(lambda: sympy.simplify(sympy.diff(second, z).subs(z, 0)))
    peak = sympy.simplify(derivative.subs(z, 0))
    return SmoothFacts(exp_form, derivative, limits, critical, curvature, peak)


def solve_smooth(
    report: Report, name: str, spec: Smooth, claims: list[ActivationClaim]
) -> dict[str, Any]:
    facts = smooth_facts(spec)
    a = spec.apply(z)
    book = spec.book_form(a)
    d_tex = rf"\frac{{\partial {spec.tex}[z]}}{{\partial z}}"
    report.say(
        f"**{name}.** Write ${spec.tex}[z]$ with exponentials and "
        "differentiate with the quotient and chain rules:"
    )
    report.equations(
        Equation(f"{name}(z)", f"{spec.tex}[z]", facts.exp_form),
        Equation(f"d{name}/dz", d_tex, facts.derivative),
        *(
            Equation(f"d{name}/dz", d_tex, text, rhs_tex=tex)
            for text, tex in spec.bridge
        ),
        Equation(f"d{name}/dz", d_tex, book, rhs_tex=spec.book_tex),
    )
    report.check_equal(
        f"{name}: d/dz of the exponential form equals {to_text(book)}",
        facts.derivative,
        book.rewrite(sympy.exp),
    )
    if spec.bridge:
        steps = [parse(text) for text, _ in spec.bridge]
        report.check(
            f"{name}: each intermediate step equals the derivative",
            f"{len(steps)} steps",
            all(same(step.rewrite(sympy.exp), facts.derivative) for step in steps),
        )
    report.check_equal(
        f"{name}: gradsym's derivative rule agrees with the exponential form",
        sympy.diff(a, z).rewrite(sympy.exp),
        facts.derivative,
    )
    _smooth_limits(report, name, spec, facts, d_tex)
    _smooth_maximum(report, name, spec, facts, d_tex)
    derived = {
        "derivative": facts.derivative,
        "limit_plus_infinity": facts.limits[0],
        "limit_minus_infinity": facts.limits[1],
        "maximum": facts.peak,
        "argmax": sympy.S.Zero,
    }
    shown = dict(derived, derivative=book)
    for claim in claims:
        _check_claim(report, claim, derived[claim.quantity], shown[claim.quantity])
    return {
        "derivative": to_text(book),
        "derivative_exp_form": to_text(facts.derivative),
        "limit_plus_infinity": _text_or_none(facts.limits[0]),
        "limit_minus_infinity": _text_or_none(facts.limits[1]),
        "argmax": "0",
        "maximum": to_text(facts.peak),
    }


def _smooth_limits(
    report: Report, name: str, spec: Smooth, facts: SmoothFacts, d_tex: str
) -> None:
    low, high = spec.limits
    ends = [spec.book_form(value) for value in (high, low)]
    tends = (
        f"${to_latex(ends[0])}$ at both ends"
        if ends[0] == ends[1]
        else f"${to_latex(ends[0])}$ and ${to_latex(ends[1])}$"
    )
    report.say(
        f"For large $|z|$ the function saturates: ${spec.tex}[z]$ tends to "
        f"${to_latex(high)}$ as $z \\to \\infty$ and to ${to_latex(low)}$ as "
        f"$z \\to -\\infty$, so ${spec.book_tex}$ tends to {tends}. Taking "
        "the limits of the exponential form directly confirms it:"
    )
    plus, minus = facts.limits
    report.equations(
        Equation(
            f"lim z->oo d{name}/dz",
            rf"\lim_{{z\to\infty}} {d_tex}",
            plus if plus is not None else "not found in time",
        ),
        Equation(
            f"lim z->-oo d{name}/dz",
            rf"\lim_{{z\to-\infty}} {d_tex}",
            minus if minus is not None else "not found in time",
        ),
    )
    for side, value in (("+oo", plus), ("-oo", minus)):
        report.check(
            f"{name}: the derivative tends to 0 as z -> {side}",
            _text_or_none(value),
            value is not None and value == 0,
            note="" if value is not None else "sympy.limit did not finish",
        )
    ends = [sympy.limit(facts.exp_form, z, s) for s in (-sympy.oo, sympy.oo)]
    report.check(
        f"{name}: the function tends to {to_text(low)} and "
        f"{to_text(high)} at -oo and +oo",
        ", ".join(map(to_text, ends)),
        ends == [low, high],
    )


def _smooth_maximum(
    report: Report, name: str, spec: Smooth, facts: SmoothFacts, d_tex: str
) -> None:
    second = sympy.diff(facts.derivative, z)
    critical = facts.critical
    report.say(
        "The derivative is largest where its own derivative vanishes. "
        "Solving over the real numbers,"
    )
    report.equations(
        Equation(
            f"d2{name}/dz2",
            rf"\frac{{\partial^2 {spec.tex}[z]}}{{\partial z^2}}",
            second,
        ),
        Equation(
            "real zeros",
            r"\{z : \partial^2 " + spec.tex + r"[z]/\partial z^2"
            r" = 0\}",
            _set_text(critical),
            rhs_tex=_set_tex(critical),
        ),
        Equation(
            f"d3{name}/dz3 at z = 0",
            rf"\left.\frac{{\partial^3 {spec.tex}[z]}}"
            r"{\partial z^3}\right|_{z=0}",
            facts.curvature if facts.curvature is not None else "not found",
        ),
        Equation(f"d{name}/dz at z = 0", rf"\left.{d_tex}\right|_{{z=0}}", facts.peak),
    )
    report.say(
        f"The only critical point is $z = 0$ and the curvature there is "
        f"negative, so it is a maximum; as the derivative tends to 0 at both "
        f"ends, it is the global maximum: $\\partial {spec.tex}[z]/\\partial z "
        f"\\leq {to_latex(facts.peak)}$ for every $z$. Each "
        f"{name} layer therefore scales a backpropagated gradient by at most "
        f"${to_latex(facts.peak)}$, and by almost nothing once $|z|$ is large."
    )
    only_zero = critical is not None and critical == sympy.FiniteSet(0)
    report.check(
        f"{name}: the derivative's only critical point is z = 0",
        _set_text(critical),
        only_zero,
    )
    curvature = facts.curvature
    report.check(
        f"{name}: the third derivative at 0 is negative (a maximum)",
        _text_or_none(curvature),
        curvature is not None and bool(curvature.is_negative),
    )
    report.check_equal(
        f"{name}: the largest derivative is {to_text(spec.maximum)}",
        facts.peak,
        spec.maximum,
    )


def _set_text(value: Any) -> str:
    if value is None:
        return "not found in time"
    if isinstance(value, sympy.FiniteSet):
        return "{" + ", ".join(to_text(e) for e in value) + "}"
    return str(value)


def _set_tex(value: Any) -> str:
    if isinstance(value, sympy.FiniteSet):
        return r"\{" + ", ".join(to_latex(e) for e in value) + r"\}"
    return r"\text{not found}"


def _text_or_none(value: Any) -> str:
    return "not found in time" if value is None else to_text(value)


def _check_claim(
    report: Report, claim: ActivationClaim, derived: Any, shown: Any = None
) -> None:
    """A user's claim against gradsym's derived value (``shown`` when printed)."""
    label = f"{claim.function}: the claimed {CLAIM_LABELS[claim.quantity]}"
    if derived is None:
        report.check(label, "not found in time", False, claimed=claim.text)
        return
    holds = same(claim.value.rewrite(sympy.exp), sympy.sympify(derived, strict=True))
    report.check(label, derived if shown is None else shown, holds, claimed=claim.text)


CLAIM_LABELS = {
    "derivative": "derivative",
    "limit_plus_infinity": "limit of the derivative as z -> +oo",
    "limit_minus_infinity": "limit of the derivative as z -> -oo",
    "maximum": "largest value of the derivative",
    "argmax": "place of the largest derivative",
}


# -- step functions ----------------------------------------------------------------


@dataclass(frozen=True)
class Jump:
    at: sympy.Expr
    left: sympy.Expr  # the value just left of the jump
    value: sympy.Expr  # at the jump
    right: sympy.Expr  # just right of it
    quotient_left: sympy.Expr  # limit of (a[z0 - h] - a[z0]) / (-h), h -> 0+
    quotient_right: sympy.Expr  # limit of (a[z0 + h] - a[z0]) / h, h -> 0+


def pieces(definition: sympy.Piecewise) -> list[tuple[sympy.Expr, sympy.Set]]:
    """The definition's (value, interval) pieces, read off the Piecewise."""
    return [
        (sympy.sympify(e, strict=True), s) for e, s in definition.as_expr_set_pairs()
    ]


def jumps_of(definition: sympy.Piecewise) -> list[Jump]:
    """Every point where adjacent pieces differ, with one-sided behaviour.

    The pieces are constant, so just beside a boundary z0 (closer than half the
    gap to the next boundary) the function equals the neighbouring piece's
    value; the difference quotients are then (value difference)/h exactly.
    """
    found = pieces(definition)
    points = sorted({p for _, s in found for p in s.boundary if p.is_finite})
    gaps = [b - a for a, b in pairwise(points)] or [sympy.S.One]
    eps = min(gaps) / 2
    result = []
    for point in points:
        left, right = (definition.subs(z, point + side * eps) for side in (-1, 1))
        value = definition.subs(z, point)
        if left == right == value:
            continue
        result.append(
            Jump(
                point,
                left,
                value,
                right,
                sympy.limit((left - value) / (-h), h, 0, "+"),
                sympy.limit((right - value) / h, h, 0, "+"),
            )
        )
    return result


def solve_step(
    report: Report, name: str, spec: Step, claims: list[ActivationClaim]
) -> dict[str, Any]:
    definition = spec.definition(z)
    found = pieces(definition)
    jumps = jumps_of(definition)
    d_tex = rf"\frac{{\partial {spec.tex}[z]}}{{\partial z}}"
    report.say(f"**{name}.** The function is")
    report.equations(
        Equation(
            f"{name}(z)", f"{spec.tex}[z]", _cases_text(found), rhs_tex=spec.cases_tex
        )
    )
    report.say(
        "On each open interval between the jumps it is constant, so there "
        "its derivative is the derivative of a constant:"
    )
    report.table(
        ["open interval", f"{name}(z)", f"d{name}/dz"],
        [
            [_interval_text(s.interior), to_text(e), to_text(sympy.diff(e, z))]
            for e, s in found
        ],
    )
    rule = sympy.diff(spec.apply(z), z)
    report.check(
        f"{name}: the derivative is 0 on every interval between the jumps",
        "0",
        all(sympy.diff(e, z) == 0 for e, _ in found) and rule == 0,
        note="" if rule == 0 else f"gradsym's rule gives {to_text(rule)}",
    )
    _jump_table(report, name, spec, jumps, d_tex)
    samples = [
        sympy.Integer(-1),
        sympy.S.Zero,
        sympy.Rational(1, 2),
        sympy.S.One,
        sympy.Integer(2),
    ]
    report.check(
        f"{name}: gradsym's {name} has the values of the definition at "
        "z = -1, 0, 1/2, 1, 2 (the jumps included)",
        ", ".join(to_text(spec.apply(s)) for s in samples),
        all(spec.apply(s) == definition.subs(z, s) for s in samples),
    )
    network = _network(report, name, spec)
    for claim in claims:
        _check_claim(report, claim, sympy.S.Zero)
    return {
        "derivative_between_jumps": "0",
        "jumps": [
            {
                "at": to_text(j.at),
                "left": to_text(j.left),
                "value": to_text(j.value),
                "right": to_text(j.right),
                "quotient_left": to_text(j.quotient_left),
                "quotient_right": to_text(j.quotient_right),
            }
            for j in jumps
        ],
        "network_gradients": network,
    }


def _cases_text(found: list[tuple[sympy.Expr, sympy.Set]]) -> str:
    return "; ".join(f"{to_text(e)} for z in {_interval_text(s)}" for e, s in found)


def _interval_text(interval: sympy.Set) -> str:
    if isinstance(interval, sympy.Interval):
        low = "(" if interval.left_open else "["
        high = ")" if interval.right_open else "]"
        return f"{low}{to_text(interval.start)}, {to_text(interval.end)}{high}"
    return str(interval)


def _jump_table(
    report: Report, name: str, spec: Step, jumps: list[Jump], d_tex: str
) -> None:
    where = ", ".join(f"$z = {to_latex(j.at)}$" for j in jumps)
    report.say(
        f"At {where} the function jumps. For a small step $h > 0$ the "
        "one-sided difference quotients are"
    )
    rows = []
    for jump in jumps:
        at = to_latex(jump.at)
        rows += [
            Equation(
                f"({name}(z0+h) - {name}(z0))/h at z0 = {to_text(jump.at)}",
                rf"\frac{{{spec.tex}[{at}+h]-{spec.tex}[{at}]}}{{h}}",
                (jump.right - jump.value) / h,
            ),
            Equation(
                f"({name}(z0-h) - {name}(z0))/(-h) at z0 = {to_text(jump.at)}",
                rf"\frac{{{spec.tex}[{at}-h]-{spec.tex}[{at}]}}{{-h}}",
                (jump.left - jump.value) / (-h),
            ),
        ]
    report.equations(*rows)
    report.say(
        "and as $h \\to 0^+$ they tend to the limits below, where "
        "$a(z_0-)$ and $a(z_0+)$ are the values just left and right of the "
        "jump $z_0$:"
    )
    report.table(
        ["z0", "a(z0-)", "a(z0)", "a(z0+)", "left quotient", "right quotient"],
        [
            [
                to_text(j.at),
                to_text(j.left),
                to_text(j.value),
                to_text(j.right),
                to_text(j.quotient_left),
                to_text(j.quotient_right),
            ]
            for j in jumps
        ],
    )
    report.say(
        f"At each jump at least one quotient diverges and the two disagree, "
        f"so $\\partial {spec.tex}[z]/\\partial z$ does not exist there (the "
        "function is not even continuous). gradsym, like "
        "automatic-differentiation libraries, "
        "uses 0 at these isolated points; it changes nothing below."
    )
    report.check(
        f"{name}: jumps found in the definition",
        ", ".join(to_text(j.at) for j in jumps),
        tuple(j.at for j in jumps) == spec.jumps,
    )
    for jump in jumps:
        differ = jump.quotient_left != jump.quotient_right
        infinite = any(q.is_infinite for q in (jump.quotient_left, jump.quotient_right))
        report.check(
            f"{name}: no derivative at z = {to_text(jump.at)} (one-sided "
            "quotients differ and one diverges)",
            f"left {to_text(jump.quotient_left)}, right {to_text(jump.quotient_right)}",
            differ and infinite,
        )


NETWORK = """\
problems:
  - id: network
    title: one-unit network
    inputs: [x, y]
    parameters: [phi0, phi1, theta0, theta1]
    graph:
      z: theta0 + theta1*x
      h: {name}(z)
      f: phi0 + phi1*h
      l: (f - y)**2
"""
NETWORK_PARAMETERS = ("phi0", "phi1", "theta0", "theta1")


def _network(report: Report, name: str, spec: Step) -> dict[str, str]:
    from gradsym.problems import loads
    from gradsym.solution import solve

    problem = loads(NETWORK.format(name=name), f"{name} network").problems[0]
    solution = solve(problem)  # type: ignore[arg-type]
    report.say(
        f"Now use {name} as the activation of a network with one hidden "
        f"unit, $f = \\phi_0 + \\phi_1 {spec.tex}[\\theta_0 + \\theta_1 x]$, "
        "and the least-squares loss $l = (f - y)^2$. gradsym differentiates "
        "the graph $z = \\theta_0 + \\theta_1 x$, "
        f"$h = {spec.tex}[z]$, $f = \\phi_0 + \\phi_1 h$, $l = (f-y)^2$ "
        "directly, by reverse mode and by forward mode:"
    )
    rows = []
    gradients: dict[str, str] = {}
    for derivative in solution.derivatives:
        value = derivative.value
        rows.append(
            Equation(f"dl/d{derivative.wrt}", partial_latex("l", derivative.wrt), value)
        )
        gradients[derivative.wrt] = to_text(value)
    report.equations(*rows)
    _network_checks(report, name, spec, solution)
    report.say(
        "The chain to $\\theta_0$ and $\\theta_1$ passes through "
        f"${spec.tex}'[z]$, which is 0 wherever it exists, so those two gradients "
        "are identically zero: gradient descent never moves the first-layer "
        "parameters, and the position of the jump in input space, "
        "$x = -\\theta_0/\\theta_1$, stays wherever initialisation put it. The "
        "output-layer parameters still learn, since $\\partial l/\\partial \\phi_0 "
        "= 2(f-y)$ is non-zero whenever the fit is imperfect. In a deeper network "
        "every parameter below a step activation is frozen in the same way. A "
        "small change of $\\theta_1$ either leaves $l$ unchanged or, where $z$ "
        "crosses a jump, changes it abruptly, so the derivative says nothing about "
        "which way to move."
    )
    return gradients


def _network_checks(report: Report, name: str, spec: Step, solution: Any) -> None:
    x, y = symbol("x"), symbol("y")
    phi0, phi1, theta0, theta1 = (symbol(n) for n in NETWORK_PARAMETERS)
    # The same loss with the step written as a Piecewise: an independent derivation.
    loss = (phi0 + phi1 * spec.definition(theta0 + theta1 * x) - y) ** 2
    agree = all(d.agreement.holds for d in solution.derivatives)
    report.check(
        f"{name} network: direct, reverse and forward mode agree on the four gradients",
        f"{len(solution.derivatives)} gradients",
        agree,
    )
    for derivative in solution.derivatives:
        ours = (
            derivative.expanded if derivative.expanded is not None else derivative.value
        )
        ours = ours.replace(spec.apply, spec.definition)
        theirs = sympy.diff(loss, symbol(derivative.wrt))
        report.check(
            f"{name} network: dl/d{derivative.wrt} matches the derivative "
            "of the loss with the step written piecewise",
            derivative.value,
            same(ours, theirs),
        )
    values = {d.wrt: d.value for d in solution.derivatives}
    report.check(
        f"{name} network: the first-layer gradients dl/dtheta0 and dl/dtheta1 are zero",
        f"{to_text(values['theta0'])}, {to_text(values['theta1'])}",
        values["theta0"] == 0 and values["theta1"] == 0,
    )
    report.check(
        f"{name} network: the output bias still gets the gradient 2*(f - y)",
        values["phi0"],
        same(values["phi0"], 2 * (symbol("f") - y)),
    )


def _relu_contrast(report: Report) -> None:
    relu = sympy.Piecewise((0, z < 0), (z, True))
    right = sympy.limit((relu.subs(z, h) - relu.subs(z, 0)) / h, h, 0, "+")
    left = sympy.limit((relu.subs(z, -h) - relu.subs(z, 0)) / (-h), h, 0, "+")
    report.say(
        "Compare the ReLU, which has no derivative at $z = 0$ either: its "
        "one-sided difference quotients there tend to $"
        f"{to_latex(left)}$ from the left and ${to_latex(right)}$ from the "
        "right, both finite, and its derivative is 1 for every $z > 0$. "
        "Networks of ReLUs train well, so an undefined derivative at "
        "isolated points is not the trouble with step functions; the "
        "trouble is that their derivative is zero everywhere else."
    )
    report.check(
        "relu: one-sided quotients at 0 tend to 0 (left) and 1 (right)",
        f"left {to_text(left)}, right {to_text(right)}",
        (left, right) == (0, 1),
    )


# -- solve ---------------------------------------------------------------------


def solve_activation(problem: Any) -> Report:
    settings: ActivationSettings = problem.settings
    report = Report(problem)
    smooth, steps = _smooth(), _steps()
    results: dict[str, Any] = {}
    for name in settings.functions:
        claims = [c for c in settings.claims if c.function == name]
        if name in smooth:
            results[name] = solve_smooth(report, name, smooth[name], claims)
        else:
            results[name] = solve_step(report, name, steps[name], claims)
    if any(name in steps for name in settings.functions):
        _relu_contrast(report)
        report.say(
            "Calling this the vanishing-gradient problem, as the published solution "
            "does, is loose. Vanishing gradients are products of many small but "
            "non-zero factors that shrink a gradient as it passes back through "
            "many layers. Here the gradient is exactly zero even with one hidden "
            "layer, and the output-layer parameters are not affected at all."
        )
    report.data = {"functions": results}
    return report


KINDS = {
    "activation": Kind(
        keys=("function", "functions", "claims"),
        build=build_activation,
        solve=solve_activation,
        summary="Derivatives of activation functions: limits, maxima, jumps, and "
        "the gradients a one-unit network gets through them.",
    ),
}
