"""Printers: the expression syntax (parses back) and the book's LaTeX.

The book writes function arguments in square brackets (``\\exp[x]``,
``\\mathrm{sig}[z]``), indicators as ``\\mathbb{I}[z > 0]`` and subscripts
from trailing digits (``psi11`` is psi with subscript 11).
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from gradsym.expressions import symbol
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

# class -> name in the expression syntax
_SYNTAX_NAMES: dict[type, str] = {
    absolute: "abs",
    signum: "sign",
    sympy.Abs: "abs",
    sympy.sign: "sign",
    maximum: "max",
    minimum: "min",
    sigmoid: "sig",
    relu: "relu",
    leaky_relu: "leaky_relu",
    heaviside: "heaviside",
    rect: "rect",
    indicator: "indicator",
}

# class -> LaTeX operator name, written before square brackets
_BOOK_NAMES: dict[type, str] = {
    sympy.exp: r"\exp",
    sympy.log: r"\log",
    sympy.sin: r"\sin",
    sympy.cos: r"\cos",
    sympy.tan: r"\tan",
    sympy.tanh: r"\tanh",
    signum: r"\mathrm{sign}",
    maximum: r"\max",
    minimum: r"\min",
    sigmoid: r"\mathrm{sig}",
    relu: r"\mathrm{ReLU}",
    leaky_relu: r"\mathrm{LReLU}",
    heaviside: r"\mathrm{heaviside}",
    rect: r"\mathrm{rect}",
    indicator: r"\mathbb{I}",
}


class SyntaxPrinter(StrPrinter):
    """Prints expressions in gradsym's own syntax, so they parse back."""

    def _print_Function(self, expr: sympy.Function) -> str:
        name = _SYNTAX_NAMES.get(type(expr), expr.func.__name__)
        return f"{name}({', '.join(self._print(arg) for arg in expr.args)})"

    def _print_Exp1(self, expr: sympy.Expr) -> str:
        return "exp(1)"

    def _print_Pi(self, expr: sympy.Expr) -> str:
        return "pi"


class BookLatexPrinter(LatexPrinter):
    """LaTeX in the book's notation."""

    def _print_Function(self, expr: sympy.Function, exp: str | None = None) -> str:
        name = _BOOK_NAMES.get(type(expr))
        if name is None:
            return super()._print_Function(expr, exp)
        args = ", ".join(self._print(arg) for arg in expr.args)
        text = rf"{name}[{args}]"
        return rf"{text}^{{{exp}}}" if exp is not None else text

    _print_exp = _print_log = _print_sin = _print_cos = _print_Function
    _print_tan = _print_tanh = _print_signum = _print_Function

    def _print_absolute(self, expr: sympy.Expr, exp: str | None = None) -> str:
        inner = rf"\left|{self._print(expr.args[0])}\right|"
        return rf"{inner}^{{{exp}}}" if exp is not None else inner


_SYNTAX = SyntaxPrinter()
_BOOK = BookLatexPrinter({"mul_symbol": None})


def to_text(expr: sympy.Basic) -> str:
    """``expr`` in the expression syntax: what ``parse`` reads back."""
    return _SYNTAX.doprint(expr)


def to_latex(expr: sympy.Basic) -> str:
    """``expr`` in the book's LaTeX notation."""
    return _BOOK.doprint(expr)


def name_latex(name: str) -> str:
    """A graph name as the book writes it: ``psi11`` is ``\\psi_{11}``."""
    return _BOOK.doprint(symbol(name))


def partial_latex(of: str, wrt: str) -> str:
    return rf"\frac{{\partial {name_latex(of)}}}{{\partial {name_latex(wrt)}}}"


def partial_text(of: str, wrt: str) -> str:
    return f"d{of}/d{wrt}"


def point_text(point: dict[str, Any]) -> str:
    """A point as ``x=0.5, w=-1.25``, six significant digits each."""
    return ", ".join(f"{name}={float(value):.6g}" for name, value in point.items())
