"""The print map of the geography: footprints, SPAs, districts and candidate buildings.

One figure a planner can read on a black-and-white A4 page: each delivery footprint has an
Okabe-Ito tint *and* a hatch, each kind of building a marker shape, stand-ins (2015 buildings
placed at a school) are hollow, and homes beyond the walking limit are small grey dots. The
title is the finding, computed from the data.

Figures are made with :class:`matplotlib.figure.Figure` directly (Agg, no pyplot state), and
polygons are drawn as matplotlib paths rather than through ``GeoDataFrame.plot``, which
touches pyplot's global figure.
"""

from __future__ import annotations

import os
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from earlyhelp import style
from earlyhelp.charts import coverage_chart
from geodata import Geography
from geodata.seed003 import FOOTPRINTS

#: Label of the stand-in buildings in the legend.
STAND_IN_LABEL = "Stand-in (2015 estate, at a school)"


@dataclass(frozen=True)
class BuildingKind:
    """How one kind of building is drawn: legend label, marker shape and marker area."""

    label: str
    marker: str
    size: float
    site_types: frozenset[str]


#: Kinds of building, in legend order; the shape alone tells them apart in grey print.
BUILDING_KINDS: tuple[BuildingKind, ...] = (
    BuildingKind("Family hub or children's centre", "o", 20,
                 frozenset({"family_hub", "children_family_centre", "children_centre"})),
    BuildingKind("Youth zone or young people's centre", "^", 24,
                 frozenset({"youth_zone", "young_peoples_centre"})),
    BuildingKind("Neighbourhood centre", "D", 14, frozenset({"neighbourhood_centre"})),
    BuildingKind("Library", "s", 16, frozenset({"library"})),
    BuildingKind("School", "p", 22, frozenset({"school"})),
)
OTHER_KIND = BuildingKind("Other building", "X", 20, frozenset())

SCALE_BAR_M = 10_000.0
MAP_WIDTH_IN = 4.95
LEGEND_WIDTH_IN = style.FULL_WIDTH_IN - MAP_WIDTH_IN - 0.1
MIN_BODY_IN = 3.8
_PAD = 0.03  # share of the data extent left around the map
_FILL_TINT = 0.55
_HATCH_SHADE = 0.25
_WRAP = 30  # characters per legend line
_NBSP = "\u00a0"  # keeps a count on the line of the word before it
HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]


def geography_map(geography: Geography, *, title: str | None = None) -> Figure:
    """The print map of ``geography``; the title defaults to the walking-access finding."""
    spas, sites = geography.spas, geography.sites
    xmin, ymin, xmax, _ = map_extent(geography)
    with style.house_style():
        fig, ax, legend_ax = county_canvas(geography)

        footprints = _footprint_styles(spas["footprint"])
        _draw_spas(ax, spas, footprints)
        uncovered = _draw_uncovered(ax, geography)
        draw_polygons(ax, geography.districts.geometry, facecolor="none",
                       edgecolor=style.INK, linewidth=1.3, zorder=3)
        label_districts(ax, geography)
        kinds = _draw_sites(ax, sites)
        draw_scale_bar(ax, xmax, ymin, xmax - xmin)
        _draw_legends(fig, legend_ax, spas, footprints, kinds, uncovered, geography)
        style.finish(fig, title or map_title(geography), geography_footnote(geography),
                     subtitle=map_subtitle(geography))
    return fig


def county_canvas(geography: Geography) -> tuple[Figure, Axes, Axes]:
    """A figure at the geography map's size, its map axes (extent set, equal aspect, no frame)
    and its legend column; call inside :func:`earlyhelp.style.house_style`."""
    xmin, ymin, xmax, ymax = map_extent(geography)
    ratio = float(np.clip((ymax - ymin) / (xmax - xmin), 0.6, 1.5))
    fig = Figure(figsize=(style.FULL_WIDTH_IN, max(MIN_BODY_IN, MAP_WIDTH_IN * ratio)))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, MAP_WIDTH_IN / style.FULL_WIDTH_IN, 1))
    ax.set_axis_off()
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    legend_ax = fig.add_axes(((MAP_WIDTH_IN + 0.1) / style.FULL_WIDTH_IN, 0,
                              LEGEND_WIDTH_IN / style.FULL_WIDTH_IN, 1))
    legend_ax.set_axis_off()
    return fig, ax, legend_ax


def stack_legends(ax: Axes, sections: list[tuple[str, list[tuple[object, str]]]]) -> None:
    """Titled legends stacked top-down in ``ax`` (a legend column), empty sections skipped."""
    renderer = ax.figure.canvas.get_renderer()
    top = 1.0
    for title, entries in sections:
        if not entries:
            continue
        legend = Legend(ax, [h for h, _ in entries], [t for _, t in entries],
                        title=wrap_legend_label(title), loc="upper left",
                        bbox_to_anchor=(0, top), alignment="left", borderaxespad=0,
                        borderpad=0.2, handlelength=1.6, handleheight=1.1, labelspacing=0.5)
        legend.get_title().set_fontweight("bold")
        ax.add_artist(legend)
        top = legend.get_window_extent(renderer).transformed(ax.transAxes.inverted()).y0 - 0.03


