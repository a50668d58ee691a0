"""The primitives of the expression language and their derivative rules.

Every primitive that SymPy does not already differentiate the way the book
does is a SymPy ``Function`` here, with its derivative rule beside it.  The
convention at a kink or a jump is stated with each rule; none of them relies
on SymPy's ``Heaviside(0) = 1/2``.

Rule contract: ``fdiff(i)`` returns the partial derivative with respect to the
i-th argument (1-based) as an expression of the same primitives.
"""

from __future__ import annotations

import sympy
from sympy.core.function import Function
from sympy.logic.boolalg import BooleanFalse, BooleanTrue


class indicator(Function):
    """1 where the condition holds, 0 elsewhere.  Derivative: 0 (a.e.)."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, condition: sympy.Basic) -> sympy.Expr | None:
        if isinstance(condition, BooleanTrue) or condition is True:
            return sympy.S.One
        if isinstance(condition, BooleanFalse) or condition is False:
            return sympy.S.Zero
        return None

    def _eval_derivative(self, symbol: sympy.Symbol) -> sympy.Expr:
        # Piecewise constant: zero away from the boundary of the condition.
        return sympy.S.Zero

    def _eval_power(self, exponent: sympy.Expr) -> sympy.Expr | None:
        if exponent.is_positive:
            return self  # 0 and 1 are their own powers
        return None


class _Step(Function):
    """A piecewise-constant activation: derivative 0 away from its jumps."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.S.Zero


class heaviside(_Step):
    """1 for z >= 0, 0 for z < 0 (so heaviside(0) = 1, unlike SymPy's)."""

    @classmethod
    def eval(cls, z: sympy.Expr) -> sympy.Expr | None:
        if z.is_number and z.is_comparable:
            return sympy.S.One if z >= 0 else sympy.S.Zero
        return None


class rect(_Step):
    """1 for 0 <= z <= 1, 0 elsewhere."""

    @classmethod
    def eval(cls, z: sympy.Expr) -> sympy.Expr | None:
        if z.is_number and z.is_comparable:
            return sympy.S.One if 0 <= z <= 1 else sympy.S.Zero
        return None


class relu(Function):
    """max(z, 0).  Derivative: indicator(z > 0), so relu'(0) = 0."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, z: sympy.Expr) -> sympy.Expr | None:
        if z.is_number and z.is_comparable:
            return z if z > 0 else sympy.S.Zero
        if z.is_nonnegative:
            return z
        if z.is_nonpositive:
            return sympy.S.Zero
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return indicator(sympy.StrictGreaterThan(self.args[0], 0))


class leaky_relu(Function):
    """z for z > 0, alpha*z otherwise.  d/dz: alpha at 0, as in PyTorch."""

    nargs = 2
    is_real = True

    @classmethod
    def eval(cls, z: sympy.Expr, alpha: sympy.Expr) -> sympy.Expr | None:
        if z.is_number and z.is_comparable:
            return z if z > 0 else alpha * z
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        z, alpha = self.args
        positive = indicator(sympy.StrictGreaterThan(z, 0))
        if argindex == 1:
            return positive + alpha * (1 - positive)
        return z * (1 - positive)


class sigmoid(Function):
    """1/(1 + exp(-z)).  Derivative: sigmoid(z)*(1 - sigmoid(z))."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, z: sympy.Expr) -> sympy.Expr | None:
        if z.is_zero:
            return sympy.Rational(1, 2)
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, z: sympy.Expr, **kwargs: object) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-z))


class maximum(Function):
    """max(a, b).  d/da = indicator(a > b), d/db = indicator(a <= b)."""

    nargs = 2
    is_real = True

    @classmethod
    def eval(cls, a: sympy.Expr, b: sympy.Expr) -> sympy.Expr | None:
        if (a - b).is_number and (a - b).is_comparable:
            return a if a > b else b
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        a, b = self.args
        first = indicator(sympy.StrictGreaterThan(a, b))
        return first if argindex == 1 else 1 - first


