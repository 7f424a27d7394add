"""Guarantees of the siting plan's map, budget bridge and tables (optimise/report.py).

All on the tiny geography (tests/fixtures.py): three SPAs, four buildings, three homes. The
solved plan opens LCC-1 (enhanced), LCC-2 and EDU-1 (enhanced) and uses no venue; a second,
hand-built plan opens LCC-3 instead of LCC-2 and sends one of its sessions to LCC-2 as an
outreach venue.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from PIL import Image

from earlyhelp import style
from optimise import report
from optimise.costs import CostBreakdown
from optimise.plan import SitingPlan, build_plan
from optimise.siting import SitingInputs, plan_siting
from tests.fixtures import tiny_siting_inputs

# The tiny estate has one building not run by the council against 28 contracts in the cost model.
pytestmark = pytest.mark.filterwarnings("ignore:the geography's 2015 estate has")


@pytest.fixture(scope="module")
def inputs() -> SitingInputs:
    return tiny_siting_inputs()


@pytest.fixture(scope="module")
def plan(inputs: SitingInputs) -> SitingPlan:
    return plan_siting(inputs)


def _variant(inputs: SitingInputs, plan: SitingPlan, open_: list[bool], enhanced: list[bool],
             venues: list[bool]) -> SitingPlan:
    return build_plan(inputs, replace(plan.solution, open=np.array(open_),
                                      enhanced=np.array(enhanced), venues=np.array(venues)))


@pytest.fixture(scope="module")
def with_venue(inputs: SitingInputs, plan: SitingPlan) -> SitingPlan:
    """LCC-1, LCC-3 and EDU-1 open; LCC-2 (closed) hosts one of LCC-3's sessions."""
    return _variant(inputs, plan, [True, False, True, True], [True, False, False, True],
                    [False, True, False, False])


def _texts(fig: Figure) -> list[str]:
    return [" ".join(t.get_text().split()) for t in fig.texts]


# --- files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("draw, write", [(report.plan_map_figure, report.plan_map),
                                         (report.budget_bridge_figure, report.budget_bridge_chart)])
def test_each_chart_is_written_as_a_png_of_its_figure_size_and_the_same_bytes_twice(
        with_venue: SitingPlan, tmp_path: Path, draw, write) -> None:
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    write(with_venue, first)
    write(with_venue, second)
    width_in, height_in = draw(with_venue).get_size_inches()
    with Image.open(first) as image:
        image.load()
        assert image.format == "PNG"
        assert image.size == (round(width_in * style.DPI), round(height_in * style.DPI))
    assert image.size[0] == round(style.FULL_WIDTH_IN * style.DPI)
    assert first.read_bytes() == second.read_bytes()


def test_a_chart_named_with_another_extension_is_refused_and_nothing_written(
        plan: SitingPlan, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="a chart is saved as .png, .pdf or .svg"):
        report.plan_map(plan, tmp_path / "map.txt")
    assert not list(tmp_path.iterdir())


# --- the map -------------------------------------------------------------------------------


def test_the_map_title_states_centres_share_reached_and_children_beyond(plan: SitingPlan) -> None:
    # 60 of 100 children live within the walk of an open centre; 40 are in the far corner
    assert report.map_title(plan) == ("3 centres reach 60% of children within 30 minutes' "
                                      "walk; 40 are beyond")
    assert report.map_subtitle(plan) == ("2 enhanced and 1 standard centre; no outreach venues; "
                                         "of the 3 buildings of 2015, 2 kept and 1 closed")


def test_the_map_links_each_venue_to_the_centre_that_runs_it(with_venue: SitingPlan) -> None:
    fig = report.plan_map_figure(with_venue)
    lines = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    assert len(lines) == 1
    # venue LCC-2 at (15000, 5000) to its centre LCC-3 at (12000, 3000)
    assert np.array_equal(lines[0].get_segments()[0], [[15000, 5000], [12000, 3000]])


def _drawn(fig) -> dict[str, int]:
    """How many points the map draws in each labelled layer."""
    return {c.get_gid(): len(c.get_offsets()) for c in fig.axes[0].collections if c.get_gid()}


