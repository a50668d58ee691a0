"""Deciding whether two derivatives are the same function.

Stage one is numeric: both sides are evaluated at reproducible random points,
node by node through the graph, at 50 digits; points where either side has
no finite real value are skipped, and too few valid points leave the
question undecided.  A disagreement is a counterexample.  Stage two, for
expressions that agreed everywhere they were sampled, tries a symbolic
proof: first ``expand(a - b) == 0``, then SymPy's ``simplify`` under a time
limit, since simplify can run for a very long time (sympy issue 21787).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy

from gradsym.limits import OutOfTime, time_limit
from gradsym.numeric import Value, as_float, close

MIN_POINTS = 12  # valid points needed before a numeric verdict
SYMBOLIC_MAX_OPS = 600  # larger differences are left to the numeric stage
SIMPLIFY_SECONDS = 1.0

EQUIVALENT = "equivalent"
NOT_EQUIVALENT = "not-equivalent"
UNDECIDED = "undecided"


@dataclass(frozen=True)
class Counterexample:
    """A point where the two sides differ, and both values there."""

    point: dict[str, float]
    left: float
    right: float


@dataclass(frozen=True)
class Verdict:
    status: str  # EQUIVALENT, NOT_EQUIVALENT or UNDECIDED
    decided_by: str | None  # "symbolic" or "numeric"; None when undecided
    points: int  # valid points compared
    counterexample: Counterexample | None = None
    note: str = ""

    @property
    def holds(self) -> bool:
        return self.status == EQUIVALENT


class Tally:
    """Numeric evidence for one comparison, gathered point by point."""

    def __init__(self) -> None:
        self.points = 0
        self.skipped = 0
        self.counterexample: Counterexample | None = None

    def add(
        self, point: dict[str, Value], left: Value | None, right: Value | None
    ) -> None:
        if left is None or right is None:
            self.skipped += 1
            return
        self.points += 1
        if self.counterexample is None and not close(left, right):
            self.counterexample = Counterexample(
                {name: as_float(value) for name, value in point.items()},
                as_float(left),
                as_float(right),
            )

    def verdict(self, proof: Callable[[], bool] | None = None) -> Verdict:
        if self.counterexample is not None:
            return Verdict(NOT_EQUIVALENT, "numeric", self.points, self.counterexample)
        if proof is not None and proof():
            return Verdict(EQUIVALENT, "symbolic", self.points)
        if self.points < MIN_POINTS:
            return Verdict(
                UNDECIDED,
                None,
                self.points,
                note=(
                    f"only {self.points} of {self.points + self.skipped} points gave "
                    f"finite real values on both sides; {MIN_POINTS} are needed"
                ),
            )
        return Verdict(EQUIVALENT, "numeric", self.points)


def symbolically_zero(
    difference: sympy.Expr, seconds: float = SIMPLIFY_SECONDS
) -> bool:
    """True when ``difference`` is proven 0; False when not proven in time."""
    if difference == 0:
        return True
    if sympy.count_ops(difference) > SYMBOLIC_MAX_OPS:
        return False
    try:
        with time_limit(seconds):
            if sympy.expand(difference) == 0:
                return True
            return bool(sympy.simplify(difference) == 0)
    except OutOfTime:
        return False
    except (TypeError, ValueError, NotImplementedError, RecursionError):
        return False
