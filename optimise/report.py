"""The files that show a siting plan: its map, its budget-bridge chart and its tables.

Each function takes a plan (or the options) and returns a table, or writes one file; the
results folder they go in is :mod:`earlyhelp.results`'s job. Charts follow the house style
(:mod:`earlyhelp.style`) and reuse the pieces of the geography's print map
(:mod:`earlyhelp.maps`), so the plan's map reads like the geography's.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import NDArray

from earlyhelp import style

# Pieces of the geography map that are private in earlyhelp.maps; the report proposes them
# as public names there (same signatures), after which these aliases become plain imports.
from earlyhelp.maps import (
    HALO,
    count_noun,
    county_canvas,
    draw_polygons,
    draw_scale_bar,
    geography_footnote,
    label_districts,
    stack_legends,
    wrap_legend_label,
)
from geodata.embedded import CRS
from optimise.costs import ITEMS, CostBreakdown, budget_bridge
from optimise.plan import BEYOND, REACHED_BY_CENTRE, REACHED_BY_OUTREACH, SitingPlan

#: Columns of plan.csv (and of the "candidates" and "outreach_venues" layers), in order.
PLAN_COLUMNS = ("kind", "site_id", "name", "site_type", "role_2015", "existing", "spa_id",
                "district", "band", "open", "enhanced", "sessions_centre", "sessions_outreach",
                "centre_site_id", "annual_cost_gbp", "closure_reason", "x", "y")

#: How each reach class is drawn: colour (Okabe-Ito, light to dark so the classes stay apart in
#: grey print), dot area, and legend label. Beyond is the darkest and largest: it is the finding.
REACH_STYLES: dict[str, tuple[str, float, str]] = {
    REACHED_BY_CENTRE: (style.tint(style.OKABE_ITO[2], 0.35), 0.5, "Reached by an open centre"),
    REACHED_BY_OUTREACH: (style.OKABE_ITO[1], 0.9, "Reached by outreach only"),
    BEYOND: (style.OKABE_ITO[6], 0.9, "Beyond both"),
}

#: Labels of the cost items on the budget bridge.
ITEM_LABELS: dict[str, str] = {
    "staff_frontline": "Frontline staff",
    "staff_management": "Management",
    "staff_support": "Delivery support",
    "staff_travel": "Staff travel",
    "buildings": "Buildings",
    "sessions": "Sessions",
    "outreach_venues": "Outreach venue hire",
    "commissioned": "Commissioned centres",
    "central": "Central costs",
}

#: How each kind of place is drawn (scatter keywords): black shapes that stay apart in grey
#: print; a closing building is hollow.
PLACE_MARKERS: dict[str, dict[str, object]] = {
    "closed": {"marker": "o", "s": 14, "facecolors": "none", "edgecolors": style.MUTED,
               "linewidths": 0.7},
    "venue": {"marker": "^", "s": 10, "facecolors": style.INK, "edgecolors": "white",
              "linewidths": 0.3},
    "standard": {"marker": "o", "s": 22, "facecolors": style.INK, "edgecolors": "white",
                 "linewidths": 0.5},
    "enhanced": {"marker": "D", "s": 34, "facecolors": style.INK, "edgecolors": "white",
                 "linewidths": 0.6},
}

_SAVING, _EXTRA, _TOTAL = style.OKABE_ITO[5], style.OKABE_ITO[6], style.tint(style.INK, 0.55)
_EXTRA_HATCH = "///"
_SPA_EDGE = "#b0b0b0"


# --- tables --------------------------------------------------------------------------------


def plan_table(plan: SitingPlan) -> pd.DataFrame:
    """plan.csv: every candidate (``kind`` "candidate"), then every outreach venue used
    (``kind`` "outreach_venue", with its sessions and the ``centre_site_id`` that runs them),
    columns :data:`PLAN_COLUMNS`.

    A venue is not a centre (``open`` and ``enhanced`` False, no centre sessions) and its
    building's running cost is not the plan's, so its ``annual_cost_gbp`` is empty; a closed
    building that hosts outreach appears twice, once of each kind.
    """
    bands = plan.inputs.bands
    candidates = plan.candidates.assign(kind="candidate", centre_site_id=None)
    venues = plan.venues.assign(kind="outreach_venue", band=plan.venues["spa_id"].map(bands),
                                open=False, enhanced=False, sessions_centre=0,
                                annual_cost_gbp=np.nan, closure_reason=None)
    frame = pd.concat([candidates.reindex(columns=PLAN_COLUMNS),
                       venues.reindex(columns=PLAN_COLUMNS)], ignore_index=True)
    return frame.astype({"existing": bool, "open": bool, "enhanced": bool,
                         "sessions_centre": np.int64, "sessions_outreach": np.int64})


def plan_layers(plan: SitingPlan) -> dict[str, gpd.GeoDataFrame]:
    """plan.gpkg's layers: "candidates" and "outreach_venues" (points, the rows of
    :func:`plan_table`), "staff_by_spa" (SPA polygons with ``expected_cases``, ``demand_fte``,
    ``fte_frontline`` and ``sessions`` a week) and "coverage_by_spa" (SPA polygons with
    :meth:`SitingPlan.coverage_by` "spa_id"; an SPA without children has zero counts and empty
    shares)."""
    table = plan_table(plan)
    points = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table["x"], table["y"]), crs=CRS)
    spas = plan.inputs.geography.spas[["spa_id", "name", "district", "footprint", "geometry"]]
    spas = spas.assign(band=spas["spa_id"].map(plan.inputs.bands))
    staff = plan.staffing.spas.rename(columns={"sessions_per_week": "sessions"})
    staff = staff[["expected_cases", "demand_fte", "fte_frontline", "sessions"]]
    coverage = spas.join(plan.coverage_by("spa_id").set_index("spa_id"), on="spa_id")
    # coverage_by lists only SPAs with homes: count the rest's children as none, their places too
    counts = [c for c in coverage.columns if c.startswith(("children", "need"))]
    coverage[counts] = coverage[counts].fillna(0.0)
    coverage["centres"] = _per_spa(spas, plan.candidates[plan.candidates["open"]])
    coverage["outreach_venues"] = _per_spa(spas, plan.venues)
    return {
        "candidates": _layer(points[points["kind"] == "candidate"]),
        "outreach_venues": _layer(points[points["kind"] == "outreach_venue"]),
        "staff_by_spa": _layer(spas.join(staff, on="spa_id")),
        "coverage_by_spa": _layer(coverage),
    }


def options_table(plans: list[SitingPlan]) -> pd.DataFrame:
    """One row per option (``option`` 1, 2, ...): its headline figures, solver status and how
    it differs from option 1: the centres it opens that option 1 does not
    (``opened_vs_option_1``), those of option 1 it closes (``closed_vs_option_1``), site ids
    ';'-joined, and ``centres_differ`` = how many of option 1's centres it closes (the count
    ``siting.options_min_difference`` bounds)."""
    if not plans:
        return pd.DataFrame(columns=_OPTION_COLUMNS)
    first = set(plans[0].open_ids)
    rows = []
    for number, plan in enumerate(plans, start=1):
        summary = plan.summary()
        opened = sorted(set(plan.open_ids) - first)
        closed = sorted(first - set(plan.open_ids))
        rows.append({
            "option": number,
            "centres": summary["centres_open"],
            "coverage_share": summary["coverage_share"],
            "population_within_walk": summary["population_within_walk"],
            "population_outreach_only": summary["population_outreach_only"],
            "population_beyond_walk": summary["population_beyond_walk"],
            "existing_kept": summary["existing_buildings_kept"],
            "existing_closed": summary["existing_buildings_closed"],
            "annual_cost_gbp": summary["annual_cost_gbp"],
            "solver_status": summary["solver"]["status"],
            "gap": summary["solver"]["gap"],
            "opened_vs_option_1": ";".join(opened),
            "closed_vs_option_1": ";".join(closed),
            "centres_differ": len(closed),
        })
    return pd.DataFrame(rows, columns=_OPTION_COLUMNS)


_OPTION_COLUMNS = ("option", "centres", "coverage_share", "population_within_walk",
                   "population_outreach_only", "population_beyond_walk", "existing_kept",
                   "existing_closed", "annual_cost_gbp", "solver_status", "gap",
                   "opened_vs_option_1", "closed_vs_option_1", "centres_differ")


def _layer(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` as a layer: fresh row numbers, the geometry last, in the project's CRS."""
    columns = [c for c in frame.columns if c != "geometry"] + ["geometry"]
    return gpd.GeoDataFrame(frame[columns].reset_index(drop=True), geometry="geometry", crs=CRS)