def test_the_map_draws_each_reach_class_and_place_kind_with_its_count(
        with_venue: SitingPlan) -> None:
    fig = report.plan_map_figure(with_venue)
    drawn = _drawn(fig)
    assert drawn == {"home: Reached by an open centre": 2, "home: Beyond both": 1,
                     "2015 building that closes": 1, "Outreach venue used (line to its centre)": 1,
                     "Standard centre": 1, "Enhanced centre": 2}
    labels = [" ".join(t.get_text().split()) for legend in fig.axes[1].artists
              for t in legend.get_texts()]
    assert labels[:3] == ["Reached by an open centre: 60 children",
                          "Reached by outreach only: 0 children", "Beyond both: 40 children"]
    assert "Enhanced centre: 2" in labels and "2015 building that closes: 1" in labels


def test_children_reached_only_by_outreach_are_counted_apart_and_only_2015_buildings_close(
        inputs: SitingInputs, plan: SitingPlan) -> None:
    # LCC-1 (a library, not of 2015) closes but hosts outreach for the 40 children beside it
    outreach = _variant(inputs, plan, [False, True, True, True], [False, True, False, True],
                        [True, False, False, False])
    assert report.map_title(outreach) == ("3 centres reach 20% of children within 30 minutes' "
                                          "walk; 40 are beyond")
    assert "outreach at 1 partner venue reaches 40 more" in report.map_subtitle(outreach)
    fig = report.plan_map_figure(outreach)
    drawn = _drawn(fig)
    assert drawn == {"home: Reached by an open centre": 1, "home: Reached by outreach only": 1,
                     "home: Beyond both": 1, "Outreach venue used (line to its centre)": 1,
                     "Standard centre": 1, "Enhanced centre": 2}


def test_homes_without_children_are_not_drawn(inputs: SitingInputs, plan: SitingPlan) -> None:
    geography = inputs.geography
    points = geography.demand_points.copy()
    points.loc[2, "population_0_19"] = 0  # the far corner, beyond every centre
    empty = replace(geography, demand_points=points)
    fig = report.plan_map_figure(build_plan(replace(inputs, geography=empty), plan.solution))
    gids = {c.get_gid() for c in fig.axes[0].collections}
    assert "home: Reached by an open centre" in gids and "home: Beyond both" not in gids


def test_the_map_footnote_gives_sources_and_the_walk_assumption(plan: SitingPlan) -> None:
    footnote = _texts(report.plan_map_figure(plan))[-1]
    assert footnote.startswith("Sources: ONS Postcode Directory")
    assert "walking time = straight-line distance x 1.3 (circuity) at 4.8 km/h" in footnote


# --- the budget bridge ---------------------------------------------------------------------


BASELINE = CostBreakdown({"staff_frontline": 10_000_000, "buildings": 5_000_000,
                          "commissioned": 3_000_000})
PLAN_COST = CostBreakdown({"staff_frontline": 8_000_000, "buildings": 2_000_000,
                           "outreach_venues": 1_000_000})


def test_the_bridge_steps_from_the_2015_total_through_each_item_to_the_plan_total() -> None:
    bars = report.bridge_bars(BASELINE, PLAN_COST)
    # items zero in both years (management, support, travel, sessions, central) are left out
    assert bars["step"].tolist() == ["2015 service", "staff_frontline", "buildings",
                                     "outreach_venues", "commissioned", "plan"]
    assert bars["kind"].tolist() == ["total", "saving", "saving", "extra", "saving", "total"]
    assert bars["change_gbp"].tolist() == [18e6, -2e6, -3e6, 1e6, -3e6, 11e6]
    assert bars["bottom_gbp"].tolist() == [0, 16e6, 13e6, 13e6, 11e6, 0]
    assert bars["top_gbp"].tolist() == [18e6, 18e6, 16e6, 14e6, 14e6, 11e6]
    assert bars["end_gbp"].tolist() == [18e6, 16e6, 13e6, 14e6, 11e6, 11e6]


def test_the_bridge_of_a_plan_adds_up_to_its_cost(with_venue: SitingPlan) -> None:
    bars = report.bridge_bars(with_venue.baseline, with_venue.cost)
    items = bars.iloc[1:-1]
    assert items["change_gbp"].sum() == pytest.approx(
        with_venue.cost.total_gbp - with_venue.baseline.total_gbp, abs=1e-6)
    assert items["end_gbp"].iloc[-1] == pytest.approx(with_venue.cost.total_gbp, abs=1e-6)
    starts = np.r_[bars["end_gbp"].iloc[0], items["end_gbp"].iloc[:-1]]
    assert np.allclose(np.minimum(starts, items["end_gbp"]), items["bottom_gbp"], atol=1e-6)


