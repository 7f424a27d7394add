"""map.html, the interactive map of a plan (earlyhelp/webmap.py): a layer per footprint with its
centres, venues, catchments and the children beyond the walk; every open centre once; the
children drawn add up to the plan's figures; the page needs no network for its data; the same
plan gives the same bytes; and in a real browser it runs without an error.

Mostly on the tiny geography (tests/fixtures.py, the plans of tests/test_siting_report.py); the
county's plan checks the footprints, the counts and that everything lies in Lancashire.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import folium
import numpy as np
import pytest

from earlyhelp.webmap import (
    BOUNDARIES_LAYER,
    CLOSED_LAYER,
    ChildrenDots,
    catchment_polygons,
    centre_table,
    plan_webmap,
    webmap_html,
    write_webmap,
)
from geodata import Geography
from geodata.seed003 import FOOTPRINTS
from optimise.config import SitingConfig
from optimise.costs import CostConfig
from optimise.plan import SitingPlan, build_plan
from optimise.siting import SitingInputs, plan_siting, siting_inputs
from optimise.staffing import StaffingConfig
from tests.browser import CHROMIUM, NEEDS_CHROMIUM, rendered_dom
from tests.fixtures import tiny_siting_inputs

pytestmark = pytest.mark.filterwarnings("ignore:the geography's 2015 estate has")


#: Lancashire's box in longitude and latitude (the county is about -3.1 to -2.0, 53.48 to 54.24).
LANCASHIRE_LON, LANCASHIRE_LAT = (-3.2, -1.9), (53.4, 54.3)


@pytest.fixture(scope="module")
def inputs() -> SitingInputs:
    return tiny_siting_inputs()


@pytest.fixture(scope="module")
def plan(inputs: SitingInputs) -> SitingPlan:
    """Opens LCC-1 (enhanced), LCC-2 and EDU-1 (enhanced); no venue."""
    return plan_siting(inputs)


@pytest.fixture(scope="module")
def with_venue(inputs: SitingInputs, plan: SitingPlan) -> SitingPlan:
    """LCC-1, LCC-3 and EDU-1 open; LCC-2 (a closed 2015 building) hosts one of LCC-3's
    sessions."""
    return build_plan(inputs, replace(plan.solution, open=np.array([True, False, True, True]),
                                      enhanced=np.array([True, False, False, True]),
                                      venues=np.array([False, True, False, False])))


@pytest.fixture(scope="module")
def county_plan(lancashire: Geography) -> SitingPlan:
    """The proposal's rules on the real county (56 centres)."""
    return plan_siting(siting_inputs(lancashire, SitingConfig(), StaffingConfig(), CostConfig()))


def _elements(element, kind) -> list:
    """Every element of ``kind`` under ``element``, depth first in drawing order."""
    found = []
    for child in element._children.values():
        if isinstance(child, kind):
            found.append(child)
        found += _elements(child, kind)
    return found


