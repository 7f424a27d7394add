"""A user's SPA boundary file: each LSOA joins the SPA holding its centroid; bad files are refused.

The LSOAs are a 4 x 2 grid of 1 km squares (L000-L003 along the bottom row, L004-L007 above);
a good file splits it into West (columns 0-1) and East (columns 2-3).
"""

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from geodata.embedded import CRS
from geodata.errors import EarlyHelpWarning, InputError
from geodata.spas import spas_from_file
from tests.fixtures import grid_lsoas

WEST, EAST = box(0, 0, 2000, 2000), box(2000, 0, 4000, 2000)


def _write(tmp_path: Path, ids: list, shapes: list, crs: str = CRS) -> Path:
    path = tmp_path / "spas.gpkg"
    gpd.GeoDataFrame({"spa_id": ids}, geometry=shapes, crs=crs).to_file(path)
    return path


def _refusal(path: Path, **kwargs: float) -> str:
    with pytest.raises(InputError) as caught:
        spas_from_file(path, grid_lsoas(4, 2), **kwargs)
    return str(caught.value)


def test_each_lsoa_joins_the_spa_holding_its_centroid_under_its_trimmed_id(tmp_path):
    path = _write(tmp_path, [" West ", "East"], [WEST, EAST])
    spa = spas_from_file(path, grid_lsoas(4, 2))
    assert spa.tolist() == ["West", "West", "East", "East"] * 2


def test_overlapping_spas_are_refused_naming_both_and_the_overlap_area(tmp_path):
    # West reaches 500 m into East: 500 m x 2 km = 100 ha that both claim
    path = _write(tmp_path, ["West", "East"], [box(0, 0, 2500, 2000), EAST])
    assert _refusal(path) == (
        f"{path}, field 'geometry': feature 1 (SPA 'West') and feature 2 (SPA 'East') overlap by "
        "100.0 ha (expected SPAs that meet without overlapping (overlaps nowhere wider than 20 m "
        "are ignored as slivers))"
    )


def test_an_spa_drawn_inside_another_is_refused_not_swallowed(tmp_path):
    path = _write(tmp_path, ["All", "West", "East"], [box(0, 0, 4000, 2000), WEST, EAST])
    message = _refusal(path)
    assert "feature 1 (SPA 'All') and feature 2 (SPA 'West') overlap by 400.0 ha" in message
    assert "(also overlapping: feature 1 (SPA 'All') and feature 3 (SPA 'East'))" in message


def test_a_sliver_where_two_borders_disagree_by_a_few_metres_is_ignored(tmp_path):
    path = _write(tmp_path, ["West", "East"], [box(0, 0, 2015, 2000), EAST])  # 15 m x 2 km
    spa = spas_from_file(path, grid_lsoas(4, 2))
    assert spa.tolist() == ["West", "West", "East", "East"] * 2


@pytest.mark.parametrize(
    ("ids", "problem"),
    [
        (["West", " ", None], "spa_id is blank in features 2 and 3"),
        (["West", "East", "West "], "spa_id 'West' is used by features 1 and 3"),
    ],
)
def test_blank_and_repeated_spa_ids_are_refused_naming_the_features(tmp_path, ids, problem):
    path = _write(tmp_path, ids, [WEST, EAST, box(4000, 0, 5000, 1000)])
    assert _refusal(path).startswith(f"{path}, field 'spa_id': {problem} (expected ")


@pytest.mark.parametrize(
    ("shape", "problem"),
    [
        (None, "no geometry in feature 2 (SPA 'East')"),
        (Polygon(), "no geometry in feature 2 (SPA 'East')"),
        (LineString([(2000, 0), (4000, 2000)]), "feature 2 (SPA 'East') is a LineString"),
        (Point(3000, 1000), "feature 2 (SPA 'East') is a Point"),
        (Polygon([(2000, 0), (4000, 2000), (4000, 0), (2000, 2000)]),
         "feature 2 (SPA 'East') is not a valid polygon: Self-intersection[3000 1000]"),
    ],
    ids=["null", "empty", "line", "point", "bow-tie"],
)
def test_a_feature_without_a_valid_polygon_is_refused_naming_it_and_what_it_is(
    tmp_path, shape, problem
):
    path = _write(tmp_path, ["West", "East"], [WEST, shape])
    assert _refusal(path).startswith(f"{path}, field 'geometry': {problem} (expected ")