def test_the_bridge_title_says_how_far_under_or_over_the_envelope(
        inputs: SitingInputs, plan: SitingPlan) -> None:
    assert report.bridge_title(plan) == ("The plan costs £15.13m a year, £9.29m less than the "
                                         "2015 service's £24.41m")
    for budget, ending in ((15_000_000, "and is £0.13m over the £15.00m envelope"),
                           (15_128_000, "and fits the £15.13m envelope with £1,795 to spare")):
        tight = replace(inputs, siting=inputs.siting.model_copy(update={"budget_gbp": budget}))
        assert report.bridge_title(build_plan(tight, plan.solution)).endswith(ending)


def test_the_bridge_chart_labels_each_bar_in_pounds_million(plan: SitingPlan) -> None:
    fig = report.budget_bridge_figure(plan)
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {"£24.41m", "£15.13m", "−£7.84m"} <= labels  # 2015, plan, commissioned contracts


# --- tables --------------------------------------------------------------------------------


def test_options_table_lists_what_each_option_opens_and_closes_against_option_1(
        inputs: SitingInputs, plan: SitingPlan, with_venue: SitingPlan) -> None:
    two_centres = _variant(inputs, plan, [False, False, True, True], [False, False, True, True],
                           [False, False, False, False])
    table = report.options_table([plan, with_venue, two_centres])
    assert table["option"].tolist() == [1, 2, 3]
    assert table["centres"].tolist() == [3, 3, 2]
    assert table["opened_vs_option_1"].tolist() == ["", "LCC-3", "LCC-3"]
    assert table["closed_vs_option_1"].tolist() == ["", "LCC-2", "LCC-1;LCC-2"]
    assert table["centres_differ"].tolist() == [0, 1, 2]
    assert table["solver_status"].tolist() == ["optimal"] * 3
    assert table.loc[0, "annual_cost_gbp"] == plan.cost.total_gbp
    assert table.loc[0, "population_beyond_walk"] == 40


def test_the_plan_table_has_every_candidate_then_every_venue_used(
        with_venue: SitingPlan) -> None:
    table = report.plan_table(with_venue)
    assert tuple(table.columns) == report.PLAN_COLUMNS
    assert table["kind"].tolist() == ["candidate"] * 4 + ["outreach_venue"]
    assert table["site_id"].tolist() == ["LCC-1", "LCC-2", "LCC-3", "EDU-1", "LCC-2"]
    assert table["open"].tolist() == [True, False, True, True, False]
    assert table["sessions_centre"].tolist() == [12, 0, 6, 12, 0]
    assert table["sessions_outreach"].tolist() == [0, 0, 1, 0, 1]
    venue = table.iloc[4]
    assert venue["centre_site_id"] == "LCC-3" and np.isnan(venue["annual_cost_gbp"])
    assert table["closure_reason"].notna().tolist() == [False, True, False, False, False]


def test_plan_layers_are_geopackage_layers_with_staff_and_coverage_by_spa(
        with_venue: SitingPlan, tmp_path: Path) -> None:
    layers = report.plan_layers(with_venue)
    assert list(layers) == ["candidates", "outreach_venues", "staff_by_spa", "coverage_by_spa"]
    assert [len(layer) for layer in layers.values()] == [4, 1, 3, 3]
    staff = layers["staff_by_spa"].set_index("spa_id")
    assert staff["fte_frontline"].sum() == 482
    assert staff.loc["Preston 2", "sessions"] == 7  # LCC-3's, the one sent out included
    coverage = layers["coverage_by_spa"].set_index("spa_id")
    assert coverage.loc["Preston 2", ["children", "centres"]].tolist() == [0, 1]
    assert coverage.loc["Burnley 1", "children_beyond"] == 40
    path = tmp_path / "plan.gpkg"
    for name, layer in layers.items():
        layer.to_file(path, layer=name, driver="GPKG")
    back = gpd.read_file(path, layer="outreach_venues")
    assert back.crs.to_epsg() == 27700 and back["centre_site_id"].tolist() == ["LCC-3"]
