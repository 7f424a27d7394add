"""Errors a user can act on: each names the file, the row and field, and what was expected."""

from __future__ import annotations

from pathlib import Path


class GeodataError(Exception):
    """Any failure of the geography layer that is the input's fault, not the code's."""


class InputError(GeodataError):
    """A user file (or the embedded data) does not hold what the model needs."""

    def __init__(
        self,
        file: str | Path,
        problem: str,
        *,
        field: str | None = None,
        row: int | None = None,
        expected: str | None = None,
    ) -> None:
        self.file = str(file)
        self.field = field
        self.row = row
        self.expected = expected
        self.problem = problem
        where = [self.file]
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        message = f"{', '.join(where)}: {problem}"
        if expected:
            message += f" (expected {expected})"
        super().__init__(message)
