"""What a siting run writes into its results folder (inside ``replacing_directory``).

One function per result, data in and files out; the folder itself (atomic replacement, the
marker, refusing a folder the tool did not write) is :mod:`earlyhelp.output`'s job.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from earlyhelp.scenario import Scenario
from optimise.costs import cost_parameter_table
from optimise.plan import SitingPlan
from optimise.report import (
    budget_bridge_chart,
    options_table,
    plan_layers,
    plan_map,
    plan_table,
)


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
