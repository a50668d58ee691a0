"""Derivative rules and values at kinks and jumps of gradsym's primitives."""

from __future__ import annotations

import pytest
import sympy
from _helpers import S

from gradsym.expressions import parse
from gradsym.primitives import (
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

z, a, b, alpha, x = S("z"), S("a"), S("b"), S("alpha"), S("x")
half = sympy.Rational(1, 2)


def d(text: str, wrt: sympy.Symbol) -> sympy.Expr:
    return sympy.diff(parse(text), wrt)


# -- relu ----------------------------------------------------------------------


def test_relu_derivative_is_the_indicator_of_a_positive_argument():
    assert d("relu(z)", z) == indicator(sympy.StrictGreaterThan(z, 0))


@pytest.mark.parametrize("value, slope", [(-2, 0), (0, 0), (half, 1), (3, 1)])
def test_relu_derivative_values(value, slope):
    # relu'(0) = 0: the indicator is of z > 0, not z >= 0
    assert d("relu(z)", z).subs(z, value) == slope


@pytest.mark.parametrize("value, expected", [(-2, 0), (0, 0), (half, half), (3, 3)])
def test_relu_values(value, expected):
    assert relu(sympy.sympify(value)) == expected


def test_relu_chain_rule():
    assert d("relu(3*x - 1)", x) == 3 * indicator(sympy.StrictGreaterThan(3 * x - 1, 0))
    assert d("relu(3*x - 1)", x).subs(x, sympy.Rational(1, 3)) == 0
    assert d("relu(3*x - 1)", x).subs(x, 1) == 3


# -- leaky relu ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, slope",
    [
        (-2, alpha),
        (0, alpha),
        (half, 1),
        (3, 1),
    ],
)
def test_leaky_relu_derivative_in_z(value, slope):
    # the derivative at 0 is alpha, as in PyTorch
    assert sympy.expand(d("leaky_relu(z, alpha)", z).subs(z, value) - slope) == 0


def test_leaky_relu_derivative_at_zero_with_a_number_for_alpha():
    assert d("leaky_relu(z, 0.01)", z).subs(z, 0) == sympy.Rational(1, 100)
    assert d("leaky_relu(z, 0.01)", z).subs(z, 1) == 1


@pytest.mark.parametrize("value, expected", [(-2, -2), (0, 0), (half, 0), (3, 0)])
def test_leaky_relu_derivative_in_alpha(value, expected):
    # d/dalpha (alpha*z for z <= 0) = z; 0 for z > 0
    assert d("leaky_relu(z, alpha)", alpha).subs(z, value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (-2, -2 * alpha),
        (0, 0),
        (half, half),
        (3, 3),
    ],
)
def test_leaky_relu_values(value, expected):
    assert leaky_relu(sympy.sympify(value), alpha) == expected


# -- sigmoid ----------------------------------------------------------------------


def test_sigmoid_derivative():
    assert d("sig(z)", z) == sigmoid(z) * (1 - sigmoid(z))
    assert d("sigmoid(z)", z) == sigmoid(z) * (1 - sigmoid(z))


def test_sigmoid_derivative_agrees_with_the_exponential_form():
    logistic = 1 / (1 + sympy.exp(-z))
    derived = d("sig(z)", z).subs(sigmoid(z), logistic)
    assert sympy.simplify(derived - sympy.diff(logistic, z)) == 0


def test_sigmoid_values():
    assert sigmoid(sympy.Integer(0)) == half
    assert sympy.simplify(sigmoid(z).rewrite(sympy.exp) - 1 / (1 + sympy.exp(-z))) == 0
    assert d("sig(z)", z).subs(z, 0) == sympy.Rational(1, 4)


# -- step functions -----------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (-1, 0),
        (sympy.Rational(-1, 1000), 0),
        (0, 1),
        (sympy.Rational(1, 1000), 1),
        (5, 1),
    ],
)
def test_heaviside_values(value, expected):
    # heaviside(0) = 1, not SymPy's Heaviside(0) = 1/2
    assert heaviside(sympy.sympify(value)) == expected
    assert parse("heaviside(z)").subs(z, value) == expected


def test_heaviside_at_zero_is_one_not_a_half():
    assert parse("heaviside(0)") == 1
    assert parse("heaviside(x - x)") == 1
    assert parse("heaviside(pi - 3)") == 1
    assert parse("heaviside(3 - pi)") == 0


