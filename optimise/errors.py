"""Errors of the siting layer that the user can fix (the command line prints each as one line)."""

from __future__ import annotations

from geodata.errors import EarlyHelpError


class OptimiseError(EarlyHelpError):
    """Any failure of the siting layer that is the input's fault, not the code's."""


class InfeasiblePlan(OptimiseError):
    """The asked-for plan cannot exist (the message carries the numbers that rule it out)."""


class RuleError(OptimiseError):
    """A scenario's siting rule names something the geography does not have (a building id,
    more SPAs than exist); the command adds the scenario file's name."""

    def __init__(self, field: str, problem: str, expected: str) -> None:
        self.field, self.problem, self.expected = field, problem, expected
        super().__init__(f"{field}: {problem} (expected {expected})")
