"""Kind ``zero-init``: the gradients of a network whose parameters all start at 0.

The network is the book's fully connected one: f_0 = beta_0 + Omega_0 x,
h_k = a[f_(k-1)], f_k = beta_k + Omega_k h_k, with output f_K and the
least-squares loss l = sum_j (f_(K,j) - y_j)^2 of one example with symbolic
input x and target y.  At the point where every weight and bias is 0 each
gradient is derived twice, by the backpropagation equations and by
differentiating the loss along that parameter's axis (every other parameter
put in first), and the two must agree.  Then a few steps of gradient descent
with a symbolic learning rate alpha show which parameters ever move and that
the hidden units of a layer stay identical; the symbolic steps are checked
against the same steps taken with numbers and central differences.
ReLU'(0) is 0, gradsym's convention; the ReLU results are also shown not to
depend on that choice.

Parameter names: ``beta{k}_{i}`` is entry i of the bias vector beta_k and
``omega{k}_{i}{j}`` is row i, column j of the weight matrix Omega_k (counting
from 1).  Inputs are ``x`` and targets ``y`` when there is one of each, else
``x1``, ``x2``, ... and ``y1``, ``y2``, ...

Keys (besides id, title, statement, kind):

``widths``
    The number of units in each layer, input first and output last: 3 to 5
    whole numbers from 1 to 4, for example [1, 2, 2, 1].
``activations``
    One name or a list of distinct names among ``relu``, ``sigmoid`` and
    ``tanh``; the analysis is repeated for each.
``steps`` (optional)
    The number of symbolic gradient-descent steps, 0 to 4; by default the
    number of weight layers (at most 4), enough for every layer that ever
    moves to have moved.
``claims`` (optional)
    A list of mappings with ``wrt`` (a parameter name), ``value`` (the
    gradient of l at the zero point, an expression in the inputs and
    targets) and, when several activations are listed, ``activation``.

Example::

    - id: "7.15"
      title: Initialising every weight and bias to zero
      kind: zero-init
      widths: [1, 2, 2, 1]
      activations: [relu, sigmoid]
      claims:
        - activation: relu
          wrt: beta2_1
          value: "-2*y"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import mpmath
import sympy

from gradsym.derivation import tidy
from gradsym.expressions import nearest, symbol
from gradsym.kinds import Kind
from gradsym.kinds.activations import choice_list, claim_expression, claim_list, pick
from gradsym.limits import OutOfTime, time_limit
from gradsym.printing import to_latex, to_text
from gradsym.report import Equation, Report, same

MIN_LAYERS, MAX_LAYERS = 3, 5  # entries of 'widths': input, hidden layers, output
MAX_WIDTH = 4
MAX_STEPS = 4
COMPARE_SECONDS = 2.0
ACTIVATIONS = ("relu", "sigmoid", "tanh")
CLAIM_KEYS = ("wrt", "value", "activation")
# Numbers for the numeric replay of the symbolic steps.
REPLAY_X, REPLAY_Y, REPLAY_RATE = (
    sympy.Rational(7, 10),
    sympy.Rational(-13, 10),
    sympy.Rational(1, 10),
)

alpha = symbol("alpha")


# -- the network -----------------------------------------------------------------


def _names(stem: str, count: int) -> list[str]:
    return [stem] if count == 1 else [f"{stem}{i + 1}" for i in range(count)]


@dataclass(frozen=True)
class Network:
    widths: tuple[int, ...]

    @property
    def layers(self) -> int:
        """K + 1: the number of weight matrices Omega_0 .. Omega_K."""
        return len(self.widths) - 1

    @property
    def x(self) -> sympy.Matrix:
        return sympy.Matrix([symbol(n) for n in _names("x", self.widths[0])])

    @property
    def y(self) -> sympy.Matrix:
        return sympy.Matrix([symbol(n) for n in _names("y", self.widths[-1])])

    @cached_property
    def _betas(self) -> list[sympy.Matrix]:
        return [
            sympy.ImmutableMatrix(
                [symbol(f"beta{k}_{i + 1}") for i in range(self.widths[k + 1])]
            )
            for k in range(self.layers)
        ]

    @cached_property
    def _omegas(self) -> list[sympy.Matrix]:
        return [
            sympy.ImmutableMatrix(
                self.widths[k + 1],
                self.widths[k],
                lambda i, j, k=k: symbol(f"omega{k}_{i + 1}{j + 1}"),
            )
            for k in range(self.layers)
        ]

    def beta(self, k: int) -> sympy.Matrix:
        """beta_k, the biases of layer k."""
        return self._betas[k]

    def omega(self, k: int) -> sympy.Matrix:
        """Omega_k, the weights of layer k."""
        return self._omegas[k]

    @cached_property
    def parameters(self) -> list[sympy.Symbol]:
        """In the book's order: beta_0, Omega_0 (by rows), beta_1, Omega_1, ..."""
        found: list[sympy.Symbol] = []
        for k in range(self.layers):
            found += list(self.beta(k)) + list(self.omega(k))
        return found

    def role(self, name: str) -> str:
        """What a parameter does, e.g. 'weight h_1[2] -> f_1[1]'."""
        stem, _, index = name.partition("_")
        k = int(stem.lstrip("abegmot"))
        if stem.startswith("beta"):
            return f"bias of f_{k}[{index}]"
        source = "x" if k == 0 else f"h_{k}"
        return f"weight {source}[{index[1]}] -> f_{k}[{index[0]}]"