def _per_spa(spas: pd.DataFrame, places: pd.DataFrame) -> NDArray[np.int64]:
    """How many of ``places`` are in each SPA of ``spas``, in its row order."""
    return places.groupby("spa_id").size().reindex(spas["spa_id"], fill_value=0).to_numpy()


# --- the budget bridge ---------------------------------------------------------------------


def bridge_bars(baseline: CostBreakdown, cost: CostBreakdown) -> pd.DataFrame:
    """The bars of the budget bridge, left to right: the 2015 total, one bar per cost item
    that is not zero in both (from the running total before it to the one after), the plan's
    total. Columns ``step`` (item name, "2015 service" or "plan"), ``label``, ``kind``
    ("total", "saving", "extra"), ``change_gbp`` (a total's is its amount), ``bottom_gbp``,
    ``top_gbp`` and ``end_gbp``, the running total after the bar, where the next bar starts:
    the item bars run without a gap from the 2015 total to the plan's."""
    bridge = budget_bridge(baseline, cost).set_index("step")
    shown = [i for i in ITEMS if baseline.items[i] != 0 or cost.items[i] != 0]
    change = bridge.loc[shown, "change_gbp"].to_numpy(float)
    end = baseline.total_gbp + np.cumsum(change)
    start = np.concatenate([[baseline.total_gbp], end[:-1]])
    totals = ([baseline.total_gbp], [cost.total_gbp])
    return pd.DataFrame({
        "step": ["2015 service", *shown, "plan"],
        "label": ["2015 service", *(ITEM_LABELS.get(i, i) for i in shown), "Plan"],
        "kind": ["total", *np.where(change < 0, "saving", "extra"), "total"],
        "change_gbp": [*totals[0], *change, *totals[1]],
        "bottom_gbp": [0.0, *np.minimum(start, end), 0.0],
        "top_gbp": [*totals[0], *np.maximum(start, end), *totals[1]],
        "end_gbp": [*totals[0], *end, *totals[1]],
    })