class minimum(Function):
    """min(a, b).  d/da = indicator(a < b), d/db = indicator(a >= b)."""

    nargs = 2
    is_real = True

    @classmethod
    def eval(cls, a: sympy.Expr, b: sympy.Expr) -> sympy.Expr | None:
        if (a - b).is_number and (a - b).is_comparable:
            return a if a < b else b
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        a, b = self.args
        first = indicator(sympy.StrictLessThan(a, b))
        return first if argindex == 1 else 1 - first


class signum(Function):
    """-1, 0 or 1 by the sign of z.  Derivative: 0 away from z = 0."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, z: sympy.Expr) -> sympy.Expr | None:
        if z.is_positive:
            return sympy.S.One
        if z.is_negative:
            return sympy.S.NegativeOne
        if z.is_zero:
            return sympy.S.Zero
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.S.Zero


class absolute(Function):
    """|z|.  Derivative: signum(z), so abs'(0) = 0."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, z: sympy.Expr) -> sympy.Expr | None:
        if z.is_nonnegative:
            return z
        if z.is_nonpositive:
            return -z
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return signum(self.args[0])


def _sqrt(z: sympy.Expr) -> sympy.Expr:
    return sympy.sqrt(z)


# name in the expression language -> (constructor, number of arguments)
FUNCTIONS: dict[str, tuple[object, int]] = {
    "exp": (sympy.exp, 1),
    "log": (sympy.log, 1),
    "sqrt": (_sqrt, 1),
    "sin": (sympy.sin, 1),
    "cos": (sympy.cos, 1),
    "tan": (sympy.tan, 1),
    "tanh": (sympy.tanh, 1),
    "abs": (absolute, 1),
    "sign": (signum, 1),
    "max": (maximum, 2),
    "min": (minimum, 2),
    "sigmoid": (sigmoid, 1),
    "sig": (sigmoid, 1),
    "relu": (relu, 1),
    "leaky_relu": (leaky_relu, 2),
    "heaviside": (heaviside, 1),
    "rect": (rect, 1),
    "indicator": (indicator, 1),
}

CONSTANTS: dict[str, sympy.Expr] = {"pi": sympy.pi}

# The rule each top-level operation contributes to a local partial derivative.
_RULES: dict[type, str] = {
    sympy.Add: "sum",
    sympy.Mul: "product",
    sympy.Pow: "power",
    sympy.exp: "exp' = exp",
    sympy.log: "log' = 1/z",
    sympy.sin: "sin' = cos",
    sympy.cos: "cos' = -sin",
    sympy.tan: "tan' = 1 + tan^2",
    sympy.tanh: "tanh' = 1 - tanh^2",
    absolute: "abs' = sign",
    signum: "sign' = 0 away from z = 0",
    relu: "relu' = indicator(z > 0)",
    leaky_relu: "leaky_relu' = 1 for z > 0, alpha otherwise",
    sigmoid: "sig' = sig (1 - sig)",
    maximum: "max' = indicator of the larger argument",
    minimum: "min' = indicator of the smaller argument",
    heaviside: "heaviside' = 0 away from z = 0",
    rect: "rect' = 0 away from z = 0 and z = 1",
    indicator: "indicator' = 0 away from its boundary",
}


def rule_of(expr: sympy.Expr) -> str:
    """Name the differentiation rule that the top of ``expr`` calls for."""
    if isinstance(expr, sympy.Symbol):
        return "identity"
    if expr.is_number:
        return "constant"
    rule = next((r for kind, r in _RULES.items() if isinstance(expr, kind)), "")
    inner = [a for a in expr.args if not a.is_number]
    if isinstance(expr, Function) and not all(
        isinstance(a, sympy.Symbol) for a in inner
    ):
        return f"chain rule with {rule}" if rule else "chain rule"
    return rule or "chain rule"
