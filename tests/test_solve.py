"""The solver wrapper does not pass on a solver's claim that its own solution contradicts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from optimise import solve
from optimise.solve import NOT_SOLVED, OPTIMAL, MipModel, solve_mip


def _knapsack() -> MipModel:
    """max 3a + 2b + 2c subject to a + b + c <= 2, binary: optimum 5."""
    return MipModel(cost=np.array([3.0, 2.0, 2.0]), matrix=csr_matrix(np.ones((1, 3))),
                    row_lower=np.array([-np.inf]), row_upper=np.array([2.0]),
                    col_lower=np.zeros(3), col_upper=np.ones(3),
                    integer=np.ones(3, dtype=bool), maximise=True)


def test_a_small_model_is_solved_to_its_optimum():
    outcome = solve_mip(_knapsack(), solver="highs")
    assert outcome.status == OPTIMAL and outcome.objective == 5.0
    assert outcome.x[0] == 1 and outcome.x.sum() == 2


def test_an_objective_the_solution_does_not_have_is_solved_again_without_the_start(monkeypatch):
    real = solve._solve_highs
    calls = []

    def claims_too_much(model, time_limit, mip_gap, start, watch=None):
        calls.append(start is not None)
        if start is not None:  # as HiGHS 1.16 did: the start back, a better objective claimed
            return np.asarray(start, float), 7.0, 7.0, OPTIMAL
        return real(model, time_limit, mip_gap, start, watch)

    monkeypatch.setattr(solve, "_solve_highs", claims_too_much)
    outcome = solve_mip(_knapsack(), solver="highs", start=np.array([0.0, 1.0, 1.0]))
    assert calls == [True, False]
    assert outcome.status == OPTIMAL and outcome.objective == 5.0


def test_a_claim_that_stays_contradicted_is_not_called_optimal(monkeypatch):
    monkeypatch.setattr(solve, "_solve_highs",
                        lambda model, *args, **kwargs: (np.array([0.0, 1.0, 1.0]), 7.0, 7.0, OPTIMAL))
    outcome = solve_mip(_knapsack(), solver="highs", start=np.array([0.0, 1.0, 1.0]))
    assert outcome.status == NOT_SOLVED
    assert outcome.objective == pytest.approx(4.0)