def budget_bridge_chart(plan: SitingPlan, path: Path) -> None:
    """Save :func:`budget_bridge_figure` at ``path`` (png, pdf or svg; atomically)."""
    style.save(budget_bridge_figure(plan), path)


def budget_bridge_figure(plan: SitingPlan) -> Figure:
    """A waterfall from the 2015 cost through each item's change to the plan's cost (the bars
    of :func:`bridge_bars`), with the envelope as a line and the headroom or overrun labelled."""
    bars = bridge_bars(plan.baseline, plan.cost)
    budget = plan.inputs.siting.budget_gbp
    headroom = None if budget is None else budget - plan.cost.total_gbp
    with style.house_style():
        fig = Figure(figsize=(style.FULL_WIDTH_IN, 3.6))
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.08, 0.13, 0.9, 0.83))
        colours = bars["kind"].map({"total": _TOTAL, "saving": _SAVING, "extra": _EXTRA})
        hatches = bars["kind"].map({"extra": _EXTRA_HATCH}).fillna("")
        heights = (bars["top_gbp"] - bars["bottom_gbp"]) / 1e6
        for i, (bottom, height, colour, hatch) in enumerate(
                zip(bars["bottom_gbp"] / 1e6, heights, colours, hatches)):
            ax.bar(i, height, bottom=bottom, width=0.66, color=colour, hatch=hatch or None,
                   edgecolor=style.shade(colour, 0.3) if hatch else style.INK, linewidth=0.5)
        for i, level in enumerate(bars["end_gbp"].iloc[:-1] / 1e6):  # to the next bar's start
            ax.plot([i + 0.33, i + 0.67], [level] * 2, color=style.MUTED, linewidth=0.5)
        top = float(bars["top_gbp"].max()) / 1e6
        for i, row in bars.iterrows():
            up = row["kind"] != "saving"
            text = money(row["change_gbp"]) if row["kind"] == "total" else money(row["change_gbp"], signed=True)
            y = (row["top_gbp"] if up else row["bottom_gbp"]) / 1e6
            ax.text(i, y + (0.013 if up else -0.013) * top, text, ha="center",
                    va="bottom" if up else "top", fontsize=7, color=style.INK)
        if budget is not None and headroom is not None:
            ax.axhline(budget / 1e6, color=style.INK, linestyle="--", linewidth=0.8)
            word = "headroom" if headroom >= 0 else "over the envelope"
            ax.text(0.45, budget / 1e6 + 0.013 * top,
                    f"Envelope {money(budget)}: {money(abs(headroom))} {word}", ha="left",
                    va="bottom", fontsize=7, fontweight="bold",
                    color=style.INK if headroom >= 0 else style.shade(_EXTRA, 0.2),
                    path_effects=HALO)
        ax.set_xticks(np.arange(len(bars)), [_two_lines(label) for label in bars["label"]],
                      fontsize=7)
        ax.tick_params(axis="x", length=0)
        ax.set_xlim(-0.5, len(bars) - 0.5)
        ax.set_ylim(0, top * 1.1)
        ax.set_ylabel("£ million a year")
        ax.yaxis.grid(True)
        ax.set_axisbelow(True)
        ax.legend(handles=[Patch(facecolor=_SAVING, edgecolor=style.INK, linewidth=0.5),
                           Patch(facecolor=_EXTRA, hatch=_EXTRA_HATCH, linewidth=0.5,
                                 edgecolor=style.shade(_EXTRA, 0.3)),
                           Patch(facecolor=_TOTAL, edgecolor=style.INK, linewidth=0.5)],
                  labels=["Saving against 2015", "Extra cost against 2015", "Total a year"],
                  loc="upper right", bbox_to_anchor=(1.0, 1.0))
        style.finish(fig, bridge_title(plan), _bridge_footnote(plan))
    return fig