Values = dict[sympy.Symbol, sympy.Expr]
Activation = Callable[[sympy.Expr], sympy.Expr]


@dataclass(frozen=True)
class Function:
    """An activation and its derivative as gradsym differentiates it."""

    name: str
    tex: str
    apply: Activation

    def derivative(self, z: sympy.Expr) -> sympy.Expr:
        u = sympy.Dummy("u", real=True)
        return sympy.diff(self.apply(u), u).subs(u, z)


def _functions() -> dict[str, Function]:
    from gradsym.primitives import relu, sigmoid

    return {
        "relu": Function("relu", r"\mathrm{ReLU}", relu),
        "sigmoid": Function("sigmoid", r"\mathrm{sig}", sigmoid),
        "tanh": Function("tanh", r"\tanh", sympy.tanh),
    }


@dataclass
class Pass:
    """A forward and backward pass at one point: every intermediate quantity."""

    pre: list[sympy.Matrix] = field(default_factory=list)  # f_0 .. f_K
    hidden: list[sympy.Matrix] = field(default_factory=list)  # h_0 = x, h_1 .. h_K
    d_pre: list[sympy.Matrix] = field(default_factory=list)  # dl/df_0 .. dl/df_K
    gradients: Values = field(default_factory=dict)


def backprop(
    net: Network, act: Function, values: Values, slope_at_zero: sympy.Expr | None = None
) -> Pass:
    """The book's forward pass and backpropagation equations at ``values``.

    ``slope_at_zero`` replaces a'(0) when given, to test a convention.
    """

    def slope(z: sympy.Expr) -> sympy.Expr:
        if slope_at_zero is not None and z == 0:
            return slope_at_zero
        return act.derivative(z)

    run = Pass(hidden=[net.x])
    for k in range(net.layers):
        weights = net.omega(k).xreplace(values)
        pre = net.beta(k).xreplace(values) + weights * run.hidden[k]
        run.pre.append(pre)
        if k < net.layers - 1:
            run.hidden.append(pre.applyfunc(act.apply))
    d_pre = 2 * (run.pre[-1] - net.y)
    run.d_pre = [d_pre]
    for k in reversed(range(net.layers)):
        gradient_omega = d_pre * run.hidden[k].T
        run.gradients.update(zip(net.beta(k), d_pre, strict=True))
        run.gradients.update(zip(net.omega(k), gradient_omega, strict=True))
        if k > 0:
            back = net.omega(k).xreplace(values).T * d_pre
            d_pre = sympy.Matrix(
                [slope(z) * b for z, b in zip(run.pre[k - 1], back, strict=True)]
            )
            run.d_pre.insert(0, d_pre)
    return run