def test_an_spa_that_holds_no_lsoa_centroid_is_refused_by_name(tmp_path):
    path = _write(tmp_path, ["West", "East", "Spare"], [WEST, EAST, box(4000, 0, 4500, 500)])
    assert _refusal(path).startswith(
        f"{path}, field 'geometry': no LSOA joins feature 3 (SPA 'Spare'): no LSOA's "
        "population-weighted centroid falls in it (expected "
    )


def test_lsoas_beyond_the_snap_distance_of_every_spa_are_refused_and_nearer_ones_join(tmp_path):
    # East is missing: its LSOAs' centroids lie 500 m and 1,500 m beyond West's edge
    path = _write(tmp_path, ["West"], [WEST])
    assert _refusal(path, snap_metres=1000).startswith(
        f"{path}, field 'geometry': 2 of 8 LSOAs have their population-weighted centroid more "
        "than 1,000 m outside every SPA polygon, e.g. L003 at (3,500, 500) (expected "
    )
    assert spas_from_file(path, grid_lsoas(4, 2), snap_metres=2000).tolist() == ["West"] * 8


@pytest.mark.parametrize(
    ("shape", "crs", "coordinates"),
    [
        (box(-2.8, 53.7, -2.6, 53.8), "EPSG:27700",
         ("x -2.8 to -2.6, y 53.7 to 53.8, which look like longitude/latitude degrees, yet the "
          "file states EPSG:27700 (metres)")),
        (WEST, "EPSG:4326",
         ("x 0 to 2,000, y 0 to 2,000, which are not longitude/latitude degrees, yet the file "
          "states EPSG:4326")),
    ],
    ids=["degrees-as-metres", "metres-as-degrees"],
)
def test_coordinates_that_cannot_be_in_the_stated_crs_are_refused_with_a_hint(
    tmp_path, shape, crs, coordinates
):
    path = _write(tmp_path, ["West"], [shape], crs=crs)
    assert _refusal(path) == (
        f"{path}, field 'geometry': no Lancashire LSOA falls inside any polygon: the coordinates "
        f"span {coordinates} (expected the CRS the coordinates are in (EPSG:4326 for "
        "longitude/latitude degrees, EPSG:27700 for British National Grid metres))"
    )


def test_spas_somewhere_else_are_refused_saying_where_they_are(tmp_path):
    path = _write(tmp_path, ["West"], [shapely.affinity.translate(WEST, 100_000, 0)])
    assert _refusal(path).startswith(
        f"{path}, field 'geometry': no Lancashire LSOA falls inside any polygon: the polygons span "
        "x 100,000 to 102,000, y 0 to 2,000 and the LSOAs x 0 to 4,000, y 0 to 2,000 (EPSG:27700 "
        "metres) (expected polygons covering Lancashire-12 (is the stated CRS EPSG:27700 right?))"
    )


def test_an_invalid_polygon_that_mends_without_moving_area_is_repaired_with_a_warning(tmp_path):
    # East's western edge crosses itself in a 5 m bow-tie poking into West: invalid (GEOS
    # cannot even intersect it with West), and mending it adds 25 m2
    bowed = Polygon([(2000, 0), (4000, 0), (4000, 2000), (2000, 2000), (2000, 1005), (1995, 995),
                     (1995, 1005), (2000, 995)])
    path = _write(tmp_path, ["West", "East"], [WEST, bowed])
    with pytest.warns(EarlyHelpWarning) as caught:
        spa = spas_from_file(path, grid_lsoas(4, 2))
    assert [str(w.message) for w in caught] == [
        (f"{path}: repaired the invalid geometry of feature 2 (SPA 'East') "
         "(Self-intersection[1997.5 1000]), changing the area by 25.0 square metres in all")
    ]
    assert spa.tolist() == ["West", "West", "East", "East"] * 2