def save_geography_map(geography: Geography, path: str | os.PathLike[str]) -> Path:
    """Render the map of ``geography`` and save it as a PNG at ``path`` (atomically)."""
    return style.save(geography_map(geography), path)


def map_title(geography: Geography) -> str:
    """The finding: the share of children within the walking limit of a candidate building."""
    share = geography.share_within_walk()
    limit = geography.config.walk_limit_minutes
    return (f"{share:.0%} of children and young people live within a {limit:.0f}-minute walk "
            "of a candidate building")


def map_subtitle(geography: Geography) -> str:
    """What the map shows, counted from the data."""
    n_spas = len(geography.spas)
    n_footprints = geography.spas["footprint"].nunique()
    n_sites = len(geography.sites)
    n_stand_ins = int(geography.sites["stand_in"].fillna(False).astype(bool).sum())
    return (f"{count_noun(n_spas, 'service planning area')} in "
            f"{count_noun(n_footprints, 'delivery footprint')}; "
            f"{count_noun(n_sites, 'candidate building')} ({count_noun(n_stand_ins, 'stand-in')})")


def geography_footnote(geography: Geography) -> str:
    """Sources and assumptions, with the walking parameters read from the config."""
    config = geography.config
    if config.spa_boundaries is not None:
        spas = f"SPAs are the user's boundaries from {Path(config.spa_boundaries).name}"
    else:
        spas = "SPAs are built by the model (the council's boundaries are unpublished)"
    walking = f"walking time = straight-line distance x {config.circuity:g} (circuity)"
    if config.walk_network is not None:
        walking = f"walking time along the paths and streets of {Path(config.walk_network).name}"
    sites = ""
    if config.sites_file is not None:
        sites = f" Buildings include the user's list {Path(config.sites_file).name}."
    return (
        "Sources: ONS Postcode Directory, ONS mid-2020 population estimates, MHCLG IMD 2019, "
        "ONS LSOA 2011 boundaries, LCC land and property register, DfE EduBase 2015 "
        f"(all OGL v3.0). {spas}; {walking} at {config.walk_speed_kmh:g} km/h.{sites}"
    )


def _counted(label: str, n: int) -> str:
    return f"{label}{_NBSP}–{_NBSP}{n}"


def wrap_legend_label(text: str) -> str:
    return textwrap.fill(text, _WRAP, break_long_words=False, break_on_hyphens=False)