def loss_at(
    net: Network, act: Function, values: Values, data: Values | None = None
) -> sympy.Expr:
    """The loss with ``values`` (and ``data``) put in as the network runs.

    Leaving one parameter out of ``values`` gives the loss along that
    parameter's axis: a small expression even for the largest networks.
    """
    data = data or {}
    hidden = net.x.xreplace(data)
    for k in range(net.layers):
        pre = net.beta(k).xreplace(values) + net.omega(k).xreplace(values) * hidden
        hidden = pre.applyfunc(act.apply)
    target = net.y.xreplace(data)
    return sum(((p - t) ** 2 for p, t in zip(pre, target, strict=True)), sympy.S.Zero)


def direct_gradient(
    net: Network,
    act: Function,
    values: Values,
    parameter: sympy.Symbol,
    data: Values | None = None,
) -> sympy.Expr:
    """dl/dparameter at ``values``, by differentiating the loss along that axis."""
    others = {p: v for p, v in values.items() if p != parameter}
    loss = loss_at(net, act, others, data)
    return sympy.diff(loss, parameter).xreplace({parameter: values[parameter]})


def zero_point(net: Network) -> Values:
    return {p: sympy.S.Zero for p in net.parameters}


# -- settings ----------------------------------------------------------------------


@dataclass(frozen=True)
class GradientClaim:
    activation: str
    wrt: str
    text: str
    value: sympy.Expr


@dataclass(frozen=True)
class ZeroInitSettings:
    widths: tuple[int, ...]
    activations: tuple[str, ...]
    steps: int
    claims: tuple[GradientClaim, ...] = ()


def build_zero_init(
    entry: dict[str, Any], v: Any, path: tuple[Any, ...]
) -> ZeroInitSettings:
    if entry.get("widths") is None:
        raise v.error(
            path,
            "Missing 'widths': the number of units in each layer, "
            "input first, for example [1, 2, 2, 1].",
        )
    widths = tuple(v.integers(entry, "widths", path, minimum=1, maximum=MAX_WIDTH))
    if not MIN_LAYERS <= len(widths) <= MAX_LAYERS:
        raise v.error(
            path + ("widths",),
            f"'widths' must list {MIN_LAYERS} to "
            f"{MAX_LAYERS} layer widths (input and "
            f"output included), not {len(widths)}.",
        )
    activations = choice_list(
        v, entry, "activations", path, ACTIVATIONS, len(ACTIVATIONS)
    )
    steps = v.integer(
        entry,
        "steps",
        path,
        default=min(len(widths) - 1, MAX_STEPS),
        minimum=0,
        maximum=MAX_STEPS,
    )
    net = Network(widths)
    parameters = [p.name for p in net.parameters]
    allowed = {s.name for s in list(net.x) + list(net.y)}
    claims = []
    for item, where in claim_list(v, entry, path, CLAIM_KEYS):
        activation = pick(v, item, where, "activation", activations)
        wrt = item.get("wrt")
        if not isinstance(wrt, str) or wrt not in parameters:
            raise v.error(
                where + ("wrt",) if "wrt" in item else where,
                f"The claim's 'wrt' must name a parameter of this network "
                f"({parameters[0]} ... {parameters[-1]}), not {wrt!r}."
                f"{nearest(str(wrt), set(parameters))}",
            )
        value = claim_expression(v, item, where, allowed)
        claims.append(GradientClaim(activation, wrt, str(item["value"]), value))
    return ZeroInitSettings(widths, activations, steps, tuple(claims))


# -- the report ----------------------------------------------------------------------


def _vector_tex(name: str, k: int | None = None) -> str:
    return rf"\mathbf{{{name}}}" + ("" if k is None else f"_{{{k}}}")


