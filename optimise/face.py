r"""Which centres every best plan shares: the optimal face of the first objective.

The later objectives (need reached by a centre or a venue, 2015 buildings kept, cost) are
solved with the first one held at its optimum ``Z*``. On the county almost every candidate is
open in every plan that reaches ``Z*``, or closed in every one; only a handful of ties (two
buildings with the same walking catchment, a centre whose catchment others cover) can swap.
A later objective solved over all 650 or 756 candidates spends most of its time proving that
no other centre could open (its root cutting planes over a model of 10,000 rows); with the
others fixed at the values every best plan shares, it is proven in well under a second.

The fixing is proven, not guessed. With ``y*`` the first plan and ``F`` the candidates held
fixed, the programme::

    the rules,   c @ x >= Z* - slack   (the same hold the later tiers use)
    sum_{j in F, y*_j = 1} (1 - y_j) + sum_{j in F, y*_j = 0} y_j >= 1   (one of F differs)

is solved: if no plan meets it, every plan that holds the first objective agrees with ``y*``
on ``F``, and fixing them changes no later optimum. If a plan meets it, the candidates where
it differs leave ``F`` and the question is asked again. :func:`swap_ties` first finds the
single swaps (close one centre, open another) that keep ``Z*`` and the SPA limits, so that the
programme is usually asked once, and its answer is "no plan".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, diags

from optimise.solve import INFEASIBLE, MipModel, Rows, solve_mip, stack_rows

#: At most this many programmes are solved to find the face; if it is still not proven, the
#: later tiers are solved over every candidate, as without the face (exact, only slower).
MAX_FACE_SOLVES = 6


@dataclass(frozen=True)
class Face:
    """``fixed`` marks the candidates whose centre status ``centres`` holds in every plan that
    keeps the first objective; ``solves`` programmes took ``seconds`` to prove it."""

    fixed: NDArray[np.bool_]
    centres: NDArray[np.bool_]
    solves: int
    seconds: float

    @property
    def n_free(self) -> int:
        return int((~self.fixed).sum())


def swap_ties(reach: csr_matrix, need: NDArray[np.float64], centres: NDArray[np.bool_],
              candidate_spa: NDArray[np.int64], spa_limits: NDArray[np.int64],
              slack: float) -> NDArray[np.bool_]:
    """Candidates in a single swap that loses at most ``slack`` need reached by a centre:
    close open centre j and open candidate k, in the same SPA or between SPAs whose limits
    allow it. ``reach`` is groups x candidates, ``need`` per group.

    The loss of closing j is the need only j reaches; opening k then gains the need k reaches
    that no centre reaches, plus what of j's own it reaches: one sparse product for all pairs.
    """
    matrix = csr_matrix(reach, dtype=float)
    covering = np.asarray(matrix @ centres.astype(float)).ravel()
    open_ = np.flatnonzero(centres)
    alone = need * (covering == 1)
    own = matrix[:, open_]
    loss = np.asarray(own.T @ alone).ravel()
    gain = np.asarray(matrix.T @ (need * (covering == 0))).ravel()
    regained = (own.T @ diags(alone) @ matrix).toarray()
    change = regained - loss[:, None] + gain[None, :]
    count = np.bincount(candidate_spa[centres], minlength=len(spa_limits))
    spa_j, spa_k = candidate_spa[open_], candidate_spa
    allowed = (spa_j[:, None] == spa_k[None, :]) | (
        (count[spa_j] > spa_limits[spa_j, 0])[:, None] & (count[spa_k] < spa_limits[spa_k, 1])[None, :])
    ties = (change >= -slack) & allowed & ~centres[None, :]
    free = np.zeros(len(centres), dtype=bool)
    free[open_[ties.any(axis=1)]] = True
    return free | ties.any(axis=0)


def differ_row(n_columns: int, y: slice, centres: NDArray[np.bool_],
               fixed: NDArray[np.bool_]) -> Rows:
    """``sum_{j in F, open} (1 - y_j) + sum_{j in F, closed} y_j >= 1``: one fixed candidate
    differs from ``centres``."""
    row = np.zeros((1, n_columns))
    held = np.flatnonzero(fixed)
    row[0, y.start + held] = np.where(centres[held], -1.0, 1.0)
    return Rows(csr_matrix(row), np.array([1.0 - float(centres[held].sum())]),
                np.array([np.inf]))


def prove_face(held: MipModel, y: slice, centres: NDArray[np.bool_], free: NDArray[np.bool_],
               *, solver: str, time_limit: float | None = None,
               progress: Callable[[str], None] | None = None) -> Face | None:
    """The face of ``held`` (a model whose rows hold the first objective) around the plan
    ``centres``, starting with ``free`` already let go; None when it is not proven within
    :data:`MAX_FACE_SOLVES` programmes or the time limit (the caller then fixes nothing)."""
    fixed = ~free
    seconds = 0.0
    for solves in range(1, MAX_FACE_SOLVES + 1):
        if progress:
            progress(f"  proving which centres every best plan shares ({int(fixed.sum())} held, "
                     f"check {solves})")
        rows = stack_rows(Rows(held.matrix, held.row_lower, held.row_upper),
                          differ_row(held.shape[1], y, centres, fixed))
        model = replace(held, matrix=rows.matrix, row_lower=rows.lower, row_upper=rows.upper)
        outcome = solve_mip(model, solver=solver, time_limit=time_limit)
        seconds += outcome.seconds
        if outcome.status == INFEASIBLE:
            return Face(fixed, centres, solves, seconds)
        if outcome.x is None:
            return None
        fixed &= np.round(outcome.x[y]).astype(bool) == centres
    return None
