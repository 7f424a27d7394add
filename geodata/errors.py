"""Errors and warnings a user can act on: each names the file, the row and field, and what was expected.

Every layer (geography, siting, simulation, results) raises a subclass of :class:`EarlyHelpError`
for a failure that is the input's fault, not the code's; the command line prints it as one line
and exits with code 2. A problem the run can live with is a :class:`EarlyHelpWarning` issued with
:func:`warnings.warn`; the command line prints each once as one line.
"""

from __future__ import annotations

from pathlib import Path


class EarlyHelpError(Exception):
    """A failure the user can fix (bad input, a folder that must not be touched); exit code 2."""


class EarlyHelpWarning(UserWarning):
    """Something the run worked around and the user should know (printed once, one line)."""


class GeodataError(EarlyHelpError):
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


def one_line(exc: Exception) -> str:
    """A refusal as the one line the user reads; pydantic's errors name the parameter and rule."""
    errors = getattr(exc, "errors", None)
    if callable(errors) and type(exc).__name__ == "ValidationError":
        parts = []
        for error in errors():
            rule = error["msg"].removeprefix("Value error, ")
            where = ".".join(map(str, error["loc"]))
            parts.append(f"parameter '{where}': {rule}" if where else rule)
        return "; ".join(parts)
    return " ".join(str(exc).split())