def _network_equations(report: Report, net: Network) -> None:
    K = net.layers - 1
    report.say(
        f"The network has layer widths {list(net.widths)}: "
        "$\\mathbf{f}_0 = \\boldsymbol{\\beta}_0 + \\boldsymbol{\\Omega}_0"
        "\\mathbf{x}$, $\\mathbf{h}_k = \\mathrm{a}[\\mathbf{f}_{k-1}]$ and "
        "$\\mathbf{f}_k = \\boldsymbol{\\beta}_k + \\boldsymbol{\\Omega}_k "
        f"\\mathbf{{h}}_k$ for $k = 1, \\ldots, {K}$, with output "
        f"$\\mathbf{{f}}_{K}$ and loss $l = \\sum_j (f_{{{K},j}} - y_j)^2$. "
        "The backpropagation equations are"
    )
    report.equations(
        Equation(
            f"dl/df_{K}",
            rf"\frac{{\partial l}}{{\partial \mathbf{{f}}_{K}}}",
            f"2 (f_{K} - y)",
            rhs_tex=rf"2(\mathbf{{f}}_{K} - \mathbf{{y}})",
        ),
        Equation(
            "dl/dbeta_k",
            r"\frac{\partial l}{\partial \boldsymbol{\beta}_k}",
            "dl/df_k",
            rhs_tex=r"\frac{\partial l}{\partial \mathbf{f}_k}",
        ),
        Equation(
            "dl/dOmega_k",
            r"\frac{\partial l}{\partial \boldsymbol{\Omega}_k}",
            "dl/df_k h_k^T",
            rhs_tex=r"\frac{\partial l}{\partial \mathbf{f}_k}\mathbf{h}_k^T",
        ),
        Equation(
            "dl/df_(k-1)",
            r"\frac{\partial l}{\partial \mathbf{f}_{k-1}}",
            "a'(f_(k-1)) * (Omega_k^T dl/df_k)",
            rhs_tex=r"\mathrm{a}'[\mathbf{f}_{k-1}] \odot \left("
            r"\boldsymbol{\Omega}_k^T \frac{\partial l}{\partial "
            r"\mathbf{f}_k}\right)",
        ),
    )


def _zero_pass(report: Report, net: Network, act: Function, run: Pass) -> None:
    zero = sympy.S.Zero
    report.say(
        f"**{act.name}.** At the zero point every pre-activation is $0$, "
        f"so every hidden unit outputs "
        f"${act.tex}[0] = {to_latex(act.apply(zero))}$ and the network "
        f"outputs $\\boldsymbol{{\\beta}}_{net.layers - 1} = \\mathbf{{0}}$. "
        "Forward and backward:"
    )
    K = net.layers - 1
    rows = [
        Equation(f"{act.name}(0)", f"{act.tex}[0]", act.apply(zero)),
        Equation(f"{act.name}'(0)", f"{act.tex}'[0]", act.derivative(zero)),
    ]
    for k in range(1, net.layers):
        rows.append(_vector_row(f"h_{k}", _vector_tex("h", k), run.hidden[k]))
    rows.append(_vector_row(f"f_{K}", _vector_tex("f", K), run.pre[K]))
    for k in reversed(range(net.layers)):
        rows.append(
            _vector_row(
                f"dl/df_{k}",
                rf"\frac{{\partial l}}{{\partial "
                rf"\mathbf{{f}}_{k}}}",
                run.d_pre[k],
            )
        )
    report.equations(*rows)


def _vector_row(text: str, tex: str, vector: sympy.Matrix) -> Equation:
    """A column vector: (a, b)^T in text, a bracketed column in LaTeX."""
    entries = ", ".join(to_text(e) for e in vector)
    return Equation(
        text,
        tex,
        f"({entries})^T" if len(vector) > 1 else entries,
        rhs_tex=to_latex(vector),
    )


def _gradient_table(
    report: Report, net: Network, act: Function, run: Pass, direct: Values
) -> list[str]:
    rows, moving = [], []
    for p in net.parameters:
        value = run.gradients[p]
        rows.append(
            [p.name, net.role(p.name), to_text(value), "no" if value == 0 else "yes"]
        )
        if value != 0:
            moving.append(p.name)
    report.say(
        "Every gradient at the zero point, by the backpropagation equations "
        "(and again by differentiating the loss along each parameter's axis):"
    )
    report.table(["parameter", "role", "gradient at 0", "moves"], rows)
    agree = all(same(run.gradients[p], direct[p]) for p in net.parameters)
    report.check(
        f"{act.name}: backpropagation and direct differentiation agree on "
        f"all {len(rows)} gradients at the zero point",
        f"{len(moving)} non-zero",
        agree,
    )
    return moving


