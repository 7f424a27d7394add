"""The simulation's report: the waits chart and the quarterly district report (seed 001's shape).

Data in, figures, tables and HTML out; nothing here runs the model. :func:`waits_by_footprint_figure`
draws each footprint's wait for a lead professional from :func:`sim.kpis.interval_table`;
:func:`district_report_table` turns :func:`sim.kpis.district_breakdown` (every replication) and
the district intervals into one tidy table, with a RAG rating by the stated :class:`RagRule`;
:func:`district_report_html` renders that table as one self-contained page, one section per
district. Every figure is a mean over replications with its confidence interval.
"""

from __future__ import annotations

import html
import math
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import ArrayLike, NDArray

from earlyhelp import style
from earlyhelp.maps import HALO
from geodata.seed000 import THEME_LABELS, THEMES
from sim.config import RagRule
from sim.kpis import YEAR, interval, periods

# --- the rating rule ---------------------------------------------------------------------

GREEN, AMBER, RED = "Green", "Amber", "Red"
DEFAULT_RULE = RagRule()


def take_up_rating(take_up: ArrayLike, rule: RagRule = DEFAULT_RULE) -> NDArray[np.object_]:
    """"Green", "Amber" or "Red" for each take-up by ``rule``; None where it is unknown (NaN:
    a theme without capacity)."""
    x = np.asarray(take_up, dtype=float)
    green = (x >= rule.take_up_green_low) & (x <= rule.take_up_green_high)
    amber = (x >= rule.take_up_amber_low) & (x <= rule.take_up_amber_high)
    return _ratings(x, green, amber)


def wait_rating(p90_days: ArrayLike, rule: RagRule = DEFAULT_RULE) -> NDArray[np.object_]:
    """"Green", "Amber" or "Red" for each 90th-percentile wait by ``rule``; None where it is
    unknown (NaN: nobody was allocated)."""
    x = np.asarray(p90_days, dtype=float)
    return _ratings(x, x <= rule.wait_green_days, x <= rule.wait_amber_days)


def _ratings(x: NDArray[np.float64], green: NDArray[np.bool_], amber: NDArray[np.bool_]
             ) -> NDArray[np.object_]:
    out = np.where(green, GREEN, np.where(amber, AMBER, RED)).astype(object)
    out[np.isnan(x)] = None
    return out


# --- the waits chart -----------------------------------------------------------------------

_MEAN_COLOUR = style.OKABE_ITO[5]
_P90_COLOUR = style.tint(style.OKABE_ITO[1], 0.3)
_P90_HATCH = style.HATCHES[1]
_BAR = 0.36


def waits_chart(intervals: pd.DataFrame, path: str | os.PathLike[str], *,
                target_days: float | None = None, by_quarter: bool = False,
                confidence: float = 0.95) -> Path:
    """Save :func:`waits_by_footprint_figure` at ``path`` (png, pdf or svg; atomically)."""
    return style.save(waits_by_footprint_figure(intervals, target_days=target_days,
                                                by_quarter=by_quarter, confidence=confidence), path)


