"""What a derivation produces: steps and results, as data for templates.

A sweep's steps are its chain-rule terms; the value of a step, written in
graph names, is resolved from them only when somebody asks for it.  Checks
never need it (they evaluate the terms point by point), so a deep graph is
checked in time linear in its size even though the written-out derivatives
of a chain of N layers hold N factors each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from gradsym.limits import OutOfTime, time_limit

MODES = ("direct", "reverse", "forward")
Pair = tuple[str, str]  # (of, wrt): the derivative d of / d wrt

MAX_WRITTEN_STEPS = 200  # longer sweeps show their chain-rule terms only
TIDY_MAX_OPS = 80  # beyond this, tidy() only pulls out common factors
TIDY_SECONDS = 0.5  # factor() of a high power can take very long


@dataclass(frozen=True)
class Term:
    """One chain-rule term: known derivative times local partial.

    ``known`` is a derivative established by an earlier step of the same
    sweep (an adjoint in reverse mode, a tangent in forward mode); ``local``
    is the partial of one node with respect to its neighbour, read off the
    graph, whose value is ``local_value`` and whose rule is ``rule``.
    """

    known: Pair
    local: Pair
    local_value: sympy.Expr
    rule: str


@dataclass(frozen=True, eq=False)
class Step:
    """d of / d wrt, as the sum of its chain-rule terms."""

    of: str
    wrt: str
    terms: tuple[Term, ...]
    sweep: Sweep = field(repr=False)

    @property
    def pair(self) -> Pair:
        return (self.of, self.wrt)

    @property
    def is_seed(self) -> bool:
        return not self.terms and self.of == self.wrt

    @property
    def value(self) -> sympy.Expr:
        """The derivative in graph names, tidied."""
        return self.sweep.value(self.pair)

    @property
    def written(self) -> sympy.Expr | None:
        """The value for a worked solution; None in a sweep too long to write
        out (its values would hold as many factors as the sweep has steps)."""
        return self.value if self.sweep.writable else None


class Sweep:
    """One pass of a mode: reverse from one node, or forward from one name."""

    def __init__(self, seed: str):
        self.seed = seed
        self.steps: list[Step] = []
        self._values: dict[Pair, sympy.Expr] = {}

    @property
    def writable(self) -> bool:
        return len(self.steps) <= MAX_WRITTEN_STEPS

    def add(self, of: str, wrt: str, terms: list[Term]) -> Step:
        step = Step(of, wrt, tuple(terms), self)
        self.steps.append(step)
        return step

    def value(self, pair: Pair) -> sympy.Expr:
        # Steps come in order, so every known factor is resolved before use.
        for step in self.steps:
            if pair in self._values:
                break
            if step.pair not in self._values:
                self._values[step.pair] = _resolve(step, self._values)
        return self._values.get(pair, sympy.S.Zero)


def _resolve(step: Step, values: dict[Pair, sympy.Expr]) -> sympy.Expr:
    if step.is_seed:
        return sympy.S.One
    return tidy(sympy.Add(*(values[t.known] * t.local_value for t in step.terms)))


@dataclass
class Derivation:
    """The result of one mode for a list of wanted derivatives."""

    mode: str
    sweeps: list[Sweep] = field(default_factory=list)
    expressions: dict[Pair, sympy.Expr] = field(default_factory=dict)  # direct
    direct_results: dict[Pair, sympy.Expr] = field(default_factory=dict)
    skipped: str | None = None  # why this mode was not run, if it was not

    def direct_groups(
        self,
    ) -> list[tuple[str, sympy.Expr, list[tuple[str, sympy.Expr]]]]:
        """Direct mode's work: each substituted expression once, with the
        derivatives taken of it, as (of, expression, [(wrt, derivative)])."""
        groups: dict[tuple[str, sympy.Expr], list[tuple[str, sympy.Expr]]] = {}
        for (of, wrt), expr in self.expressions.items():
            groups.setdefault((of, expr), []).append(
                (wrt, self.direct_results[(of, wrt)])
            )
        return [(of, expr, found) for (of, expr), found in groups.items()]

    def writable(self, pair: Pair) -> bool:
        """Whether the value of ``pair`` is small enough to write out."""
        seed = pair[0] if self.mode == "reverse" else pair[1]
        return all(s.writable for s in self.sweeps if s.seed == seed)

    def value(self, pair: Pair) -> sympy.Expr | None:
        """d of / d wrt as this mode found it; None if the mode was skipped."""
        if self.skipped:
            return None
        if self.mode == "direct":
            return self.direct_results[pair]
        seed = pair[0] if self.mode == "reverse" else pair[1]
        for sweep in self.sweeps:
            if sweep.seed == seed:
                return sweep.value(pair)
        raise KeyError(pair)


def tidy(expr: sympy.Expr) -> sympy.Expr:
    """A readable form of ``expr``: common factors pulled out, sums factored.

    ``factor`` is tried only on small expressions, as its cost grows fast.
    Products are left alone: their factors were tidied when they were made.
    """
    if not isinstance(expr, sympy.Add):
        return expr
    gathered = sympy.factor_terms(expr)
    if sympy.count_ops(gathered) > TIDY_MAX_OPS:
        return gathered
    try:
        with time_limit(TIDY_SECONDS):
            factored = sympy.factor(gathered)
    except (OutOfTime, sympy.PolynomialError, NotImplementedError, TypeError):
        return gathered
    if sympy.count_ops(factored) < sympy.count_ops(gathered):
        return factored
    return gathered
