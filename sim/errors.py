"""Errors of the simulation layer that the user can fix (the command line prints each as one line)."""

from __future__ import annotations

from geodata.errors import EarlyHelpError


class SimulationError(EarlyHelpError):
    """Any failure of the simulation that is the input's fault, not the code's."""