def waits_by_footprint_figure(intervals: pd.DataFrame, *, target_days: float | None = None,
                              by_quarter: bool = False, confidence: float = 0.95) -> Figure:
    """Each footprint's mean and 90th-percentile wait for a lead professional over the year,
    longest at the top, with confidence intervals; optionally each quarter's mean as markers
    and a target as a dashed line.

    ``intervals`` is :func:`sim.kpis.interval_table`'s frame and ``confidence`` the level it
    was made with (the footnote states it).
    """
    footprints = intervals[intervals["level"] == "footprint"]
    year = footprints[footprints["period"] == YEAR].set_index("area")
    if year.empty:
        raise ValueError("the intervals hold no footprint rows for the year")
    year = year.sort_values("wait_days_mean", na_position="first", kind="stable")
    quarters = [p for p in pd.unique(footprints["period"]) if p != YEAR] if by_quarter else []
    y = np.arange(len(year), dtype=float)
    with style.house_style():
        handles, labels = _waits_legend(confidence, quarters, target_days)
        bars_in, axis_in = 0.5 * len(year) + 0.2, 0.45
        legend_in = 0.18 * math.ceil(len(handles) / 3) + 0.05
        body_in = bars_in + axis_in + legend_in
        fig = Figure(figsize=(style.FULL_WIDTH_IN, body_in))
        left = 1.55 / style.FULL_WIDTH_IN
        ax = fig.add_axes((left, (axis_in + legend_in) / body_in, 0.97 - left, bars_in / body_in))
        ends = [_interval_bars(ax, year, "wait_days_mean", y + _BAR / 2, _MEAN_COLOUR, None),
                _interval_bars(ax, year, "wait_days_p90", y - _BAR / 2, _P90_COLOUR, _P90_HATCH)]
        for k, period in enumerate(quarters):
            means = footprints[footprints["period"] == period].set_index("area")["wait_days_mean"]
            ax.scatter(means.reindex(year.index).to_numpy(float), y + _BAR / 2, zorder=4, s=16,
                       marker=_quarter_marker(k), facecolors="white", edgecolors=style.INK,
                       linewidths=0.7)
            ends.append(means.to_numpy(float))
        if target_days is not None:
            ax.axvline(target_days, color=style.INK, linestyle="--", linewidth=0.8, zorder=1)
        right = np.nanmax(np.concatenate([*ends, [target_days or 0.0, 1.0]]))
        ax.set_xlim(0, right * 1.15)
        ax.set_ylim(-0.6, len(year) - 0.4)
        ax.set_yticks(y, [textwrap.fill(str(name), 24) for name in year.index])
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel("Days from a request for support to a lead professional's allocation")
        ax.xaxis.grid(True)
        ax.set_axisbelow(True)
        ax.legend(handles=handles, labels=labels, loc="upper center", ncols=3,
                  bbox_to_anchor=(0.5 - left / 2, -axis_in / bars_in))
        style.finish(fig, waits_title(year["wait_days_mean"]),
                     _waits_footnote(int(year["replications"].max()), confidence),
                     subtitle=_waits_subtitle(year["wait_days_p90"], target_days, by_quarter))
    return fig


def _waits_legend(confidence: float, quarters: Sequence[str], target_days: float | None
                  ) -> tuple[list[Artist], list[str]]:
    handles: list[Artist] = [
        Patch(facecolor=_MEAN_COLOUR, edgecolor=style.INK, linewidth=0.5),
        Patch(facecolor=_P90_COLOUR, hatch=_P90_HATCH, linewidth=0.5,
              edgecolor=style.shade(_P90_COLOUR, 0.3)),
        Line2D([], [], color=style.INK, linewidth=0.7, marker="|", markersize=5)]
    labels = ["Mean wait over the year", "90th-percentile wait over the year",
              f"{confidence:.0%} confidence interval"]
    for k, period in enumerate(quarters):
        handles.append(Line2D([], [], linestyle="none", marker=_quarter_marker(k), markersize=4,
                              markerfacecolor="white", markeredgecolor=style.INK,
                              markeredgewidth=0.7))
        labels.append(f"Mean wait in {period}")
    if target_days is not None:
        handles.append(Line2D([], [], color=style.INK, linestyle="--", linewidth=0.8))
        labels.append(f"Target: {target_days:g} days")
    return handles, labels


def _quarter_marker(k: int) -> str:
    return style.MARKERS[k % len(style.MARKERS)]


def _interval_bars(ax: Axes, year: pd.DataFrame, measure: str, y: NDArray[np.float64],
                   colour: str, hatch: str | None) -> NDArray[np.float64]:
    """One bar per footprint with its interval (cut at zero) and its value written after it;
    returns where each bar's drawing ends."""
    value = year[measure].to_numpy(float)
    low = np.clip(year[f"{measure}_ci_low"].to_numpy(float), 0, None)
    high = year[f"{measure}_ci_high"].to_numpy(float)
    ax.barh(y, np.nan_to_num(value), height=_BAR, color=colour, hatch=hatch, linewidth=0.5,
            edgecolor=style.shade(colour, 0.3) if hatch else style.INK, gid=measure)
    known = ~np.isnan(low) & ~np.isnan(high)
    ax.errorbar(value[known], y[known], xerr=[value[known] - low[known], high[known] - value[known]],
                fmt="none", ecolor=style.INK, elinewidth=0.7, capsize=2, zorder=3)
    end = np.fmax(value, np.where(known, high, np.nan))
    for yi, xi, vi in zip(y, end, value):
        text = "none allocated" if np.isnan(vi) else days(vi)
        ax.text(0 if np.isnan(xi) else xi, yi, f"  {text}", va="center", ha="left", fontsize=7,
                color=style.INK, path_effects=HALO)
    return end


