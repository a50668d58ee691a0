"""Independent oracles for the tests: hand-written graphs and an evaluator.

Nothing here calls gradsym's numeric module, its parser or its derivations.
The bundled problems are written out again by hand, as Python functions of
mpmath numbers (for finite differences) and as SymPy expressions built with
SymPy's own constructors (for exact comparisons).  gradsym.primitives is
used only for its function classes (relu, indicator, sigmoid), so that an
independently built expression can be compared with gradsym's.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

import mpmath
import sympy

from gradsym.primitives import (
    heaviside,
    indicator,
    leaky_relu,
    maximum,
    minimum,
    rect,
    relu,
    sigmoid,
)

DPS = 40


def S(name: str) -> sympy.Symbol:
    """The real symbol gradsym uses for ``name``."""
    return sympy.Symbol(name, real=True)


def I_(condition: sympy.Basic) -> sympy.Expr:
    return indicator(condition)


# -- evaluating a SymPy expression with mpmath, independently of gradsym ------


def _sig(z):
    return 1 / (1 + mpmath.exp(-z))


_NAMESPACE = {
    "relu": lambda z: z if z > 0 else mpmath.mpf(0),
    "leaky_relu": lambda z, a: z if z > 0 else a * z,
    "sigmoid": _sig,
    "indicator": lambda condition: mpmath.mpf(1) if condition else mpmath.mpf(0),
    "heaviside": lambda z: mpmath.mpf(1) if z >= 0 else mpmath.mpf(0),
    "rect": lambda z: mpmath.mpf(1) if 0 <= z <= 1 else mpmath.mpf(0),
    "maximum": lambda a, b: a if a > b else b,
    "minimum": lambda a, b: a if a < b else b,
}


def num(expr: sympy.Expr, values: Mapping[str, object]) -> mpmath.mpf:
    """``expr`` at ``values`` (name -> number), by lambdify over mpmath."""
    names = sorted(s.name for s in expr.free_symbols)
    missing = [n for n in names if n not in values]
    assert not missing, f"no values for {missing}"
    function = sympy.lambdify(
        [S(n) for n in names], expr, modules=[_NAMESPACE, "mpmath"]
    )
    with mpmath.workdps(DPS):
        return mpmath.mpf(function(*(mpmath.mpf(values[n]) for n in names)))


def close(a, b, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    return abs(a - b) <= rel * max(abs(a), abs(b)) + abs_


# -- the bundled problems, written out again by hand -----------------------------

E, SIN, COS = mpmath.exp, mpmath.sin, mpmath.cos


def _relu(z):
    return z if z > 0 else mpmath.mpf(0)


Graph = list[tuple[str, Callable[[dict], object]]]

GRAPHS: dict[str, Graph] = {
    "7.1": [
        ("z11", lambda v: v["theta01"] + v["theta11"] * v["x"]),
        ("z12", lambda v: v["theta02"] + v["theta12"] * v["x"]),
        ("h11", lambda v: _relu(v["z11"])),
        ("h12", lambda v: _relu(v["z12"])),
        ("z21", lambda v: v["psi01"] + v["psi11"] * v["h11"] + v["psi21"] * v["h12"]),
        ("z22", lambda v: v["psi02"] + v["psi12"] * v["h11"] + v["psi22"] * v["h12"]),
        ("h21", lambda v: _relu(v["z21"])),
        ("h22", lambda v: _relu(v["z22"])),
        ("y", lambda v: v["phi0"] + v["phi1"] * v["h21"] + v["phi2"] * v["h22"]),
    ],
    "7.2": [
        ("f0", lambda v: v["beta0"] + v["omega0"] * v["x_i"]),
        ("h1", lambda v: SIN(v["f0"])),
        ("f1", lambda v: v["beta1"] + v["omega1"] * v["h1"]),
        ("h2", lambda v: E(v["f1"])),
        ("f2", lambda v: v["beta2"] + v["omega2"] * v["h2"]),
        ("h3", lambda v: COS(v["f2"])),
        ("f3", lambda v: v["beta3"] + v["omega3"] * v["h3"]),
        ("l_i", lambda v: (v["y_i"] - v["f3"]) ** 2),
    ],
    "7.4": [
        ("l_i", lambda v: (v["y_i"] - v["f"]) ** 2),
    ],
    "7.5": [
        ("s", lambda v: _sig(v["f"])),
        ("t0", lambda v: -(1 - v["y_i"]) * mpmath.log(1 - v["s"])),
        ("t1", lambda v: -v["y_i"] * mpmath.log(v["s"])),
        ("l_i", lambda v: v["t0"] + v["t1"]),
    ],
    "7.12": [
        ("f1", lambda v: E(v["x"])),
        ("f2", lambda v: v["f1"] ** 2),
        ("f3", lambda v: v["f1"] + v["f2"]),
        ("f4", lambda v: E(v["f3"])),
        ("f5", lambda v: SIN(v["f3"])),
        ("y", lambda v: v["f4"] + v["f5"]),
    ],
}
GRAPHS["7.13"] = GRAPHS["7.12"]

LEAVES: dict[str, list[str]] = {
    "7.1": [
        "x",
        "phi0",
        "phi1",
        "phi2",
        "theta01",
        "theta11",
        "theta02",
        "theta12",
        "psi01",
        "psi11",
        "psi21",
        "psi02",
        "psi12",
        "psi22",
    ],
    "7.2": [
        "x_i",
        "y_i",
        "beta0",
        "beta1",
        "beta2",
        "beta3",
        "omega0",
        "omega1",
        "omega2",
        "omega3",
    ],
    "7.4": ["f", "y_i"],
    "7.5": ["f", "y_i"],
    "7.12": ["x"],
    "7.13": ["x"],
}

# The same graphs as SymPy expressions, built without gradsym's parser.
_x, _f, _y = S("x"), S("f"), S("y_i")
SYMBOLIC: dict[str, dict[str, sympy.Expr]] = {
    "7.1": {
        "z11": S("theta01") + S("theta11") * _x,
        "z12": S("theta02") + S("theta12") * _x,
        "h11": relu(S("z11")),
        "h12": relu(S("z12")),
        "z21": S("psi01") + S("psi11") * S("h11") + S("psi21") * S("h12"),
        "z22": S("psi02") + S("psi12") * S("h11") + S("psi22") * S("h12"),
        "h21": relu(S("z21")),
        "h22": relu(S("z22")),
        "y": S("phi0") + S("phi1") * S("h21") + S("phi2") * S("h22"),
    },
    "7.2": {
        "f0": S("beta0") + S("omega0") * S("x_i"),
        "h1": sympy.sin(S("f0")),
        "f1": S("beta1") + S("omega1") * S("h1"),
        "h2": sympy.exp(S("f1")),
        "f2": S("beta2") + S("omega2") * S("h2"),
        "h3": sympy.cos(S("f2")),
        "f3": S("beta3") + S("omega3") * S("h3"),
        "l_i": (_y - S("f3")) ** 2,
    },
    "7.4": {"l_i": (_y - _f) ** 2},
    "7.5": {
        "s": sigmoid(_f),
        "t0": -(1 - _y) * sympy.log(1 - S("s")),
        "t1": -_y * sympy.log(S("s")),
        "l_i": S("t0") + S("t1"),
    },
    "7.12": {
        "f1": sympy.exp(_x),
        "f2": S("f1") ** 2,
        "f3": S("f1") + S("f2"),
        "f4": sympy.exp(S("f3")),
        "f5": sympy.sin(S("f3")),
        "y": S("f4") + S("f5"),
    },
}
SYMBOLIC["7.13"] = SYMBOLIC["7.12"]


def substitute_all(
    expr: sympy.Expr, definitions: Mapping[str, sympy.Expr]
) -> sympy.Expr:
    """Replace graph names by their definitions until only leaves remain."""
    for _ in range(len(definitions) + 1):
        names = {S(n): d for n, d in definitions.items() if S(n) in expr.free_symbols}
        if not names:
            return expr
        expr = expr.xreplace(names)
    raise AssertionError("substitution did not terminate")


def same_function(
    a: sympy.Expr, b: sympy.Expr, definitions: Mapping[str, sympy.Expr]
) -> bool:
    """a == b once every graph name is substituted (expand, then simplify)."""
    difference = substitute_all(a, definitions) - substitute_all(b, definitions)
    if sympy.expand(difference) == 0:
        return True
    return sympy.simplify(difference) == 0


# -- forward evaluation and central differences -----------------------------


def run(
    graph: Graph, point: Mapping[str, object], fixed: Mapping[str, object] = {}
) -> dict[str, mpmath.mpf]:
    """Every value of the graph at ``point``; nodes in ``fixed`` are pinned."""
    with mpmath.workdps(DPS):
        values = {name: mpmath.mpf(value) for name, value in point.items()}
        for name, rule in graph:
            values[name] = mpmath.mpf(fixed[name]) if name in fixed else rule(values)
        return values


def central_difference(
    graph: Graph, point: Mapping[str, object], of: str, wrt: str, h: float = 1e-12
) -> mpmath.mpf:
    """d of / d wrt at ``point``, upstream of a node ``wrt`` held fixed."""
    with mpmath.workdps(DPS):
        step = mpmath.mpf(h)
        if wrt in point:
            up = dict(point, **{wrt: mpmath.mpf(point[wrt]) + step})
            down = dict(point, **{wrt: mpmath.mpf(point[wrt]) - step})
            return (run(graph, up)[of] - run(graph, down)[of]) / (2 * step)
        base = run(graph, point)[wrt]
        upper = run(graph, point, {wrt: base + step})[of]
        lower = run(graph, point, {wrt: base - step})[of]
        return (upper - lower) / (2 * step)


def random_point(
    names: list[str], rng: random.Random, scale: float = 1.0
) -> dict[str, mpmath.mpf]:
    with mpmath.workdps(DPS):
        return {n: mpmath.mpf(rng.gauss(0.0, scale)) for n in names}


def relu_point(rng: random.Random, margin: float = 0.05) -> dict[str, mpmath.mpf]:
    """A random point of 7.1 whose four pre-activations are all away from 0."""
    while True:
        point = random_point(LEAVES["7.1"], rng)
        values = run(GRAPHS["7.1"], point)
        if all(abs(values[z]) > margin for z in ("z11", "z12", "z21", "z22")):
            return point


__all__ = [
    "GRAPHS",
    "LEAVES",
    "SYMBOLIC",
    "S",
    "I_",
    "central_difference",
    "close",
    "heaviside",
    "leaky_relu",
    "maximum",
    "minimum",
    "num",
    "random_point",
    "rect",
    "relu",
    "relu_point",
    "run",
    "same_function",
    "sigmoid",
    "substitute_all",
]


def graph_problems() -> list:
    """The bundled problems of kind graph (the others have no graph)."""
    from gradsym.problems import Problem, load

    return [p for p in load().problems if isinstance(p, Problem)]