def _expected_moving(net: Network, act: Function) -> list[str]:
    """Output biases always; output weights too when a[0] is not 0."""
    K = net.layers - 1
    names = [p.name for p in net.beta(K)]
    if act.apply(sympy.S.Zero) != 0:
        names += [p.name for p in net.omega(K)]
    return [p.name for p in net.parameters if p.name in names]


def _zero_checks(
    report: Report, net: Network, act: Function, run: Pass, moving: list[str]
) -> None:
    K = net.layers - 1
    output_bias = sympy.Matrix([run.gradients[p] for p in net.beta(K)])
    report.check(
        f"{act.name}: the output bias gets dl/dbeta_{K} = -2 (y - 0)",
        ", ".join(map(to_text, output_bias)),
        same(output_bias, -2 * (net.y - 0 * net.y)),
    )
    expected = _expected_moving(net, act)
    report.check(
        f"{act.name}: the non-zero gradients are the output biases"
        + ("" if act.apply(sympy.S.Zero) == 0 else " and output weights"),
        ", ".join(moving),
        moving == expected,
    )
    if act.name == "relu":
        c = sympy.Symbol("c", real=True)
        other = backprop(net, act, zero_point(net), slope_at_zero=c)
        unchanged = all(
            same(other.gradients[p], run.gradients[p]) for p in net.parameters
        )
        report.say(
            "The table does not depend on the value taken for "
            "$\\mathrm{ReLU}'[0]$: with $\\mathrm{ReLU}'[0] = c$ left "
            "symbolic, every entry is the same, because each factor "
            "$\\mathrm{ReLU}'[0]$ multiplies $\\boldsymbol{\\Omega}_k^T$, which "
            "is zero."
        )
        report.check(
            "relu: the gradients do not depend on ReLU'(0)",
            "the same with ReLU'(0) = c",
            unchanged,
        )


# -- gradient descent -------------------------------------------------------------


def descend(net: Network, act: Function, steps: int) -> list[Values]:
    """The parameters after 0, 1, ..., ``steps`` steps with learning rate alpha."""
    history = [zero_point(net)]
    for _ in range(steps):
        values = history[-1]
        gradients = backprop(net, act, values).gradients
        history.append({p: values[p] - alpha * gradients[p] for p in net.parameters})
    return history


def units(net: Network, k: int, values: Values, i: int) -> list[sympy.Expr]:
    """Everything that defines hidden unit i of h_k: its bias, its incoming
    weights and its outgoing weights."""
    incoming = list(net.omega(k - 1).row(i)) + [net.beta(k - 1)[i]]
    outgoing = list(net.omega(k).col(i))
    return [values[p] for p in incoming + outgoing]


def identical(a: list[sympy.Expr], b: list[sympy.Expr]) -> bool:
    if a == b:  # the same expression trees: the usual case
        return True
    try:
        with time_limit(COMPARE_SECONDS):
            return all(sympy.expand(x - y) == 0 for x, y in zip(a, b, strict=True))
    except OutOfTime:
        return False


def _symmetry(net: Network, history: list[Values]) -> list[bool]:
    """For each step: are all hidden units of every layer identical?"""
    result = []
    for values in history:
        same_units = all(
            identical(units(net, k, values, 0), units(net, k, values, i))
            for k in range(1, net.layers)
            for i in range(1, net.widths[k])
        )
        result.append(same_units)
    return result


NUMERIC: dict[str, Callable[[Any], Any]] = {
    "relu": lambda z: z if z > 0 else mpmath.mpf(0),
    "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
    "tanh": mpmath.tanh,
}
REPLAY_DIGITS = 60
REPLAY_STEP = mpmath.mpf(10) ** -20  # of the central differences
REPLAY_TOLERANCE = mpmath.mpf(10) ** -25  # their error is about step**2


