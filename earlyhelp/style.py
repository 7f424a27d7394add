"""The house chart style: every chart and map the project makes goes through this module.

Charts are read on paper, often printed in black and white, by people some of whom do not
see red and green apart. So categories take the Okabe-Ito palette (colour-blind safe) and,
where they are areas or points, a hatch or marker shape as well, so they survive grey
printing; sequential data take viridis. Sizes are for an A4 page. A finished chart has a
title that states the finding, and a footnote naming its sources and assumptions.

Use it like this::

    with house_style():
        fig = Figure(figsize=(FULL_WIDTH_IN, 4))
        ax = fig.add_subplot()
        ...
        finish(fig, "Most children live within a 30-minute walk", "Source: ONS")
    save(fig, "out/chart.png")
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib as mpl
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import ConstrainedLayoutEngine, TightLayoutEngine

from earlyhelp.output import OutputError, check_writable_place, replacing_file

#: Okabe & Ito (2008) colour-blind-safe palette, in its published order: black, orange, sky
#: blue, bluish green, yellow, blue, vermillion, reddish purple.
OKABE_ITO: tuple[str, ...] = (
    "#000000",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
)

#: Colours for categories, in the order to use them (black is kept for text and markers).
CATEGORY_COLOURS: tuple[str, ...] = OKABE_ITO[1:]

#: Hatches that go with :data:`CATEGORY_COLOURS` position by position, so filled categories
#: stay apart in grey print.
HATCHES: tuple[str, ...] = ("", "///", "\\\\\\", "---", "xx", "|||", "++")

#: Marker shapes for point categories (circle, triangle, square, diamond, pentagon, ...).
MARKERS: tuple[str, ...] = ("o", "^", "s", "D", "p", "v", "h", "X")

#: Colour map for sequential data (perceptually uniform, prints as a grey ramp).
SEQUENTIAL_CMAP = "viridis"

#: Text and line colours.
INK = "#222222"
MUTED = "#666666"

#: A4 page with 2 cm margins: a full-width figure and a one-column figure, in inches.
FULL_WIDTH_IN = 7.3
COLUMN_WIDTH_IN = 3.5

#: Resolution of saved PNGs: sharp in print, small enough for a report.
DPI = 200

#: Formats a chart is saved in, named by the file's extension: raster for slides and the
#: web, vector for print.
FIGURE_FORMATS: tuple[str, ...] = ("png", "pdf", "svg")

TITLE_PT = 10.0
SUBTITLE_PT = 8.5
FOOTNOTE_PT = 6.5

#: The house font: ships with matplotlib, so a chart renders the same on every machine.
FONT = "DejaVu Sans"

#: rcParams of the house style.
RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 8.0,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.prop_cycle": cycler(color=list(CATEGORY_COLOURS)),
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "xtick.color": INK,
    "ytick.color": INK,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.5,
    "legend.fontsize": 7.0,
    "legend.title_fontsize": 7.5,
    "legend.frameon": False,
    "image.cmap": SEQUENTIAL_CMAP,
    "hatch.linewidth": 0.5,
    "lines.linewidth": 1.2,
    "text.color": INK,
    "figure.facecolor": "white",
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
}

_HEADER_GAP_IN = 0.12
_EDGE_PAD_IN = 0.08
_LINE_SPACING = 1.25


@contextmanager
def house_style() -> Iterator[None]:
    """Apply the house rcParams inside the block only, leaving global state as it was.

    Build the figure inside the block: matplotlib reads rcParams when an artist is made.
    """
    with mpl.rc_context(RC):
        yield


def apply_style() -> None:
    """Set the house rcParams globally (for notebooks and scripts that make many charts)."""
    mpl.rcParams.update(RC)


def category_colours(n: int) -> list[str]:
    """The first ``n`` category colours; more than there are is an error, not a repeat."""
    if n > len(CATEGORY_COLOURS):
        raise ValueError(f"{n} categories but only {len(CATEGORY_COLOURS)} distinct colours")
    return list(CATEGORY_COLOURS[:n])


def tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white (``amount`` 0 = unchanged, 1 = white).

    An opaque light fill: unlike alpha it does not dim the hatch or anything drawn under it.
    """
    return to_hex(tuple(c + (1 - c) * amount for c in to_rgb(colour)))


def shade(colour: str, amount: float) -> str:
    """``colour`` mixed with black (``amount`` 0 = unchanged, 1 = black): for hatches and edges."""
    return to_hex(tuple(c * (1 - amount) for c in to_rgb(colour)))


