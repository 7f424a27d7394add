"""Charts for cabinet papers, in the house style (see :mod:`earlyhelp.style`).

Each chart takes plain data (shares, counts), not a model object, so the same chart serves the
geography today and a siting plan or a scenario comparison later.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from earlyhelp import style


def coverage_chart(
    share: pd.Series,
    children: pd.Series,
    *,
    limit_minutes: float,
    reached: str,
    source: str,
) -> Figure:
    """Horizontal bars: share of children within the walk limit, by area, lowest at the top.

    ``share`` (0-1) and ``children`` are indexed by area name; ``reached`` says what is walked
    to ("a candidate building", "an open centre"). The title states the county figure and the
    area with the lowest access; each bar is labelled with its share and the number of
    children beyond the limit.
    """
    table = pd.DataFrame({"share": share, "children": children}).sort_values("share", ascending=False)
    beyond = (table["children"] * (1 - table["share"])).round().astype(int)
    county = float((table["share"] * table["children"]).sum() / table["children"].sum())
    lowest = table.index[-1]
    with style.house_style():
        fig = Figure(figsize=(style.FULL_WIDTH_IN, 0.28 * len(table) + 0.9))
        ax = fig.add_axes((0.2, 0.14, 0.62, 0.8))
        colour = style.CATEGORY_COLOURS[4]
        ax.barh(table.index, table["share"] * 100, color=colour, edgecolor=style.INK, linewidth=0.5)
        ax.axvline(county * 100, color=style.INK, linestyle="--", linewidth=0.8)
        ax.text(county * 100, len(table) - 0.4, f" county {county:.0%}", va="bottom", ha="left",
                color=style.INK, fontsize=7)
        for y, (name, row) in enumerate(table.iterrows()):
            ax.text(101, y, f"{row['share']:.0%}  ({beyond[name]:,} beyond)", va="center", ha="left",
                    fontsize=7, color=style.INK, clip_on=False)
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"Children and young people 0-19 within a {limit_minutes:g}-minute walk (%)")
        ax.tick_params(axis="y", length=0)
        style.finish(
            fig,
            f"{county:.0%} of children live within a {limit_minutes:g}-minute walk of {reached}; "
            f"{lowest} is lowest at {table.loc[lowest, 'share']:.0%}",
            source,
        )
    return fig


def fte_chart(footprints: pd.DataFrame, *, source: str) -> Figure:
    """Stacked horizontal bars: frontline, management and support FTE by footprint (largest at
    the top), each bar labelled with its total. ``footprints`` is indexed by footprint with
    columns ``fte_frontline``, ``fte_management``, ``fte_support``. The title states the
    establishment and its frontline share."""
    parts = ("fte_frontline", "fte_management", "fte_support")
    labels = ("Frontline", "Management", "Delivery support")
    table = footprints[list(parts)].astype(float)
    table = table.loc[table.sum(axis=1).sort_values().index]
    total = float(table.to_numpy().sum())
    frontline = float(table["fte_frontline"].sum())
    with style.house_style():
        fig = Figure(figsize=(style.FULL_WIDTH_IN, 0.42 * len(table) + 1.1))
        ax = fig.add_axes((0.27, 0.24, 0.6, 0.7))
        left = pd.Series(0.0, index=table.index)
        # a footprint's name is up to three districts long: two lines keep the bars wide
        names = [textwrap.fill(str(name), 24) for name in table.index]
        for part, label, colour, hatch in zip(parts, labels, style.CATEGORY_COLOURS,
                                              style.HATCHES):
            ax.barh(names, table[part].to_numpy(), left=left.to_numpy(), color=colour, hatch=hatch,
                    edgecolor=style.INK, linewidth=0.5, label=label)
            left += table[part]
        for y, value in enumerate(left):
            ax.text(value, y, f" {_fte(value)}", va="center", ha="left", fontsize=7,
                    color=style.INK, clip_on=False)
        ax.set_xlim(0, float(left.max()) * 1.15)
        ax.set_xlabel("Full-time equivalent staff")
        ax.tick_params(axis="y", length=0)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, frameon=False,
                  fontsize=7)
        style.finish(fig, f"{_fte(total)} FTE, {_fte(frontline)} of them frontline "
                     f"({frontline / total:.1%}); {table.index[-1]} has the most "
                     f"({_fte(left.iloc[-1])})", source)
    return fig


def _fte(value: float) -> str:
    """FTE as a reader writes them: whole numbers plainly, parts of a post to one decimal."""
    return f"{value:,.0f}" if abs(value - round(value)) < 0.05 else f"{value:,.1f}"


def waits_before_after_chart(waits: pd.DataFrame, *, target_days: float, moved_fte: float,
                             source: str) -> Figure:
    """By SPA (the longest wait before at the top): the 90th-percentile wait before (hollow) and
    after (filled) a change of staff, each with its interval, and the target as a dashed line.
    ``waits`` is indexed by SPA with ``p90_before``, ``p90_after`` and their ``_ci_low`` and
    ``_ci_high``. The title states the worst SPA's wait before and after."""
    table = waits.sort_values("p90_before")
    y = np.arange(len(table))
    worst_before, worst_after = table["p90_before"].max(), table["p90_after"].max()
    colour_before, colour_after = style.CATEGORY_COLOURS[1], style.CATEGORY_COLOURS[0]
    with style.house_style():
        fig = Figure(figsize=(style.FULL_WIDTH_IN, 0.2 * len(table) + 1.2))
        ax = fig.add_axes((0.16, 0.12, 0.8, 0.82))
        for when, colour, face, shift in (("before", colour_before, "white", 0.15),
                                          ("after", colour_after, colour_after, -0.15)):
            mean = table[f"p90_{when}"].to_numpy(float)
            low = table[f"p90_{when}_ci_low"].to_numpy(float)
            high = table[f"p90_{when}_ci_high"].to_numpy(float)
            ax.errorbar(mean, y + shift, xerr=np.vstack([mean - low, high - mean]), fmt="o",
                        color=colour, markerfacecolor=face, markeredgecolor=colour,
                        markersize=4, elinewidth=0.8, capsize=1.5,
                        label=f"{when.capitalize()} (mean and interval)")
        ax.axvline(target_days, color=style.INK, linestyle="--", linewidth=0.8,
                   label=f"Target: {target_days:g} days")
        ax.set_yticks(y, table.index, fontsize=6.5)
        ax.set_ylim(-0.7, len(table) - 0.3)
        ax.set_xlim(left=0)
        ax.set_xlabel("90th-percentile wait for a lead professional (days)")
        ax.tick_params(axis="y", length=0)
        ax.legend(loc="lower right", frameon=False, fontsize=7)
        style.finish(fig, f"Moving {_fte(moved_fte)} FTE between SPAs takes the longest "
                     f"90th-percentile wait from {worst_before:.0f} to {worst_after:.0f} days "
                     f"(target {target_days:g})", source)
    return fig


