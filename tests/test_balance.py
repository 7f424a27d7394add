"""combined.balance: the staffing programme and the simulation in turn, on instances whose
right answer is known, and on the county (the loop lowers the worst SPA's wait with the same
staff)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from combined.balance import allocate, balance_staff, fte_to_meet
from combined.surrogate import SpaQueues, nearest_servers, wait_p90
from earlyhelp.run import RunOptions, run_scenario
from tests.sim_fixtures import stripped_config, tiny_inputs, tiny_service

#: Three SPAs with the same need and sessions; the first starts short of staff.
UNEVEN = (6.0, 12.0, 12.0)


def queues(n: int = 2, arrivals: float = 1.0, offset: int = 0) -> SpaQueues:
    """``n`` identical SPAs: cases at ``arrivals`` a day holding a place for 20 days, a place
    per FTE (no sessions, no vacancy)."""
    return SpaQueues(spa_ids=tuple(f"S{k}" for k in range(n)),
                     arrivals_per_day=np.full(n, arrivals), places_per_case=np.ones(n),
                     session_fte=np.zeros(n), case_days=20.0, available=1.0, caseload=1.0,
                     offset=np.full(n, offset, dtype=np.int64))


def tiny(fte: tuple[float, ...] = UNEVEN):
    config = stripped_config(warmup_days=180.0, replications=10)
    return tiny_inputs(config, tiny_service(fte=fte, sessions=(7, 7, 7)))


# --- the surrogate ------------------------------------------------------------------------

def test_the_surrogate_is_erlang_c_and_unstable_queues_wait_a_year():
    q = queues()
    assert q.servers(np.array([25.0, 30.0])).tolist() == [25, 30]
    assert q.p90(np.array([25.0, 19.0])).tolist() == [wait_p90(1.0, 1 / 20, 25), 365.0]
    assert wait_p90(0.0, 1 / 20, 0) == 0.0


@pytest.mark.parametrize("simulated", [0.0, 0.3, 2.0, 40.0])
def test_calibration_errs_on_the_long_side(simulated):
    n = nearest_servers(1.0, 1 / 20, simulated)
    assert wait_p90(1.0, 1 / 20, n) >= simulated - 1e-9
    if simulated > 0:
        assert wait_p90(1.0, 1 / 20, n + 1) < simulated


def test_a_calibrated_queue_gives_the_simulated_wait_where_it_was_simulated():
    q = queues().calibrated(np.array([25.0, 25.0]), np.array([9.0, 0.0]))
    waits = q.p90(np.array([25.0, 25.0]))
    assert waits[0] >= 9.0 > q.p90(np.array([26.0, 25.0]))[0] and waits[1] == 0.0


# --- the programme ------------------------------------------------------------------------

def test_equalising_two_identical_spas_gives_each_half_and_keeps_the_total():
    fte = pd.Series([22.0, 30.0], index=["S0", "S1"])
    new, predicted = allocate(queues(), fte, mode="wait_equalise", target_days=28, step=0.5,
                              solver="highs")
    assert new.tolist() == [26.0, 26.0] and new.sum() == fte.sum()
    assert predicted.max() < queues().p90(fte.to_numpy()).max()


def test_a_met_target_moves_no_one_and_a_missed_one_takes_the_fewest_moves():
    met = pd.Series([28.0, 28.0], index=["S0", "S1"])
    assert allocate(queues(), met, mode="wait_target", target_days=28, step=0.5,
                    solver="highs")[0].equals(met.rename("fte"))
    short = pd.Series([22.0, 34.0], index=["S0", "S1"])
    new, predicted = allocate(queues(), short, mode="wait_target", target_days=5, step=0.5,
                              solver="highs")
    assert predicted.max() <= 5 and new.sum() == 56.0
    fewest = queues().p90(np.c_[np.arange(22.0, 34.0, 0.5), 56 - np.arange(22.0, 34.0, 0.5)])
    least = np.arange(22.0, 34.0, 0.5)[np.flatnonzero(fewest[:, 0] <= 5)[0]]
    assert new["S0"] == least  # no more moved than the target needs


def test_the_staff_to_meet_a_target_are_each_spa_s_least_level_that_meets_it():
    needed = fte_to_meet(queues(), pd.Series([22.0, 40.0], index=["S0", "S1"]), 5.0, 0.5)
    assert needed["S0"] == needed["S1"]  # identical queues need the same
    assert queues().p90(needed.to_numpy()).max() <= 5
    assert queues().p90(needed.to_numpy() - 0.5).min() > 5


# --- the loop, on a small service whose answer is known -----------------------------------

def test_equalising_a_symmetric_service_ends_near_equal_shares_with_shorter_waits():
    balance = balance_staff(tiny(), mode="wait_equalise", target_days=5, step=0.5,
                            max_iterations=6, replications=10, seed=3)
    assert balance.best.fte.sum() == sum(UNEVEN)
    assert (balance.best.fte - 10).abs().max() <= 0.5
    assert balance.best.worst_p90 < balance.start.worst_p90 / 5
    table = balance.iteration_table()
    assert table["chosen"].sum() == 1 and table.loc[0, "fte_moved"] == 0


def test_a_target_within_reach_is_met_and_the_loop_stops_there():
    balance = balance_staff(tiny(), mode="wait_target", target_days=20, step=0.5,
                            max_iterations=8, replications=10, seed=3)
    assert balance.target_met and balance.stopped == "every SPA meets the target"
    assert balance.best.missing(20) == 0 < balance.start.missing(20)
    assert balance.fte_to_meet is None


def test_the_same_seed_gives_every_round_the_same_requests():
    balance = balance_staff(tiny(), mode="wait_target", target_days=20, step=0.5,
                            max_iterations=2, replications=3, seed=3)
    first, later = balance.iterations[0].run.kpis, balance.iterations[-1].run.kpis
    county = lambda kpis: kpis[kpis["level"] == "county"]["requests"].to_numpy()  # noqa: E731
    assert (county(first) == county(later)).all()


def test_a_target_out_of_reach_says_how_many_staff_would_meet_it():
    balance = balance_staff(tiny(), mode="wait_target", target_days=3, step=0.5,
                            max_iterations=4, replications=10, seed=3)
    assert not balance.target_met
    assert balance.fte_to_meet.sum() > sum(UNEVEN)
    assert balance.summary()["fte_frontline_to_meet_target"] == balance.fte_to_meet.sum()
    assert balance.waits_to_meet["p90"].max() < balance.best.worst_p90


# --- on the county ------------------------------------------------------------------------

@pytest.mark.slow
def test_the_wait_target_loop_lowers_the_worst_spa_s_wait_with_the_same_staff(
        tmp_path: Path, cache_dir: Path, monkeypatch):
    monkeypatch.setenv("EARLYHELP_CACHE", str(cache_dir))
    out = tmp_path / "balanced"
    result = run_scenario(Path("scenarios/staff-to-waits.yaml"), out, RunOptions(reps=10))
    summary = json.loads((out / "summary.json").read_text())["balance"]
    assert summary["worst_spa_p90_days_after"] < summary["worst_spa_p90_days_before"]
    assert summary["spas_over_target_after"] < summary["spas_over_target_before"]
    assert summary["fte_frontline"] == 482.0 == result.balance.start.fte.sum()
    assert summary["iterations"] >= 1 and summary["fte_moved"] > 0
    # the scenario's simulation is the allocation kept; the siting plan and its cost are the same
    kept = result.balance.best.fte
    assert result.simulation.inputs.service.spas["fte_frontline"].tolist() == kept.tolist()
    table = pd.read_csv(out / "balance" / "allocation_and_waits.csv")
    assert len(table) == 34 and table["fte_moved"].sum() == pytest.approx(0.0)
    assert {"p90_before_ci_low", "p90_after_ci_high"} <= set(table.columns)
    assert (out / "balance" / "waits_before_after.png").exists()
    assert "Staff where the waits are" in (out / "report.html").read_text()
