"""Running many replications, and the summary of them: any executor gives the same results,
intervals are t intervals, and summary.json has every key issue 12 asks for."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy import stats
from sim_fixtures import tiny_inputs

from earlyhelp.cli import main
from sim.kpis import COUNTY, HEADLINE, interval, interval_table, periods, replications_needed
from sim.model import OPEN_AT_START
from sim.runner import run_simulation
from sim.summary import simulation_summary

SUMMARY_KEYS = ("cases_per_year", "wait_days_mean", "wait_days_p90", "caseload_per_fte_mean",
                "escalation_share", "deescalation_share")


@pytest.fixture(scope="module")
def run():
    return run_simulation(tiny_inputs(), replications=3, seed=5)


def test_any_executor_gives_the_same_results_as_running_in_this_process(run):
    with ThreadPoolExecutor(max_workers=2) as pool:
        other = run_simulation(tiny_inputs(), replications=3, seed=5, executor=pool)
    assert other.kpis.equals(run.kpis)
    assert other.breakdown.equals(run.breakdown)
    assert other.events.equals(run.events)


def test_progress_is_told_after_each_replication():
    told = []
    run_simulation(tiny_inputs(), replications=3, seed=1, progress=lambda done, n: told.append((done, n)))
    assert told == [(1, 3), (2, 3), (3, 3)]


def test_fewer_than_one_replication_is_refused():
    with pytest.raises(ValueError, match="replications must be 1 or more, got 0"):
        run_simulation(tiny_inputs(), replications=0)


def test_the_audit_keeps_the_first_replications_cases_and_events(run):
    assert set(run.events["case"]) <= set(run.cases["case"])
    county = run.kpis[(run.kpis["replication"] == 0) & (run.kpis["level"] == "county")
                      & (run.kpis["period"] == "year")]
    arrived = run.cases["arrived"].between(0, 365, inclusive="left") & (run.cases["kind"] != OPEN_AT_START)
    assert county["requests"].iloc[0] == arrived.sum()


def test_an_interval_is_the_t_interval_of_the_replications():
    values = [3.0, 5.0, 4.0, 8.0]
    mean, low, high = interval(values, 0.95)
    half = stats.t.ppf(0.975, 3) * np.std(values, ddof=1) / 2
    assert (mean, low, high) == pytest.approx((5.0, 5.0 - half, 5.0 + half))
    assert interval([2.0, math.nan], 0.95)[0] == 2.0 and math.isnan(interval([2.0], 0.95)[1])


def test_an_interval_of_a_measure_that_cannot_be_negative_stops_at_zero():
    waits = [0.0, 0.0, 0.0, 2.0]  # a 90th percentile wait that is mostly none
    mean, low, high = interval(waits, 0.95, floor=0.0)
    assert (mean, low) == (0.5, 0.0)
    assert high == interval(waits, 0.95)[2] and interval(waits, 0.95)[1] < 0


def test_every_interval_the_summary_and_the_tables_report_stays_above_zero(run):
    lows = [v for k, v in _items(simulation_summary(run)) if k.endswith("_ci_low")
            and v is not None and not math.isnan(v)]
    assert lows and min(lows) >= 0.0
    table = interval_table(run.kpis, 0.95)
    assert (table.filter(like="_ci_low").fillna(0.0).to_numpy() >= 0).all()


def _items(tree, prefix=""):
    """Every (key, number) of a nested summary."""
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _items(value, f"{prefix}{key}.")
        elif isinstance(value, float):
            yield key, value


def test_replications_needed_puts_the_half_width_within_five_percent_of_the_mean():
    values = np.array([9.0, 11.0, 10.0, 12.0, 8.0])
    n = replications_needed(values, 0.95, 0.05)
    z = stats.t.ppf(0.975, 4)
    assert n == math.ceil((z * values.std(ddof=1) / (0.05 * values.mean())) ** 2)
    assert replications_needed([0.0, 0.0], 0.95) is None


def test_a_year_is_four_financial_quarters_and_the_whole_year():
    assert periods(365) == [("Q1", 0, 91), ("Q2", 91, 183), ("Q3", 183, 275), ("Q4", 275, 365),
                            ("year", 0, 365)]
    assert [p[0] for p in periods(100)] == ["Q1", "Q2", "year"]


def test_the_summary_has_each_headline_with_its_interval_overall_and_by_spa(run):
    summary = simulation_summary(run)
    assert summary["reps"] == 3 and summary["seed"] == 5 and summary["area"] == COUNTY
    for key in SUMMARY_KEYS:
        assert {key, f"{key}_ci_low", f"{key}_ci_high"} <= set(summary)
        assert summary[f"{key}_ci_low"] <= summary[key] <= summary[f"{key}_ci_high"]
    assert set(summary["by_spa"]) == {"A1", "A2", "B1"}
    assert set(summary["by_footprint"]) == {"Burnley and Pendle", "Preston"}
    assert set(summary["replications_needed"]) == set(HEADLINE)
    year = run.kpis[(run.kpis["level"] == "county") & (run.kpis["period"] == "year")]
    assert summary["cases_per_year"] == pytest.approx(year["requests"].mean())
    assert summary["timing"]["seconds_per_replication"] > 0


def test_a_dask_cluster_gives_the_same_results_as_running_here(run):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        other = run_simulation(tiny_inputs(), replications=3, seed=5, executor=client.get_executor())
    assert other.kpis.equals(run.kpis)
    assert other.events.equals(run.events)


def test_an_unreachable_scheduler_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr("earlyhelp.cli.SCHEDULER_TIMEOUT_SECONDS", 1)
    code = main(["simulate", "scenarios/proposal-2016.yaml", "--out", str(tmp_path / "x"),
                 "--scheduler", "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "--scheduler tcp://127.0.0.1:1: cannot reach the Dask scheduler" in err
    assert not (tmp_path / "x").exists()


def _long_run(tmp_path):
    """A child process running 5,000 tiny replications on 2 workers, in its own session; it
    prints 'running' after the first and 'stopped' (exit 130) on an interrupt."""
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "long_run.py"
    script.write_text(
        "import sys\n"
        f"sys.path[:0] = [{str(Path(__file__).parent.parent)!r}, {str(Path(__file__).parent)!r}]\n"
        "from earlyhelp.output import terminate_as_interrupt\n"
        "from sim_fixtures import tiny_inputs\n"
        "from sim.runner import run_simulation\n"
        "def told(done, n):\n"
        "    if done == 1:\n"
        "        print('running', flush=True)\n"
        "try:\n"
        "    with terminate_as_interrupt():\n"
        "        run_simulation(tiny_inputs(), replications=5000, workers=2, progress=told)\n"
        "except KeyboardInterrupt:\n"
        "    print('stopped', flush=True)\n"
        "    sys.exit(130)\n")
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert child.stdout.readline() == "running\n"  # 5,000 replications would take minutes
    return child


@pytest.mark.parametrize("whole_group", [False, True], ids=["the-parent", "every-process"])
def test_sigterm_stops_a_parallel_run_at_once_without_a_traceback(tmp_path, whole_group):
    import os
    import signal

    child = _long_run(tmp_path)
    if whole_group:
        os.killpg(child.pid, signal.SIGTERM)
    else:
        child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=30)  # measured: about a second; the rest, minutes
    assert (child.returncode, out) == (130, "stopped\n")
    assert "Traceback" not in err


def test_workers_do_not_outlive_a_parent_killed_outright(tmp_path):
    import os
    import signal
    import subprocess
    import time

    child = _long_run(tmp_path)
    child.kill()  # SIGKILL: the parent cannot tell its workers anything
    child.communicate(timeout=30)
    left = ["?"]
    for _ in range(50):  # the workers are killed by the kernel as their parent dies
        listed = subprocess.run(["ps", "-o", "stat=", "-s", str(child.pid)], check=False,
                                capture_output=True,
                                text=True).stdout.split()
        left = [stat for stat in listed if not stat.startswith("Z")]  # zombies hold nothing
        if not left:
            break
        time.sleep(0.2)
    if left:
        os.killpg(child.pid, signal.SIGKILL)
    assert left == []