def finish(fig: Figure, title: str, source: str, *, subtitle: str | None = None) -> Figure:
    """Add the title (the finding, bold, left), an optional subtitle and the footnote.

    The footnote (sources and assumptions, small grey, bottom left) and the title are set in
    bands the figure grows by, so they never overlap the body: lay the body out in axes first
    (axes and their legends move with the body; figure-level texts do not). Long texts are
    wrapped to the figure width. A figure can be finished only once.
    """
    if getattr(fig, "_house_finished", False):
        raise ValueError("this figure has already been finished")
    width_in, body_in = fig.get_size_inches()
    usable_in = width_in - 2 * _EDGE_PAD_IN
    title_lines = _wrap(title, TITLE_PT, "bold", usable_in)
    sub_lines = _wrap(subtitle, SUBTITLE_PT, "normal", usable_in) if subtitle else []
    foot_lines = _wrap(source, FOOTNOTE_PT, "normal", usable_in)

    header_in = _EDGE_PAD_IN + _height(title_lines, TITLE_PT) + _height(sub_lines, SUBTITLE_PT)
    header_in += _HEADER_GAP_IN
    footer_in = _HEADER_GAP_IN + _height(foot_lines, FOOTNOTE_PT) + _EDGE_PAD_IN
    total_in = body_in + header_in + footer_in
    _move_body(fig, body_in, footer_in, total_in)
    fig.set_size_inches(width_in, total_in)

    x = _EDGE_PAD_IN / width_in
    top = 1 - _EDGE_PAD_IN / total_in
    fig.text(x, top, "\n".join(title_lines), ha="left", va="top", color=INK,
             fontproperties=_font(TITLE_PT, "bold"), linespacing=_LINE_SPACING)
    if sub_lines:
        y = top - _height(title_lines, TITLE_PT) / total_in
        fig.text(x, y, "\n".join(sub_lines), ha="left", va="top", color=MUTED,
                 fontproperties=_font(SUBTITLE_PT, "normal"), linespacing=_LINE_SPACING)
    fig.text(x, _EDGE_PAD_IN / total_in, "\n".join(foot_lines), ha="left", va="bottom",
             color=MUTED, fontproperties=_font(FOOTNOTE_PT, "normal"), linespacing=_LINE_SPACING)
    fig._house_finished = True  # type: ignore[attr-defined]
    return fig


def figure_format(path: str | os.PathLike[str]) -> str:
    """The format ``path``'s extension names (``png``, ``pdf`` or ``svg``).

    Anything else is refused with an :class:`OutputError`, so a chart never overwrites a file
    that is not a chart (``notes.txt``) or lands in a format nobody asked for; the command line
    calls this before the slow build.
    """
    path = Path(path)
    extension = path.suffix.lower().lstrip(".")
    *others, last = (f".{f}" for f in FIGURE_FORMATS)
    expected = f"{', '.join(others)} or {last}"
    if extension not in FIGURE_FORMATS:
        found = f", not '{path.suffix}'" if path.suffix else " and this name has no extension"
        raise OutputError(f"{path}: a chart is saved as {expected}{found}: name the file e.g. "
                          f"{path.with_suffix('.png').name}")
    if path.is_dir():
        raise OutputError(f"{path} is a folder: name a chart file in it, e.g. {path / 'chart.png'}")
    check_writable_place(path)
    return extension


def save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Save ``fig`` in the format its extension names (PNGs at :data:`DPI`), creating the
    folder; return the path.

    Any extension but those in :data:`FIGURE_FORMATS` is refused before anything is written.
    The image is written to a temporary file beside the target and renamed over it only once
    complete, so a failed save leaves no half-written file and an earlier good file intact.
    """
    fmt = figure_format(path)
    with replacing_file(Path(path)) as stream, mpl.rc_context({"svg.hashsalt": "earlyhelp"}):
        fig.savefig(stream, format=fmt, dpi=DPI, facecolor="white", metadata=_METADATA[fmt])
    return Path(path)


#: No creation dates or software versions in the files, so the same chart is the same bytes.
_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "Producer": None, "Creator": None},
    "svg": {"Date": None, "Creator": None},
}


def _height(lines: list[str], size_pt: float) -> float:
    """Height in inches of ``lines`` of text at ``size_pt``."""
    return len(lines) * size_pt * _LINE_SPACING / 72


def _font(size_pt: float, weight: str) -> FontProperties:
    """The house font, fixed here so that measuring and drawing a text agree."""
    return FontProperties(family=FONT, size=size_pt, weight=weight)


def _wrap(text: str, size_pt: float, weight: str, width_in: float) -> list[str]:
    """``text`` broken into lines no wider than ``width_in`` (measured, not guessed).

    Explicit newlines are kept.
    """
    renderer = FigureCanvasAgg(Figure()).get_renderer()
    font = _font(size_pt, weight)
    limit_px = width_in * renderer.dpi

    def fits(candidate: str) -> bool:
        w, _, _ = renderer.get_text_width_height_descent(candidate, font, ismath=False)
        return w <= limit_px

    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and not fits(candidate):
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def _move_body(fig: Figure, body_in: float, footer_in: float, total_in: float) -> None:
    """Keep the body's size in inches while the figure grows by a header and a footer."""
    bottom, height = footer_in / total_in, body_in / total_in
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):  # rect is (left, bottom, width, height)
        engine.set(rect=(0, bottom, 1, height))
        return
    if isinstance(engine, TightLayoutEngine):  # rect is (left, bottom, right, top)
        engine.set(rect=(0, bottom, 1, bottom + height))
        return
    for ax in fig.axes:
        box = ax.get_position(original=True)
        ax.set_position((box.x0, bottom + box.y0 * height, box.width, box.height * height))