def bridge_title(plan: SitingPlan) -> str:
    """The finding: the plan's cost against 2015 and against the envelope."""
    total, base = plan.cost.total_gbp, plan.baseline.total_gbp
    budget = plan.inputs.siting.budget_gbp
    versus = "less" if total <= base else "more"
    title = (f"The plan costs {money(total)} a year, {money(abs(base - total))} {versus} than "
             f"the 2015 service's {money(base)}")
    if budget is None:
        return title
    headroom = budget - total
    if headroom >= 0:
        return f"{title}, and fits the {money(budget)} envelope with {money(headroom)} to spare"
    return f"{title}, and is {money(-headroom)} over the {money(budget)} envelope"


def money(gbp: float, *, signed: bool = False) -> str:
    """Pounds as £m to two decimals ("£17.23m", "−£7.84m"); amounts that would read £0.00m
    are given in pounds ("£455") so a small headroom does not look like none."""
    sign = "−" if gbp < 0 else ("+" if signed else "")
    value = abs(gbp)
    return sign + (f"£{value / 1e6:.2f}m" if value >= 5_000 else f"£{value:,.0f}")


def _two_lines(label: str) -> str:
    """A tick label broken after its first word, so that eleven fit side by side."""
    first, _, rest = label.partition(" ")
    return f"{first}\n{rest}" if rest else label


