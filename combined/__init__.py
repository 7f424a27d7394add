"""The combined model: the simulation steering the programme (issue 14).

- :mod:`combined.surrogate`: each SPA's wait as a queue for caseload places, calibrated to the
  simulation;
- :mod:`combined.balance`: staff where the waits are, the programme allocating frontline FTE and
  the simulation measuring the waits, in turn, until the target is met or no move helps.
"""

from combined.balance import Balance, BalanceIteration, balance_staff

__all__ = ["Balance", "BalanceIteration", "balance_staff"]
