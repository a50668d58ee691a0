"""The expression parser: grammar, exact numbers, names, refusals, round trip."""

from __future__ import annotations

import pytest
import sympy
from _helpers import S, num

from gradsym.errors import ExpressionError, GradsymError, LimitError
from gradsym.expressions import parse
from gradsym.primitives import absolute, indicator, sigmoid, signum
from gradsym.printing import to_text

x, y, z = S("x"), S("y"), S("z")


# -- precedence and associativity ----------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("-x**2", -(x**2)),
        ("x + y^2", x + y**2),
        ("x + y**2", x + y**2),
        ("2**-1", sympy.Rational(1, 2)),
        ("2^-1", sympy.Rational(1, 2)),
        ("2**3**2", sympy.Integer(512)),  # 2**(3**2), not (2**3)**2 = 64
        ("2^3^2", sympy.Integer(512)),
        ("x**y**z", sympy.Pow(x, sympy.Pow(y, z))),
        ("(x**y)**z", sympy.Pow(sympy.Pow(x, y), z)),
        ("-2**2", sympy.Integer(-4)),
        ("(-2)**2", sympy.Integer(4)),
        ("2*3/4", sympy.Rational(3, 2)),
        ("8/4/2", sympy.Integer(1)),  # (8/4)/2
        ("1 - 2 - 3", sympy.Integer(-4)),  # (1-2)-3
        ("x - -y", x + y),
        ("--x", x),
        ("+x", x),
        ("2*x**2", 2 * x**2),
        ("x*y**-1", x / y),
        ("x**-y**2", sympy.Pow(x, -(y**2))),
        ("(x + y)*z", (x + y) * z),
        ("x + y*z", x + y * z),
    ],
)
def test_precedence(text, expected):
    assert parse(text) == expected


def test_unary_minus_binds_looser_than_power_numerically():
    # -x**2 at x = 3 is -9, not 9
    assert parse("-x**2").subs(x, 3) == -9
    assert parse("-x^2").subs(x, -3) == -9


# -- exact numbers -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0.1", sympy.Rational(1, 10)),
        ("0.25", sympy.Rational(1, 4)),
        (".5", sympy.Rational(1, 2)),
        ("1.", sympy.Integer(1)),
        ("1e-3", sympy.Rational(1, 1000)),
        ("2.5e2", sympy.Integer(250)),
        ("3E+1", sympy.Integer(30)),
        ("0.1 + 0.2", sympy.Rational(3, 10)),
        ("1" * 60, sympy.Integer("1" * 60)),
    ],
)
def test_decimals_are_exact_rationals(text, expected):
    value = parse(text)
    assert value == expected
    assert not value.has(sympy.Float)


def test_decimal_coefficient_stays_exact():
    assert parse("0.1*x") == sympy.Rational(1, 10) * x
    assert parse("0.1*x + 0.2*x") == sympy.Rational(3, 10) * x


# -- names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "beta",
        "gamma",
        "zeta",
        "lambda",
        "E",
        "I",
        "N",
        "S",
        "Q",
        "O",
        "x",
        "x_i",
        "psi11",
        "omega_3",
        "Beta",
        "sig_x",
    ],
)
def test_names_are_plain_real_symbols(name):
    value = parse(name)
    assert isinstance(value, sympy.Symbol)
    assert value.name == name
    assert value.is_real is True
    assert value == sympy.Symbol(name, real=True)


def test_special_names_are_not_sympy_constants_or_functions():
    assert parse("E") != sympy.E
    assert parse("I") != sympy.I
    assert parse("E*I").free_symbols == {S("E"), S("I")}
    # beta(2) would be SymPy's beta function; here "beta" is only a name
    assert parse("beta*gamma - zeta/lambda") == S("beta") * S("gamma") - S("zeta") / S(
        "lambda"
    )
    assert parse("N + S + Q + O") == S("N") + S("S") + S("Q") + S("O")


def test_pi_is_the_constant():
    assert parse("pi") is sympy.pi
    assert parse("2*pi*x") == 2 * sympy.pi * x
    assert parse("sin(pi)") == 0


def test_sig_is_an_alias_of_sigmoid():
    assert parse("sig(z)") == sigmoid(z)
    assert parse("sigmoid(z)") == sigmoid(z)
    assert parse("sig(z)") == parse("sigmoid(z)")
    assert parse("sig(0)") == sympy.Rational(1, 2)