def count_noun(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def map_extent(geography: Geography) -> tuple[float, float, float, float]:
    """Bounds of everything drawn, with a margin (metres)."""
    boxes = [frame.total_bounds for frame in (geography.spas, geography.districts, geography.sites)
             if len(frame)]
    bounds = np.vstack(boxes)
    xmin, ymin = np.nanmin(bounds[:, :2], axis=0)
    xmax, ymax = np.nanmax(bounds[:, 2:], axis=0)
    pad = _PAD * max(xmax - xmin, ymax - ymin, 1.0)
    return xmin - pad, ymin - pad, xmax + pad, ymax + pad


def _footprint_styles(footprints: pd.Series) -> dict[str, tuple[str, str]]:
    """Colour and hatch of each footprint: the seed's footprints in its order, then others."""
    present = set(footprints.dropna())
    names = [f for f in FOOTPRINTS if f in present] + sorted(present - set(FOOTPRINTS))
    colours = style.category_colours(len(names))
    return {name: (colours[i], style.HATCHES[i]) for i, name in enumerate(names)}


def _path(geometry: BaseGeometry) -> MplPath | None:
    """A shapely (multi)polygon as one matplotlib path, holes included; None if empty."""
    if geometry is None or geometry.is_empty:
        return None
    vertices, codes = [], []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        polygon = orient(polygon, 1.0)  # exterior anticlockwise, holes clockwise
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            vertices.append(xy)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def draw_polygons(ax: Axes, geometries: Iterable[BaseGeometry], **kwargs: object) -> None:
    patches = [PathPatch(p) for p in map(_path, geometries) if p is not None]
    if patches:
        ax.add_collection(PatchCollection(patches, **kwargs), autolim=False)


def _draw_spas(ax: Axes, spas: pd.DataFrame, footprints: dict[str, tuple[str, str]]) -> None:
    """Footprint fills (tint + hatch in a darker shade), then thin white SPA boundaries."""
    for name, (colour, hatch) in footprints.items():
        members = spas.loc[spas["footprint"] == name, "geometry"]
        # The edge colour is the hatch colour; the edge itself is not drawn (width 0).
        draw_polygons(ax, members, facecolor=style.tint(colour, _FILL_TINT),
                       edgecolor=style.shade(colour, _HATCH_SHADE), linewidth=0,
                       hatch=hatch or None, zorder=1)
    draw_polygons(ax, spas.geometry, facecolor="none", edgecolor="white", linewidth=0.7, zorder=2)


def _draw_uncovered(ax: Axes, geography: Geography) -> int:
    """Homes (postcode points with children) beyond the walking limit, as tiny grey dots."""
    points = geography.demand_points
    beyond = ~geography.covered() & (points["population_0_19"].to_numpy() > 0)
    if beyond.any():
        ax.scatter(points["x"].to_numpy()[beyond], points["y"].to_numpy()[beyond], s=0.6,
                   c="#555555", linewidths=0, zorder=2.5, rasterized=True, gid="home beyond walk")
    return int(beyond.sum())


def label_districts(ax: Axes, geography: Geography) -> None:
    """District names, each placed inside its district where it hides the fewest buildings."""
    ax.apply_aspect()  # settle the data limits, so text sizes convert to metres
    renderer = ax.figure.canvas.get_renderer()
    to_data = ax.transData.inverted()
    sites_xy = geography.sites[["x", "y"]].to_numpy(dtype=float)
    for row in geography.districts.itertuples():
        if row.geometry is None or row.geometry.is_empty:
            continue
        text = ax.text(0, 0, row.district, ha="center", va="center", fontsize=7,
                       fontweight="bold", color=style.INK, zorder=6, path_effects=HALO)
        box = text.get_window_extent(renderer)
        (x0, y0), (x1, y1) = to_data.transform([(box.x0, box.y0), (box.x1, box.y1)])
        text.set_position(_label_point(row.geometry, sites_xy, (x1 - x0) / 2, (y1 - y0) / 2))


def _label_point(area: BaseGeometry, sites_xy: np.ndarray, half_w: float, half_h: float
                 ) -> tuple[float, float]:
    """A point in ``area`` for a label of half-size ``half_w`` x ``half_h`` (metres).

    Scores a grid of points inside the area: the label box (plus a marker's margin) clear of
    buildings, inside the area rather than across its edge, and near the middle; falls back
    to the area's representative point.
    """
    middle = area.representative_point()
    xmin, ymin, xmax, ymax = area.bounds
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, 40), np.linspace(ymin, ymax, 40))
    grid = shapely.points(gx.ravel(), gy.ravel())
    inside = shapely.contains(area, grid)
    if not inside.any():
        return middle.x, middle.y
    candidates = np.column_stack([gx.ravel()[inside], gy.ravel()[inside]])
    margin = 0.4 * half_h
    if len(sites_xy):
        dx = np.abs(candidates[:, None, 0] - sites_xy[None, :, 0]) / (half_w + margin)
        dy = np.abs(candidates[:, None, 1] - sites_xy[None, :, 1]) / (half_h + margin)
        clearance = np.minimum(np.maximum(dx, dy).min(axis=1), 1.2)
    else:
        clearance = np.full(len(candidates), 1.2)
    boxes = shapely.box(candidates[:, 0] - half_w - margin, candidates[:, 1] - half_h - margin,
                        candidates[:, 0] + half_w + margin, candidates[:, 1] + half_h + margin)
    within = shapely.area(shapely.intersection(boxes, area)) / shapely.area(boxes)
    centre = np.hypot(candidates[:, 0] - middle.x, candidates[:, 1] - middle.y) / half_w
    score = 2 * clearance + 3 * within - 0.15 * centre
    best = candidates[int(np.argmax(score))]
    return float(best[0]), float(best[1])


def _kind_of(site_type: object) -> BuildingKind:
    for kind in BUILDING_KINDS:
        if site_type in kind.site_types:
            return kind
    return OTHER_KIND


def _draw_sites(ax: Axes, sites: pd.DataFrame) -> list[tuple[Line2D, str]]:
    """Buildings as black markers shaped by kind, stand-ins hollow; returns legend entries."""
    kinds = [_kind_of(t) for t in sites["site_type"]]
    stand_in = sites["stand_in"].fillna(False).astype(bool).to_numpy()
    x, y = sites["x"].to_numpy(), sites["y"].to_numpy()
    entries = []
    for kind in (*BUILDING_KINDS, OTHER_KIND):
        is_kind = np.array([k is kind for k in kinds], dtype=bool)
        solid, hollow = is_kind & ~stand_in, is_kind & stand_in
        if solid.any():
            ax.scatter(x[solid], y[solid], marker=kind.marker, s=kind.size,
                       facecolors=style.INK, edgecolors="white", linewidths=0.4, zorder=5,
                       gid=f"building:{kind.label}")
            entries.append((_handle(kind, hollow=False), _counted(kind.label, int(solid.sum()))))
        if hollow.any():
            ax.scatter(x[hollow], y[hollow], marker=kind.marker, s=kind.size,
                       facecolors="none", edgecolors=style.INK, linewidths=0.8, zorder=4,
                       gid=f"stand-in:{kind.label}")
    if stand_in.any():
        # One entry for all stand-ins, shaped as their commonest kind (a school, in practice).
        commonest = Counter(k for k, s in zip(kinds, stand_in) if s).most_common(1)[0][0]
        label = _counted(STAND_IN_LABEL, int(stand_in.sum()))
        entries.append((_handle(commonest, hollow=True), label))
    return entries