def _bridge_footnote(plan: SitingPlan) -> str:
    model = plan.inputs.cost_model
    config = model.config
    return (
        f"2015 cost: seed 003 (£{config.budget_2015_gbp:,.0f}); envelope: seed 003 section 7. "
        "Staff at NJC pay spine 2015/16 with employer National Insurance (HMRC 2015/16) and "
        f"pension ({config.lgps_employer_rate:.1%}, assumption); buildings at the geography's "
        "running cost of each open centre; sessions and outreach room hire at assumed unit costs "
        f"over {config.weeks_per_year:g} weeks. The calibration sets one item, the value of a "
        f"2015 commissioned children's-centre contract (£{model.commissioned_contract_gbp:,.0f} "
        "each), which the plan does not pay. Items zero in both years are not shown. Rates and "
        "sources: parameters.csv."
    )


# --- the map -------------------------------------------------------------------------------


def plan_map(plan: SitingPlan, path: Path) -> None:
    """Save :func:`plan_map_figure` at ``path`` (png, pdf or svg; atomically)."""
    style.save(plan_map_figure(plan), path)


def plan_map_figure(plan: SitingPlan) -> Figure:
    """The plan on the county: open centres (enhanced marked apart), the children an open
    centre or only outreach reaches within the walk limit and those beyond both, the outreach
    venues with a line to the centre that runs them, and the 2015 buildings that close."""
    geography = plan.inputs.geography
    with style.house_style():
        fig, ax, legend_ax = county_canvas(geography)
        draw_polygons(ax, geography.spas.geometry, facecolor="none", edgecolor=_SPA_EDGE,
                      linewidth=0.4, zorder=1)
        counts = _draw_reach(ax, plan)
        draw_polygons(ax, geography.districts.geometry, facecolor="none", edgecolor=style.INK,
                      linewidth=1.0, zorder=3)
        label_districts(ax, geography)
        places = _draw_places(ax, plan)
        xmin, xmax = ax.get_xlim()
        draw_scale_bar(ax, xmax, ax.get_ylim()[0], xmax - xmin)
        limit = geography.walk_standard_minutes
        stack_legends(legend_ax, [
            (f"Children 0-19 by access within a {limit:g}-minute walk (one dot per postcode)", [
                (Line2D([], [], linestyle="none", marker="o", markersize=4.5,
                        markerfacecolor=colour, markeredgecolor=style.shade(colour, 0.35),
                        markeredgewidth=0.4),
                 wrap_legend_label(f"{label}: {counts[reach]:,.0f} children"))
                for reach, (colour, _, label) in REACH_STYLES.items()]),
            ("Places", places),
            ("Also shown", [
                (Line2D([], [], color=style.INK, linewidth=1.0), "District boundary"),
                (Line2D([], [], color=_SPA_EDGE, linewidth=0.8), "Service planning area")]),
        ])
        style.finish(fig, map_title(plan), _map_footnote(plan), subtitle=map_subtitle(plan))
    return fig


def map_title(plan: SitingPlan) -> str:
    """The finding: centres, the share of children they reach and how many are beyond."""
    summary = plan.summary()
    share = summary["population_within_walk"] / summary["population_0_19"]
    return (f"{summary['centres_open']} centres reach {share:.0%} of children within "
            f"{summary['walk_limit_minutes']:g} minutes' walk; "
            f"{_about(summary['population_beyond_walk'])} are beyond")


def map_subtitle(plan: SitingPlan) -> str:
    """What the map shows, counted from the plan."""
    s = plan.summary()
    standard = count_noun(s["centres_open"] - s["enhanced_centres"], "standard centre")
    outreach = "no outreach venues" if not s["outreach_venues"] else (
        f"outreach at {count_noun(s['outreach_venues'], 'partner venue')} reaches "
        f"{_about(s['population_outreach_only'])} more")
    return (f"{s['enhanced_centres']} enhanced and {standard}; {outreach}; "
            f"of the {s['existing_buildings']} buildings of 2015, {s['existing_buildings_kept']} "
            f"kept and {s['existing_buildings_closed']} closed")


