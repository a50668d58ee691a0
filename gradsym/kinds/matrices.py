"""Matrix calculus of chapter 7: Jacobian sizes, Jacobians, matrix gradients, backprop.

Four kinds, each with its own keys besides id, title, statement and kind.
Every size is bounded, so that no problem file can make gradsym work for long.

``jacobian-sizes`` (problem 7.3)
    The size of every factor of the chain rule for the gradient of a loss
    with respect to the first pre-activation of a network with three hidden
    layers (the book's equation 7.19), in the book's denominator layout: the
    derivative of a vector z with respect to a vector h holds dz_i/dh_j at
    row j, column i, so it is dim(h) x dim(z).  The sizes are chained
    symbolically, and the Jacobians of a ReLU network are built with SymPy,
    multiplied and compared with the gradient computed directly.

    ``widths``: mapping of D1, D2, D3 and Df to whole numbers from 1 to 4
    (default ``{D1: 2, D2: 3, D3: 4, Df: 1}``).
    ``claims``: optional mapping of a factor (``dh1/df0``, ``df1/dh1``, ...,
    ``dl/df3`` and the result ``dl/df0``) to a stated size such as
    ``D1 x D2``; each claim is checked.

``jacobian`` (problem 7.6)
    The Jacobian of z = beta + Omega h, element by element and assembled in
    both layouts.  ``rows``: dim z (1 to 8, default 2); ``columns``: dim h
    (1 to 8, default 3).

``matrix-gradient`` (problem 7.9)
    dl/dOmega = (dl/df) h^T for f = beta + Omega h and a generic loss
    l[f], verified element by element.  ``outputs``: dim f (1 to 6,
    default 2); ``inputs``: dim h (1 to 6, default 3).

``backprop-equations`` (problem 7.10)
    The backward pass of a network with leaky ReLU activations, verified
    against direct differentiation at exact random rational points.
    ``layers``: the number K of hidden layers (1 to 3; default: what
    ``widths`` implies); ``widths``: K + 2 whole numbers from 1 to 4 (input,
    the K hidden layers, output; default ``[2, 3, 4, 2]``, or ``[2, 3, ...,
    3, 2]`` when only ``layers`` is given); ``alpha``: the slope for
    negative inputs, a number strictly between 0 and 1 (default ``0.1``);
    ``points``: how many random points (1 to 4, default 2).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy

from gradsym.expressions import nearest, symbol
from gradsym.kinds import Kind
from gradsym.primitives import indicator, leaky_relu, relu
from gradsym.printing import to_latex, to_text
from gradsym.report import Equation, Report, same

Path_ = tuple[Any, ...]
Rational = sympy.Rational

# Random points are drawn from a fixed seed, so every run prints the same.
SEED = 7
MAX_STEPS = 60  # times a difference step is cut by 1024 before giving up


# -- shared helpers -------------------------------------------------------------


def _vector(name: str, size: int) -> sympy.Matrix:
    """A column of real symbols name_1, ..., name_size."""
    return sympy.Matrix(size, 1, lambda i, _: symbol(f"{name}_{i + 1}"))


def _matrix(name: str, rows: int, columns: int) -> sympy.Matrix:
    """A matrix of real symbols name_ij (indices are single digits here)."""
    return sympy.Matrix(rows, columns, lambda i, j: symbol(f"{name}_{i + 1}{j + 1}"))


def _matrix_text(matrix: sympy.Matrix) -> str:
    """A matrix as nested rows in the expression syntax: [[a, b], [c, d]]."""
    rows = (", ".join(to_text(e) for e in matrix.row(i)) for i in range(matrix.rows))
    return "[" + ", ".join(f"[{row}]" for row in rows) + "]"


def _matrix_tex(cells: Sequence[Sequence[str]]) -> str:
    """LaTeX for a matrix whose entries are already LaTeX."""
    body = r"\\".join(" & ".join(row) for row in cells)
    return rf"\left[\begin{{matrix}}{body}\end{{matrix}}\right]"


def _matrix_row(lhs_text: str, lhs_tex: str, matrix: sympy.Matrix) -> Equation:
    return Equation(lhs_text, lhs_tex, _matrix_text(matrix), to_latex(matrix))


def _bold(name: str) -> str:
    """The book's LaTeX for a vector or matrix name such as f0 or Omega1."""
    match = re.fullmatch(r"([A-Za-z]+)(\d*)", name)
    assert match is not None
    stem, index = match.groups()
    greek = {"Omega": r"\boldsymbol{\Omega}", "beta": r"\boldsymbol{\beta}"}
    tex = greek.get(stem, rf"\mathbf{{{stem}}}" if stem != "l" else "l_i")
    return f"{tex}_{{{index}}}" if index else tex


def _partial_tex(of: str, wrt: str) -> str:
    return rf"\frac{{\partial {_bold(of)}}}{{\partial {_bold(wrt)}}}"


def _random_fraction(rng: random.Random) -> Fraction:
    """A small random rational p/q with |p| <= 9 and q <= 4."""
    return Fraction(rng.randint(-9, 9), rng.randint(1, 4))


def _rational(value: Fraction) -> sympy.Rational:
    return Rational(value.numerator, value.denominator)


def _bounded(
    v: Any, entry: dict[str, Any], key: str, path: Path_, default: int, maximum: int
) -> int:
    return v.integer(entry, key, path, default=default, minimum=1, maximum=maximum)


# -- exact derivatives of piecewise-linear networks -------------------------------

Vector = list[Any]  # entries: Fractions, or SymPy expressions