def numeric_loss(net: Network, act: str, values: dict[str, Any]) -> Any:
    """The loss at ``values`` (name -> mpf), in plain mpmath arithmetic."""
    rule = NUMERIC[act]
    hidden = [_number(REPLAY_X)] * net.widths[0]
    for k in range(net.layers):
        pre = [
            values[f"beta{k}_{i + 1}"]
            + sum(values[f"omega{k}_{i + 1}{j + 1}"] * h for j, h in enumerate(hidden))
            for i in range(net.widths[k + 1])
        ]
        hidden = [rule(z) for z in pre]
    return sum((f - _number(REPLAY_Y)) ** 2 for f in pre)


def _number(value: sympy.Rational) -> Any:
    return mpmath.mpf(value.p) / value.q


def replay(net: Network, act: Function, steps: int) -> list[dict[str, Any]]:
    """The same steps with numbers, gradients by central differences.

    Nothing here uses SymPy's derivatives or the backpropagation code, so a
    mistake in either would show as a difference.
    """
    names = [p.name for p in net.parameters]
    with mpmath.workdps(REPLAY_DIGITS):
        rate = _number(REPLAY_RATE)
        values = {name: mpmath.mpf(0) for name in names}
        history = [values]
        for _ in range(steps):
            gradient = {}
            for name in names:
                up = dict(values, **{name: values[name] + REPLAY_STEP})
                down = dict(values, **{name: values[name] - REPLAY_STEP})
                change = numeric_loss(net, act.name, up) - numeric_loss(
                    net, act.name, down
                )
                gradient[name] = change / (2 * REPLAY_STEP)
            values = {name: values[name] - rate * gradient[name] for name in names}
            history.append(values)
    return history


def _descent(report: Report, net: Network, act: Function, steps: int) -> dict[str, Any]:
    history = descend(net, act, steps)
    symmetric = _symmetry(net, history)
    rows, moved = [], []
    for t, values in enumerate(history):
        moved.append(_moved(net, values))
        biases = [m.split("_")[1] for m in moved[-1] if m.startswith("beta")]
        weights = [m.split("_")[1] for m in moved[-1] if m.startswith("Omega")]
        rows.append(
            [
                str(t),
                ", ".join(biases) or "none",
                ", ".join(weights) or "none",
                "yes" if symmetric[t] else "no",
            ]
        )
    report.say(
        f"Now {steps} steps of gradient descent, "
        "$\\boldsymbol{\\phi} \\leftarrow \\boldsymbol{\\phi} - \\alpha\\, "
        "\\partial l/\\partial \\boldsymbol{\\phi}$, with a symbolic learning "
        "rate $\\alpha$ and the same symbolic $\\mathbf{x}$, $\\mathbf{y}$:"
    )
    report.say(
        "The table lists, after each step, the layers $k$ whose biases "
        "$\\boldsymbol{\\beta}_k$ and whose weights $\\boldsymbol{\\Omega}_k$ "
        "are no longer zero, and whether the hidden units of every layer "
        "are still identical copies of each other."
    )
    report.table(
        ["step", "biases moved (k)", "weights moved (k)", "units identical"], rows
    )
    _replay_check(report, net, act, history)
    report.check(
        f"{act.name}: after every step the hidden units of each layer have "
        "identical biases, incoming and outgoing weights",
        ", ".join("yes" if s else "no" for s in symmetric),
        all(symmetric),
    )
    result: dict[str, Any] = {"moved": moved, "units_identical": symmetric}
    if act.apply(sympy.S.Zero) == 0:
        result["output_bias"] = _frozen(report, net, act, history)
    else:
        _stuck_symmetric(report, net, act, history, moved)
    return result


def _moved(net: Network, values: Values) -> list[str]:
    """The parameter groups (beta_k, Omega_k) with some non-zero entry."""
    found = []
    for k in range(net.layers):
        for label, group in ((f"beta_{k}", net.beta(k)), (f"Omega_{k}", net.omega(k))):
            if any(values[p] != 0 for p in group):
                found.append(label)
    return found


