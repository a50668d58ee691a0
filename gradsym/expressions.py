"""The expression language: a small grammar parsed by hand, never by eval.

Grammar (usual precedence; ``**`` and ``^`` bind tightest and group to the
right; unary minus binds looser than a power, so ``-x**2`` is ``-(x**2)``)::

    condition := sum (("<" | "<=" | ">" | ">=") sum)+     # only inside indicator()
    sum       := product (("+" | "-") product)*
    product   := unary (("*" | "/") unary)*
    unary     := ("+" | "-") unary | power
    power     := atom (("**" | "^") unary)?
    atom      := NUMBER | NAME | NAME "(" arguments ")" | "(" sum ")"

Every name is a real symbol except ``pi``; a name followed by ``(`` must be
one of the documented functions.  Nothing else is accepted: no attributes,
subscripts, strings, keywords or calls of anything else.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from functools import cache

import sympy

from gradsym.errors import ExpressionError, LimitError
from gradsym.primitives import CONSTANTS, FUNCTIONS, absolute, indicator, signum

MAX_LENGTH = 10_000  # characters in one expression
MAX_DEPTH = 80  # nested parentheses, calls and signs
MAX_DIGITS = 400  # digits in one number (1e300 written out has 301)
MAX_EXPONENT = 1_000  # |n| in x**n for a number n
MAX_RESULT_DIGITS = 2_000  # digits of a number computed from literals

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|<=|>=|[-+*/^()<>,])
    """,
    re.VERBOSE,
)
_COMPARISONS = {
    "<": sympy.StrictLessThan,
    "<=": sympy.LessThan,
    ">": sympy.StrictGreaterThan,
    ">=": sympy.GreaterThan,
}