def waits_title(means: pd.Series) -> str:
    """The finding: the footprint whose families wait longest, and how long on average."""
    known = means.dropna()
    if known.empty:
        return "No family was allocated a lead professional in the simulated year"
    worst = known.idxmax()
    if len(known) == 1:
        return f"Families in {worst} wait {days(known.max())} on average for a lead professional"
    return (f"Families in {worst} wait longest for a lead professional: {days(known.max())} on "
            f"average, against {days(known.min())} in {known.idxmin()}")


def _waits_subtitle(p90: pd.Series, target_days: float | None, by_quarter: bool) -> str:
    shown = "Mean and 90th-percentile wait over the simulated year, by footprint"
    if by_quarter:
        shown += "; markers: each quarter's mean"
    if target_days is None:
        return shown
    missed = int((p90 > target_days).sum())
    if not missed:
        return f"{shown}. Every footprint allocates 9 in 10 families within {target_days:g} days"
    return (f"{shown}. {missed} of {len(p90)} footprints fail to allocate 9 in 10 families "
            f"within {target_days:g} days")


def _waits_footnote(replications: int, confidence: float) -> str:
    return (
        f"Source: case-flow simulation, mean of {replications} replications of the year; error "
        f"bars: {confidence:.0%} confidence intervals (t distribution) over the replications, cut "
        "at zero. Wait: days from a request for support to a lead professional's allocation, for "
        "the cases the in-house team allocated in the period (requests referred to a commissioned "
        "provider or not progressed are not counted); 90th percentile: the wait within which 9 in "
        "10 of them were allocated. Parameters, their sources and assumptions: parameters.csv.")


def days(x: float) -> str:
    """A number of days for reading, rounded as :func:`readable` rounds ("4.5 days", "1 day")."""
    text = readable(x)
    return f"{text} day" if text == "1" else f"{text} days"


# --- the district report table -------------------------------------------------------------

#: Sections of the district report, in order.
COMMISSIONED = "Commissioned services"
SOURCES = "Sources of requests"
LEVELS = "Levels of need"
TEAM = "In-house team"
SECTIONS = (COMMISSIONED, SOURCES, LEVELS, TEAM)
TABLE_COLUMNS = ("district", "period", "section", "theme", "item", "value", "ci_low", "ci_high",
                 "rating")

#: Items of the commissioned-services section (one per theme), in seed 001's row order.
REQUESTS_IN_PERIOD = "Requests for support in the theme, in period"
REQUESTS_TO_DATE = "Requests for support in the theme, year to date"
REFERRED_IN_PERIOD = "Referred to the commissioned provider, in period"
REFERRED_TO_DATE = "Referred to the commissioned provider, year to date"
CAPACITY = "Total available capacity (families a year)"
CAPACITY_REMAINING = "Capacity remaining"
TAKE_UP = "Take-up against capacity for the year so far"
#: The column of :func:`_commissioned`'s per-replication frame behind each commissioned item:
#: a breakdown dimension, its sum over the quarters since 1 April, or the derived take-up.
_COMMISSIONED_COLUMNS = {REQUESTS_IN_PERIOD: "theme", REQUESTS_TO_DATE: "theme_to_date",
                         REFERRED_IN_PERIOD: "provider_referrals",
                         REFERRED_TO_DATE: "referrals_to_date", CAPACITY: "capacity",
                         CAPACITY_REMAINING: "capacity_remaining", TAKE_UP: "take_up"}

