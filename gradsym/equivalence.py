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

    def verdict(self, proof: Callable[[], sympy.Expr | None] | None = None) -> Verdict:
        """The verdict, with ``proof`` giving left - right as a number if it can."""
        if self.counterexample is not None:
            return Verdict(NOT_EQUIVALENT, "numeric", self.points, self.counterexample)
        constant = proof() if proof is not None else None
        if constant is not None and constant == 0:
            return Verdict(EQUIVALENT, "symbolic", self.points)
        if constant is not None:
            return Verdict(
                NOT_EQUIVALENT,
                "symbolic",
                self.points,
                note=f"the two sides differ by exactly {constant} everywhere",
            )
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


def constant_difference(
    difference: sympy.Expr, seconds: float = SIMPLIFY_SECONDS
) -> sympy.Expr | None:
    """``difference`` reduced to a number (0 proves the two sides equal, any
    other number proves them different), or None when not found in time."""
    if difference.is_number:
        return difference
    if sympy.count_ops(difference) > SYMBOLIC_MAX_OPS:
        return None
    try:
        with time_limit(seconds):
            for reduce in (sympy.expand, sympy.simplify):
                reduced = reduce(difference)
                if reduced.is_number:
                    return reduced
    except OutOfTime:
        return None
    except (TypeError, ValueError, NotImplementedError, RecursionError):
        return None
    return None