# Constants that SymPy may produce from real-looking input (sqrt(-1), log(0),
# 0*log(0)); none of them is a real number.
_NOT_REAL = (
    sympy.I,
    sympy.zoo,
    sympy.nan,
    sympy.oo,
    -sympy.oo,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    column: int  # 1-based


@cache
def symbol(name: str) -> sympy.Symbol:
    """The real symbol that ``name`` stands for in every gradsym expression."""
    return sympy.Symbol(name, real=True)


def nearest(word: str, choices: list[str] | set[str]) -> str:
    """A ' Did you mean ...?' hint, or '' when nothing is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(
                f"Unexpected character {text[position]!r}: expressions hold only "
                "numbers, names, + - * / ** ^, parentheses and function calls",
                text,
                position + 1,
            )
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), position + 1))
        position = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    # -- token helpers -------------------------------------------------------

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.current
        self.index += 1
        return token

    def accept(self, *ops: str) -> _Token | None:
        if self.current.kind == "op" and self.current.text in ops:
            return self.advance()
        return None

    def expect(self, op: str, context: str) -> None:
        if self.accept(op) is None:
            self.fail(f"Expected {op!r} {context}")

    def fail(self, message: str, token: _Token | None = None) -> None:
        token = token or self.current
        found = "the end" if token.kind == "end" else repr(token.text)
        raise ExpressionError(f"{message}, found {found}", self.text, token.column)

    def nest(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LimitError(
                f"Expression nests deeper than {MAX_DEPTH} levels (at column "
                f"{token.column} of {self.text!r}); split it into graph nodes."
            )

    # -- grammar -------------------------------------------------------------

    def parse(self) -> sympy.Expr:
        if self.current.kind == "end":
            raise ExpressionError("The expression is empty", self.text, 1)
        expr = self.sum()
        if self.current.kind != "end":
            if self.current.text in _COMPARISONS:
                raise ExpressionError(
                    "Comparisons are allowed only inside indicator(...)",
                    self.text,
                    self.current.column,
                )
            self.fail("Expected an operator or the end of the expression")
        return expr

    def comparisons(self) -> list[sympy.Basic]:
        """The links of ``a < b <= c``: a chain is true when every link is."""
        left = self.sum()
        links = []
        while (op := self.accept(*_COMPARISONS)) is not None:
            self.real(left, op)
            right = self.real(self.sum(), op)
            links.append(_COMPARISONS[op.text](left, right))
            left = right
        if not links:
            self.fail("indicator() takes a comparison such as 'z > 0'")
        return links

    # Sums and products are built once from all their terms: adding them one
    # by one would make a long expression cost time quadratic in its length.

    def sum(self) -> sympy.Expr:
        start = self.current
        terms = [self.product()]
        while (op := self.accept("+", "-")) is not None:
            right = self.product()
            terms.append(right if op.text == "+" else -right)
        return terms[0] if len(terms) == 1 else self.bounded(sympy.Add(*terms), start)

    def product(self) -> sympy.Expr:
        start = self.current
        factors = [self.unary()]
        while (op := self.accept("*", "/")) is not None:
            right = self.unary()
            if op.text == "*":
                factors.append(right)
            elif right.is_zero:
                raise ExpressionError("Division by zero", self.text, op.column)
            else:
                factors.append(sympy.Pow(right, -1))
        if len(factors) == 1:
            return factors[0]
        return self.bounded(sympy.Mul(*factors), start)

    def bounded(self, expr: sympy.Expr, token: _Token) -> sympy.Expr:
        """``expr``, unless the numbers computed in it are too long."""
        constants = [expr.as_coeff_Add()[0], expr.as_coeff_Mul()[0]]
        for number in constants:
            if number.is_Rational and _digits(number) > MAX_RESULT_DIGITS:
                raise LimitError(
                    f"The number computed from the literals starting at column "
                    f"{token.column} of {self.text!r} would have about "
                    f"{_digits(number):.0f} digits, more than the limit of "
                    f"{MAX_RESULT_DIGITS}."
                )
        return self.real(expr, token)

    def unary(self) -> sympy.Expr:
        op = self.accept("+", "-")
        if op is None:
            return self.power()
        self.nest(op)
        operand = self.unary()
        self.depth -= 1
        return -operand if op.text == "-" else operand

    def power(self) -> sympy.Expr:
        base = self.atom()
        op = self.accept("**", "^")
        if op is None:
            return base
        self.nest(op)
        exponent = self.unary()
        self.depth -= 1
        return self.checked_power(base, exponent, op)

    def checked_power(
        self, base: sympy.Expr, exponent: sympy.Expr, op: _Token
    ) -> sympy.Expr:
        if exponent.is_number and abs(exponent) > MAX_EXPONENT:
            raise LimitError(
                f"Exponent {_short(exponent)} at column {op.column} of "
                f"{self.text!r} is larger than the limit of {MAX_EXPONENT}."
            )
        if base.is_number and exponent.is_number:
            if base.is_zero and exponent.is_negative:
                raise ExpressionError("Zero to a negative power", self.text, op.column)
            size = abs(float(exponent)) * _digits(base)
            if size > MAX_RESULT_DIGITS:
                raise LimitError(
                    f"The power at column {op.column} of {self.text!r} would have "
                    f"about {size:.0f} digits, more than the limit of "
                    f"{MAX_RESULT_DIGITS}."
                )
        return self.real(sympy.Pow(base, exponent), op)

    def real(self, expr: sympy.Expr, token: _Token) -> sympy.Expr:
        """``expr`` with gradsym's own |z| and sign, unless a constant in it
        has no real value.  (SymPy writes sqrt(x**2) as its Abs(x), whose
        derivative leads to DiracDelta; gradsym's absolute does not.)"""
        if expr.has(sympy.Abs, sympy.sign):
            expr = expr.replace(sympy.Abs, absolute).replace(sympy.sign, signum)
        if expr.has(*_NOT_REAL) or (expr.is_number and expr.is_extended_real is False):
            raise ExpressionError(
                "This part has no real value (SymPy makes it "
                f"{_short(expr)}: powers and logarithms take their principal "
                "values); gradsym's expressions are real",
                self.text,
                token.column,
            )
        return expr

    def atom(self) -> sympy.Expr:
        token = self.current
        if token.kind == "number":
            self.advance()
            return _number(token, self.text)
        if token.kind == "name":
            self.advance()
            if self.current.text == "(" and self.current.kind == "op":
                return self.call(token)
            return _name(token, self.text)
        if self.accept("(") is not None:
            self.nest(token)
            expr = self.sum()
            self.expect(")", f"to close the '(' at column {token.column}")
            self.depth -= 1
            return expr
        self.fail("Expected a number, a name or '('")
        raise AssertionError  # fail() always raises

    def call(self, name: _Token) -> sympy.Expr:
        if name.text not in FUNCTIONS:
            raise ExpressionError(
                f"Unknown function {name.text!r}.{nearest(name.text, set(FUNCTIONS))} "
                f"The functions are: {', '.join(sorted(FUNCTIONS))}",
                self.text,
                name.column,
            )
        construct, arity = FUNCTIONS[name.text]
        self.advance()  # "("
        self.nest(name)
        if construct is indicator:
            links = self.comparisons()
            self.expect(")", f"to close the call of {name.text}()")
            self.depth -= 1
            return self.real(sympy.Mul(*(indicator(link) for link in links)), name)
        args = [self.sum()]
        while self.accept(",") is not None:
            args.append(self.sum())
        self.expect(")", f"to close the call of {name.text}()")
        self.depth -= 1
        if len(args) != arity:
            raise ExpressionError(
                f"{name.text}() takes {arity} argument{'s' if arity > 1 else ''}, "
                f"not {len(args)}",
                self.text,
                name.column,
            )
        return self.real(construct(*args), name)  # type: ignore[operator]


def _digits(number: sympy.Expr) -> float:
    """About how many digits the numerator or denominator of ``number`` has."""
    if number.is_Rational:
        p, q = abs(int(number.p)), int(number.q)
        return max(math.log10(max(p, 2)), math.log10(max(q, 2)))
    magnitude = abs(float(number))
    return abs(math.log10(magnitude)) + 1 if magnitude else 1.0


def _short(value: sympy.Expr) -> str:
    text = str(value)
    return text if len(text) <= 20 else text[:17] + "..."


def _number(token: _Token, text: str) -> sympy.Expr:
    digits = re.sub(r"[eE].*", "", token.text).replace(".", "")
    scale = re.search(r"[eE]([+-]?\d+)", token.text)
    if len(digits) > MAX_DIGITS or (scale and abs(int(scale.group(1))) > 300):
        raise LimitError(
            f"The number at column {token.column} of {text!r} is longer than the "
            f"limit of {MAX_DIGITS} digits (or its exponent is beyond 300)."
        )
    return sympy.Rational(token.text)  # exact: 0.1 is 1/10


def _name(token: _Token, text: str) -> sympy.Expr:
    if token.text.startswith("_"):
        raise ExpressionError(
            "Names may not start with an underscore", text, token.column
        )
    if token.text in CONSTANTS:
        return CONSTANTS[token.text]
    if token.text in FUNCTIONS:
        raise ExpressionError(
            f"{token.text!r} is a function: write {token.text}(...)", text, token.column
        )
    return symbol(token.text)


def parse(text: str) -> sympy.Expr:
    """Parse one expression of the documented syntax into a SymPy expression."""
    if not isinstance(text, str):
        raise ExpressionError(f"An expression must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise LimitError(
            f"An expression of {len(text)} characters is longer than the limit of "
            f"{MAX_LENGTH}; split it into graph nodes."
        )
    return _Parser(text).parse()


def is_name(text: str) -> bool:
    """Whether ``text`` can name an input, a parameter or a graph node."""
    return (
        re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", text) is not None
        and text not in FUNCTIONS
        and text not in CONSTANTS
    )
