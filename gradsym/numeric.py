"""Numeric evaluation with mpmath, node by node, never through eval.

Values are real mpmath numbers at a fixed working precision.  A point where
some value is complex, infinite or undefined raises ``OffDomain``; callers
skip such points.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeAlias

import mpmath
import sympy
from sympy.core.relational import Relational

from gradsym.expressions import symbol
from gradsym.graph import Graph
from gradsym.primitives import (
    absolute,
    heaviside,
    indicator,
    leaky_relu,
    maximum,
    minimum,
    rect,
    relu,
    sigmoid,
    signum,
)

PRECISION = 50  # decimal digits, at least: a caller may work at more
SCALES = (0.3, 1.0, 3.0)  # spreads of the random points


class OffDomain(ArithmeticError):
    """The expression has no finite real value at this point."""


Value: TypeAlias = Any  # a real mpmath.mpf
Env = Mapping[sympy.Symbol, Value]
Memo = dict[sympy.Basic, Value]


def _real(value: object) -> Value:
    if isinstance(value, mpmath.mpc):
        if value.imag != 0:
            raise OffDomain("complex value")
        value = value.real
    if not isinstance(value, mpmath.mpf) or not mpmath.isfinite(value):
        raise OffDomain("non-finite value")
    return value


MAX_MAGNITUDE = mpmath.mpf(10) ** 10_000  # beyond this a value counts as overflow
MAX_ANGLE = mpmath.mpf(10) ** 6  # trigonometry of larger arguments loses every digit


def _bounded(value: Value) -> Value:
    if abs(value) > MAX_MAGNITUDE:
        raise OffDomain("overflow")
    return value


def _power(base: Value, exponent: Value) -> Value:
    if base == 0 and exponent < 0:
        raise OffDomain("division by zero")
    if base < 0 and exponent != int(exponent):
        raise OffDomain("fractional power of a negative number")
    if base != 0 and abs(exponent * mpmath.log(abs(base))) > 23_000:
        raise OffDomain("overflow")
    return _real(mpmath.power(base, exponent))


def _exp(z: Value) -> Value:
    if z > 23_000:  # exp(23000) is about 10**10000
        raise OffDomain("overflow")
    return mpmath.exp(z)


def _angle(rule: Callable[[Value], Value]) -> Callable[[Value], Value]:
    def bounded(z: Value) -> Value:
        if abs(z) > MAX_ANGLE:
            raise OffDomain("argument too large for a meaningful value")
        return rule(z)

    return bounded


def _log(z: Value) -> Value:
    if z <= 0:
        raise OffDomain("log of a non-positive number")
    return mpmath.log(z)


def _tan(z: Value) -> Value:
    if mpmath.cos(z) == 0:
        raise OffDomain("tan at a pole")
    return mpmath.tan(z)


def _sigmoid(z: Value) -> Value:
    return 1 / (1 + _exp(-z)) if z > -23_000 else mpmath.mpf(0)


_FUNCTIONS: dict[type, Callable[..., Value]] = {
    sympy.exp: _exp,
    sympy.log: _log,
    sympy.sin: _angle(mpmath.sin),
    sympy.cos: _angle(mpmath.cos),
    sympy.tan: _angle(_tan),
    sympy.tanh: mpmath.tanh,
    absolute: abs,
    signum: lambda z: mpmath.mpf(mpmath.sign(z)),
    sympy.Abs: abs,  # SymPy's own, should a rewrite bring them in
    sympy.sign: lambda z: mpmath.mpf(mpmath.sign(z)),
    sigmoid: _sigmoid,
    relu: lambda z: z if z > 0 else mpmath.mpf(0),
    leaky_relu: lambda z, alpha: z if z > 0 else alpha * z,
    maximum: max,
    minimum: min,
    heaviside: lambda z: mpmath.mpf(1 if z >= 0 else 0),
    rect: lambda z: mpmath.mpf(1 if 0 <= z <= 1 else 0),
}


def _digits() -> int:
    return max(PRECISION, mpmath.mp.dps)


def evaluate(expr: sympy.Basic, env: Env, memo: Memo | None = None) -> Value:
    """The value of ``expr`` with its symbols bound by ``env``.

    ``memo`` keeps the values of subexpressions for reuse by later calls at
    the same point; it must not be shared between points.
    """
    with mpmath.workdps(_digits()):
        return _real(_value(expr, env, {} if memo is None else memo))


def _value(expr: sympy.Basic, env: Env, memo: Memo) -> Value:
    if isinstance(expr, sympy.Symbol):
        return env[expr]
    if expr in memo:
        return memo[expr]
    memo[expr] = value = _bounded(_compute(expr, env, memo))
    return value


def _compute(expr: sympy.Basic, env: Env, memo: Memo) -> Value:
    if expr.is_Number:
        if expr.is_Rational:
            return mpmath.mpf(expr.p) / expr.q
        return _real(mpmath.mpmathify(expr.evalf(mpmath.mp.dps)))
    if expr is sympy.pi:
        return +mpmath.pi
    if expr is sympy.E:
        return mpmath.e()
    if isinstance(expr, sympy.Add):
        return mpmath.fsum(_value(arg, env, memo) for arg in expr.args)
    if isinstance(expr, sympy.Mul):
        result = mpmath.mpf(1)
        for arg in expr.args:
            result *= _value(arg, env, memo)
        return result
    if isinstance(expr, sympy.Pow):
        return _power(_value(expr.base, env, memo), _value(expr.exp, env, memo))
    if isinstance(expr, indicator):
        return mpmath.mpf(1 if _holds(expr.args[0], env, memo) else 0)
    rule = _FUNCTIONS.get(type(expr))
    if rule is None:
        raise NotImplementedError(f"no numeric rule for {type(expr).__name__}")
    return _real(rule(*(_value(arg, env, memo) for arg in expr.args)))


def _holds(condition: sympy.Basic, env: Env, memo: Memo) -> bool:
    if isinstance(condition, sympy.And):
        return all(_holds(part, env, memo) for part in condition.args)
    if isinstance(condition, Relational):
        left = _value(condition.lhs, env, memo)
        right = _value(condition.rhs, env, memo)
        return bool(
            {
                "<": left < right,
                "<=": left <= right,
                ">": left > right,
                ">=": left >= right,
                "==": left == right,
                "!=": left != right,
            }[condition.rel_op]
        )
    if condition in (sympy.true, sympy.false):
        return bool(condition)
    raise NotImplementedError(f"no numeric rule for {condition}")


def forward_values(
    graph: Graph, point: Mapping[str, Value]
) -> dict[sympy.Symbol, Value]:
    """Every leaf and node value at ``point`` (values of the leaves)."""
    env: dict[sympy.Symbol, Value] = {symbol(n): point[n] for n in graph.leaves}
    with mpmath.workdps(_digits()):
        for name, expr in graph.nodes.items():
            try:
                env[symbol(name)] = _real(_value(expr, env, {}))
            except OffDomain as error:
                raise OffDomain(f"node {name}: {error}") from None
    return env


def random_points(
    leaves: tuple[str, ...], count: int, seed: str
) -> Iterator[dict[str, Value]]:
    """Reproducible random points: both signs, several scales."""
    generator = random.Random(seed)
    with mpmath.workdps(PRECISION):
        for index in range(count):
            scale = SCALES[index % len(SCALES)]
            yield {name: mpmath.mpf(generator.gauss(0.0, scale)) for name in leaves}


with mpmath.workdps(PRECISION):
    _RELATIVE = mpmath.mpf(10) ** -20
    _ABSOLUTE = mpmath.mpf(10) ** -30


def close(a: Value, b: Value) -> bool:
    """Agreement to 20 significant digits, or to 1e-30 absolutely."""
    return bool(abs(a - b) <= max(abs(a), abs(b)) * _RELATIVE + _ABSOLUTE)


def as_float(value: Value) -> float:
    number = float(value)
    return number if math.isfinite(number) else float("nan")