@dataclass(frozen=True)
class Network:
    """f_k = beta_k + Omega_k h_k, h_k = a[f_{k-1}]; loss sum((f_last - y)^2).

    Parameters are exact rationals (``Fraction``, which is much faster than
    SymPy for the many forward passes of a difference quotient); ``run``
    works as well on SymPy expressions, for SymPy's own differentiation.
    """

    weights: tuple[tuple[tuple[Fraction, ...], ...], ...]  # Omega_k, by rows
    biases: tuple[tuple[Fraction, ...], ...]
    targets: tuple[Fraction, ...]

    def run(
        self,
        start: Sequence[Any],
        activate_first: bool,
        activation: Callable[[Any], Any],
    ) -> tuple[list[Vector], list[Vector], Any]:
        """Pre-activations f, layer inputs h and the loss, from ``start``.

        With ``activate_first`` the first layer's input is a[start] (start is
        f0, as in 7.3); without, it is start itself (the data x, as in 7.10).
        """
        pre: list[Vector] = [list(start)] if activate_first else []
        inputs: list[Vector] = []
        current = list(start)
        layers = zip(self.weights, self.biases, strict=True)
        for index, (weight, bias) in enumerate(layers):
            if activate_first or index > 0:
                current = [activation(e) for e in current]
            inputs.append(current)
            current = [
                b + _dot(row, current) for row, b in zip(weight, bias, strict=True)
            ]
            pre.append(current)
        residuals = zip(current, self.targets, strict=True)
        loss = sum(((e - t) ** 2 for e, t in residuals), Fraction(0))
        return pre, inputs, loss

    def with_entry(self, block: str, k: int, index: int, value: Any) -> Network:
        """The same network with entry ``index`` (row-major) of Omega_k or beta_k
        replaced by ``value``."""
        weights = [[list(row) for row in w] for w in self.weights]
        biases = [list(b) for b in self.biases]
        if block == "Omega":
            columns = len(weights[k][0])
            weights[k][index // columns][index % columns] = value
        else:
            biases[k][index] = value
        return Network(
            tuple(tuple(tuple(row) for row in w) for w in weights),
            tuple(tuple(b) for b in biases),
            self.targets,
        )

    def entry(self, block: str, k: int, index: int) -> Fraction:
        if block == "Omega":
            columns = len(self.weights[k][0])
            return self.weights[k][index // columns][index % columns]
        return self.biases[k][index]


def _dot(row: Sequence[Any], column: Sequence[Any]) -> Any:
    return sum((w * e for w, e in zip(row, column, strict=True)), Fraction(0))


def _signs(vectors: Sequence[Vector]) -> tuple[int, ...]:
    return tuple((e > 0) - (e < 0) for v in vectors for e in v)


def exact_slope(
    loss_and_signs: Callable[[Fraction], tuple[Fraction, tuple[int, ...]]], at: Fraction
) -> Fraction:
    """The derivative at ``at`` of the loss in one parameter of a ReLU-like net.

    The parameter enters the network once, affinely, and every activation is
    linear on each side of 0.  If no activated pre-activation changes its
    (nonzero) sign between at - s and at + s, every pre-activation is affine
    in the parameter on that interval (by induction over the layers: an
    affine function with the same strict sign at both ends keeps it), so the
    squared-error loss is a quadratic there, and the central difference of a
    quadratic is its exact derivative at the midpoint.
    """
    _, signs = loss_and_signs(at)
    step = Fraction(1, 1024)
    for _ in range(MAX_STEPS):
        below, signs_below = loss_and_signs(at - step)
        above, signs_above = loss_and_signs(at + step)
        if signs_below == signs == signs_above and 0 not in signs:
            return (above - below) / (2 * step)
        step /= 1024
    raise RuntimeError("no sign-stable interval: a pre-activation is 0")


def _relu_number(z: Fraction) -> Fraction:
    return z if z > 0 else Fraction(0)


# == jacobian-sizes (7.3) =========================================================

WIDTH_NAMES = ("D1", "D2", "D3", "Df")
DEFAULT_WIDTHS = {"D1": 2, "D2": 3, "D3": 4, "Df": 1}
MAX_SIZES_WIDTH = 4
SIZE_POINTS = 3

# Every vector of equation 7.19 and the width it has.
DIMENSION = {
    "f0": "D1",
    "h1": "D1",
    "f1": "D2",
    "h2": "D2",
    "f2": "D3",
    "h3": "D3",
    "f3": "Df",
    "l": "1",
}
# The factors of equation 7.19, left to right, and the derivative they give.
FACTORS = (
    ("h1", "f0"),
    ("f1", "h1"),
    ("h2", "f1"),
    ("f2", "h2"),
    ("h3", "f2"),
    ("f3", "h3"),
    ("l", "f3"),
)
RESULT = ("l", "f0")
FACTOR_NAMES = tuple(f"d{of}/d{wrt}" for of, wrt in FACTORS + (RESULT,))
_SIZE_TOKEN = r"(D_?[123f]|1)"
_SIZE = re.compile(
    rf"\s*{_SIZE_TOKEN}\s*(?:[x\u00d7*]|by)\s*{_SIZE_TOKEN}\s*", re.IGNORECASE
)


@dataclass(frozen=True)
class SizesSettings:
    widths: tuple[tuple[str, int], ...]
    claims: tuple[tuple[str, str, str], ...]  # (factor, rows name, columns name)

    @property
    def width(self) -> dict[str, int]:
        return dict(self.widths)


def build_sizes(entry: dict[str, Any], v: Any, path: Path_) -> SizesSettings:
    widths = _width_mapping(entry, v, path)
    claims = _size_claims(entry, v, path)
    return SizesSettings(tuple(widths.items()), tuple(claims))


def _width_mapping(entry: dict[str, Any], v: Any, path: Path_) -> dict[str, int]:
    raw = entry.get("widths")
    if raw is None:
        return dict(DEFAULT_WIDTHS)
    where = path + ("widths",)
    if not isinstance(raw, dict):
        raise v.error(
            where,
            "'widths' must be a mapping of D1, D2, D3 and Df to "
            "whole numbers, for example {D1: 2, D2: 3, D3: 4, Df: 1}.",
        )
    for name in raw:
        if name not in WIDTH_NAMES:
            raise v.error(
                where + (name,),
                f"Unknown width {name!r}."
                f"{nearest(name, set(WIDTH_NAMES))} The widths are D1, D2, "
                "D3 and Df.",
            )
    missing = [name for name in WIDTH_NAMES if name not in raw]
    if missing:
        raise v.error(
            where,
            f"'widths' gives no value for {', '.join(missing)}; "
            "give all four of D1, D2, D3 and Df.",
        )
    return {
        name: v.whole(raw[name], where + (name,), name, 1, MAX_SIZES_WIDTH)
        for name in WIDTH_NAMES
    }


def _size_claims(
    entry: dict[str, Any], v: Any, path: Path_
) -> list[tuple[str, str, str]]:
    raw = entry.get("claims")
    if raw is None:
        return []
    where = path + ("claims",)
    if not isinstance(raw, dict):
        raise v.error(
            where,
            "'claims' must be a mapping of factors to sizes, for "
            "example {dh1/df0: D1 x D1, df1/dh1: D1 x D2}.",
        )
    claims: list[tuple[str, str, str]] = []
    for factor, text in raw.items():
        name = re.sub(r"\s+", "", str(factor)).replace("dl_i/", "dl/")
        if name not in FACTOR_NAMES:
            raise v.error(
                where + (factor,),
                f"Unknown factor {factor!r}."
                f"{nearest(name, set(FACTOR_NAMES))} The factors are "
                f"{', '.join(FACTOR_NAMES)}.",
            )
        match = _SIZE.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise v.error(
                where + (factor,),
                f"The size {text!r} of {factor!r} is not "
                "of the form 'D1 x D2': write two of D1, D2, D3, Df and 1 "
                "separated by 'x'.",
            )
        if any(name == claimed for claimed, _, _ in claims):
            raise v.error(
                where + (factor,),
                f"The size of {name!r} is claimed twice; give each factor once.",
            )
        rows, columns = (_width_name(token) for token in match.groups())
        claims.append((name, rows, columns))
    return claims


def _width_name(token: str) -> str:
    name = token.upper().replace("_", "")
    return "Df" if name == "DF" else name


def _size_of(of: str, wrt: str) -> tuple[str, str]:
    """Denominator layout: d(of)/d(wrt) is dim(wrt) x dim(of)."""
    return DIMENSION[wrt], DIMENSION[of]


def _size_text(size: tuple[Any, Any]) -> str:
    return f"{size[0]} x {size[1]}"


def _size_tex(size: tuple[str, str]) -> str:
    def tex(name: str) -> str:
        return "1" if name == "1" else f"D_{{{name[1:]}}}"

    return rf"{tex(size[0])} \times {tex(size[1])}"


def _at_widths(size: tuple[str, str], widths: dict[str, int]) -> tuple[int, int]:
    rows, columns = (1 if name == "1" else widths[name] for name in size)
    return rows, columns


Point = dict[sympy.Symbol, Fraction]


@dataclass
class SizesNetwork:
    """The network of equation 7.19 with symbolic entries, and its Jacobians."""

    widths: dict[str, int]

    def __post_init__(self) -> None:
        dims = [self.widths[name] for name in WIDTH_NAMES]
        self.f = [_vector(f"f{k}", dims[k]) for k in range(4)]
        self.h = {k: _vector(f"h{k}", dims[k - 1]) for k in range(1, 4)}
        self.omega = {
            k: _matrix(f"omega{k}", dims[k], dims[k - 1]) for k in range(1, 4)
        }
        self.beta = {k: _vector(f"beta{k}", dims[k]) for k in range(1, 4)}
        self.y = _vector("y", dims[3])
        self.jacobians = self._jacobians()

    def _jacobians(self) -> dict[str, sympy.Matrix]:
        """Each factor from SymPy's jacobian (numerator layout), transposed."""
        result = {}
        for k in range(1, 4):
            h_k = self.f[k - 1].applyfunc(relu)
            f_k = self.beta[k] + self.omega[k] * self.h[k]
            result[f"dh{k}/df{k - 1}"] = h_k.jacobian(self.f[k - 1]).T
            result[f"df{k}/dh{k}"] = f_k.jacobian(self.h[k]).T
        residuals = zip(self.f[3], self.y, strict=True)
        loss = sum(((e - t) ** 2 for e, t in residuals), sympy.S.Zero)
        result["dl/df3"] = sympy.Matrix([loss]).jacobian(self.f[3]).T
        return result

    def closed_form(self, factor: str) -> sympy.Matrix:
        """What the factor must be: diag(a'[f]), Omega^T or 2 (f3 - y)."""
        of, _ = _split(factor)
        if of == "l":
            return 2 * (self.f[3] - self.y)
        k = int(of[1])
        if of.startswith("h"):
            return sympy.diag(
                *[indicator(sympy.StrictGreaterThan(e, 0)) for e in self.f[k - 1]]
            )
        return self.omega[k].T

    def network(self, values: Point) -> Network:
        def rows(m: sympy.Matrix) -> tuple[tuple[Fraction, ...], ...]:
            return tuple(tuple(values[s] for s in m.row(i)) for i in range(m.rows))

        return Network(
            tuple(rows(self.omega[k]) for k in range(1, 4)),
            tuple(tuple(values[s] for s in self.beta[k]) for k in range(1, 4)),
            tuple(values[s] for s in self.y),
        )

    def start(self, values: Point) -> list[Fraction]:
        return [values[s] for s in self.f[0]]

    def random_point(self, rng: random.Random) -> Point:
        """Random parameters, targets and f0 with no pre-activation at 0, at
        which the gradient has no zero entry (so the comparison means much)."""
        names = [
            s
            for m in (*self.omega.values(), *self.beta.values(), self.y, self.f[0])
            for s in m
        ]
        usable: Point | None = None
        for _ in range(1000):
            values = {s: _random_fraction(rng) for s in names}
            pre, _, _ = self.network(values).run(self.start(values), True, _relu_number)
            if 0 in _signs(pre[:3]):
                continue  # a ReLU at its kink: draw again
            usable = values
            product = self.chain_product(values)
            if product is None or all(e != 0 for e in product):
                break
        if usable is None:
            raise RuntimeError("no random point without a zero pre-activation")
        return usable

    def chain_product(self, values: Point) -> sympy.Matrix | None:
        """The factors of 7.19 evaluated at a point and multiplied, left to right;
        None if their sizes do not chain (which a wrong layout would cause)."""
        pre, inputs, _ = self.network(values).run(
            self.start(values), True, _relu_number
        )
        at = {s: _rational(v) for s, v in values.items()}
        for k in range(1, 4):
            at.update(zip(self.f[k], map(_rational, pre[k]), strict=True))
            at.update(zip(self.h[k], map(_rational, inputs[k - 1]), strict=True))
        product = self.jacobians[FACTOR_NAMES[0]].xreplace(at)
        for name in FACTOR_NAMES[1:-1]:
            factor = self.jacobians[name].xreplace(at)
            if product.cols != factor.rows:
                return None
            product = product * factor
        return product

    def gradient_by_sympy(self, values: Point, j: int) -> sympy.Expr:
        """dl/df0_j by SymPy differentiating the loss written out in f0_j (the
        other entries of f0 and every parameter at their values)."""
        t = sympy.Dummy("t", real=True)
        start: list[Any] = self.start(values)
        value = _rational(start[j])
        start[j] = t
        _, _, loss = self.network(values).run(start, True, relu)
        return sympy.diff(loss, t).xreplace({t: value})

    def gradient_by_differences(self, values: Point) -> sympy.Matrix:
        """dl/df0 entry by entry from the loss alone, by exact_slope."""
        network, start = self.network(values), self.start(values)

        def along(j: int) -> Callable[[Fraction], tuple[Fraction, tuple[int, ...]]]:
            def loss_and_signs(t: Fraction) -> tuple[Fraction, tuple[int, ...]]:
                moved = start[:j] + [t] + start[j + 1 :]
                pre, _, loss = network.run(moved, True, _relu_number)
                return loss, _signs(pre[:3])

            return loss_and_signs

        return sympy.Matrix(
            [_rational(exact_slope(along(j), start[j])) for j in range(len(start))]
        )


def solve_sizes(problem: Any) -> Report:
    settings: SizesSettings = problem.settings
    widths = settings.width
    report = Report(problem)
    _sizes_introduction(report)
    chain_ok, steps = _sizes_chain(report)
    network = SizesNetwork(widths)
    claims = {name: (rows, columns) for name, rows, columns in settings.claims}
    _sizes_table(report, widths)
    _sizes_checks(report, widths, network, claims, chain_ok)
    report.data = {
        "layout": "denominator: dz/dh is dim(h) x dim(z)",
        "widths": widths,
        "factors": [_factor_data(name, widths) for name in FACTOR_NAMES],
        "chain": steps,
    }
    _sizes_product(report, network)
    return report


def _factor_data(name: str, widths: dict[str, int]) -> dict[str, Any]:
    size = _size_of(*_split(name))
    rows, columns = _at_widths(size, widths)
    return {"factor": name, "size": _size_text(size), "rows": rows, "columns": columns}


def _split(factor: str) -> tuple[str, str]:
    of, wrt = factor[1:].split("/d")
    return of, wrt


def _sizes_introduction(report: Report) -> None:
    report.say(
        "The network has three hidden layers: $\\mathbf{h}_k = \\mathrm{a}"
        "[\\mathbf{f}_{k-1}]$ and $\\mathbf{f}_k = \\boldsymbol{\\beta}_k + "
        "\\boldsymbol{\\Omega}_k\\mathbf{h}_k$ for $k = 1, 2, 3$, so "
        "$\\mathbf{f}_0$ and $\\mathbf{h}_1$ have $D_1$ entries, $\\mathbf{f}_1$ "
        "and $\\mathbf{h}_2$ have $D_2$, $\\mathbf{f}_2$ and $\\mathbf{h}_3$ have "
        "$D_3$, the output $\\mathbf{f}_3$ has $D_f$ and the loss $l_i$ is a "
        "scalar. $\\boldsymbol{\\Omega}_k$ maps a vector of the size of "
        "$\\mathbf{h}_k$ to one of the size of $\\mathbf{f}_k$."
    )
    report.say(
        "The book's layout (the denominator layout) puts $\\partial z_i/\\partial "
        "h_j$ in row $j$ and column $i$ of $\\partial\\mathbf{z}/\\partial\\mathbf{h}$"
        ", so $\\partial\\mathbf{z}/\\partial\\mathbf{h}$ has as many rows as "
        "$\\mathbf{h}$ has entries and as many columns as $\\mathbf{z}$. This is "
        "the layout in which equation 7.19 is written: the chain rule for a "
        "gradient puts the factor nearest the input on the left."
    )


def _sizes_chain(report: Report) -> tuple[bool, list[str]]:
    """Multiply the symbolic sizes right to left, as backpropagation does."""
    dims = {
        name: sympy.Symbol(name, positive=True, integer=True) for name in WIDTH_NAMES
    }
    dims["1"] = sympy.S.One
    accumulated = _size_of(*FACTORS[-1])
    rows = [
        Equation(
            "size of dl/df3",
            _size_of_tex("l", "f3"),
            _size_text(accumulated),
            _size_tex(accumulated),
        )
    ]
    steps = [f"dl/df3: {_size_text(accumulated)}"]
    ok = True
    for of, wrt in reversed(FACTORS[:-1]):
        factor = _size_of(of, wrt)
        ok = ok and dims[factor[1]] == dims[accumulated[0]]
        product = (factor[0], accumulated[1])
        text = (
            f"({_size_text(factor)})({_size_text(accumulated)}) = {_size_text(product)}"
        )
        tex = (
            rf"({_size_tex(factor)})({_size_tex(accumulated)}) = "
            rf"{_size_tex(product)}"
        )
        rows.append(Equation(f"size of dl/d{wrt}", _size_of_tex("l", wrt), text, tex))
        steps.append(f"dl/d{wrt} = d{of}/d{wrt} dl/d{of}: {text}")
        accumulated = product
    report.say(
        "Multiplying from the right, as backpropagation does, each product is "
        "the derivative of the loss with respect to an earlier vector, and each "
        "inner pair of sizes agrees:"
    )
    report.equations(*rows)
    ok = ok and accumulated == _size_of(*RESULT)
    return ok, steps


def _size_of_tex(of: str, wrt: str) -> str:
    return rf"\mathrm{{size}}\left({_partial_tex(of, wrt)}\right)"


def _form_text(factor: str) -> str:
    of, wrt = _split(factor)
    if of == "l":
        return "2 (f3 - y)" if wrt == "f3" else "the gradient"
    if of.startswith("h"):
        return f"diagonal, a'[{wrt}] = I[{wrt} > 0]"
    return f"Omega{of[1]}^T"


def _sizes_table(report: Report, widths: dict[str, int]) -> None:
    shown = ", ".join(f"{name} = {widths[name]}" for name in WIDTH_NAMES)
    rows = []
    for name in FACTOR_NAMES:
        size = _size_of(*_split(name))
        concrete = _at_widths(size, widths)
        rows.append([name, _size_text(size), _size_text(concrete), _form_text(name)])
    report.say(
        f"The sizes of the factors, in general and at the widths {shown} "
        "(the last row is the result):"
    )
    report.table(["factor", "size", "size at the widths", "what it is"], rows)
    if len(set(widths.values())) < len(widths):
        report.say(
            "Some of the widths are equal, so at these widths a transposed "
            "factor could still be multiplied; the symbolic sizes above are "
            "what tells the layouts apart."
        )


def _sizes_checks(
    report: Report,
    widths: dict[str, int],
    network: SizesNetwork,
    claims: dict[str, tuple[str, str]],
    chain_ok: bool,
) -> None:
    for name in FACTOR_NAMES[:-1]:
        size = _size_of(*_split(name))
        built = network.jacobians[name]
        built_ok = built.shape == _at_widths(size, widths) and same(
            built, network.closed_form(name)
        )
        _size_check(
            report,
            name,
            size,
            built_ok,
            claims.get(name),
            f"the Jacobian built by SymPy and transposed is "
            f"{built.shape[0]} x {built.shape[1]}, or is not "
            f"{_form_text(name)}",
        )
    _size_check(
        report,
        "dl/df0",
        _size_of(*RESULT),
        chain_ok,
        claims.get("dl/df0"),
        "the chain of sizes does not reduce to D1 x 1",
    )


def _size_check(
    report: Report,
    name: str,
    size: tuple[str, str],
    derived_ok: bool,
    claim: tuple[str, str] | None,
    why: str,
) -> None:
    holds = derived_ok and (claim is None or claim == size)
    note = "" if derived_ok else why
    if claim is not None and claim != size:
        of, wrt = _split(name)
        note = (
            f"in the book's layout {name} is dim({wrt}) x dim({of}) = "
            f"{_size_text(size)}"
        )
    report.check(
        f"size of {name}",
        _size_text(size),
        holds,
        claimed=None if claim is None else _size_text(claim),
        note=note,
    )


def _sizes_product(report: Report, network: SizesNetwork) -> None:
    rng = random.Random(SEED)
    points = [network.random_point(rng) for _ in range(SIZE_POINTS)]
    products = [network.chain_product(p) for p in points]
    by_differences = [network.gradient_by_differences(p) for p in points]
    d1 = network.widths["D1"]
    j = rng.randrange(d1)
    by_sympy = network.gradient_by_sympy(points[0], j)
    report.say(
        "To confirm the sizes, gradsym builds the network at these widths with "
        "ReLU activations and symbolic weights, takes each factor from SymPy's "
        "Jacobian (which is in numerator layout) transposed into the book's "
        "layout, and at random rational points (weights, biases, targets and "
        "$\\mathbf{f}_0$, with no pre-activation at 0) multiplies the seven "
        f"factors in the order of equation 7.19. The product is a {d1} x 1 "
        "column, and it equals the gradient of the loss computed directly from "
        "the loss alone, by exact difference quotients in each entry of "
        "$\\mathbf{f}_0$ (the loss is a quadratic in one entry while no ReLU "
        "changes side), and, for one random entry, by SymPy differentiating the "
        "loss written out in that entry."
    )
    columns = [p for p in products if p is not None and p.shape == (d1, 1)]
    if len(columns) != len(products):
        report.check(
            "product of the seven factors = dl/df0",
            f"the factors do not multiply to a {d1} x 1 column",
            False,
            decided_by="numeric",
        )
        return
    agree = all(p == q for p, q in zip(columns, by_differences, strict=True))
    report.check(
        "product of the seven factors = dl/df0 from the loss alone "
        "(exact difference quotients)",
        f"{d1} x 1 columns, equal at {len(points)} points",
        agree,
        decided_by="numeric",
        points=len(points),
    )
    first = columns[0][j]
    report.check(
        f"entry {j + 1} of the product = SymPy's derivative of the loss "
        f"in f0_{j + 1} (first point)",
        to_text(first),
        by_sympy == first,
        decided_by="numeric",
        points=1,
        note="" if by_sympy == first else f"SymPy gives {to_text(by_sympy)}",
    )
    report.data["product_at_first_point"] = _matrix_text(columns[0])


# == jacobian (7.6) ================================================================

MAX_JACOBIAN_SIZE = 8


@dataclass(frozen=True)
class JacobianSettings:
    rows: int  # entries of z (and rows of Omega)
    columns: int  # entries of h (and columns of Omega)


def build_jacobian(entry: dict[str, Any], v: Any, path: Path_) -> JacobianSettings:
    return JacobianSettings(
        rows=_bounded(v, entry, "rows", path, 2, MAX_JACOBIAN_SIZE),
        columns=_bounded(v, entry, "columns", path, 3, MAX_JACOBIAN_SIZE),
    )


def solve_jacobian(problem: Any) -> Report:
    settings: JacobianSettings = problem.settings
    m, n = settings.rows, settings.columns
    omega, beta, h = _matrix("omega", m, n), _vector("beta", m), _vector("h", n)
    z = beta + omega * h
    report = Report(problem)
    report.say(
        "Entry $i$ of $\\mathbf{z} = \\boldsymbol{\\beta} + \\boldsymbol{\\Omega}"
        "\\mathbf{h}$ is $z_i = \\beta_i + \\sum_j \\omega_{ij} h_j$. Only the "
        "term with $h_j$ depends on $h_j$, so $\\partial z_i/\\partial h_j = "
        "\\omega_{ij}$."
    )
    report.say(
        f"At {m} x {n} (so $\\mathbf{{z}}$ has {m} entries and "
        f"$\\mathbf{{h}}$ has {n}):"
    )
    report.equations(_matrix_row("z", r"\mathbf{z}", z))
    elements = sympy.Matrix(m, n, lambda i, j: sympy.diff(z[i], h[j]))
    numerator = elements  # row i, column j
    denominator = elements.T  # row j, column i
    report.say(
        "Where the elements go decides the matrix. With $\\partial z_i/\\partial "
        "h_j$ in row $i$, column $j$ (the numerator layout, which SymPy's jacobian "
        "uses) the matrix is $\\boldsymbol{\\Omega}$ itself; with it in row $j$, "
        "column $i$ (the denominator layout, which the book uses so that equation 7.19 "
        "multiplies left to right) it is $\\boldsymbol{\\Omega}^T$:"
    )
    report.equations(
        _matrix_row(
            "dz/dh (numerator layout)",
            r"\frac{\partial\mathbf{z}}{\partial\mathbf{h}}\Big|_{"
            r"\mathrm{numerator}}",
            numerator,
        ),
        _matrix_row(
            "dz/dh (denominator layout)",
            r"\frac{\partial\mathbf{z}}{\partial\mathbf{h}}\Big|_{"
            r"\mathrm{denominator}}",
            denominator,
        ),
    )
    report.say(
        "gradsym uses the book's denominator layout, in which $\\partial\\mathbf{z}"
        "/\\partial\\mathbf{h} = \\boldsymbol{\\Omega}^T$. The published solution "
        "states that $\\partial z_i/\\partial h_j$ sits in row $i$ and column $j$ "
        "and then calls the result $\\boldsymbol{\\Omega}^T$; with that placement "
        "the matrix is $\\boldsymbol{\\Omega}$, so the placement and the answer "
        "do not match: $\\boldsymbol{\\Omega}^T$ needs row $j$, column $i$."
    )
    _jacobian_checks(report, z, omega, h, elements, denominator)
    report.data = {
        "layout": "denominator: dz_i/dh_j at row j, column i",
        "rows": m,
        "columns": n,
        "element": "dz_i/dh_j = omega_ij",
        "numerator_layout": _matrix_text(numerator),
        "denominator_layout": _matrix_text(denominator),
    }
    return report


def _jacobian_checks(
    report: Report,
    z: sympy.Matrix,
    omega: sympy.Matrix,
    h: sympy.Matrix,
    elements: sympy.Matrix,
    denominator: sympy.Matrix,
) -> None:
    m, n = omega.shape
    report.check(
        f"dz_i/dh_j = omega_ij for all {m * n} pairs i, j",
        "omega_ij",
        elements == omega,
    )
    report.check(
        "SymPy's jacobian (numerator layout) = Omega",
        f"Omega, {m} x {n}",
        z.jacobian(h) == omega,
    )
    report.check(
        "denominator layout (row j, column i) = Omega^T",
        f"Omega^T, {n} x {m}",
        denominator == omega.T,
    )
    # The layout matters for the chain rule: for a loss l[z], dl/dh computed
    # directly must equal (dz/dh) (dl/dz) with dz/dh in denominator layout.
    loss = sympy.Function("l")
    zs = [symbol(f"z_{i + 1}") for i in range(m)]
    direct = sympy.Matrix([sympy.diff(loss(*z), hj) for hj in h])
    by_z = sympy.Matrix([sympy.diff(loss(*zs), zi) for zi in zs])
    chained = denominator * by_z.subs(dict(zip(zs, z, strict=True)), simultaneous=True)
    report.check(
        "dl/dh = (dz/dh)(dl/dz) for a loss l[z], with dz/dh = Omega^T",
        f"{n} x 1 column",
        same(direct, chained),
    )


# == matrix-gradient (7.9) ===========================================================

MAX_GRADIENT_SIZE = 6


@dataclass(frozen=True)
class GradientSettings:
    outputs: int  # entries of f
    inputs: int  # entries of h


def build_gradient(entry: dict[str, Any], v: Any, path: Path_) -> GradientSettings:
    return GradientSettings(
        outputs=_bounded(v, entry, "outputs", path, 2, MAX_GRADIENT_SIZE),
        inputs=_bounded(v, entry, "inputs", path, 3, MAX_GRADIENT_SIZE),
    )


def solve_gradient(problem: Any) -> Report:
    settings: GradientSettings = problem.settings
    m, n = settings.outputs, settings.inputs
    omega, beta, h = _matrix("omega", m, n), _vector("beta", m), _vector("h", n)
    f = beta + omega * h
    report = Report(problem)
    report.say(
        "Entry $k$ of $\\mathbf{f} = \\boldsymbol{\\beta} + \\boldsymbol{\\Omega}"
        "\\mathbf{h}$ is $f_k = \\beta_k + \\sum_j \\omega_{kj} h_j$, so "
        "$\\partial f_k/\\partial\\omega_{ij} = h_j$ when $k = i$ and 0 otherwise: "
        "the weight $\\omega_{ij}$ feeds only output $i$. By the chain rule, "
        "summing over the outputs,"
    )
    report.equations(
        Equation(
            "dl/domega_ij",
            r"\frac{\partial l}{\partial\omega_{ij}}",
            "sum_k dl/df_k df_k/domega_ij = dl/df_i h_j",
            r"\sum_k \frac{\partial l}{\partial f_k}"
            r"\frac{\partial f_k}{\partial\omega_{ij}} = "
            r"\frac{\partial l}{\partial f_i} h_j",
        )
    )
    report.say(
        "The matrix with $\\partial l/\\partial\\omega_{ij}$ in row $i$, column "
        "$j$ therefore has column $\\partial l/\\partial\\mathbf{f}$ times row "
        "$\\mathbf{h}^T$ as its entries: $\\partial l/\\partial\\boldsymbol{\\Omega}"
        " = (\\partial l/\\partial\\mathbf{f})\\,\\mathbf{h}^T$, a matrix of the "
        f"size of $\\boldsymbol{{\\Omega}}$. At {m} x {n}:"
    )
    cells_tex = [
        [rf"\partial l/\partial f_{{{i + 1}}}\, h_{{{j + 1}}}" for j in range(n)]
        for i in range(m)
    ]
    cells_text = (
        "["
        + ", ".join(
            "[" + ", ".join(f"dl/df_{i + 1}*h_{j + 1}" for j in range(n)) + "]"
            for i in range(m)
        )
        + "]"
    )
    report.equations(
        Equation(
            "dl/dOmega",
            r"\frac{\partial l}{\partial"
            r"\boldsymbol{\Omega}}",
            cells_text,
            _matrix_tex(cells_tex),
        )
    )
    report.say(
        "The published solution writes the entries of the vector $\\mathbf{f}$ "
        "with two indices ($f_{ij}$ and $\\partial f_{ij}/\\partial\\Omega_{ij}$) "
        "and the loss as $l_i$ in $\\partial l_i/\\partial\\Omega_{ij}$, reusing "
        "the row index $i$ as the index of a training example; $\\mathbf{f}$ has "
        "one index, and the derivative that matters is $\\partial f_i/\\partial"
        "\\omega_{ij} = h_j$ together with $\\partial f_k/\\partial\\omega_{ij} = 0$ "
        "for $k \\neq i$. Its final formula is right."
    )
    _gradient_checks(report, f, omega, h)
    report.data = {
        "outputs": m,
        "inputs": n,
        "element": "dl/domega_ij = dl/df_i*h_j",
        "matrix": "dl/dOmega = (dl/df) h^T",
        "size": f"{m} x {n}",
    }
    return report


def _gradient_checks(
    report: Report, f: sympy.Matrix, omega: sympy.Matrix, h: sympy.Matrix
) -> None:
    m, n = omega.shape
    local_ok = all(
        sympy.diff(f[k], omega[i, j]) == (h[j] if k == i else 0)
        for i in range(m)
        for j in range(n)
        for k in range(m)
    )
    report.check(
        f"df_k/domega_ij = h_j if k = i, else 0 (all {m * m * n} cases)",
        "h_j if k = i, else 0",
        local_ok,
    )
    # A generic loss: SymPy differentiates l[f(Omega)] through the undefined
    # function; the chain-rule side is dl/df_i at f = beta + Omega h, times h_j.
    loss = sympy.Function("l")
    fs = [symbol(f"f_{i + 1}") for i in range(m)]
    at_f = dict(zip(fs, f, strict=True))
    direct = sympy.Matrix(m, n, lambda i, j: sympy.diff(loss(*f), omega[i, j]))
    by_f = sympy.Matrix([sympy.diff(loss(*fs), fi) for fi in fs])
    by_f = by_f.subs(at_f, simultaneous=True)
    elements_ok = all(
        same(direct[i, j], by_f[i] * h[j]) for i in range(m) for j in range(n)
    )
    report.check(
        f"dl/domega_ij = dl/df_i h_j for all {m * n} pairs (l undefined)",
        "dl/df_i*h_j",
        elements_ok,
    )
    outer = by_f * h.T
    report.check(
        "dl/dOmega = (dl/df) h^T as matrices",
        f"{m} x {n}, the size of Omega",
        outer.shape == omega.shape and same(direct, outer),
    )


# == backprop-equations (7.10) ==================================================

MAX_LAYERS = 3
MAX_BACKPROP_WIDTH = 4
MAX_POINTS = 4
DEFAULT_NETWORK = (2, 3, 4, 2)


@dataclass(frozen=True)
class BackpropSettings:
    widths: tuple[int, ...]  # input, K hidden layers, output
    alpha: sympy.Rational
    points: int

    @property
    def layers(self) -> int:
        return len(self.widths) - 2


def build_backprop(entry: dict[str, Any], v: Any, path: Path_) -> BackpropSettings:
    widths = v.integers(entry, "widths", path, minimum=1, maximum=MAX_BACKPROP_WIDTH)
    if entry.get("layers") is not None:
        layers = v.integer(entry, "layers", path, minimum=1, maximum=MAX_LAYERS)
        widths = widths or [2] + [3] * layers + [2]
        if len(widths) != layers + 2:
            raise v.error(
                path + ("widths",),
                f"'widths' must hold {layers + 2} whole "
                f"numbers for {layers} hidden layer"
                f"{'s' if layers != 1 else ''} (the input, each hidden "
                f"layer and the output), not {len(widths)}.",
            )
    elif entry.get("widths") is not None:
        if not 3 <= len(widths) <= MAX_LAYERS + 2:
            raise v.error(
                path + ("widths",),
                "'widths' must hold 3 to "
                f"{MAX_LAYERS + 2} whole numbers (the input, 1 to "
                f"{MAX_LAYERS} hidden layers and the output), not "
                f"{len(widths)}.",
            )
    else:
        widths = list(DEFAULT_NETWORK)
    return BackpropSettings(
        tuple(widths),
        _alpha(entry, v, path),
        _bounded(v, entry, "points", path, 2, MAX_POINTS),
    )


def _alpha(entry: dict[str, Any], v: Any, path: Path_) -> sympy.Rational:
    if entry.get("alpha") is None:
        return Rational(1, 10)
    where = path + ("alpha",)
    value = v.expression(entry["alpha"], where)
    if not (value.is_Rational and 0 < value < 1):
        raise v.error(
            where,
            f"'alpha' must be a number between 0 and 1 such as 0.1 "
            f"or 1/100, not {entry['alpha']!r}.",
        )
    return value


@dataclass(frozen=True)
class BackpropPoint:
    """A leaky-ReLU network with exact rational parameters, an input and a target."""

    network: Network
    x: tuple[Fraction, ...]
    alpha: Fraction

    def activation(self, z: Fraction) -> Fraction:
        return z if z > 0 else self.alpha * z

    def run(
        self, network: Network | None = None
    ) -> tuple[list[Vector], list[Vector], Fraction]:
        return (network or self.network).run(self.x, False, self.activation)


def _random_backprop(settings: BackpropSettings, rng: random.Random) -> BackpropPoint:
    """A random network and data point with no pre-activation exactly 0."""
    widths = settings.widths
    alpha = Fraction(int(settings.alpha.p), int(settings.alpha.q))

    def draw(rows: int, columns: int) -> tuple[tuple[Fraction, ...], ...]:
        return tuple(
            tuple(_random_fraction(rng) for _ in range(columns)) for _ in range(rows)
        )

    candidate = None
    # A pre-activation is exactly 0 with small probability: a few draws do.
    for _ in range(1000):
        weights = tuple(draw(widths[k + 1], widths[k]) for k in range(len(widths) - 1))
        biases = tuple(
            tuple(row[0] for row in draw(widths[k + 1], 1))
            for k in range(len(widths) - 1)
        )
        targets = tuple(row[0] for row in draw(widths[-1], 1))
        x = tuple(row[0] for row in draw(widths[0], 1))
        candidate = BackpropPoint(Network(weights, biases, targets), x, alpha)
        if 0 not in _signs(candidate.run()[0][:-1]):
            break
    assert candidate is not None
    return candidate


def _column(values: Sequence[Fraction]) -> sympy.Matrix:
    return sympy.Matrix([_rational(v) for v in values])


def backward_pass(
    point: BackpropPoint,
) -> tuple[list[sympy.Matrix], list[sympy.Matrix]]:
    """dl/dOmega_k and dl/dbeta_k for k = 0..K by the vector equations."""
    pre, inputs, _ = point.run()
    alpha = _rational(point.alpha)
    f = [_column(v) for v in pre]
    h = [_column(v) for v in inputs]
    omega = [
        sympy.Matrix([[_rational(w) for w in row] for row in weight])
        for weight in point.network.weights
    ]
    last = len(f) - 1
    d_f = 2 * (f[last] - _column(point.network.targets))  # least squares
    d_omega: list[sympy.Matrix] = [sympy.Matrix()] * (last + 1)
    d_beta: list[sympy.Matrix] = [sympy.Matrix()] * (last + 1)
    for k in range(last, -1, -1):
        d_beta[k] = d_f
        d_omega[k] = d_f * h[k].T
        if k > 0:
            # I[f > 0] + alpha I[f <= 0]: slope alpha at 0, as gradsym's leaky_relu
            slope = f[k - 1].applyfunc(lambda e: 1 if e > 0 else alpha)
            d_f = slope.multiply_elementwise(omega[k].T * d_f)
    return d_omega, d_beta


def direct_gradient(
    point: BackpropPoint, block: str, k: int, index: int
) -> sympy.Rational:
    """d l / d (one parameter), from evaluations of the loss alone."""

    def loss_and_signs(t: Fraction) -> tuple[Fraction, tuple[int, ...]]:
        pre, _, loss = point.run(point.network.with_entry(block, k, index, t))
        return loss, _signs(pre[:-1])

    return _rational(exact_slope(loss_and_signs, point.network.entry(block, k, index)))


def sympy_gradient(point: BackpropPoint, block: str, k: int, index: int) -> sympy.Expr:
    """d l / d (one parameter) by SymPy differentiating the loss in that parameter.

    Every other parameter is a number; SymPy differentiates through gradsym's
    leaky_relu (derivative alpha at 0), then the parameter's value is put in.
    """
    t = sympy.Dummy("t", real=True)
    alpha = _rational(point.alpha)
    network = point.network.with_entry(block, k, index, t)
    _, _, loss = network.run(point.x, False, lambda z: leaky_relu(z, alpha))
    value = _rational(point.network.entry(block, k, index))
    return sympy.diff(loss, t).xreplace({t: value})


def solve_backprop(problem: Any) -> Report:
    settings: BackpropSettings = problem.settings
    report = Report(problem)
    _backprop_explanation(report, settings)
    rng = random.Random(SEED)
    points = _backprop_points(settings, rng)
    results = _backprop_compare(points, rng)
    _backprop_report(report, settings, points, results)
    return report


def _backprop_explanation(report: Report, settings: BackpropSettings) -> None:
    report.say(
        "The network is $\\mathbf{f}_0 = \\boldsymbol{\\beta}_0 + \\boldsymbol"
        "{\\Omega}_0\\mathbf{x}$, $\\mathbf{h}_k = \\mathrm{a}[\\mathbf{f}_{k-1}]$ "
        "and $\\mathbf{f}_k = \\boldsymbol{\\beta}_k + \\boldsymbol{\\Omega}_k"
        "\\mathbf{h}_k$ for $k = 1, \\ldots, K$, with the leaky ReLU "
        "$\\mathrm{a}[z] = z$ for $z > 0$ and $\\alpha z$ otherwise. Its "
        "derivative is 1 for $z > 0$ and $\\alpha$ for $z < 0$; at the kink $z = 0$ "
        "gradsym takes $\\alpha$ (as PyTorch does), so the derivative is "
        "$\\mathbb{I}[z > 0] + \\alpha\\,\\mathbb{I}[z \\le 0]$."
    )
    report.say(
        "Only the step through the activation changes from the ReLU case. "
        "Starting from $\\partial l_i/\\partial\\mathbf{f}_K$, for $k = K, K-1, "
        "\\ldots, 0$:"
    )
    report.equations(
        Equation(
            "dl/dbeta_k",
            r"\frac{\partial l_i}{\partial\boldsymbol{\beta}_k}",
            "dl/df_k",
            r"\frac{\partial l_i}{\partial\mathbf{f}_k}",
        ),
        Equation(
            "dl/dOmega_k",
            r"\frac{\partial l_i}{\partial\boldsymbol{\Omega}_k}",
            "dl/df_k h_k^T  (h_0 = x)",
            r"\frac{\partial l_i}{\partial\mathbf{f}_k}\mathbf{h}_k^T"
            r"\quad(\mathbf{h}_0 = \mathbf{x})",
        ),
        Equation(
            "dl/df_(k-1)",
            r"\frac{\partial l_i}{\partial\mathbf{f}_{k-1}}",
            "(I[f_(k-1) > 0] + alpha I[f_(k-1) <= 0]) (.) "
            "(Omega_k^T dl/df_k)  (k >= 1)",
            r"\left(\mathbb{I}[\mathbf{f}_{k-1} > 0] + \alpha\,\mathbb{I}"
            r"[\mathbf{f}_{k-1} \le 0]\right) \odot \left(\boldsymbol{\Omega}"
            r"_k^T\frac{\partial l_i}{\partial\mathbf{f}_k}\right)"
            r"\quad(k \ge 1)",
        ),
    )
    report.say(
        "The published solution writes the factor as $\\mathbb{I}[\\mathbf{f}_{k-1}"
        " > 0] \\odot (\\ldots) + \\mathbb{I}[\\mathbf{f}_{k-1} < 0] \\odot \\alpha"
        "(\\ldots)$. Away from 0 this is the same; at an entry that is exactly 0 "
        "both indicators are 0, so its factor is 0, which is neither one-sided "
        "derivative (1 from the right, $\\alpha$ from the left): the value at the "
        "kink is left undefined rather than chosen. It also calls the leaky ReLU "
        "$\\mathrm{ReLU}[z]$, and its definition takes $z$ for $z \\ge 0$; at "
        "$z = 0$ both branches give 0, so the function is the same."
    )


def _backprop_points(
    settings: BackpropSettings, rng: random.Random
) -> list[BackpropPoint]:
    """Random points; if none has a negative pre-activation, draw again, so the
    alpha branch of the backward pass is exercised whenever it can be."""
    points: list[BackpropPoint] = []
    for _ in range(50):
        points = [_random_backprop(settings, rng) for _ in range(settings.points)]
        signs = _all_signs(points)
        if -1 in signs and (1 in signs or len(signs) < 2):
            break
    return points


def _all_signs(points: list[BackpropPoint]) -> list[int]:
    """The signs of every activated pre-activation f_0..f_(K-1) at the points."""
    return [s for point in points for s in _signs(point.run()[0][:-1])]


@dataclass
class Comparison:
    """How one block of derivatives (dl/dOmega_k or dl/dbeta_k) compared."""

    block: str  # "Omega" or "beta"
    layer: int
    shape: tuple[int, int]
    compared: int = 0
    equal: bool = True
    by_sympy: bool = True  # one random entry, at the first point


def _backprop_compare(
    points: list[BackpropPoint], rng: random.Random
) -> list[Comparison]:
    network = points[0].network
    results = []
    layers = zip(network.weights, network.biases, strict=True)
    for k, (weight, bias) in enumerate(layers):
        results.append(Comparison("Omega", k, (len(weight), len(weight[0]))))
        results.append(Comparison("beta", k, (len(bias), 1)))
    for number, point in enumerate(points):
        d_omega, d_beta = backward_pass(point)
        for result in results:
            backward = (d_omega if result.block == "Omega" else d_beta)[result.layer]
            for index in range(len(backward)):
                direct = direct_gradient(point, result.block, result.layer, index)
                result.compared += 1
                result.equal = result.equal and direct == backward[index]
            if number == 0:
                index = rng.randrange(len(backward))
                by_sympy = sympy_gradient(point, result.block, result.layer, index)
                result.by_sympy = by_sympy == backward[index]
    return results


def _backprop_report(
    report: Report,
    settings: BackpropSettings,
    points: list[BackpropPoint],
    results: list[Comparison],
) -> None:
    widths, alpha = settings.widths, settings.alpha
    signs = _all_signs(points)
    negative, positive = signs.count(-1), signs.count(1)
    count = len(points)
    report.say(
        f"**Verification.** With $K = {settings.layers}$, widths "
        f"{', '.join(map(str, widths))} (input, hidden layers, output), "
        f"$\\alpha = {to_latex(alpha)}$ and the least-squares loss $l_i = "
        "\\sum_j (f_{K,j} - y_j)^2$, so $\\partial l_i/\\partial\\mathbf{f}_K = "
        "2(\\mathbf{f}_K - \\mathbf{y})$, gradsym draws "
        f"{count} random point{'s' if count != 1 else ''} of exact rationals "
        "(weights, biases, $\\mathbf{x}$ and $\\mathbf{y}$) at which no "
        "pre-activation is 0, runs the backward pass above and compares every "
        "derivative with one computed directly from the loss: the loss as a "
        "function of that one parameter is a quadratic while no pre-activation "
        "changes sign, so its exact central difference over such an interval is "
        "the derivative. At the first point SymPy also differentiates the loss "
        "written out in one random entry of each block. Across the points "
        f"{negative} pre-activations are negative and {positive} positive, so "
        f"{_branches(negative, positive)} exercised."
    )
    rows = [
        [
            f"dl/d{r.block}_{r.layer}",
            f"{r.shape[0]} x {r.shape[1]}",
            str(r.compared),
            "equal" if r.equal and r.by_sympy else "DIFFERENT",
        ]
        for r in results
    ]
    report.table(
        ["derivative", "size", "entries compared", "backward pass vs direct"], rows
    )
    for r in results:
        report.check(
            f"dl/d{r.block}_{r.layer} by the backward pass = direct "
            f"derivative ({r.compared} entries)",
            "exact agreement",
            r.equal,
            decided_by="numeric",
            points=count,
        )
    wrong = [f"dl/d{r.block}_{r.layer}" for r in results if not r.by_sympy]
    report.check(
        f"backward pass = SymPy's derivative of the loss (one random "
        f"entry of each of the {len(results)} blocks)",
        "exact agreement",
        not wrong,
        decided_by="numeric",
        points=1,
        note=f"differs in {', '.join(wrong)}" if wrong else "",
    )
    _kink_checks(report, alpha)
    report.data = {
        "layers": settings.layers,
        "widths": list(widths),
        "alpha": to_text(alpha),
        "loss": "sum((f_K - y)^2)",
        "equations": [
            "dl/dbeta_k = dl/df_k",
            "dl/dOmega_k = dl/df_k h_k^T",
            "dl/df_(k-1) = (indicator(f_(k-1) > 0) + alpha*indicator(f_(k-1) <= 0))"
            " * (Omega_k^T dl/df_k)",
        ],
        "points": count,
        "compared": sum(r.compared for r in results),
        "negative_preactivations": negative,
        "positive_preactivations": positive,
    }


def _branches(negative: int, positive: int) -> str:
    if negative and positive:
        return "both branches of the activation are"
    return "only the branch that occurs is"


def _kink_checks(report: Report, alpha: sympy.Rational) -> None:
    """The convention at 0, against the one-sided difference quotients."""
    z = sympy.Dummy("z", real=True)
    at_zero = sympy.diff(leaky_relu(z, alpha), z).subs(z, 0)
    step = Rational(1, 1000)
    left = (leaky_relu(-step, alpha) - leaky_relu(sympy.S.Zero, alpha)) / (-step)
    right = (leaky_relu(step, alpha) - leaky_relu(sympy.S.Zero, alpha)) / step
    report.check(
        "gradsym's leaky ReLU slope at z = 0 is the left derivative alpha",
        to_text(at_zero),
        at_zero == left == alpha,
    )
    zero = sympy.S.Zero
    seed = indicator(sympy.StrictGreaterThan(zero, 0)) + alpha * indicator(
        sympy.StrictLessThan(zero, 0)
    )
    report.check(
        "the published factor I[f > 0] + alpha I[f < 0] at f = 0 is "
        "neither one-sided derivative",
        f"{to_text(seed)} (left {to_text(left)}, right {to_text(right)})",
        seed not in (left, right),
    )


KINDS: dict[str, Kind] = {
    "jacobian-sizes": Kind(
        keys=("widths", "claims"),
        build=build_sizes,
        solve=solve_sizes,
        summary="Sizes of the Jacobians in the chain rule of a three-layer "
        "network, in the book's denominator layout.",
    ),
    "jacobian": Kind(
        keys=("rows", "columns"),
        build=build_jacobian,
        solve=solve_jacobian,
        summary="The Jacobian of z = beta + Omega h, in both layouts.",
    ),
    "matrix-gradient": Kind(
        keys=("outputs", "inputs"),
        build=build_gradient,
        solve=solve_gradient,
        summary="dl/dOmega = (dl/df) h^T for f = beta + Omega h.",
    ),
    "backprop-equations": Kind(
        keys=("layers", "widths", "alpha", "points"),
        build=build_backprop,
        solve=solve_backprop,
        summary="The backward pass of a leaky-ReLU network, checked exactly.",
    ),
}