def _replay_check(
    report: Report, net: Network, act: Function, history: list[Values]
) -> None:
    from gradsym.numeric import evaluate

    numbers = replay(net, act, len(history) - 1)
    memo: dict[sympy.Basic, Any] = {}  # the steps share most sub-expressions
    with mpmath.workdps(REPLAY_DIGITS):
        env = {s: _number(REPLAY_X) for s in net.x}
        env |= {s: _number(REPLAY_Y) for s in net.y}
        env[alpha] = _number(REPLAY_RATE)
        worst = mpmath.mpf(0)
        for symbolic, numeric in zip(history, numbers, strict=True):
            for p in net.parameters:
                value = evaluate(symbolic[p], env, memo)
                worst = max(worst, abs(value - numeric[p.name]))
    report.check(
        f"{act.name}: the symbolic steps match the same steps taken with "
        f"numbers (x = {REPLAY_X}, y = {REPLAY_Y}, alpha = {REPLAY_RATE}) "
        "and gradients by central differences",
        f"largest difference {float(worst):.1e}",
        worst < REPLAY_TOLERANCE,
        decided_by="numeric",
        points=len(history),
    )


def _frozen(
    report: Report, net: Network, act: Function, history: list[Values]
) -> list[str]:
    K = net.layers - 1
    steps = len(history) - 1
    values = [tidy(history[-1][p]) for p in net.beta(K)]
    shown = [
        Equation(
            f"beta{K}_{i + 1} after {_steps(steps)}",
            rf"\beta_{{{K},{i + 1}}}^{{({steps})}}",
            value,
        )
        for i, value in enumerate(values)
    ]
    report.say(
        f"Every hidden unit outputs ${act.tex}[0] = 0$, so "
        f"$\\partial l/\\partial \\boldsymbol{{\\Omega}}_{K} = \\partial l/"
        f"\\partial \\mathbf{{f}}_{K}\\,\\mathbf{{h}}_{K}^T = "
        "\\mathbf{0}$; and "
        f"$\\boldsymbol{{\\Omega}}_{K} = \\mathbf{{0}}$ blocks every gradient "
        "further back. Only the output bias moves, the point stays otherwise "
        "zero, and the same holds at the next step, forever. The output bias "
        "follows $\\beta \\leftarrow \\beta - 2\\alpha(\\beta - y)$, so after "
        "$t$ steps $\\beta = y(1 - (1 - 2\\alpha)^t)$: the network learns a "
        "constant and nothing else."
    )
    report.equations(*shown)
    expected = [t * (1 - (1 - 2 * alpha) ** steps) for t in net.y]
    report.check(
        f"{act.name}: after {steps} steps the output bias is "
        f"y (1 - (1 - 2 alpha)^{steps})",
        ", ".join(map(to_text, values)),
        all(same(v, e) for v, e in zip(values, expected, strict=True)),
    )
    others = [p for p in net.parameters if p not in set(net.beta(K))]
    report.check(
        f"{act.name}: every other parameter is still 0 after {steps} steps",
        "all zero" if all(history[-1][p] == 0 for p in others) else "some moved",
        all(history[-1][p] == 0 for p in others),
    )
    return [to_text(v) for v in values]