def _draw_reach(ax: Axes, plan: SitingPlan) -> dict[str, float]:
    """Homes with children as dots coloured by how they are reached; children per class."""
    points = plan.inputs.geography.demand_points
    children = points["population_0_19"].to_numpy(float)
    x, y = points["x"].to_numpy(float), points["y"].to_numpy(float)
    counts = {}
    for z, (reach, (colour, size, label)) in enumerate(REACH_STYLES.items()):
        mask = (plan.reach == reach) & (children > 0)
        counts[reach] = float(children[mask].sum())
        if mask.any():
            ax.scatter(x[mask], y[mask], s=size, c=colour, linewidths=0, rasterized=True,
                       zorder=2 + z / 10, gid=f"home: {label}")
    return counts


def _draw_places(ax: Axes, plan: SitingPlan) -> list[tuple[object, str]]:
    """Closed 2015 buildings (hollow), venues used (small, with a line to their centre), open
    centres (enhanced larger, a diamond); returns legend entries."""
    cand, venues = plan.candidates, plan.venues
    sites = plan.inputs.geography.sites
    closed = sites[sites["role_2015"].notna() & ~sites["site_id"].isin(plan.open_ids)]
    entries: list[tuple[object, str]] = []
    if len(venues):
        centre_xy = cand.set_index("site_id")[["x", "y"]]
        ran = venues["centre_site_id"].notna()
        ends = centre_xy.reindex(venues.loc[ran, "centre_site_id"]).to_numpy(float)
        starts = venues.loc[ran, ["x", "y"]].to_numpy(float)
        ax.add_collection(LineCollection(np.stack([starts, ends], axis=1), colors=style.INK,
                                         linewidths=0.5, zorder=4), autolim=False)
    standard, enhanced = cand[cand["open"] & ~cand["enhanced"]], cand[cand["enhanced"]]
    kinds = (
        (closed, PLACE_MARKERS["closed"], f"2015 building that closes: {len(closed)}"),
        (venues, PLACE_MARKERS["venue"], f"Outreach venue used (line to its centre): {len(venues)}"),
        (standard, PLACE_MARKERS["standard"], f"Standard centre: {len(standard)}"),
        (enhanced, PLACE_MARKERS["enhanced"], f"Enhanced centre: {len(enhanced)}"),
    )
    for z, (frame, marker, label) in enumerate(kinds):
        if len(frame):
            ax.scatter(frame["x"].to_numpy(float), frame["y"].to_numpy(float), zorder=4.5 + z / 10,
                       gid=label.split(":")[0], **marker)
        entries.append((_marker_handle(marker), wrap_legend_label(label)))
    return entries[::-1]


def _marker_handle(marker: dict[str, object]) -> Line2D:
    """The legend handle of a scatter drawn with ``marker`` (its keyword arguments)."""
    return Line2D([], [], linestyle="none", marker=marker["marker"],
                  markersize=math.sqrt(float(marker["s"])) + 1,
                  markerfacecolor=marker["facecolors"], markeredgecolor=marker["edgecolors"],
                  markeredgewidth=marker["linewidths"])


def _map_footnote(plan: SitingPlan) -> str:
    solver = plan.summary()["solver"]
    how = ("fixed by the scenario (not optimised)" if plan.breaches is not None else
           f"the siting programme under the scenario's rules (seed 003 sections 6-9), "
           f"{solver['status']} ({solver['name']})")
    return (f"{geography_footnote(plan.inputs.geography)} Plan: {how}. "
            "A home is reached by outreach only when a partner venue with outreach sessions is "
            "within the walk and no open centre is.")


def _about(n: float) -> str:
    """A count rounded to three significant figures, with thousands separators."""
    if n <= 0:
        return "0"
    digits = max(0, math.floor(math.log10(n)) - 2)
    return f"{round(n, -digits):,.0f}"

