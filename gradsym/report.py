"""Worked solutions of the problem kinds beyond scalar graphs.

A kind's ``solve`` returns a ``Report``: blocks of worked solution (prose,
aligned equations, tables, code) for the templates, the checks it made (each
a derived fact with its verdict), and plain data for JSON.  Rendering and
``gradsym check`` treat every kind's report alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy

from gradsym.equivalence import EQUIVALENT, NOT_EQUIVALENT, Verdict
from gradsym.limits import OutOfTime, time_limit

PROOF_SECONDS = 2.0


@dataclass(frozen=True)
class Paragraph:
    """Prose: Markdown with $...$ maths."""

    text: str
    kind: str = "paragraph"


@dataclass(frozen=True)
class Equation:
    """One aligned line: left side (as text and as LaTeX) = right side."""

    lhs_text: str
    lhs_tex: str
    rhs: sympy.Basic | str  # a str is shown as it is in every format
    rhs_tex: str | None = None  # LaTeX for a str right side


@dataclass(frozen=True)
class Equations:
    rows: tuple[Equation, ...]
    kind: str = "equations"


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    kind: str = "table"


@dataclass(frozen=True)
class Code:
    language: str
    text: str
    kind: str = "code"


Block = Paragraph | Equations | Table | Code


@dataclass(frozen=True)
class Check:
    """One fact gradsym established, and whether a claim about it holds.

    ``derived`` is gradsym's answer, ``claimed`` what a solution stated (or
    None when the check only confirms gradsym's own derivation two ways).
    """

    label: str
    derived: str
    verdict: Verdict
    claimed: str | None = None


@dataclass
class Report:
    problem: Any  # problems.KindProblem
    blocks: list[Block] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    kind = "report"

    @property
    def agree(self) -> bool:
        return all(check.verdict.holds for check in self.checks)

    claims_hold = agree

    # -- building ------------------------------------------------------------

    def say(self, text: str) -> None:
        self.blocks.append(Paragraph(text))

    def equations(self, *rows: Equation) -> None:
        self.blocks.append(Equations(tuple(rows)))

    def table(self, header: list[str], rows: list[list[Any]]) -> None:
        self.blocks.append(
            Table(tuple(header), tuple(tuple(str(c) for c in r) for r in rows))
        )

    def code(self, language: str, text: str) -> None:
        self.blocks.append(Code(language, text))

    def check(
        self,
        label: str,
        derived: Any,
        holds: bool,
        claimed: Any = None,
        decided_by: str = "symbolic",
        points: int = 0,
        note: str = "",
    ) -> Check:
        """Record a fact; ``holds`` says whether the claim (or cross-check) holds."""
        verdict = Verdict(
            EQUIVALENT if holds else NOT_EQUIVALENT, decided_by, points, note=note
        )
        made = Check(
            label, _text(derived), verdict, None if claimed is None else _text(claimed)
        )
        self.checks.append(made)
        return made

    def check_equal(
        self, label: str, derived: Any, expected: Any, claimed: Any = None
    ) -> Check:
        """Record that ``derived`` equals ``expected``, proved symbolically."""
        return self.check(label, derived, same(derived, expected), claimed=claimed)


def same(a: Any, b: Any) -> bool:
    """Symbolic equality of two expressions or matrices (time-limited)."""
    if isinstance(a, sympy.MatrixBase) or isinstance(b, sympy.MatrixBase):
        a, b = sympy.Matrix(a), sympy.Matrix(b)
        if a.shape != b.shape:
            return False
        return all(same(x, y) for x, y in zip(a, b, strict=True))
    # strict: never turn text into an expression (that would run it as Python)
    difference = sympy.sympify(a, strict=True) - sympy.sympify(b, strict=True)
    if difference == 0:
        return True
    try:
        with time_limit(PROOF_SECONDS):
            return bool(sympy.simplify(difference) == 0)
    except OutOfTime:
        return False


def _text(value: Any) -> str:
    from gradsym.printing import to_text

    if isinstance(value, sympy.Basic) and not isinstance(value, sympy.MatrixBase):
        return to_text(value)
    return str(value)
