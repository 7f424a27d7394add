"""What a siting or simulation run writes into its results folder (inside ``replacing_directory``).

One function per result, data in and files out; the folder itself (atomic replacement, the
marker, refusing a folder the tool did not write) is :mod:`earlyhelp.output`'s job.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from earlyhelp import style
from combined.balance import Balance
from combined.frontier import Frontier
from earlyhelp.charts import coverage_chart, frontier_chart, fte_chart, waits_before_after_chart
from earlyhelp.maps import geography_footnote
from earlyhelp.report import CHARTS, report_html
from earlyhelp.scenario import Scenario
from earlyhelp.webmap import write_webmap
from optimise.costs import cost_parameter_table
from optimise.plan import SitingPlan
from optimise.report import (
    budget_bridge_chart,
    budget_bridge_figure,
    options_table,
    plan_layers,
    plan_map,
    plan_map_figure,
    plan_table,
)
from sim.kpis import interval_table
from sim.model import EVENTS
from sim.report import (
    district_report_html,
    district_report_table,
    waits_by_footprint_figure,
    waits_chart,
)
from sim.runner import SimulationRun
from sim.summary import simulation_summary


def siting_summary(plans: list[SitingPlan], scenario: Scenario) -> dict[str, Any]:
    """summary.json: the best plan's headline figures, the scenario, and one line per option."""
    summaries = [plan.summary() for plan in plans]  # each walks every home once: once a plan
    return {
        "scenario": scenario.name,
        "scenario_digest": scenario.digest(),
        **summaries[0],
        "options": [{"option": k + 1, **{key: summary[key] for key in OPTION_KEYS}}
                    for k, summary in enumerate(summaries)],
    }


OPTION_KEYS = ("centres_open", "coverage_share", "population_within_walk",
               "population_beyond_walk", "existing_buildings_kept", "annual_cost_gbp")


def write_siting(plans: list[SitingPlan], scenario: Scenario, folder: Path) -> list[Path]:
    """Every file of a siting run, written into ``folder``; returns them in order."""
    plan = plans[0]
    written = [
        _json(folder / "summary.json", siting_summary(plans, scenario)),
        _csv(folder / "plan.csv", plan_table(plan)),
        _gpkg(folder / "plan.gpkg", plan_layers(plan)),
        _csv(folder / "coverage_by_spa.csv", plan.coverage_by("spa_id")),
        _csv(folder / "coverage_by_district.csv", plan.coverage_by("district")),
        _csv(folder / "staff_by_spa.csv", plan.staffing.spas.reset_index()),
        _csv(folder / "staff_by_footprint.csv", plan.staffing.footprints.reset_index()),
        _csv(folder / "budget_bridge.csv", plan.bridge),
        _csv(folder / "options.csv", options_table(plans)),
        _csv(folder / "parameters.csv", parameter_rows(plan, scenario)),
    ]
    for k, option in enumerate(plans[1:], start=2):
        written.append(_csv(folder / f"option_{k}_plan.csv", plan_table(option)))
    plan_map(plan, folder / "plan_map.png")
    budget_bridge_chart(plan, folder / "budget_bridge.png")
    return [*written, folder / "plan_map.png", folder / "budget_bridge.png"]