#: Items of the in-house team's section: interval-table measure -> label, in report order.
TEAM_ITEMS = {
    "requests": "Requests for support received (all routes)",
    "not_progressed": "Not progressed at screening",
    "to_provider": "Referred to a commissioned provider",
    "allocated": "Allocated a lead professional",
    "waiting_at_end": "Waiting for a lead professional at the period's end",
    "wait_days_mean": "Mean wait for a lead professional (days)",
    "wait_days_p90": "90th-percentile wait for a lead professional (days)",
    "caseload_per_fte_mean": "Open cases per case-holding FTE",
    "occupancy": "Caseload places in use",
    "closures": "Cases closed",
    "deescalated": "Closed cases de-escalated (thriving included)",
    "thriving": "Closed cases improved to thriving",
    "escalated": "Closed cases escalated to social care",
}
#: Items that are shares (shown as per cent).
SHARE_ITEMS = (TAKE_UP, TEAM_ITEMS["occupancy"])


def district_report_table(breakdown: pd.DataFrame, intervals: pd.DataFrame, *,
                          rule: RagRule = DEFAULT_RULE, confidence: float = 0.95,
                          run_days: float = 365.0) -> pd.DataFrame:
    """The quarterly district report as a tidy table, columns :data:`TABLE_COLUMNS`: one row per
    district, period, section, theme (commissioned services only, else "") and item, with the
    mean over replications, its ``confidence`` interval and, for the rated rows, a ``rating``.

    Sections: commissioned services by theme (requests, provider referrals in period and to
    date, capacity, capacity remaining, take-up rated by ``rule``) and requests by source and
    by level, all from ``breakdown`` (:func:`sim.kpis.district_breakdown`, every replication);
    the in-house team's flow, waits (the 90th percentile rated by ``rule``), caseload and
    outcomes from ``intervals`` (:func:`sim.kpis.interval_table`, level "district").
    ``run_days`` is the run's length, which fixes each period's share of the year.
    """
    elapsed = _year_elapsed(run_days)
    unknown = sorted(set(breakdown["period"]) - set(elapsed))
    if unknown:
        raise ValueError(f"breakdown periods {unknown} are not those of a {run_days:g}-day run: "
                         "pass the run's run_days")
    order = {p: k for k, p in enumerate(elapsed)}
    frames = [_commissioned(breakdown, elapsed, confidence)]
    counts = breakdown[breakdown["dimension"].isin(["source", "level"])]
    by = _summarise(counts.rename(columns={"category": "item"}),
                    ["district", "period", "dimension", "item"], confidence)
    by["section"] = by.pop("dimension").map({"source": SOURCES, "level": LEVELS})
    frames.append(by.assign(theme=""))
    frames.append(_team(intervals))
    table = pd.concat(frames, ignore_index=True).reindex(columns=list(TABLE_COLUMNS))
    table["rating"] = table["rating"].astype(object).where(table["rating"].notna(), None)
    rated = table["item"] == TAKE_UP
    table.loc[rated, "rating"] = take_up_rating(table.loc[rated, "value"], rule)
    rated = table["item"] == TEAM_ITEMS["wait_days_p90"]
    table.loc[rated, "rating"] = wait_rating(table.loc[rated, "value"], rule)
    rank = pd.DataFrame({"d": table["district"], "p": table["period"].map(order),
                         "s": table["section"].map({s: k for k, s in enumerate(SECTIONS)})})
    table = table.loc[rank.sort_values(["d", "p", "s"], kind="stable").index].reset_index(drop=True)
    table.attrs["rag_rule"] = rule.text()
    table.attrs["confidence"] = confidence
    table.attrs["replications"] = int(breakdown["replication"].nunique())
    return table


def _year_elapsed(run_days: float) -> dict[str, float]:
    """Each period's share of its financial year elapsed at its end (the whole run's for
    "year"), in period order."""
    out = {}
    for label, start, end in periods(run_days):
        year_start = 0.0 if label == YEAR else 365 * math.floor(start / 365)
        out[label] = (end - year_start) / 365
    return out