@pytest.mark.parametrize(
    "value, expected",
    [
        (-1, 0),
        (0, 1),
        (half, 1),
        (1, 1),
        (sympy.Rational(3, 2), 0),
        (sympy.Rational(-1, 1000), 0),
        (sympy.Rational(1001, 1000), 0),
    ],
)
def test_rect_values(value, expected):
    assert rect(sympy.sympify(value)) == expected
    assert parse("rect(z)").subs(z, value) == expected


@pytest.mark.parametrize(
    "text",
    [
        "heaviside(z)",
        "rect(z)",
        "indicator(z > 0)",
        "indicator(0 <= z <= 1)",
        "heaviside(3*z + 1)",
        "rect(z**2)",
        "indicator(z**2 < 1)",
    ],
)
def test_step_functions_have_derivative_zero(text):
    assert d(text, z) == 0


def test_product_with_a_step_keeps_only_the_smooth_part():
    # d/dz (z**2 * heaviside(z)) = 2 z heaviside(z) away from 0
    assert d("z**2*heaviside(z)", z) == 2 * z * heaviside(z)
    assert d("sin(z)*indicator(z > 0)", z) == sympy.cos(z) * indicator(
        sympy.StrictGreaterThan(z, 0)
    )


def test_indicator_squared_is_itself():
    assert parse("indicator(z > 0)**2") == indicator(sympy.StrictGreaterThan(z, 0))


# -- max and min --------------------------------------------------------------------


@pytest.mark.parametrize(
    "va, vb, da, db",
    [
        (2, 1, 1, 0),  # a larger
        (1, 2, 0, 1),  # b larger
        (
            1,
            1,
            0,
            1,
        ),  # a tie: d/da = indicator(a > b) = 0, d/db = indicator(a <= b) = 1
    ],
)
def test_max_derivatives(va, vb, da, db):
    expr = parse("max(a, b)")
    assert sympy.diff(expr, a).subs({a: va, b: vb}) == da
    assert sympy.diff(expr, b).subs({a: va, b: vb}) == db


@pytest.mark.parametrize(
    "va, vb, da, db",
    [
        (2, 1, 0, 1),
        (1, 2, 1, 0),
        (
            1,
            1,
            0,
            1,
        ),  # a tie: d/da = indicator(a < b) = 0, d/db = indicator(a >= b) = 1
    ],
)
def test_min_derivatives(va, vb, da, db):
    expr = parse("min(a, b)")
    assert sympy.diff(expr, a).subs({a: va, b: vb}) == da
    assert sympy.diff(expr, b).subs({a: va, b: vb}) == db


def test_max_min_forms():
    assert sympy.diff(parse("max(a, b)"), a) == indicator(sympy.StrictGreaterThan(a, b))
    assert sympy.diff(parse("min(a, b)"), a) == indicator(sympy.StrictLessThan(a, b))
    # the partials of max and of min add up to one everywhere
    assert (
        sympy.expand(
            sympy.diff(parse("max(a, b)"), a) + sympy.diff(parse("max(a, b)"), b)
        )
        == 1
    )
    assert (
        sympy.expand(
            sympy.diff(parse("min(a, b)"), a) + sympy.diff(parse("min(a, b)"), b)
        )
        == 1
    )


def test_max_min_values():
    assert maximum(sympy.Integer(2), sympy.Integer(5)) == 5
    assert minimum(sympy.Integer(2), sympy.Integer(5)) == 2
    assert parse("max(x, x)") == x
    assert parse("max(x + 1, x)") == x + 1
    assert parse("min(x + 1, x)") == x


def test_max_chain_rule():
    # d/dx max(x**2, 1) = 2x indicator(x**2 > 1)
    derived = sympy.diff(parse("max(x**2, 1)"), x)
    assert derived.subs(x, 2) == 4
    assert derived.subs(x, half) == 0


# -- abs and sign ------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [(-3, -1), (2, 1)])
def test_abs_derivative_is_sign(value, expected):
    assert d("abs(z)", z) == signum(z)
    assert d("abs(z)", z).subs(z, value) == expected


def test_sign_at_zero_is_zero():
    assert d("abs(z)", z).subs(z, 0) == 0
