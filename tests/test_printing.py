"""The book's LaTeX notation and the text syntax."""

from __future__ import annotations

import pytest
import sympy
from _helpers import S

from gradsym.expressions import parse
from gradsym.primitives import indicator
from gradsym.printing import (
    name_latex,
    partial_latex,
    partial_text,
    point_text,
    to_latex,
    to_text,
)


@pytest.mark.parametrize(
    "text, latex",
    [
        ("exp(x)", r"\exp[x]"),
        ("cos(f3)", r"\cos[f_{3}]"),
        ("sin(f3)", r"\sin[f_{3}]"),
        ("log(s)", r"\log[s]"),
        ("tanh(z)", r"\tanh[z]"),
        ("sig(z)", r"\mathrm{sig}[z]"),
        ("sigmoid(z)", r"\mathrm{sig}[z]"),
        ("indicator(z > 0)", r"\mathbb{I}[z > 0]"),
        ("relu(z)", r"\mathrm{ReLU}[z]"),
        ("psi11", r"\psi_{11}"),
        ("omega_3", r"\omega_{3}"),
        ("theta01", r"\theta_{01}"),
        ("l_i", r"l_{i}"),
        ("f3", r"f_{3}"),
        ("x", "x"),
        ("beta", r"\beta"),
        ("sig(z)**2", r"\mathrm{sig}[z]^{2}"),
        ("abs(x)", r"\left|x\right|"),
    ],
)
def test_book_latex(text, latex):
    assert to_latex(parse(text)) == latex


def test_partial_latex():
    assert partial_latex("y", "f3") == r"\frac{\partial y}{\partial f_{3}}"
    assert partial_latex("l_i", "f0") == r"\frac{\partial l_{i}}{\partial f_{0}}"
    assert partial_latex("y", "psi11") == r"\frac{\partial y}{\partial \psi_{11}}"


def test_name_latex():
    assert name_latex("psi11") == r"\psi_{11}"
    assert name_latex("omega_3") == r"\omega_{3}"
    assert name_latex("h21") == r"h_{21}"


def test_partial_text_and_points():
    assert partial_text("y", "f3") == "dy/df3"
    assert point_text({"x": 0.5, "w": -1.25}) == "x=0.5, w=-1.25"
    assert point_text({"x": 1 / 3}) == "x=0.333333"


@pytest.mark.parametrize(
    "text",
    [
        "indicator(z > 0)",
        "indicator(0 <= z <= 1)",
        "heaviside(z)",
        "x*indicator(z21 > 0)*indicator(z11 > 0)",
        "relu(z)*indicator(z > 0)",
    ],
)
def test_indicators_are_never_theta(text):
    latex = to_latex(parse(text))
    assert r"\theta" not in latex
    assert "Heaviside" not in latex


def test_indicator_products_print_as_blackboard_i():
    latex = to_latex(parse("phi1*psi11*indicator(z21 > 0)*indicator(z11 > 0)"))
    assert latex.count(r"\mathbb{I}[") == 2
    assert r"\mathbb{I}[z_{21} > 0]" in latex
    assert r"\mathbb{I}[z_{11} > 0]" in latex
    assert r"\phi_{1}" in latex and r"\psi_{11}" in latex


def test_function_of_a_power_keeps_square_brackets():
    latex = to_latex(sympy.exp(S("x")) ** 2 + sympy.cos(S("f3")) ** 2)
    assert r"\cos[f_{3}]^{2}" in latex
    assert r"\exp[" in latex
    assert r"\left(" not in latex and "(" not in latex


def test_text_syntax_of_the_functions():
    assert to_text(parse("sigmoid(z)")) == "sig(z)"
    assert to_text(parse("abs(x)")) == "abs(x)"
    assert to_text(parse("max(a, b)")) == "max(a, b)"
    assert to_text(parse("min(a, b)")) == "min(a, b)"
    assert to_text(parse("indicator(z > 0)")) == "indicator(z > 0)"
    assert to_text(parse("leaky_relu(z, alpha)")) == "leaky_relu(z, alpha)"
    assert to_text(parse("exp(1)")) == "exp(1)"
    assert to_text(parse("pi")) == "pi"
    assert to_text(indicator(sympy.StrictGreaterThan(S("x"), 0))) == "indicator(x > 0)"