def _commissioned(breakdown: pd.DataFrame, elapsed: dict[str, float], confidence: float
                  ) -> pd.DataFrame:
    """The commissioned-services rows: each theme's counts per replication, summed since
    1 April where "to date", the take-up derived, then summarised over replications."""
    dims = ["theme", "provider_referrals", "capacity", "capacity_remaining"]
    rows = breakdown[breakdown["dimension"].isin(dims)]
    wide = (rows.set_index(["replication", "district", "period", "category", "dimension"])["value"]
            .unstack("dimension").reindex(columns=dims).astype(float).reset_index())
    rank = pd.DataFrame({"p": wide["period"].map({p: k for k, p in enumerate(elapsed)}),
                         "t": wide["category"].map({t: k for k, t in enumerate(THEMES)})})
    wide = wide.loc[rank.sort_values(["p", "t"], kind="stable").index]
    quarter = wide["period"] != YEAR
    year_of = wide["period"].str.rpartition(" ")[0]  # "Y2" of "Y2 Q3"; "" in a one-year run
    to_date = (wide[quarter].groupby([wide["replication"], wide["district"], wide["category"],
                                      year_of])[["theme", "provider_referrals"]].cumsum())
    wide[["theme_to_date", "referrals_to_date"]] = wide[["theme", "provider_referrals"]].to_numpy()
    wide.loc[to_date.index, ["theme_to_date", "referrals_to_date"]] = to_date.to_numpy()
    pro_rata = wide["capacity"] * wide["period"].map(elapsed)
    wide["take_up"] = wide["referrals_to_date"] / pro_rata.where(pro_rata > 0)
    long = wide.melt(id_vars=["replication", "district", "period", "category"],
                     value_vars=list(_COMMISSIONED_COLUMNS.values()), var_name="item",
                     value_name="value")
    long["item"] = long["item"].map({v: k for k, v in _COMMISSIONED_COLUMNS.items()})
    long["theme"] = long["category"].map(THEME_LABELS)
    out = _summarise(long, ["district", "period", "item", "theme"], confidence)
    return out.assign(section=COMMISSIONED)


def _summarise(frame: pd.DataFrame, keys: list[str], confidence: float) -> pd.DataFrame:
    """Mean and interval of ``value`` over replications for each group of ``keys`` (in order of
    first appearance)."""
    stats = frame.groupby(keys, sort=False)["value"].apply(
        lambda v: interval(v.to_numpy(float), confidence, floor=0.0))
    out = stats.index.to_frame(index=False)
    out[["value", "ci_low", "ci_high"]] = np.array(stats.tolist(), dtype=float).reshape(-1, 3)
    return out


def _team(intervals: pd.DataFrame) -> pd.DataFrame:
    """The in-house team's rows, from the district intervals."""
    district = intervals[intervals["level"] == "district"]
    frames = [pd.DataFrame({"district": district["area"], "period": district["period"],
                            "section": TEAM, "theme": "", "item": label,
                            "value": district[measure], "ci_low": district[f"{measure}_ci_low"],
                            "ci_high": district[f"{measure}_ci_high"]})
              for measure, label in TEAM_ITEMS.items()]
    return pd.concat(frames, ignore_index=True)


# --- the district report page --------------------------------------------------------------

_QUARTER_MONTHS = {"Q1": "April to June", "Q2": "July to September",
                   "Q3": "October to December", "Q4": "January to March"}
#: RAG cell fills: light enough for black text; the word in each cell carries the rating for
#: readers who do not see red and green apart and in grey print.
_RAG_FILL = {GREEN: style.tint(style.OKABE_ITO[3], 0.55), AMBER: style.tint(style.OKABE_ITO[1], 0.45),
             RED: "#f2a0a0"}
_MISSING = "\u2013"

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #222; margin: 2em auto;
       max-width: 68em; padding: 0 1em; font-size: 10.5pt; line-height: 1.35; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #222; padding-bottom: 0.15em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.3em 0 0.4em; }