def test_indicator_of_a_comparison():
    assert parse("indicator(z > 0)") == indicator(sympy.StrictGreaterThan(z, 0))
    assert parse("indicator(z > 0)").subs(z, 0) == 0
    assert parse("indicator(z >= 0)").subs(z, 0) == 1
    assert parse("indicator(z < 0)").subs(z, -1) == 1
    assert parse("indicator(z <= 0)").subs(z, 1) == 0


@pytest.mark.parametrize(
    "value, expected",
    [
        (sympy.Rational(-1, 10), 0),
        (0, 1),
        (sympy.Rational(1, 2), 1),
        (1, 1),
        (sympy.Rational(11, 10), 0),
    ],
)
def test_chained_indicator(value, expected):
    expr = parse("indicator(0 <= z <= 1)")
    assert expr.free_symbols == {z}
    assert expr.subs(z, value) == expected
    assert num(expr, {"z": value}) == expected


def test_functions_build_the_right_sympy_objects():
    assert parse("exp(x)") == sympy.exp(x)
    assert parse("log(x)") == sympy.log(x)
    assert parse("sqrt(x)") == sympy.sqrt(x)
    assert parse("sin(x) + cos(x) + tan(x) + tanh(x)") == (
        sympy.sin(x) + sympy.cos(x) + sympy.tan(x) + sympy.tanh(x)
    )
    assert parse("abs(x)") == absolute(x)
    assert parse("sign(x)") == signum(x)


# -- refusals ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, column",
    [
        ("x.__class__", 2),
        ("x.real", 2),
        ("x[0]", 2),
        ("exp(x)[0]", 7),
        ("'abc'", 1),
        ('x + "a"', 5),
        ("lambda: 1", 7),
        ("lambda x: x", 9),  # the tokenizer stops at the colon
        ("foo(x)", 1),
        ("x + foo(x)", 5),
        ("exq(x)", 1),
        ("x > 0", 3),
        ("x <= y", 3),
        ("", 1),
        ("   ", 1),
        ("_x", 1),
        ("exp", 1),
        ("exp(x, y)", 1),
        ("1/0", 2),
        ("x/(y - y)", 2),
        ("0**-1", 2),
        ("x +", 4),
        ("(x", 3),
        ("x)", 2),
        ("x y", 3),
        ("x = 1", 3),
        ("x; y", 2),
        ("x @ y", 3),
        ("indicator(x)", 12),
        ("2 ** ", 6),
    ],
)
def test_refusals_name_the_column(text, column):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.column == column
    assert caught.value.text == text
    assert f"column {column}" in str(caught.value)


def test_unknown_function_suggests_the_nearest():
    with pytest.raises(ExpressionError) as caught:
        parse("exq(x)")
    assert "Did you mean 'exp'?" in str(caught.value)
    with pytest.raises(ExpressionError) as caught:
        parse("sigmod(x)")
    assert "Did you mean 'sigmoid'?" in str(caught.value)


def test_unknown_function_far_from_every_name_has_no_suggestion():
    with pytest.raises(ExpressionError) as caught:
        parse("qqqqqqq(x)")
    assert "Did you mean" not in str(caught.value)


def test_comparison_outside_indicator_is_refused():
    with pytest.raises(ExpressionError) as caught:
        parse("x > 0")
    assert "indicator" in str(caught.value)
    with pytest.raises(ExpressionError):
        parse("relu(x > 0)")
    with pytest.raises(ExpressionError):
        parse("1 + (x >= 2)")


def test_non_text_is_refused():
    with pytest.raises(ExpressionError):
        parse(5)  # type: ignore[arg-type]
    with pytest.raises(ExpressionError):
        parse(None)  # type: ignore[arg-type]


def test_python_tricks_are_refused():
    for text in (
        "__import__('os')",
        "().__class__",
        "x if y else z",
        "[x for x in y]",
        "{x: 1}",
        "x.__class__.__bases__",
        "`x`",
        "x\\y",
    ):
        with pytest.raises(ExpressionError):
            parse(text)


# -- limits --------------------------------------------------------------------


def test_tower_of_powers_is_a_limit_error():
    with pytest.raises(LimitError):
        parse("9**9**9**9")


def test_large_exponents_are_limit_errors():
    with pytest.raises(LimitError):
        parse("x**1001")
    with pytest.raises(LimitError):
        parse("2**5000")
    assert parse("x**1000") == x**1000


def test_very_long_numbers_are_limit_errors():
    with pytest.raises(LimitError):
        parse("1" * 401)
    assert parse("1" * 400) == sympy.Integer("1" * 400)
    with pytest.raises(LimitError):
        parse("1e301")
    with pytest.raises(LimitError):
        parse("0." + "0" * 400 + "1")