def frontier_chart(points: pd.DataFrame, marks: pd.DataFrame, *, column: str, source: str) -> Figure:
    """Two panels over the axis ``column`` (``budget_gbp`` or ``centres``): the need-weighted
    share reached within the walk, and the 90th-percentile wait with its interval; points
    without a plan are crosses on the axis, the marked services (``marks``, by ``kind``) are
    labelled. The title states how far coverage and the wait move across the curve."""
    solved = points[points["status"] == "optimal"].sort_values(column)
    money = column == "budget_gbp"
    scale = 1e6 if money else 1.0
    x = solved[column] / scale
    with style.house_style():
        fig = Figure(figsize=(style.FULL_WIDTH_IN, 5.2))
        top = fig.add_axes((0.1, 0.56, 0.86, 0.38))
        low = fig.add_axes((0.1, 0.1, 0.86, 0.38), sharex=top)
        line = style.CATEGORY_COLOURS[0]
        top.plot(x, solved["coverage_share"] * 100, "-o", color=line, markersize=3.5,
                 label="Best plan: by a centre or outreach")
        top.plot(x, solved["coverage_share_by_centre"] * 100, "--", color=line, linewidth=1.0,
                 label="Best plan: by a centre")
        low.plot(x, solved["wait_days_p90"], "-o", color=line, markersize=3.5)
        low.fill_between(x, solved["wait_days_p90_ci_low"], solved["wait_days_p90_ci_high"],
                         color=style.tint(line, 0.6), linewidth=0)
        none = points[points["status"] != "optimal"]
        for ax in (top, low):
            ax.plot(none[column] / scale, np.zeros(len(none)), "x", color=style.MUTED,
                    clip_on=False, label="No plan under the rules" if ax is top else None)
        for (_, mark), marker, colour in zip(marks.iterrows(), ("D", "s"),
                                             style.CATEGORY_COLOURS[1:3], strict=False):
            at = mark[column] / scale
            top.plot(at, mark["coverage_share"] * 100, marker, color=colour, markersize=6,
                     markeredgecolor=style.INK, label=str(mark["kind"]).capitalize())
            low.plot(at, mark["wait_days_p90"], marker, color=colour, markersize=6,
                     markeredgecolor=style.INK)
        top.set_ylabel("Need reached within the walk (%)")
        low.set_ylabel("90th-percentile wait (days)")
        low.set_xlabel("Annual envelope (£m)" if money else "Centres")
        low.set_ylim(bottom=0)
        top.legend(loc="lower right", frameon=False, fontsize=7)
        if len(solved) >= 2:
            first, last = solved.iloc[0], solved.iloc[-1]
            span = (f"£{first[column] / 1e6:.1f}m to £{last[column] / 1e6:.1f}m" if money
                    else f"{first[column]:.0f} to {last[column]:.0f} centres")
            title = (f"From {span}, the need reached within the walk goes from "
                     f"{first['coverage_share']:.0%} to {last['coverage_share']:.0%} and the "
                     f"90th-percentile wait from {first['wait_days_p90']:.0f} to "
                     f"{last['wait_days_p90']:.0f} days")
        else:
            title = "Too few points have a plan to draw a curve"
        style.finish(fig, title, source)
    return fig
