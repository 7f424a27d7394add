"""Scenarios side by side: the table and chart `earlyhelp compare` writes.

Reads the ``summary.json`` of folders `earlyhelp run` wrote (a batch's parent folder stands for
its scenarios, in its ``runs.csv`` order) and puts their headline figures in one table: centres,
2015 buildings closed, coverage, children beyond the walk, cost against the envelope, FTE, and
the simulation's waits and escalations with their confidence intervals. The first folder is
the reference: each figure's difference from it is a column of its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from earlyhelp import style
from geodata import EarlyHelpError

#: Table columns from the siting summary.
SITING_COLUMNS = ("centres_open", "enhanced_centres", "sessions_per_week", "outreach_sessions",
                  "existing_buildings_kept", "existing_buildings_closed", "coverage_share",
                  "population_within_walk", "population_outreach_only", "population_beyond_walk",
                  "annual_cost_gbp", "budget_gbp", "fte_total", "fte_frontline")
#: Table columns from the simulation summary, each with ``_ci_low`` and ``_ci_high``.
SIMULATION_COLUMNS = ("cases_per_year", "wait_days_mean", "wait_days_p90",
                      "caseload_per_fte_mean", "escalation_share", "deescalation_share")
#: Columns whose difference from the reference scenario the table states.
DIFFERENCES = ("centres_open", "existing_buildings_closed", "coverage_share",
               "population_beyond_walk", "annual_cost_gbp", "fte_total", "wait_days_p90",
               "escalation_share")


class CompareError(EarlyHelpError):
    """A folder that is not the results of `earlyhelp run`."""


def run_folders(paths: list[Path]) -> list[Path]:
    """The results folders ``paths`` name: each a run's folder, or a batch's parent folder
    (its scenarios in ``runs.csv`` order, those that failed left out)."""
    folders: list[Path] = []
    for path in paths:
        if (path / "summary.json").is_file():
            folders.append(path)
        elif (path / "runs.csv").is_file():
            runs = pd.read_csv(path / "runs.csv")
            folders += [path / Path(f).name for f, ok in zip(runs["folder"], runs["status"] == "ok")
                        if ok]
        else:
            raise CompareError(f"{path}: not a results folder of `earlyhelp run` (expected "
                               "summary.json, or runs.csv for several scenarios)")
    if len(folders) < 2:
        raise CompareError(f"compare needs at least two scenarios' results; got {len(folders)}")
    return folders


def read_run(folder: Path) -> dict[str, Any]:
    """A run's summary.json, refused in one line if it is not a whole run's."""
    file = folder / "summary.json"
    try:
        summary = json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise CompareError(f"{file}: cannot be read as JSON ({exc})") from None
    missing = [k for k in ("scenario", "siting", "simulation") if k not in summary]
    if missing:
        raise CompareError(f"{file}: field {missing[0]!r} missing: expected the summary of "
                           "`earlyhelp run` (siting and simulation)")
    return summary


def comparison_table(summaries: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per scenario, in the given order; the first is the reference."""
    rows = []
    for summary in summaries:
        siting, simulation = summary["siting"], summary["simulation"]
        row: dict[str, Any] = {"scenario": summary["scenario"],
                               "description": summary.get("description", "")}
        row.update({c: siting.get(c) for c in SITING_COLUMNS})
        row["replications"] = simulation.get("reps")
        for c in SIMULATION_COLUMNS:
            for suffix in ("", "_ci_low", "_ci_high"):
                row[c + suffix] = simulation.get(c + suffix)
        rows.append(row)
    table = pd.DataFrame(rows)
    names = table["scenario"]
    if names.duplicated().any():
        raise CompareError(f"scenario {names[names.duplicated()].iloc[0]!r} is given twice")
    for column in DIFFERENCES:
        table[f"{column}_vs_{names.iloc[0]}"] = table[column] - table[column].iloc[0]
    return table