def write_simulation(run: SimulationRun, scenario: Scenario, folder: Path,
                     plan: SitingPlan | None = None) -> list[Path]:
    """Every file of a simulation run, written into ``folder``; returns them in order.

    ``kpis.csv`` holds every replication's measures by area and quarter; ``kpis_intervals.csv``
    their means and intervals; the district report is a table and a readable page; the audit
    files hold the first replication's cases and event log.
    """
    config = run.inputs.config
    intervals = interval_table(run.kpis, config.confidence)
    report = district_report_table(run.breakdown, intervals, rule=config.rag,
                                   confidence=config.confidence, run_days=config.run_days)
    service = run.inputs.service
    staff = service.spas.assign(case_holding_fte=run.inputs.case_fte,
                                caseload_places=run.inputs.slots,
                                share_need_beyond_walk=service.share_beyond().to_numpy())
    written = [
        _json(folder / "summary.json", {"scenario": scenario.name,
                                        "scenario_digest": scenario.digest(),
                                        **simulation_summary(run)}),
        _csv(folder / "kpis.csv", run.kpis),
        _csv(folder / "kpis_intervals.csv", intervals),
        _csv(folder / "district_report.csv", report),
        _csv(folder / "service_by_spa.csv", staff),
        _csv(folder / "venues.csv", service.venues.assign(places=run.inputs.venue_places)),
        _csv(folder / "parameters.csv", scenario_parameters(scenario, plan)),
        _csv(folder / "audit_cases_rep1.csv", run.cases),
        _csv(folder / "audit_events_rep1.csv", audit_events(run.events)),
    ]
    page = folder / "district_report.html"
    page.write_text(district_report_html(report, scenario_name=scenario.name))
    waits_chart(intervals, folder / "waits_by_footprint.png", confidence=config.confidence,
                target_days=config.rag.wait_green_days)
    return [*written, page, folder / "waits_by_footprint.png"]


def write_run(plans: list[SitingPlan], run: SimulationRun, scenario: Scenario, folder: Path,
              manifest: dict[str, Any], balance: Balance | None = None) -> list[Path]:
    """One scenario end to end in ``folder``: the siting run's files in ``siting/``, the
    simulation's in ``simulation/``, and at the top ``summary.json`` (both summaries, under
    ``siting`` and ``simulation``), ``map.html`` (the interactive map of the plan,
    :mod:`earlyhelp.webmap`), ``report.html`` (linking the charts and the map) and
    ``manifest.json`` (what made them, with the seconds writing took added). With the staff
    balanced to the waits, ``balance/`` holds the allocation and waits before and after and
    the iterations, and summary.json its figures under ``balance``."""
    began = time.perf_counter()
    written = write_siting(plans, scenario, _folder(folder / "siting"))
    written += write_simulation(run, scenario, _folder(folder / "simulation"), plan=plans[0])
    summary = {"scenario": scenario.name, "scenario_digest": scenario.digest(),
               "description": scenario.description,
               "siting": _read_json(folder / "siting" / "summary.json"),
               "simulation": _read_json(folder / "simulation" / "summary.json")}
    for part in ("siting", "simulation"):
        for key in ("scenario", "scenario_digest"):
            summary[part].pop(key, None)
    if balance is not None:
        summary["balance"] = balance.summary()
        written += write_balance(balance, _folder(folder / "balance"))
    written.append(_json(folder / "summary.json", summary))
    charts = run_charts(plans[0], run, _folder(folder / "charts"))
    written += charts
    written.append(write_webmap(plans[0], folder / "map.html"))
    page = folder / "report.html"
    seconds = {**manifest.get("seconds", {}), "results": time.perf_counter() - began}
    manifest = {**manifest, "seconds": seconds}
    page.write_text(report_html(summary, scenario, manifest,
                                [c.name for c in charts if c.suffix == ".png"], webmap="map.html"))
    written += [page, _json(folder / "manifest.json", manifest)]
    return written


def write_balance(balance: Balance, folder: Path) -> list[Path]:
    """The staffing loop's files: by SPA the FTE and waits before and after
    (``allocation_and_waits.csv``), one row per round (``iterations.csv``) and the chart of the
    waits before and after (PNG and PDF)."""
    table = balance.waits_table()
    summary = balance.summary()
    config = balance.best.run.inputs.config
    figure = waits_before_after_chart(
        table.set_index("spa_id"), target_days=summary["wait_p90_target_days"],
        moved_fte=summary["fte_moved"],
        source=f"Source: the case-flow simulation, {summary['replications']} replications before "
        f"and after with the same seed (common random numbers), {config.confidence:.0%} t "
        f"intervals; frontline FTE moved by the staffing programme ({summary['mode']}, "
        f"{summary['iterations']} rounds), the total unchanged.")
    return [_csv(folder / "allocation_and_waits.csv", table),
            _csv(folder / "iterations.csv", balance.iteration_table()),
            *(style.save(figure, folder / f"waits_before_after.{kind}") for kind in ("png", "pdf"))]


