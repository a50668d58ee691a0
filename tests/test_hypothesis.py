"""Property tests: random smooth graphs, random text for the parser."""

from __future__ import annotations

import mpmath
import sympy
from _helpers import close, num
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gradsym.errors import GradsymError
from gradsym.expressions import parse
from gradsym.problems import loads
from gradsym.solution import solve

# -- (1) random smooth graphs: the three modes agree ----------------------------

UNARY = ["exp", "sin", "cos", "tanh", "sigmoid"]


@st.composite
def expressions(draw, names: list[str], depth: int = 2) -> str:
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        if draw(st.integers(0, 4)) == 0:
            return str(draw(st.integers(1, 3)))
        return draw(st.sampled_from(names))
    kind = draw(st.sampled_from(["unary", "add", "mul", "pow"]))
    if kind == "unary":
        inner = draw(expressions(names, depth - 1))
        return f"{draw(st.sampled_from(UNARY))}({inner})"
    if kind == "pow":
        inner = draw(expressions(names, depth - 1))
        return f"({inner})**{draw(st.integers(2, 3))}"
    left = draw(expressions(names, depth - 1))
    right = draw(expressions(names, depth - 1))
    return f"({left} {'+' if kind == 'add' else '*'} {right})"


@st.composite
def graphs(draw) -> tuple[list[str], list[tuple[str, str]]]:
    inputs = ["x", "u"][: draw(st.integers(1, 2))]
    nodes: list[tuple[str, str]] = []
    for k in range(draw(st.integers(2, 5))):
        available = inputs + [name for name, _ in nodes]
        text = draw(expressions(available))
        if k > 0 and draw(st.booleans()):
            text = f"{text} + {nodes[-1][0]}"  # keep the graph connected
        nodes.append((f"n{k}", text))
    return inputs, nodes


def graph_yaml(inputs: list[str], nodes: list[tuple[str, str]]) -> str:
    lines = [
        "problems:",
        "  - id: h",
        "    title: random graph",
        f"    inputs: [{', '.join(inputs)}]",
        "    graph:",
    ]
    lines += [f'      {name}: "{text}"' for name, text in nodes]
    lines.append(f"    wrt: [{', '.join(inputs + [name for name, _ in nodes[:-1]])}]")
    return "\n".join(lines) + "\n"


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(graphs())
@example(
    (
        ["x"],
        [
            ("n0", "exp(x)"),
            ("n1", "(n0)**2"),
            ("n2", "(n0 + n1)"),
            ("n3", "exp(n2)"),
            ("n4", "sin(n2) + n3"),
        ],
    )
)
@example((["x", "u"], [("n0", "(x * u)"), ("n1", "tanh(n0)**3 + sigmoid(u)")]))
def test_random_smooth_graphs_modes_agree(graph):
    inputs, nodes = graph
    problem = loads(graph_yaml(inputs, nodes), "random.yaml").problems[0]
    solution = solve(problem)
    assert solution.agree, [(d.pair, d.agreement) for d in solution.derivatives]
    # and, independently, every mode's derivative wrt the first input matches
    # a central difference of the graph written out with SymPy and mpmath
    output = problem.output
    full = sympy.Symbol(output, real=True)
    for name in reversed(problem.graph.order):
        full = full.xreplace({sympy.Symbol(name, real=True): problem.graph.nodes[name]})
    point = {name: mpmath.mpf(value) / 7 for name, value in zip(inputs, (3, -2))}
    values = dict(point)
    for name, expr in problem.graph.nodes.items():
        values[name] = num(expr, values)
    x = inputs[0]
    with mpmath.workdps(40):
        h = mpmath.mpf("1e-12")
        up = num(full, dict(point, **{x: point[x] + h}))
        down = num(full, dict(point, **{x: point[x] - h}))
        estimate = (up - down) / (2 * h)
    for mode in ("direct", "reverse", "forward"):
        derived = solution.derivations[mode].value((output, x))
        assert close(num(derived, values), estimate, rel=1e-9, abs_=1e-9), mode


# -- (2) random text: parse raises only gradsym's own errors -----------------------

TOKENS = [
    "x",
    "y",
    "beta",
    "pi",
    "0",
    "1",
    "2",
    "-1",
    "0.5",
    "1e3",
    "99",
    "(",
    ")",
    "+",
    "-",
    "*",
    "/",
    "**",
    "^",
    ",",
    "<",
    ">",
    "<=",
    ">=",
    "exp",
    "log",
    "sqrt",
    "sin",
    "cos",
    "tan",
    "tanh",
    "abs",
    "sign",
    "max",
    "min",
    "sig",
    "relu",
    "leaky_relu",
    "heaviside",
    "rect",
    "indicator",
    ".",
    "[",
    "]",
    "'",
    "_",
    "=",
    ":",
    "@",
    "foo",
]

token_soup = st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join)
plain_text = st.text(max_size=40)
# well-formed calls with awkward constants as arguments
awkward_calls = st.builds(
    lambda f, a, op, b: f"{f}({a}) {op} {b}",
    st.sampled_from(["sqrt", "log", "exp", "sin", "tan", "abs", "sign", "relu", "sig"]),
    st.sampled_from(["-1", "0", "-2", "x", "0*x", "pi/2", "1e300"]),
    st.sampled_from(["**", "*", "/", "+", "^"]),
    st.sampled_from(["2", "-1", "0", "x", "sqrt(-1)", "log(0)", "0.5"]),
)


def parse_or_refuse(text: str) -> None:
    try:
        result = parse(text)
    except GradsymError:
        return
    assert isinstance(result, sympy.Basic)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(token_soup, plain_text, awkward_calls))
@example("log(0)**2")
@example("sqrt(-1)**2")
@example("indicator(x > sqrt(-1))")
def test_parse_raises_only_gradsym_errors(text):
    parse_or_refuse(text)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(plain_text)
def test_parse_of_arbitrary_unicode_raises_only_gradsym_errors(text):
    parse_or_refuse(text)
