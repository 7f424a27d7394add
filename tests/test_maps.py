"""Guarantees of the house chart style and the geography print map.

All tests use a tiny hand-made geography (three square SPAs, four buildings, three homes),
never the real 10-second build.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from PIL import Image
from shapely.geometry import Point

from earlyhelp import maps, style
from geodata import GeodataConfig, Geography
from tests.fixtures import tiny_geography

CRS = "EPSG:27700"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def tiny() -> Geography:
    """The tiny geography of :func:`tests.fixtures.tiny_geography`."""
    return tiny_geography()


@pytest.fixture(scope="module")
def tiny_map(tiny: Geography) -> Figure:
    return maps.geography_map(tiny)


def _texts(fig: Figure) -> list[str]:
    """Every figure-level text, with line wrapping undone."""
    return [" ".join(t.get_text().split()) for t in fig.texts]


def _legend_labels(fig: Figure) -> list[str]:
    return [" ".join(t.get_text().split()) for ax in fig.axes for legend in ax.artists
            for t in legend.get_texts()]


# --- the house style ---------------------------------------------------------------------


def test_palette_is_the_okabe_ito_set_with_enough_distinct_category_colours() -> None:
    published = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
                 "#D55E00", "#CC79A7"}
    assert set(style.OKABE_ITO) == published and len(style.OKABE_ITO) == 8
    assert len(set(style.CATEGORY_COLOURS)) >= 5
    assert set(style.CATEGORY_COLOURS) <= published and "#000000" not in style.CATEGORY_COLOURS
    assert style.SEQUENTIAL_CMAP in {"viridis", "cividis"}


def test_categories_never_share_a_colour_hatch_or_marker() -> None:
    n = len(style.CATEGORY_COLOURS)
    assert len(set(style.HATCHES[:n])) == n
    assert len(set(style.MARKERS)) == len(style.MARKERS)
    with pytest.raises(ValueError):
        style.category_colours(n + 1)


def test_house_style_is_scoped_to_its_block() -> None:
    before = dict(mpl.rcParams)
    with style.house_style():
        assert mpl.rcParams["axes.spines.top"] is False
        assert mpl.rcParams["image.cmap"] == style.SEQUENTIAL_CMAP
    assert dict(mpl.rcParams) == before


def test_finish_puts_title_and_footnote_outside_the_body() -> None:
    with style.house_style():
        fig = Figure(figsize=(style.COLUMN_WIDTH_IN, 2.5))
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1])
        style.finish(fig, "A finding long enough to need wrapping onto a second line here",
                     "Source: a long footnote " * 6, subtitle="What is shown")
    assert fig.get_size_inches()[1] > 2.5  # the figure grew by a header and a footer
    renderer = FigureCanvasAgg(fig).get_renderer()
    title, subtitle, footnote = (t.get_window_extent(renderer) for t in fig.texts)
    body = ax.get_tightbbox(renderer)
    assert "\n" in fig.texts[0].get_text()
    assert footnote.y1 <= body.y0 and body.y1 <= subtitle.y0 <= title.y0
    for text in (title, subtitle, footnote):
        assert text.x0 >= 0 and text.x1 <= fig.bbox.x1  # wrapped to the page width
    assert fig.texts[0].get_fontweight() == "bold" and fig.texts[0].get_ha() == "left"
    with pytest.raises(ValueError):
        style.finish(fig, "again", "again")


def test_save_writes_a_png_at_200_dpi_and_makes_the_folder(tmp_path: Path) -> None:
    fig = Figure(figsize=(2, 1))
    target = style.save(fig, tmp_path / "new" / "folder" / "chart.png")
    assert target.read_bytes().startswith(PNG_SIGNATURE)
    assert Image.open(target).size == (400, 200)
    assert os.listdir(target.parent) == ["chart.png"]


def test_failed_save_leaves_the_earlier_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "chart.png"
    target.write_bytes(b"the good chart")
    fig = Figure(figsize=(2, 1))

    def half_then_fail(stream, **kwargs):  # type: ignore[no-untyped-def]
        stream.write(PNG_SIGNATURE + b"half a picture")
        raise RuntimeError("renderer crashed")

    fig.savefig = half_then_fail  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="renderer crashed"):
        style.save(fig, target)
    assert target.read_bytes() == b"the good chart"
    assert os.listdir(tmp_path) == ["chart.png"]  # no temporary file left behind
    with pytest.raises(RuntimeError):
        style.save(fig, tmp_path / "fresh.png")
    assert not (tmp_path / "fresh.png").exists()


# --- the geography map -------------------------------------------------------------------


def test_map_is_written_as_a_nonempty_a4_png(tiny: Geography, tmp_path: Path) -> None:
    path = maps.save_geography_map(tiny, tmp_path / "out" / "geography.png")
    assert path == tmp_path / "out" / "geography.png"
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    width, height = Image.open(path).size
    assert width == round(style.FULL_WIDTH_IN * style.DPI) and height > 500


def test_title_states_the_computed_share(tiny: Geography, tiny_map: Figure) -> None:
    assert tiny.share_within_walk() == pytest.approx(0.6)
    title, subtitle, footnote = _texts(tiny_map)
    assert title == ("60% of children and young people live within a 30-minute walk "
                     "of a candidate building")
    assert subtitle == ("3 service planning areas in 2 delivery footprints; "
                        "4 candidate buildings (1 stand-in)")
    assert footnote.startswith("Sources: ONS Postcode Directory")
    assert "straight-line distance x 1.3 (circuity) at 4.8 km/h" in footnote


def test_title_and_footnote_follow_the_config(tiny: Geography) -> None:
    config = GeodataConfig(circuity=1.25, walk_speed_kmh=5.0)
    fig = maps.geography_map(dataclasses.replace(tiny, config=config), title="My own title")
    title, _, footnote = _texts(fig)
    assert title == "My own title"
    assert "x 1.25 (circuity) at 5 km/h" in footnote


def test_legend_names_footprints_building_kinds_and_stand_ins(tiny_map: Figure) -> None:
    labels = _legend_labels(tiny_map)
    for expected in ("Preston (2 SPAs)", "Burnley and Pendle (1 SPA)", "Library – 1",
                     "Family hub or children's centre – 1",
                     "Youth zone or young people's centre – 1",
                     "Stand-in (2015 estate, at a school) – 1"):
        assert expected in labels
    assert not any(label.startswith("School") for label in labels)  # the only school is a stand-in


def test_stand_ins_are_hollow_and_other_buildings_filled(tiny: Geography, tiny_map: Figure) -> None:
    map_ax = tiny_map.axes[0]
    stand_in_xy = tiny.sites.loc[tiny.sites["stand_in"], ["x", "y"]].to_numpy()
    markers = [c for c in map_ax.collections if isinstance(c, PathCollection)]
    hollow = [c for c in markers if str(c.get_gid()).startswith("stand-in")]
    filled = [c for c in markers if str(c.get_gid()).startswith("building")]
    assert all(len(c.get_facecolor()) == 0 for c in hollow)
    assert all(len(c.get_facecolor()) for c in filled)
    assert len(hollow) == 1 and np.allclose(hollow[0].get_offsets(), stand_in_xy)
    assert sum(len(c.get_offsets()) for c in filled) == len(tiny.sites) - 1
    homes = [c for c in markers if c.get_gid() == "home beyond walk"]
    assert len(homes) == 1 and np.allclose(homes[0].get_offsets(), [[29_500, 9_500]])


def test_homes_beyond_are_those_beyond_the_standard_not_the_horizon() -> None:
    # the two near homes are 360 m (5.9 minutes) from a building: beyond a 5-minute standard
    strict = tiny_geography(GeodataConfig(walk_limit_minutes=5))
    map_ax = maps.geography_map(strict).axes[0]
    homes = [c for c in map_ax.collections if c.get_gid() == "home beyond walk"]
    assert len(homes) == 1 and len(homes[0].get_offsets()) == 3


def test_building_kinds_have_distinct_shapes() -> None:
    markers = [k.marker for k in (*maps.BUILDING_KINDS, maps.OTHER_KIND)]
    assert len(set(markers)) == len(markers)
    types = [t for k in maps.BUILDING_KINDS for t in k.site_types]
    assert len(types) == len(set(types))  # each site type has one kind


def test_map_has_district_labels_inside_districts_and_a_scale_bar(
    tiny: Geography, tiny_map: Figure
) -> None:
    texts = {t.get_text(): t.get_position() for t in tiny_map.axes[0].texts}
    for row in tiny.districts.itertuples():
        assert row.geometry.contains(Point(texts[row.district]))
    assert "10 km" in texts and "N" in texts
    assert tiny_map.axes[0].get_aspect() == 1.0  # equal scale both ways
    assert not tiny_map.axes[0].axison


def test_map_leaves_no_pyplot_state(tiny: Geography) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    maps.geography_map(tiny)
    assert plt.get_fignums() == before