def comparison_chart(table: pd.DataFrame) -> Figure:
    """Four panels, one bar per scenario (the reference first, its value a dashed line):
    coverage, children beyond the walk, cost against the envelope, and the 90th percentile
    wait with its confidence interval. The title states the widest differences."""
    names = table["scenario"].tolist()
    y = np.arange(len(names))
    panels = (
        ("coverage_share", 100, "Need reached within the walk (%)", ".1f"),
        ("population_beyond_walk", 1e-3, "Children 0-19 beyond the walk (thousands)", ".1f"),
        ("annual_cost_gbp", 1e-6, "Annual cost (£m; bold tick: the envelope)", ".2f"),
        ("wait_days_p90", 1, "90th percentile wait (days)", ".1f"),
    )
    colours = style.category_colours(len(names))
    with style.house_style():
        fig = Figure(figsize=(style.FULL_WIDTH_IN, 1.2 + 0.55 * len(names)))
        axes = fig.subplots(2, 2, sharey=True)
        fig.subplots_adjust(left=0.2, right=0.97, hspace=0.55, wspace=0.12, top=0.95, bottom=0.1)
        for ax, (column, scale, label, fmt) in zip(axes.flat, panels):
            values = table[column].to_numpy(float) * scale
            ax.barh(y, values, color=colours, edgecolor=style.INK, linewidth=0.5)
            for patch, hatch in zip(ax.patches, style.HATCHES * len(names)):
                patch.set_hatch(hatch)
            ends = values
            low, high = f"{column}_ci_low", f"{column}_ci_high"
            if low in table:
                ends = np.maximum(values, table[high].to_numpy(float) * scale)
                error = np.vstack([values - np.maximum(table[low].to_numpy(float) * scale, 0),
                                   ends - values])
                ax.errorbar(values, y, xerr=np.clip(error, 0, None), fmt="none",
                            ecolor=style.INK, capsize=2, linewidth=0.8)
            ax.axvline(values[0], color=style.INK, linestyle="--", linewidth=0.7)
            if column == "annual_cost_gbp" and table["budget_gbp"].notna().any():
                for k, budget in enumerate(table["budget_gbp"].to_numpy(float) * scale):
                    ax.plot([budget, budget], [k - 0.4, k + 0.4], color=style.INK, linewidth=1.6)
            for k, (v, end) in enumerate(zip(values, ends)):
                ax.text(end, k, f" {v:{fmt}}", va="center", ha="left", fontsize=6.5,
                        color=style.INK, clip_on=False)
            ax.set_xlim(0, max(ends.max(), 1e-9) * 1.25)
            ax.set_title(label, fontsize=7.5, loc="left", color=style.INK)
            ax.tick_params(axis="y", length=0)
        axes[0, 0].set_yticks(y, names)
        axes[0, 0].invert_yaxis()
        style.finish(fig, comparison_title(table),
                     "Source: earlyhelp model runs of each scenario (siting proven optimal or "
                     f"stated gap; {int(table['replications'].min())}+ replications, "
                     "the lines on the waits are 95 % confidence intervals). Dashed line: the "
                     f"reference scenario, {names[0]}.")
    return fig


def comparison_title(table: pd.DataFrame) -> str:
    """The finding: which scenario reaches the fewest children and which waits longest."""
    fewest = table.loc[table["coverage_share"].idxmin()]
    longest = table.loc[table["wait_days_p90"].idxmax()]
    waits = f"the longest waits ({longest['wait_days_p90']:.1f} days at the 90th percentile)"
    reach = (f"{fewest['scenario']} reaches the least need within the walk "
             f"({fewest['coverage_share']:.1%})")
    if fewest["scenario"] == longest["scenario"]:
        return f"{reach} and has {waits}"
    return f"{reach}; {longest['scenario']} has {waits}"


def write_comparison(table: pd.DataFrame, folder: Path) -> list[Path]:
    """comparison.csv, comparison.json, and the chart as PNG and PDF, in ``folder``."""
    written = [folder / "comparison.csv", folder / "comparison.json"]
    table.to_csv(written[0], index=False)
    records = json.loads(table.to_json(orient="records"))
    written[1].write_text(json.dumps({"reference": table["scenario"].iloc[0],
                                      "scenarios": records}, indent=2) + "\n")
    figure = comparison_chart(table)
    for suffix in ("png", "pdf"):
        written.append(style.save(figure, folder / f"comparison.{suffix}"))
    return written
