"""The package's errors: one base type, one subclass per source of trouble."""

from __future__ import annotations


class GradsymError(Exception):
    """Base of every error gradsym raises on purpose; the CLI exits 2 on it."""


class ExpressionError(GradsymError):
    """An expression could not be parsed: carries the text and the column."""

    def __init__(self, message: str, text: str = "", column: int | None = None):
        self.reason = message
        self.text = text
        self.column = column  # 1-based, into ``text``
        super().__init__(self._format())

    def _format(self) -> str:
        if self.column is None:
            return self.reason
        return f"{self.reason} (column {self.column} of {self.text!r})"


class ProblemFileError(GradsymError):
    """A problem file is malformed: carries file, problem id, line and column."""

    def __init__(
        self,
        message: str,
        file: str | None = None,
        problem: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ):
        self.reason = message
        self.file = file
        self.problem = problem
        self.line = line
        self.column = column
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file:
            place = self.file
            if self.line is not None:
                place += f":{self.line}"
                if self.column is not None:
                    place += f":{self.column}"
            where.append(place)
        if self.problem is not None:
            where.append(f"problem {self.problem}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class LimitError(GradsymError):
    """Input asked for more work than gradsym's documented limits allow."""


class UsageError(GradsymError):
    """A command-line value (an id, a --claim, an --at point) is not usable."""