p.meta, p.note { color: #555; }
p.note { font-size: 0.9em; }
table { border-collapse: collapse; margin-bottom: 0.6em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.55em; vertical-align: top; }
th { background: #ececec; text-align: left; font-weight: bold; }
tbody th { background: #f7f7f7; font-weight: normal; min-width: 15em; }
table.wide { width: 100%; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.rag { text-align: center; font-weight: bold; }
.pair { display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; }
@media print {
  body { margin: 0; max-width: none; font-size: 9pt; }
  section.district { break-before: page; }
  td.rag { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
""" + "".join(f"td.rag-{rating.lower()} {{ background: {fill}; }}\n"
              for rating, fill in _RAG_FILL.items())


def district_report_html(table: pd.DataFrame, *, scenario_name: str,
                         rule_text: str | None = None, period: str = YEAR) -> str:
    """One self-contained HTML page (inline CSS, no external assets) of :func:`district_report_table`'s
    ``table``: one section per district in seed 001's shape, the theme, source and level tables
    for ``period``, the in-house team's table for every period.

    Figures are rounded for reading and given as "mean (interval)"; RAG cells are coloured and
    named in words, so the page prints in grey. ``rule_text`` says how the ratings were given
    (by default the text of the rule the table was made with). All text is escaped; the page
    is ASCII (other characters as references), so any encoding writes it.
    """
    periods_ = list(pd.unique(table["period"]))
    if period not in periods_:
        raise ValueError(f"period {period!r} is not in the table (it has {periods_})")
    rule_text = rule_text or table.attrs.get("rag_rule") or DEFAULT_RULE.text()
    esc = html.escape
    districts = sorted(table["district"].unique())
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>District early help report: {esc(scenario_name)}</title>",
        f"<style>{_CSS}</style>", "</head>", "<body>",
        "<header>", "<h1>District Prevention &amp; Early Help report (simulated)</h1>",
        (f'<p class="meta">Scenario: <strong>{esc(scenario_name)}</strong>. Period: '
         f"<strong>{esc(_period_label(period))}</strong>. Districts: "
         f"{esc(', '.join(districts))}.</p>"),
        f'<p class="note">{esc(_reading_note(table))}</p>',
        "</header>",
    ]
    for district in districts:
        parts.append(_district_section(table[table["district"] == district], district, period,
                                       periods_))
    parts += ["<footer>", "<h2>How the ratings are given</h2>", f"<p>{esc(rule_text)}</p>",
              ('<p class="note">Source: case-flow simulation of the scenario; the parameters, '
               "their sources and assumptions are in parameters.csv. Shape of the report: the "
               "district Prevention &amp; Early Help update (seed 001).</p>"),
              "</footer>", "</body>", "</html>", ""]
    return "\n".join(parts).encode("ascii", "xmlcharrefreplace").decode("ascii")


def _reading_note(table: pd.DataFrame) -> str:
    replications = table.attrs.get("replications")
    confidence = table.attrs.get("confidence")
    over = f"{replications} simulated years (replications)" if replications else "the replications"
    level = f"{confidence:.0%} " if confidence else ""
    return (f"Each figure is the mean over {over}, with its {level}confidence interval in "
            "brackets where the replications differ: 12 (10-14). Counts are families or cases; "
            f"{_MISSING} means there is no figure (no capacity, or nobody allocated).")


def _period_label(period: str) -> str:
    if period == YEAR:
        return "the simulated year"
    months = _QUARTER_MONTHS.get(period.rpartition(" ")[2])
    return f"{period} ({months})" if months else period


def _district_section(rows: pd.DataFrame, district: str, period: str, periods_: Sequence[str]
                      ) -> str:
    esc = html.escape
    now = rows[rows["period"] == period]
    commissioned = now[now["section"] == COMMISSIONED]
    themes = [THEME_LABELS[t] for t in THEMES if THEME_LABELS[t] in set(commissioned["theme"])]
    by_theme = commissioned.set_index(["item", "theme"])
    team = rows[rows["section"] == TEAM].set_index(["item", "period"])
    label = _period_label(period)
    activity = [REQUESTS_IN_PERIOD, REFERRED_IN_PERIOD] if period == YEAR else [
        REQUESTS_IN_PERIOD, REQUESTS_TO_DATE, REFERRED_IN_PERIOD, REFERRED_TO_DATE]
    out = [f'<section class="district" id="{esc(_anchor(district))}">', f"<h2>{esc(district)}</h2>",
           f'<p class="lead">{esc(_district_lead(team, period))}</p>',
           f"<h3>Commissioned services: activity, {esc(label)}</h3>",
           _grid(by_theme, activity, themes, "Theme"),
           f"<h3>Commissioned services: capacity and take-up, {esc(label)}</h3>",
           _grid(by_theme, [CAPACITY, CAPACITY_REMAINING, TAKE_UP], themes, "Theme",
                 rating_of=TAKE_UP, rating_label="RAG rating (take-up)"),
           '<div class="pair">']
    for section, corner in ((SOURCES, "Source"), (LEVELS, "Continuum of Need level")):
        part = now[now["section"] == section].set_index(["item", "period"])
        out += ["<div>", f"<h3>{esc(section)}, {esc(label)}</h3>",
                _grid(part, list(pd.unique(part.index.get_level_values(0))), [period], corner,
                      headings={period: "Requests"}),
                "</div>"]
    out += ["</div>", "<h3>In-house team: requests, waits, closures and outcomes</h3>",
            _grid(team, list(TEAM_ITEMS.values()), list(periods_), "Measure",
                  rating_of=TEAM_ITEMS["wait_days_p90"], rating_label="RAG rating (waits)",
                  headings={p: ("Year" if p == YEAR else p) for p in periods_}),
            "</section>"]
    return "\n".join(out)


def _district_lead(team: pd.DataFrame, period: str) -> str:
    """One line with the district's headline for ``period``: requests, waits and their rating."""
    def get(measure: str) -> pd.Series | None:
        key = (TEAM_ITEMS[measure], period)
        return team.loc[key] if key in team.index else None

    requests, mean, p90 = get("requests"), get("wait_days_mean"), get("wait_days_p90")
    if requests is None or mean is None or p90 is None:
        return ""
    label = _period_label(period)
    text = f"{label[0].upper()}{label[1:]}: {readable(requests['value'])} requests for support"
    if pd.isna(p90["value"]):
        return f"{text}; nobody was allocated a lead professional."
    within = "on the day they asked" if readable(p90["value"]) == "0" else f"within {days(p90['value'])}"
    return (f"{text}; a mean wait of {days(mean['value'])} for a lead professional, and 9 in 10 "
            f"families allocated one {within} (waits rated {p90['rating']}).")


def _grid(rows: pd.DataFrame, items: Sequence[str], columns: Sequence[str], corner: str, *,
          rating_of: str | None = None, rating_label: str = "",
          headings: dict[str, str] | None = None) -> str:
    """A table of ``items`` (rows) by ``columns`` from ``rows`` indexed by (item, column); a RAG
    row of ``rating_of``'s ratings last."""
    esc = html.escape
    heads = "".join(f"<th>{esc((headings or {}).get(c, c))}</th>" for c in columns)
    wide = ' class="wide"' if len(columns) > 1 else ""
    out = [f"<table{wide}>", f"<thead><tr><th>{esc(corner)}</th>{heads}</tr></thead>", "<tbody>"]
    for item in items:
        share = item in SHARE_ITEMS
        cells = "".join(f'<td class="num">{esc(_cell(rows, (item, c), share))}</td>' for c in columns)
        out.append(f"<tr><th>{esc(item)}</th>{cells}</tr>")
    if rating_of is not None:
        cells = "".join(_rag_cell(rows.loc[(rating_of, c), "rating"] if (rating_of, c) in rows.index
                                  else None) for c in columns)
        out.append(f"<tr><th>{esc(rating_label)}</th>{cells}</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def _cell(rows: pd.DataFrame, key: tuple[str, str], share: bool) -> str:
    if key not in rows.index:
        return _MISSING
    row = rows.loc[key]
    fmt = _share if share else readable
    value, low, high = (float(row[c]) for c in ("value", "ci_low", "ci_high"))
    if math.isnan(value):
        return _MISSING
    if math.isnan(low) or math.isnan(high):
        return fmt(value)
    low_text, high_text = fmt(max(low, 0.0)), fmt(high)
    if low_text == high_text:
        return fmt(value)
    return f"{fmt(value)} ({low_text}-{high_text})"


def _rag_cell(rating: object) -> str:
    if rating not in _RAG_FILL:
        return '<td class="rag">not rated</td>'
    return f'<td class="rag rag-{str(rating).lower()}">{html.escape(str(rating))}</td>'


def readable(x: float) -> str:
    """A mean for reading: whole numbers from 10, one decimal below ("2.3", "2", "1,204")."""
    return f"{x:,.0f}" if abs(x) >= 9.95 else f"{x:.1f}".removesuffix(".0")


def _share(x: float) -> str:
    return f"{x:.0%}"


def _anchor(name: str) -> str:
    return "district-" + "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())