def _stuck_symmetric(
    report: Report,
    net: Network,
    act: Function,
    history: list[Values],
    moved: list[list[str]],
) -> None:
    K = net.layers - 1
    # After step t the top t weight layers have moved (beta_K alone can't lead).
    expected = [
        []
        if t == 0
        else [
            f"{g}_{k}"
            for k in range(net.layers)
            if k >= net.layers - t
            for g in ("beta", "Omega")
        ]
        for t in range(len(history))
    ]
    report.check(
        f"{act.name}: one more layer starts to move at each step, from the output down",
        " | ".join(", ".join(m) or "none" for m in moved),
        moved == expected,
    )
    report.say(
        f"Every hidden unit outputs ${act.tex}[0] = "
        f"{to_latex(act.apply(sympy.S.Zero))}$, so the output weights get the "
        f"gradient $-2\\mathbf{{y}}\\,\\mathbf{{h}}_{K}^T \\neq \\mathbf{{0}}$ "
        "and, one step later, the layers below start to move "
        "too, one layer per step. But all units of a hidden layer compute the same "
        "function of $\\mathbf{x}$ and meet the same outgoing weights, so they get "
        "the same gradients and stay identical after every step: swapping two of "
        "them maps the parameters to themselves, and gradient descent preserves "
        "that symmetry. The network trains, but as if each hidden layer had a single "
        "unit. A random initialisation is what breaks the symmetry."
    )
    if len(history) > 2:
        # Output unit 1 only: its bias and its weights from every unit of h_K.
        first = [net.beta(K)[0]] + list(net.omega(K).row(0))
        rows = [
            Equation(
                f"{p.name} after {_steps(t)}",
                _param_tex(p.name, t),
                tidy(history[t][p]),
            )
            for t in (1, 2)
            for p in first
        ]
        report.equations(*rows)


def _steps(count: int) -> str:
    return f"{count} step" + ("" if count == 1 else "s")


def _param_tex(name: str, step: int) -> str:
    stem, _, index = name.partition("_")
    letter = r"\beta" if stem.startswith("beta") else r"\omega"
    k = stem.lstrip("abegmot")
    return rf"{letter}_{{{k},{index}}}^{{({step})}}"


def _claims(report: Report, run: Pass, claims: list[GradientClaim]) -> None:
    for claim in claims:
        derived = run.gradients[symbol(claim.wrt)]
        report.check(
            f"{claim.activation}: the claimed dl/d{claim.wrt} at zero",
            derived,
            same(claim.value, derived),
            claimed=claim.text,
        )


def _verdict(report: Report, settings: ZeroInitSettings) -> None:
    report.say(
        "The published solution says that with all parameters zero the gradients "
        "are all zero and nothing is updated. That is wrong: the output bias always "
        "gets $\\partial l/\\partial \\boldsymbol{\\beta}_K = -2(\\mathbf{y} - "
        "\\mathbf{0})$, and with a sigmoid the output weights move too and the rest "
        "follow. It also says the sigmoid outputs zero at zero; it outputs 1/2. "
        "What does go wrong depends on $\\mathrm{a}[0]$: with ReLU or tanh "
        "($\\mathrm{a}[0] = 0$) only the output bias ever learns, and with the "
        "sigmoid the hidden units of each layer stay identical copies for good. "
        "Neither is a case of gradients that shrink layer by layer: the zeros are "
        "exact."
    )


def solve_zero_init(problem: Any) -> Report:
    settings: ZeroInitSettings = problem.settings
    net = Network(settings.widths)
    functions = _functions()
    report = Report(problem)
    _network_equations(report, net)
    results: dict[str, Any] = {}
    for name in settings.activations:
        act = functions[name]
        run = backprop(net, act, zero_point(net))
        direct = {
            p: direct_gradient(net, act, zero_point(net), p) for p in net.parameters
        }
        _zero_pass(report, net, act, run)
        moving = _gradient_table(report, net, act, run, direct)
        _zero_checks(report, net, act, run, moving)
        _claims(report, run, [c for c in settings.claims if c.activation == name])
        results[name] = {
            "gradients_at_zero": {
                p.name: to_text(run.gradients[p]) for p in net.parameters
            },
            "non_zero": moving,
        }
        if settings.steps:
            results[name]["descent"] = _descent(report, net, act, settings.steps)
    _verdict(report, settings)
    report.data = {"widths": list(settings.widths), "activations": results}
    return report


KINDS = {
    "zero-init": Kind(
        keys=("widths", "activations", "steps", "claims"),
        build=build_zero_init,
        solve=solve_zero_init,
        summary="Gradients at an all-zero initialisation, which parameters ever "
        "move, and the symmetry of hidden units under gradient descent.",
    ),
}