def _groups(fmap: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {g.layer_name: g for g in _elements(fmap, folium.FeatureGroup)}


def _marker_kinds(element) -> list[str]:
    return [m.icon.options["class_name"] for m in _elements(element, folium.Marker)]


def _beyond(element) -> float:
    return sum(d.children for d in _elements(element, ChildrenDots)
               if d.what == "beyond the walk")


def test_one_layer_per_footprint_in_seed_003_order_then_the_boundaries_and_the_closures(
        plan: SitingPlan) -> None:
    fmap = plan_webmap(plan)
    groups = _groups(fmap)
    assert list(groups) == ["Preston", "Burnley and Pendle", BOUNDARIES_LAYER, CLOSED_LAYER]
    assert groups[CLOSED_LAYER].show is False and groups["Preston"].show is True
    control = _elements(fmap, folium.LayerControl)
    assert len(control) == 1


def test_every_open_centre_is_drawn_once_in_its_footprint_enhanced_apart(
        with_venue: SitingPlan) -> None:
    groups = _groups(plan_webmap(with_venue))
    assert sorted(_marker_kinds(groups["Preston"])) == ["eh-enhanced", "eh-standard", "eh-venue"]
    assert _marker_kinds(groups["Burnley and Pendle"]) == ["eh-enhanced"]
    page = webmap_html(with_venue)
    for site_id in with_venue.open_ids:
        assert page.count(f"<th>Id</th><td>{site_id}</td>") == 1, site_id
    # LCC-2 closes and hosts outreach: once as the venue, once in the closures' layer
    assert page.count("<th>Id</th><td>LCC-2</td>") == 2
    assert _marker_kinds(groups[CLOSED_LAYER]) == ["eh-closed"]


def test_each_venue_has_a_line_to_the_centre_that_runs_it(with_venue: SitingPlan) -> None:
    places = centre_table(with_venue).set_index("site_id")
    lines = _elements(_groups(plan_webmap(with_venue))["Preston"], folium.PolyLine)
    assert len(lines) == 1
    venue, centre = places.loc["LCC-2"], places.loc["LCC-3"]
    assert places.loc["LCC-2", "centre_site_id"] == "LCC-3"
    assert np.allclose(lines[0].locations, [[venue["lat"], venue["lon"]],
                                            [centre["lat"], centre["lon"]]])


def test_a_centre_s_popup_gives_name_id_role_sessions_staff_and_children_within_walk(
        plan: SitingPlan) -> None:
    page = webmap_html(plan)
    popup = page.split("<b>Library</b>")[1].split("</table>")[0]
    for text in ("Enhanced centre", "<th>Id</th><td>LCC-1</td>", "Sessions a week",
                 "Frontline FTE of its SPA (Preston 1)", "Children 0-19 within the walk</th>"
                 "<td>40</td>"):
        assert text in popup, text


def test_children_beyond_and_reached_by_outreach_add_up_to_the_plan_s_figures(
        plan: SitingPlan, with_venue: SitingPlan) -> None:
    for p in (plan, with_venue):
        summary = p.summary()
        fmap = plan_webmap(p)
        assert _beyond(fmap) == pytest.approx(summary["population_beyond_walk"])
        outreach = sum(d.children for d in _elements(fmap, ChildrenDots)
                       if d.what == "reached by outreach only")
        assert outreach == pytest.approx(summary["population_outreach_only"])
    assert plan.summary()["population_beyond_walk"] == 40  # the far corner's 40 children


def test_a_catchment_holds_the_children_within_the_walk_of_its_centre(plan: SitingPlan) -> None:
    catchments = catchment_polygons(plan).set_index("site_id")
    places = centre_table(plan).set_index("site_id")
    assert sorted(catchments.index) == ["EDU-1", "LCC-1"]  # LCC-2 has no home within its walk
    for site_id, row in catchments.iterrows():
        assert row["children"] == places.loc[site_id, "children_within_walk"]
        assert row.geometry.is_valid and row.geometry.area > 0


def test_the_same_plan_gives_the_same_bytes_and_no_random_ids(with_venue: SitingPlan,
                                                               tmp_path: Path) -> None:
    one = write_webmap(with_venue, tmp_path / "one.html").read_bytes()
    two = write_webmap(with_venue, tmp_path / "two.html").read_bytes()
    assert one == two
    assert not re.search(rb"_[0-9a-f]{32}(?![0-9a-zA-Z])", one)


def test_the_page_needs_no_network_for_its_data_and_states_what_it_shows(
        plan: SitingPlan) -> None:
    page = webmap_html(plan)
    assert not re.search(r'<script[^>]+src=|<link[^>]+stylesheet', page)
    assert "Leaflet 1.9.3" in page and "sourceMappingURL" not in page
    assert "3 centres reach" in page and "Legend" in page and "Sources: ONS" in page
    assert page.count("tile.openstreetmap.org") == 1  # the background, the one thing fetched


@pytest.mark.slow
def test_on_the_county_the_footprints_counts_and_coordinates_are_lancashire_s(
        county_plan: SitingPlan) -> None:
    fmap = plan_webmap(county_plan)
    groups = _groups(fmap)
    assert list(groups) == [*FOOTPRINTS, BOUNDARIES_LAYER, CLOSED_LAYER]
    summary = county_plan.summary()
    assert _beyond(fmap) == pytest.approx(summary["population_beyond_walk"])
    kinds = [k for f in FOOTPRINTS for k in _marker_kinds(groups[f])]
    assert kinds.count("eh-enhanced") == summary["enhanced_centres"]
    assert kinds.count("eh-standard") == summary["centres_open"] - summary["enhanced_centres"]
    assert kinds.count("eh-venue") == summary["outreach_venues"]
    assert _marker_kinds(groups[CLOSED_LAYER]).count("eh-closed") == \
        summary["existing_buildings_closed"]
    lat = [r[0] for d in _elements(fmap, ChildrenDots) for r in d.rows]
    lon = [r[1] for d in _elements(fmap, ChildrenDots) for r in d.rows]
    for marker in _elements(fmap, folium.Marker):
        lat.append(marker.location[0])
        lon.append(marker.location[1])
    for layer in _elements(fmap, folium.GeoJson):
        coordinates = np.array(re.findall(r"\[(-?\d+\.\d+), (-?\d+\.\d+)\]",
                                          json.dumps(layer.data)), float)
        lon += coordinates[:, 0].tolist()
        lat += coordinates[:, 1].tolist()
    assert LANCASHIRE_LON[0] < min(lon) and max(lon) < LANCASHIRE_LON[1]
    assert LANCASHIRE_LAT[0] < min(lat) and max(lat) < LANCASHIRE_LAT[1]
    assert len(webmap_html(county_plan).encode()) < 3_000_000  # a few MB at most


# --- in a browser -------------------------------------------------------------------------

#: Appended to a copy of the page: errors and what the map drew, as attributes the DOM keeps.
_PROBE = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message)));
window.addEventListener('load', () => setTimeout(() => {
  const b = document.body.dataset;
  b.errors = window.__errors.join(' | ');
  b.layers = [...document.querySelectorAll('.leaflet-control-layers-overlays label')]
      .map(l => l.textContent.trim()).join(' | ');
  b.places = document.querySelectorAll('.eh-enhanced, .eh-standard, .eh-venue').length;
  b.canvas = document.querySelectorAll('canvas.leaflet-zoom-animated').length;
}, 300));
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason=NEEDS_CHROMIUM)
def test_in_a_browser_the_map_runs_without_error_and_shows_its_layers(
        with_venue: SitingPlan, tmp_path: Path) -> None:
    page = write_webmap(with_venue, tmp_path / "map.html")
    probe = tmp_path / "probe.html"
    # errors are caught from the start: the probe goes first in <head>
    probe.write_text(page.read_text().replace("<head>", "<head>" + _PROBE, 1))
    body = re.search(r"<body([^>]*)>", rendered_dom(probe)).group(1)
    assert 'data-errors=""' in body, body
    layers = re.search(r'data-layers="([^"]*)"', body).group(1).split(" | ")
    assert layers == ["Preston", "Burnley and Pendle", BOUNDARIES_LAYER, CLOSED_LAYER]
    assert 'data-places="4"' in body  # 3 centres and the venue; closures start hidden
    assert 'data-canvas="1"' in body  # the catchments, boundaries and dots, drawn

