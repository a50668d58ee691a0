"""Kind ``checkpointing``: gradient checkpointing on a deep chain network.

A network of ``layers`` scalar layers keeps, during the forward pass, only
the pre-activation of every ``every``-th layer.  The backward pass then runs
segment by segment from the last: it recomputes the segment's pre-activations
from the checkpoint that starts it and backpropagates through the segment.

The schedules are not described but executed: a small simulator runs plain
backpropagation and two checkpointed schedules on a real random network
(mpmath, 50 digits), counting every layer evaluation, every backward step and
the pre-activations held at once.  The counts are checked against closed
forms and the gradients of the schedules against each other (bit for bit)
and against a central difference.

Keys:
  layers      number of layers L, 2 to 200 (default 50)
  every       keep the pre-activation of every c-th layer; c divides L
              (default 10)
  activation  tanh or sin (default tanh)
  seed        seed of the random network, 0 to 2**31 - 1 (default 7)
  claims      optional mapping ``{stored: N, evaluations: N}``: answers about
              the checkpointed schedule to check (a wrong one fails)
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gradsym.kinds import Kind
from gradsym.report import Equation, Report

MAX_LAYERS = 200
MAX_SEED = 2**31 - 1
MAX_CLAIM = 1_000_000
DIGITS = 50  # mpmath precision of the test network
STEP = "1e-15"  # central-difference step; its error is about STEP**2
CLAIM_KEYS = ("stored", "evaluations")
ACTIVATIONS = ("tanh", "sin")
SHOWN_SEGMENTS = 12  # longer schedules are shown first and last rows only


@dataclass(frozen=True)
class Settings:
    layers: int
    every: int
    activation: str
    seed: int
    claims: tuple[tuple[str, int], ...] = ()


def build(entry: dict[str, Any], v: Any, path: tuple[Any, ...]) -> Settings:
    layers = v.integer(entry, "layers", path, default=50, minimum=2, maximum=MAX_LAYERS)
    every = v.integer(entry, "every", path, default=10, minimum=1, maximum=MAX_LAYERS)
    if layers % every:
        divisors = ", ".join(str(c) for c in _divisors(layers))
        raise v.error(
            path + ("every",),
            f"'every' must divide 'layers' ({layers}) so that all "
            f"segments have the same length, and {every} does not. "
            f"Use one of {divisors}.",
        )
    return Settings(
        layers=layers,
        every=every,
        activation=v.choice(entry, "activation", path, ACTIVATIONS, "tanh"),
        seed=v.integer(entry, "seed", path, default=7, minimum=0, maximum=MAX_SEED),
        claims=_claims(entry, v, path),
    )


def _claims(
    entry: dict[str, Any], v: Any, path: tuple[Any, ...]
) -> tuple[tuple[str, int], ...]:
    claims = entry.get("claims")
    if claims is None:
        return ()
    where = path + ("claims",)
    if not isinstance(claims, dict) or not claims:
        raise v.error(
            where, "'claims' must be a mapping such as {stored: 13, evaluations: 95}."
        )
    v.keys(claims, where, CLAIM_KEYS)
    return tuple(
        (key, v.integer(claims, key, where, minimum=0, maximum=MAX_CLAIM))
        for key in CLAIM_KEYS
        if key in claims
    )


def _divisors(number: int) -> list[int]:
    return [c for c in range(1, number + 1) if number % c == 0]


# -- the network ----------------------------------------------------------------


@dataclass(frozen=True)
class Network:
    """h_0 = x; f_k = beta_k + omega_k h_{k-1}; h_k = a[f_k]; l = (f_L - y)^2."""

    omega: tuple[Any, ...]  # omega[k] for k = 1..L (index 0 unused)
    beta: tuple[Any, ...]
    x: Any
    y: Any
    activation: Callable[[Any], Any]
    slope: Callable[[Any], Any]  # derivative of the activation

    @property
    def layers(self) -> int:
        return len(self.omega) - 1

    def hidden(self, k: int, f: Any) -> Any:
        """h_k from f_k (h_0 is the input x)."""
        return self.x if k == 0 else self.activation(f)

    def layer(self, k: int, f_before: Any) -> Any:
        """f_k from f_{k-1}: one forward layer evaluation."""
        return self.beta[k] + self.omega[k] * self.hidden(k - 1, f_before)

    def loss(self) -> Any:
        """The loss by a plain forward pass, independent of any schedule."""
        f = None
        for k in range(1, self.layers + 1):
            f = self.layer(k, f)
        return (f - self.y) ** 2


def random_network(layers: int, activation: str, seed: int) -> Network:
    """Random rational parameters, as mpmath numbers at the working precision."""
    import mpmath

    rng = random.Random(seed)

    def rational(bound: int) -> Any:
        return mpmath.mpf(rng.randint(-bound, bound)) / 100

    omega = (None,) + tuple(rational(150) for _ in range(layers))
    beta = (None,) + tuple(rational(50) for _ in range(layers))
    if activation == "tanh":
        act, slope = mpmath.tanh, lambda f: 1 - mpmath.tanh(f) ** 2
    else:
        act, slope = mpmath.sin, mpmath.cos
    return Network(omega, beta, rational(100), rational(100), act, slope)


def perturbed(net: Network, direction: dict[str, int], step: Any) -> Network:
    """The network with every parameter and x moved by step * direction."""
    L = net.layers
    return Network(
        (None,)
        + tuple(net.omega[k] + step * direction[f"omega_{k}"] for k in range(1, L + 1)),
        (None,)
        + tuple(net.beta[k] + step * direction[f"beta_{k}"] for k in range(1, L + 1)),
        net.x + step * direction["x"],
        net.y,
        net.activation,
        net.slope,
    )


# -- executing a schedule, counting work and memory --------------------------------


@dataclass
class Segment:
    """What the backward pass did for one segment (for the schedule table)."""

    first: int  # first layer of the segment
    last: int
    recomputed: int  # layer evaluations spent recomputing
    held: int  # pre-activations held once the segment is recomputed


@dataclass
class Run:
    """One schedule executed on a network.

    ``live`` holds the pre-activations f_k in memory; the input x and target y
    are data and the single travelling gradient dl/df_k is the same in every
    schedule, so neither is counted.  The peak is taken right after each
    evaluation, before anything is freed, so the working value counts too.
    """

    net: Network
    live: dict[int, Any] = field(default_factory=dict)
    evaluations: int = 0
    backward_steps: int = 0
    peak: int = 0
    gradient: dict[str, Any] = field(default_factory=dict)
    delta: Any = None  # dl/df_k for the next backward step
    position: int = 0  # k of that delta
    values: dict[int, list[Any]] = field(default_factory=dict)  # every f_k made
    segments: list[Segment] = field(default_factory=list)

    def evaluate(self, k: int) -> None:
        if k > 1 and k - 1 not in self.live:
            raise AssertionError(f"layer {k} evaluated without f_{k - 1} in memory")
        value = self.net.layer(k, self.live.get(k - 1))
        self.live[k] = value
        self.values.setdefault(k, []).append(value)
        self.evaluations += 1
        self.peak = max(self.peak, len(self.live))

    def free(self, k: int) -> None:
        del self.live[k]

    def start_backward(self) -> None:
        """dl/df_L = 2 (f_L - y), made as soon as the forward pass ends."""
        self.delta = 2 * (self.live[self.net.layers] - self.net.y)
        self.position = self.net.layers

    def backward(self, k: int) -> None:
        """One backward step through layer k; it needs f_{k-1} (or x)."""
        if k != self.position or (k > 1 and k - 1 not in self.live):
            raise AssertionError(f"backward step {k} without its inputs")
        f_before = self.live.get(k - 1)
        self.gradient[f"beta_{k}"] = self.delta
        self.gradient[f"omega_{k}"] = self.delta * self.net.hidden(k - 1, f_before)
        if k == 1:
            self.gradient["x"] = self.delta * self.net.omega[1]
        else:
            self.delta = self.delta * self.net.omega[k] * self.net.slope(f_before)
        self.position = k - 1
        self.backward_steps += 1


def plain(net: Network) -> Run:
    """Ordinary backpropagation: keep every pre-activation."""
    run, L = Run(net), net.layers
    for k in range(1, L + 1):
        run.evaluate(k)
    run.start_backward()
    for k in range(L, 0, -1):
        run.backward(k)
        run.free(k)  # f_k is not needed once the step through layer k is done
    return run


def checkpointed(net: Network, every: int, keep_last: bool = False) -> Run:
    """Keep every ``every``-th pre-activation; recompute segments backwards.

    With ``keep_last`` the forward pass keeps the last segment's values, since
    the backward pass starts there at once and would only recompute them.
    """
    run, L = Run(net), net.layers
    for k in range(1, L + 1):
        run.evaluate(k)
        before = k - 1
        kept = before % every == 0 or (keep_last and before > L - every)
        if before >= 1 and not kept:
            run.free(before)
    run.start_backward()
    run.free(L)  # f_L served only the loss; its gradient is now in hand
    for segment in range(L // every, 0, -1):
        first, last = (segment - 1) * every + 1, segment * every
        recomputed = run.evaluations
        if not (keep_last and last == L):
            for k in range(first, last):  # f_last itself is never needed
                run.evaluate(k)
        run.segments.append(
            Segment(first, last, run.evaluations - recomputed, len(run.live))
        )
        for k in range(last, first - 1, -1):
            run.backward(k)
            if k > 1:
                run.free(k - 1)
    return run


# -- closed forms --------------------------------------------------------------


def closed_form(layers: int, every: int, keep_last: bool = False) -> tuple[int, int]:
    """(values held at most, forward evaluations) of a checkpointed schedule.

    n = L/c segments.  Each segment recomputes its first c - 1 pre-activations
    (the last one's output is never needed), so evaluations = L + n(c - 1) =
    2L - n.  While segment j is recomputed, the j - 1 checkpoints below it and
    its c - 1 values are held: at most n + c - 2.  The forward pass holds at
    most the n - 1 checkpoints, f_{L-1} and f_L (n + 1), and with c = 1
    everything (L).  Keeping the last segment saves its c - 1 evaluations but
    holds it together with f_L and the n - 1 checkpoints: n + c - 1.
    """
    n = layers // every
    if keep_last:
        return n + every - 1, 2 * layers - n - (every - 1)
    peak = layers if every == 1 else n - 1 + max(2, every - 1)
    return peak, 2 * layers - n


# -- the report ---------------------------------------------------------------


def solve(problem: Any) -> Report:
    import mpmath

    s: Settings = problem.settings
    report = Report(problem)
    with mpmath.workdps(DIGITS):
        net = random_network(s.layers, s.activation, s.seed)
        runs = {
            "plain": plain(net),
            "checkpointed": checkpointed(net, s.every),
            "keep-last": checkpointed(net, s.every, keep_last=True),
        }
        _explain(report, s)
        _schedule(report, s, runs["checkpointed"])
        _counts(report, s, runs)
        _intervals(report, s)
        _gradients(report, s, net, runs)
        _claimed(report, s, runs["checkpointed"])
    _published(report, s, runs["checkpointed"])
    return report


def _published(report: Report, s: Settings, run: Run) -> None:
    report.say(
        "The published solution describes checkpointing only in general terms "
        "(store some states, recompute the others when needed). It leaves out "
        "what makes the method work: the backward pass recomputes one segment "
        "at a time, from the last, starting from the checkpoint below it; the "
        f"cost, here {run.peak} values held instead of {s.layers} for "
        f"{run.evaluations} forward evaluations instead of {s.layers}; and "
        "the reason the gradients are exactly those of plain backpropagation."
    )


def _explain(report: Report, s: Settings) -> None:
    L, c = s.layers, s.every
    report.say(
        f"Take a chain of $L = {L}$ layers with one unit each (with wider layers "
        "every count below counts vectors instead of numbers). Layer $k$ turns "
        "the previous activation into its pre-activation, and the hidden "
        f"layers apply the activation $\\mathrm{{a}}[\\bullet] = \\{s.activation}"
        "[\\bullet]$:"
    )
    report.equations(
        Equation("h_0", "h_0", "x"),
        Equation(
            "f_k",
            "f_k",
            "beta_k + omega_k h_{k-1}  (k = 1..L)",
            r"\beta_k + \omega_k h_{k-1} \quad (k = 1, \ldots, L)",
        ),
        Equation(
            "h_k",
            "h_k",
            "a[f_k]  (k = 1..L-1)",
            r"\mathrm{a}[f_k] \quad (k = 1, \ldots, L-1)",
        ),
        Equation("l", "l", "(f_L - y)^2", r"(f_L - y)^2"),
    )
    report.say(
        "The backward step through layer $k$ takes $\\partial l/\\partial f_k$ "
        "and returns"
    )
    report.equations(
        Equation(
            "dl/dbeta_k",
            r"\frac{\partial l}{\partial \beta_k}",
            "dl/df_k",
            r"\frac{\partial l}{\partial f_k}",
        ),
        Equation(
            "dl/domega_k",
            r"\frac{\partial l}{\partial \omega_k}",
            "dl/df_k * h_{k-1}",
            r"\frac{\partial l}{\partial f_k} h_{k-1}",
        ),
        Equation(
            "dl/df_{k-1}",
            r"\frac{\partial l}{\partial f_{k-1}}",
            "dl/df_k * omega_k * a'[f_{k-1}]",
            r"\frac{\partial l}{\partial f_k} \omega_k "
            r"\frac{\partial \mathrm{a}[f_{k-1}]}{\partial f_{k-1}}",
        ),
    )
    report.say(
        "so it needs exactly one stored value, the pre-activation $f_{k-1}$ "
        "below the layer ($h_{k-1} = \\mathrm{a}[f_{k-1}]$ and the slope are "
        "recomputed from it; for $k = 1$ it needs only the input $x$). Plain "
        f"backpropagation therefore keeps all {L} pre-activations. With "
        f"checkpointing the forward pass {_kept(L, c)} as soon as the next "
        "layer has used it; "
        f"$f_{{{L}}}$ is needed only to compute $\\partial l/\\partial "
        f"f_{{{L}}} = 2(f_{{{L}}} - y)$ at the end of the forward pass, after "
        f"which it is dropped too. This leaves {_count(L // c - 1, 'checkpoint')}, "
        f"dividing the network into {_count(L // c, 'segment')} of "
        f"{_count(c, 'layer')}."
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _kept(L: int, c: int) -> str:
    """What the forward pass keeps: the checkpoints f_c, f_2c, ..., f_(n-1)c."""
    names = [f"f_{{{k}}}" for k in range(c, L, c)]
    if not names:
        return "keeps no checkpoint: it throws each pre-activation away"
    if len(names) <= 3:
        kept = " and ".join(f"${name}$" for name in names)
    else:
        kept = f"${names[0]}, {names[1]}, \\ldots, {names[-1]}$"
    return f"keeps only {kept} and throws each other pre-activation away"


def _schedule(report: Report, s: Settings, run: Run) -> None:
    c = s.every
    report.say(
        "The backward pass then works through the segments from the last to the "
        "first. For each segment it (1) recomputes the pre-activations inside "
        "the segment by running the forward pass again from the checkpoint "
        "that starts it (the input $x$ for the first segment), keeping them "
        "all; (2) backpropagates through the segment's layers from its last to "
        "its first, freeing each pre-activation once the step above it is "
        "done, the checkpoint last. The gradient that leaves the bottom of a "
        "segment is the one that enters the top of the segment below. Only "
        f"$c - 1 = {c - 1}$ values per segment are recomputed, not {c}: the "
        "output of a segment's last layer is never needed, because the gradient "
        "with respect to it arrives from the segment above (or from the loss)."
    )
    rows = []
    for number, seg in enumerate(run.segments, start=1):
        start = "x" if seg.first == 1 else f"f_{seg.first - 1}"
        inside = (
            f"f_{seg.first}..f_{seg.last - 1}"
            if seg.last - 1 > seg.first
            else f"f_{seg.first}"
            if seg.last - 1 == seg.first
            else "none"
        )
        rows.append(
            [
                str(number),
                f"{seg.first}-{seg.last}",
                start,
                inside,
                str(seg.recomputed),
                str(seg.held),
            ]
        )
    if len(rows) > SHOWN_SEGMENTS:
        half = SHOWN_SEGMENTS // 2
        rows = rows[:half] + [["..."] * 6] + rows[-half:]
    report.say(
        "The schedule, step by step (held: the values in memory once the "
        "segment is recomputed; the backward steps through the segment "
        "then free them one by one):"
    )
    report.table(
        ["step", "layers", "restart from", "recompute", "evaluations", "held"], rows
    )


def _counts(report: Report, s: Settings, runs: dict[str, Run]) -> None:
    L, c = s.layers, s.every
    n = L // c
    names = {
        "plain": "plain backpropagation",
        "checkpointed": f"checkpoints every {c}",
        "keep-last": "the same, last segment kept",
    }
    report.say("Against plain backpropagation:")
    report.table(
        ["method", "stored at most", "forward evals", "backward steps"],
        [
            [names[key], run.peak, run.evaluations, run.backward_steps]
            for key, run in runs.items()
        ],
    )
    report.say(_cost_text(L, c, runs["checkpointed"], runs["keep-last"]))
    peak = closed_form(L, c)[0]
    report.equations(
        Equation(
            "evaluations",
            r"\text{evaluations}",
            f"2L - L/c = {2 * L - n}",
            rf"L + \tfrac{{L}}{{c}}(c - 1) = 2L - \tfrac{{L}}{{c}} = "
            rf"{2 * L - n}",
        ),
        Equation(
            "values stored at most",
            r"\text{values stored at most}",
            f"L/c + c - 2 = {peak}" if c > 2 else str(peak),
            rf"\tfrac{{L}}{{c}} + c - 2 = {peak}" if c > 2 else str(peak),
        ),
    )
    _count_checks(report, s, runs)
    report.data.update(
        {
            "layers": L,
            "every": c,
            "segments": n,
            "methods": {
                key: {
                    "stored_at_most": run.peak,
                    "evaluations": run.evaluations,
                    "backward_steps": run.backward_steps,
                }
                for key, run in runs.items()
            },
            "schedule": [
                {
                    "layers": [seg.first, seg.last],
                    "recomputed": seg.recomputed,
                    "held": seg.held,
                }
                for seg in runs["checkpointed"].segments
            ],
        }
    )


def _cost_text(L: int, c: int, ckpt: Run, keep: Run) -> str:
    """What checkpointing costs and saves, from the executed counts."""
    n, extra = L // c, ckpt.evaluations - L
    text = (
        "The counts come from executing the schedules. A value stored is a "
        "pre-activation in memory, counted right after each layer evaluation "
        "(so the value just computed counts); the input $x$, the target $y$ "
        "and the one gradient $\\partial l/\\partial f_k$ travelling down are "
        "the same in every schedule and are left out. Checkpointing does the "
        f"forward pass once ({L} evaluations) and recomputes $c - 1$ values in "
        f"each of the $n = L/c = {n}$ segments, $L + n(c-1) = 2L - n = "
        f"{2 * L - n}$ evaluations in all: {extra} extra, "
        f"{100 * extra / L:.0f}% more forward work. A backward step costs one "
        "to two forward evaluations, so a whole training step costs "
        f"{100 * extra / (3 * L):.0f}% to {100 * extra / (2 * L):.0f}% more. "
        + _peak_text(L, c, ckpt.peak)
    )
    if c == 1:
        return text
    return (
        text + " The last segment need not be thrown away and recomputed: the "
        "backward pass starts there at once. Keeping it saves "
        f"{_count(ckpt.evaluations - keep.evaluations, 'evaluation')} "
        f"({keep.evaluations} in all) and holds at most {keep.peak} values"
        + (
            f", one more, because $f_{{{L}}}$ is then held together with the "
            "whole segment."
            if keep.peak > ckpt.peak
            else "."
        )
    )


def _count_checks(report: Report, s: Settings, runs: dict[str, Run]) -> None:
    """Each executed schedule's counts against its closed forms."""
    L, c = s.layers, s.every
    expected = {
        "plain": (L, L),
        "checkpointed": closed_form(L, c),
        "keep-last": closed_form(L, c, keep_last=True),
    }
    labels = {
        "plain": "plain backpropagation",
        "checkpointed": f"checkpointing every {c}",
        "keep-last": f"checkpointing every {c}, keeping the last segment",
    }
    for key, run in runs.items():
        counts = (run.peak, run.evaluations, run.backward_steps)
        report.check(
            f"{labels[key]}: simulated counts equal the closed forms "
            "(values stored at most, forward evaluations, backward steps)",
            ", ".join(str(count) for count in counts),
            counts == (*expected[key], L),
            decided_by="symbolic",
        )


def _peak_text(L: int, c: int, peak: int) -> str:
    """Where the memory peaks, in words, for the three regimes of c."""
    n = L // c
    if c == 1:
        return (
            "Every pre-activation is a checkpoint, so nothing is recomputed "
            f"and the schedule is plain backpropagation: {peak} values."
        )
    if c == 2:
        return (
            f"Memory peaks at the end of the forward pass: the $n - 1 = "
            f"{n - 1}$ checkpoints with $f_{{{L - 1}}}$ and $f_{{{L}}}$, "
            f"$n + 1 = {peak}$ values instead of {L} (a recomputed segment "
            "adds only one value to the checkpoints below it)."
        )
    return (
        f"Memory peaks while the last segment is recomputed: the $n - 1 = "
        f"{n - 1}$ checkpoints below it plus its $c - 1 = {c - 1}$ recomputed "
        "values, $n + c - 2 = "
        f"{peak}$ instead of {L} (the forward pass itself never holds more "
        "than the checkpoints and two working values, $n + 1$)."
    )


def _intervals(report: Report, s: Settings) -> None:
    """The same counts for every interval that divides L, by simulation."""
    L = s.layers
    net = random_network(L, s.activation, s.seed)
    rows, agree, found = [], True, []
    for c in _divisors(L):
        ckpt, keep = checkpointed(net, c), checkpointed(net, c, keep_last=True)
        agree &= (ckpt.peak, ckpt.evaluations) == closed_form(L, c)
        agree &= (keep.peak, keep.evaluations) == closed_form(L, c, True)
        rows.append(
            [c, L // c - 1, ckpt.peak, ckpt.evaluations, keep.peak, keep.evaluations]
        )
        found.append(
            {
                "every": c,
                "stored_at_most": ckpt.peak,
                "evaluations": ckpt.evaluations,
                "keep_last": {
                    "stored_at_most": keep.peak,
                    "evaluations": keep.evaluations,
                },
            }
        )
    report.say(f"Every interval that divides $L = {L}$, executed the same way:")
    report.table(
        [
            "every",
            "checkpoints",
            "stored",
            "evals",
            "stored (last kept)",
            "evals (last kept)",
        ],
        rows,
    )
    best = min(rows, key=lambda row: (row[2], row[3]))
    report.say(
        "The peak $L/c + c - 2$ is smallest near $c = \\sqrt{L}$ "
        f"$(\\sqrt{{{L}}} \\approx {L**0.5:.1f})$. Among the divisors the "
        f"best is every {best[0]}: {best[2]} values and {best[3]} evaluations"
        + (
            f", so checkpointing every {s.every} is not the best choice for {L} layers."
            if best[0] != s.every
            else "."
        )
    )
    report.check(
        "the closed forms hold for every interval dividing L (both schedules)",
        f"{len(rows)} intervals",
        agree,
    )
    report.data["intervals"] = found


def _gradients(report: Report, s: Settings, net: Network, runs: dict[str, Run]) -> None:
    reference = runs["plain"].gradient
    report.say(
        "The gradients are not just close but identical. Recomputing $f_k$ "
        "evaluates $\\beta_k + \\omega_k \\mathrm{a}[f_{k-1}]$ with the same "
        "operations, in the same order, on the same operands as the forward "
        "pass did; by induction from the checkpoint (a stored copy of a value "
        "from that same forward pass) every recomputed value is the same "
        "number, bit for bit, and so every backward step receives the same "
        "inputs as in plain backpropagation. To confirm it, gradsym builds the "
        f"{s.layers}-layer network above with random rational parameters "
        f"(seed {s.seed}), executes the three schedules in {DIGITS}-digit "
        f"arithmetic and compares all {len(reference)} derivatives (every "
        "$\\omega_k$, every $\\beta_k$ and $x$). In a real framework this also "
        "needs any randomness replayed: a dropout layer inside a segment must "
        "draw the same mask when it is recomputed, which is why PyTorch's "
        "torch.utils.checkpoint saves and restores the random number "
        "generator's state."
    )
    for key in ("checkpointed", "keep-last"):
        gradient = runs[key].gradient
        same = gradient.keys() == reference.keys() and all(
            gradient[name] == reference[name] for name in reference
        )
        report.check(
            f"{key} gradient equals plain backpropagation's bit for bit",
            f"{len(gradient)} derivatives",
            same,
            decided_by="numeric",
            points=1,
        )
    _recomputed(report, runs["checkpointed"])
    _central_difference(report, net, reference, random.Random(s.seed + 1))
    report.data["gradient"] = {name: float(value) for name, value in reference.items()}


def _central_difference(
    report: Report, net: Network, gradient: dict[str, Any], rng: random.Random
) -> None:
    """The gradient against the loss itself: a directional central difference."""
    import mpmath

    direction = {name: rng.choice((-1, 1)) for name in gradient}
    step = mpmath.mpf(STEP)
    difference = (
        perturbed(net, direction, step).loss() - perturbed(net, direction, -step).loss()
    ) / (2 * step)
    slope = mpmath.fsum(gradient[name] * direction[name] for name in gradient)
    error = abs(difference - slope)
    report.check(
        "the gradient matches a central difference along a random +-1 direction",
        f"{mpmath.nstr(slope, 15)} (difference {mpmath.nstr(error, 3)})",
        error <= mpmath.mpf("1e-20") * max(1, abs(slope)),
        decided_by="numeric",
        points=1,
    )


def _recomputed(report: Report, run: Run) -> None:
    """Every recomputed pre-activation equals the forward pass's value."""
    again = [(k, values) for k, values in run.values.items() if len(values) > 1]
    same = all(value == values[0] for _, values in again for value in values)
    report.check(
        "every recomputed pre-activation equals its forward-pass value",
        f"{sum(len(values) - 1 for _, values in again)} recomputed",
        same,
        decided_by="numeric",
        points=1,
    )


def _claimed(report: Report, s: Settings, run: Run) -> None:
    derived = {"stored": run.peak, "evaluations": run.evaluations}
    what = {"stored": "values stored at most", "evaluations": "forward evaluations"}
    for key, value in s.claims:
        report.check(
            f"claimed {what[key]} with checkpointing every {s.every}",
            derived[key],
            derived[key] == value,
            claimed=value,
        )


KINDS = {
    "checkpointing": Kind(
        keys=("layers", "every", "activation", "seed", "claims"),
        build=build,
        solve=solve,
        summary="Gradient checkpointing: schedule, memory and work, executed and "
        "checked on a deep network",
    ),
}