def test_deep_nesting_is_a_limit_error():
    with pytest.raises(LimitError):
        parse("(" * 200 + "x" + ")" * 200)
    with pytest.raises(LimitError):
        parse("-" * 200 + "x")
    with pytest.raises(LimitError):
        parse("exp(" * 200 + "x" + ")" * 200)
    # within the limit of 80 levels it parses
    assert parse("(" * 70 + "x" + ")" * 70) == x
    assert parse("-" * 70 + "x") == x


def test_very_long_text_is_a_limit_error():
    with pytest.raises(LimitError):
        parse("x" + " + x" * 2600)  # more than 10,000 characters


def test_limit_errors_are_gradsym_errors():
    assert issubclass(LimitError, GradsymError)
    assert issubclass(ExpressionError, GradsymError)


@pytest.mark.parametrize(
    "text",
    [
        "sqrt(-1)**2",
        "log(0)**2",
        "2**sqrt(-1)",
        "0**sqrt(-1)",
        "indicator(x > sqrt(-1))",
        "indicator(log(0) > 0)",
        "indicator(log(-1) > 0)",
        "2**(0*log(0))",
    ],
)
def test_non_real_constants_raise_only_gradsym_errors(text):
    # The language is real-valued: these expressions have no real value, and
    # the parser must refuse them with one of its own errors (not a TypeError
    # from inside SymPy).
    with pytest.raises(GradsymError):
        parse(text)


# -- round trip through the syntax printer ----------------------------------------

ROUND_TRIP = [
    "-x**2",
    "x + y^2",
    "2**-1",
    "x**y**z",
    "(x**y)**z",
    "x/(y*z)",
    "x - (y - z)",
    "0.1*x",
    "1e-3 + x",
    "exp(-x)/(1 + exp(-x))",
    "sig(z)*(1 - sig(z))",
    "indicator(0 <= z <= 1)",
    "indicator(x > y + 1)*relu(x - y)",
    "leaky_relu(z, 0.01)",
    "leaky_relu(z, alpha)",
    "max(a, b) - min(a, -b)",
    "abs(x)**3",
    "sign(x)*x",
    "heaviside(x) + rect(x)",
    "sqrt(x**2 + 1)",
    "x**(1/3)",
    "x**-0.5",
    "pi*beta/lambda",
    "E*I + N*S - Q/O",
    "tanh(x)**2 + tan(x)",
    "log(1 - s)",
    "exp(1) + exp(x)**2",
    "(-2)**x",
    "2**(x - 1)",
    "-(-x)",
    "1/(1/x + 1/y)",
    "indicator(-z >= 2*y)",
    "(exp(f3) + cos(f3))*(1 + 2*f1)*exp(x)",
    "x*(phi1*psi11*indicator(z21 > 0) + phi2*psi12*indicator(z22 > 0))*indicator(z11 > 0)",
    "-(1 - y_i)*log(1 - s) - y_i*log(s)",
    "exp(x)**(-2)",
    "x**2**-1",
    "sin(pi/4)*x",
    "12345678901234567890*x",
    "x/3 - y/7",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_round_trip(text):
    expr = parse(text)
    assert parse(to_text(expr)) == expr


@pytest.mark.parametrize("text", ["1e100*x", "2**200", "x/1e70"])
def test_round_trip_of_large_numbers(text):
    # parse accepts these (the literals are within the limits), so the text
    # printed for them must parse back too.
    expr = parse(text)
    assert parse(to_text(expr)) == expr


def test_round_trip_of_every_bundled_expression():
    from _helpers import graph_problems

    for problem in graph_problems():
        for expr in problem.graph.nodes.values():
            assert parse(to_text(expr)) == expr
        for claim in problem.claims:
            assert parse(to_text(claim.value)) == claim.value


def test_powers_of_small_numbers_respect_the_digit_limit():
    # (1/10**300)**1000 is 10**-300000: its denominator has 300,001 digits,
    # far beyond the limit of 2,000 digits for numbers computed from literals.
    # (Nesting one more power, ((1/10**300)**1000)**300, makes parse run for
    # minutes.)
    with pytest.raises(LimitError):
        parse("(1/10**300)**1000")
    with pytest.raises(LimitError):
        parse("(1/99**999)**2")  # 3,988 digits


def test_power_of_a_large_number_within_the_limit_is_accepted():
    # 9**999 has 954 digits, and so has (9**999)**1: within the limit of 2,000
    assert parse("9**999") == sympy.Integer(9) ** 999
    assert parse("(9**999)**1") == sympy.Integer(9) ** 999