def write_frontier(frontier: Frontier, folder: Path) -> list[Path]:
    """A traced curve: ``frontier.csv`` (the points, then the proposal and the 2015 service),
    ``marginal.csv`` (what each £1m or centre buys between neighbouring points),
    ``frontier.json`` and the chart (PNG and PDF)."""
    axis = "the envelope with the centres free" if frontier.axis == "budget" \
        else "the number of centres with the budget free"
    staff = (" and frontline FTE in proportion to it" if frontier.axis == "budget"
             and frontier.staff == "proportional" else "")
    figure = frontier_chart(
        frontier.points, frontier.marks, column=frontier.column,
        source=f"Source: the siting programme solved at each point of {axis}{staff}, "
        f"each plan's year of cases simulated {frontier.reps} times (95% t interval shaded); "
        "the proposal and the 2015 service (its 132 buildings as they were) are marked.")
    table = pd.concat([frontier.points, frontier.marks], ignore_index=True)
    return [_csv(folder / "frontier.csv", table), _csv(folder / "marginal.csv", frontier.marginal()),
            _json(folder / "frontier.json", frontier.summary()),
            *(style.save(figure, folder / f"frontier.{kind}") for kind in ("png", "pdf"))]


def run_charts(plan: SitingPlan, run: SimulationRun, folder: Path) -> list[Path]:
    """The cabinet-paper charts of a run, each as PNG (for the report) and PDF (for print),
    in :data:`earlyhelp.report.CHARTS` order."""
    config = run.inputs.config
    coverage = plan.coverage_by("district").set_index("district")
    figures = {
        "plan_map": plan_map_figure(plan),
        "coverage_by_district": coverage_chart(
            coverage["share_children_by_centre"], coverage["children"],
            limit_minutes=plan.inputs.geography.walk_standard_minutes,
            reached="an open centre", source=geography_footnote(plan.inputs.geography)),
        "budget_bridge": budget_bridge_figure(plan),
        "fte_breakdown": fte_chart(
            plan.staffing.footprints,
            source="Source: frontline FTE by the caseload allocation model "
            "(seed 003 section 6: expected cases x case length / caseload, plus session time); "
            "management and support by footprint. Staffing groups: seed 003 section 7."),
        "waits_by_footprint": waits_by_footprint_figure(
            interval_table(run.kpis, config.confidence), target_days=config.rag.wait_green_days,
            confidence=config.confidence),
    }
    return [style.save(figures[name], folder / f"{name}.{kind}")
            for name, _ in CHARTS for kind in ("png", "pdf")]


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def audit_events(events: pd.DataFrame) -> pd.DataFrame:
    """The event log with each event's name beside its code."""
    return events.assign(event_name=[EVENTS[c] for c in events["event"].to_numpy()])


def scenario_parameters(scenario: Scenario, plan: SitingPlan | None) -> pd.DataFrame:
    """Every parameter of the scenario with its source (and the cost model's rates with a plan)."""
    if plan is not None:
        return parameter_rows(plan, scenario)
    return pd.DataFrame(scenario.parameter_table()).assign(value=lambda f: f["value"].map(_text))


def parameter_rows(plan: SitingPlan, scenario: Scenario) -> pd.DataFrame:
    """Every parameter of the scenario with its source, and the cost model's derived rates."""
    rows = scenario.parameter_table()
    derived = cost_parameter_table(scenario.costs, plan.inputs.cost_model)
    known = {(r["section"], r["parameter"]) for r in rows}
    rows += [{"section": "costs", **r} for r in derived if ("costs", r["parameter"]) not in known]
    return pd.DataFrame(rows).assign(value=lambda f: f["value"].map(_text))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(_finite(data), indent=2, default=str) + "\n")
    return path


def _finite(value: Any) -> Any:
    """JSON without NaN or infinity (not JSON): they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    for name, layer in layers.items():
        layer.to_file(path, layer=name, driver="GPKG")
    return path


def _csv(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False, lineterminator="\n")
    return path