def _handle(kind: BuildingKind, *, hollow: bool) -> Line2D:
    return Line2D([], [], linestyle="none", marker=kind.marker, markersize=np.sqrt(kind.size),
                  markerfacecolor="none" if hollow else style.INK,
                  markeredgecolor=style.INK, markeredgewidth=0.8 if hollow else 0.4)


def draw_scale_bar(ax: Axes, xmax: float, ymin: float, width: float) -> None:
    """A 10 km bar in two halves, with a north arrow above it, in the lower-right corner."""
    margin = 0.02 * width
    x0, y0 = xmax - margin - SCALE_BAR_M, ymin + margin
    height = SCALE_BAR_M * 0.05
    for i, colour in enumerate((style.INK, "white")):
        half = SCALE_BAR_M / 2
        ax.add_patch(Rectangle((x0 + i * half, y0), half, height, facecolor=colour,
                               edgecolor=style.INK, linewidth=0.6, zorder=7))
    for offset, text in ((0, "0"), (SCALE_BAR_M / 2, "5"), (SCALE_BAR_M, "10 km")):
        ax.text(x0 + offset, y0 + height * 1.6, text, ha="center", va="bottom", fontsize=6.5,
                zorder=7, path_effects=HALO)
    # North arrow (grid north; within a degree of true north here) above the bar's right end.
    arrow_x, tail_y = x0 + SCALE_BAR_M, y0 + height * 7
    tip_y = tail_y + SCALE_BAR_M * 0.35
    ax.annotate("", xy=(arrow_x, tip_y), xytext=(arrow_x, tail_y), zorder=7,
                arrowprops={"arrowstyle": "-|>", "color": style.INK, "linewidth": 0.9,
                            "shrinkA": 0, "shrinkB": 0})
    ax.text(arrow_x, tip_y + height, "N", ha="center", va="bottom", fontsize=7,
            fontweight="bold", zorder=7, path_effects=HALO)


def _draw_legends(fig: Figure, ax: Axes, spas: pd.DataFrame,
                  footprints: dict[str, tuple[str, str]],
                  buildings: list[tuple[Line2D, str]], uncovered: int,
                  geography: Geography) -> None:
    """Footprints, buildings and lines, stacked top-down in the legend column."""
    spa_counts = spas["footprint"].value_counts()
    footprint_entries = [
        (Patch(facecolor=style.tint(colour, _FILL_TINT),
               edgecolor=style.shade(colour, _HATCH_SHADE), hatch=hatch or None, linewidth=0),
         wrap_legend_label(f"{name} ({count_noun(int(spa_counts.get(name, 0)), 'SPA').replace(' ', _NBSP)})"))
        for name, (colour, hatch) in footprints.items()
    ]
    limit = geography.config.walk_limit_minutes
    line_entries = [
        (Line2D([], [], color=style.INK, linewidth=1.3), "District boundary"),
        (Patch(facecolor="#bbbbbb", edgecolor="white", linewidth=1.0),
         wrap_legend_label("Service planning area (SPA), white outline")),
    ]
    if uncovered:
        line_entries.append((
            Line2D([], [], linestyle="none", marker="o", markersize=1.6, color="#555555"),
            wrap_legend_label(f"Home beyond a {limit:.0f}-minute walk (one dot per postcode)"),
        ))
    sections = [
        ("Delivery footprint", footprint_entries),
        ("Candidate building", [(h, wrap_legend_label(t)) for h, t in buildings]),
        ("Also shown", line_entries),
    ]
    stack_legends(ax, sections)


def save_coverage_chart(geography: Geography, path: str | os.PathLike[str]) -> Path:
    """The share of children within the walk limit of any candidate building, by district."""
    points = geography.demand_points
    fig = coverage_chart(
        geography.coverage_by("district"),
        points.groupby("district")["population_0_19"].sum(),
        limit_minutes=geography.config.walk_limit_minutes,
        reached="a candidate building",
        source=geography_footnote(geography),
    )
    return style.save(fig, path)
