"""Walking along a path network: a river with one bridge makes the far bank far."""

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely.affinity
from shapely.geometry import LineString, Point

from geodata.errors import EarlyHelpWarning, InputError
from geodata.network import NetworkWalk, check_network
from geodata.walking import CrowFlyWalk

SPEED = 4.8  # 80 m a minute


def _river_town() -> list[LineString]:
    """Two streets 200 m apart along x, joined by one bridge at x = 2000."""
    return [
        LineString([(0, 0), (1000, 0), (2000, 0)]),  # south bank, in two segments
        LineString([(0, 200), (2000, 200)]),         # north bank
        LineString([(2000, 0), (2000, 200)]),        # the bridge
    ]


def test_the_walk_follows_the_streets_not_the_crow():
    walk = NetworkWalk.from_lines(np.array(_river_town(), dtype=object), SPEED)
    home, centre = np.array([[0.0, 0.0]]), np.array([[0.0, 200.0]])
    times = walk.walk_times(home, centre, 120)
    # over the bridge: 2000 + 200 + 2000 metres at 80 m a minute
    assert times.nearest_minutes()[0] == pytest.approx(4200 / 80)
    crow = CrowFlyWalk(SPEED, 1.3).walk_times(home, centre, 120).nearest_minutes()[0]
    assert crow < 5 < times.nearest_minutes()[0]


def test_beyond_the_limit_along_the_network_is_out_of_reach_even_if_close_as_the_crow_flies():
    walk = NetworkWalk.from_lines(np.array(_river_town(), dtype=object), SPEED)
    times = walk.walk_times(np.array([[0.0, 0.0]]), np.array([[0.0, 200.0]]), 30)
    assert not times.covered(limit_minutes=30)[0]


def test_the_legs_to_and_from_the_network_count():
    walk = NetworkWalk.from_lines(np.array(_river_town(), dtype=object), SPEED)
    times = walk.walk_times(np.array([[1000.0, -80.0]]), np.array([[2000.0, -80.0]]), 60)
    assert times.nearest_minutes()[0] == pytest.approx((80 + 1000 + 80) / 80)


def test_many_sites_are_searched_in_batches_with_the_same_result():
    walk = NetworkWalk.from_lines(np.array(_river_town(), dtype=object), SPEED)
    sites = np.array([[x, 0.0] for x in range(0, 2001, 50)])
    times = walk.walk_times(np.array([[0.0, 0.0]]), sites, 60)
    assert len(times.site) == len(sites)  # all within 25 minutes along the south bank
    assert np.allclose(np.sort(times.minutes), np.arange(0, 2001, 50) / 80)


def test_a_file_of_points_is_not_a_network(tmp_path):
    path = tmp_path / "network.gpkg"
    gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:27700").to_file(path)
    with pytest.raises(InputError, match="LineString"):
        NetworkWalk.from_file(path, SPEED)


def test_a_line_file_in_another_crs_is_reprojected(tmp_path):
    path = tmp_path / "network.geojson"
    preston = np.array([353000.0, 429000.0])
    town = [shapely.affinity.translate(line, *preston) for line in _river_town()]
    gpd.GeoDataFrame(geometry=town, crs="EPSG:27700").to_crs("EPSG:4326").to_file(path)
    walk = NetworkWalk.from_file(path, SPEED)
    times = walk.walk_times(preston[None, :], preston[None, :] + [0.0, 200.0], 120)
    assert times.nearest_minutes()[0] == pytest.approx(4200 / 80, abs=0.1)


def test_long_segments_are_split_every_max_segment_m():
    lines = np.array(_river_town(), dtype=object)
    # banks of 2 km in 25 m steps (81 nodes each) and a 200 m bridge adding 7 between them
    assert len(NetworkWalk.from_lines(lines, SPEED).nodes_xy) == 169
    assert len(NetworkWalk.from_lines(lines, SPEED, max_segment_m=100).nodes_xy) == 21 + 21 + 1


def test_empty_and_zero_length_lines_add_no_stray_node():
    stray = [LineString([(5000, 5000), (5000, 5000)]), LineString([(6000, 0), (6000, 0.04)]), None,
             LineString()]  # the 4 cm line's ends fall on one node
    walk = NetworkWalk.from_lines(np.array(_river_town() + stray, dtype=object), SPEED)
    assert len(walk.nodes_xy) == 169


def test_empty_and_zero_length_features_in_a_file_are_left_out_and_counted(tmp_path):
    path = tmp_path / "network.gpkg"
    stray = [LineString([(5000, 5000), (5000, 5000)]), None]
    gpd.GeoDataFrame(geometry=_river_town() + stray, crs="EPSG:27700").to_file(path)
    with pytest.warns(EarlyHelpWarning) as caught:
        walk = NetworkWalk.from_file(path, SPEED)
    assert [str(w.message) for w in caught] == [
        (f"{path}: 2 of 5 features hold no line and were left out (1 empty, 1 shorter than 0.1 m), "
        "e.g. feature 4")
    ]
    assert walk.dropped == 2
    times = walk.walk_times(np.array([[0.0, 0.0]]), np.array([[0.0, 200.0]]), 120)
    assert times.nearest_minutes()[0] == pytest.approx(4200 / 80)


def test_degrees_saved_as_british_national_grid_are_refused_with_a_crs_hint(tmp_path):
    path = tmp_path / "network.geojson"
    town = gpd.GeoSeries(_river_town(), crs="EPSG:27700").translate(353000, 429000)
    lines = town.to_crs("EPSG:4326")
    gpd.GeoDataFrame(geometry=lines.to_numpy(), crs="EPSG:27700").to_file(path)  # labelled wrongly
    with pytest.raises(InputError) as caught:
        NetworkWalk.from_file(path, SPEED)
    assert str(caught.value) == (
        f"{path}, field 'geometry': the coordinates span x -2.714 to -2.684, y 53.76 to 53.76, "
        "which look like longitude/latitude degrees, yet the file states EPSG:27700 (metres) "
        "(expected the CRS the coordinates are in (EPSG:4326 for longitude/latitude degrees, "
        "EPSG:27700 for British National Grid metres))"
    )


def _homes(children_far: int) -> tuple[np.ndarray, np.ndarray]:
    """100 children: ``children_far`` 400 m north of the north bank, the rest on the south bank."""
    homes = np.array([[1000.0, 0.0], [1000.0, 600.0]])
    return homes, np.array([100.0 - children_far, children_far])


def test_a_network_somewhere_else_is_refused_saying_where_it_lies():
    walk = NetworkWalk.from_lines(np.array(_river_town(), dtype=object), SPEED)
    homes = np.array([[353000.0, 429000.0], [354000.0, 430000.0]])
    with pytest.raises(InputError) as caught:
        check_network(walk, homes, np.array([10.0, 20.0]), homes, "streets.gpkg")
    assert str(caught.value) == (
        "streets.gpkg, field 'geometry': the network lies elsewhere: 100% of children and 2 of 2 "
        "buildings are more than 250 m from the network: the network spans x 0 to 2,000, y 0 to "
        "200 and the homes x 353,000 to 354,000, y 429,000 to 430,000 (EPSG:27700 metres) "
        "(expected walkable ways covering the homes and buildings, in the stated CRS)"
    )


def test_a_network_most_children_are_far_from_is_refused_with_the_figures():
    walk = NetworkWalk.from_lines(np.array(_river_town(), dtype=object), SPEED)
    homes, children = _homes(children_far=61)
    sites = np.array([[0.0, 0.0], [500.0, 800.0], [0.0, 200.0]])
    with pytest.raises(InputError) as caught:
        check_network(walk, homes, children, sites, "streets.gpkg")
    assert str(caught.value).startswith(
        "streets.gpkg, field 'geometry': 61% of children and 1 of 3 buildings are more than 250 m "
        "from the network: the network spans x 0 to 2,000, y 0 to 200 and the homes x 1,000 to "
        "1,000, y 0 to 600 (EPSG:27700 metres) (expected "
    )


def test_a_network_some_children_are_far_from_is_accepted_with_a_warning_and_figures():
    walk = NetworkWalk.from_lines(np.array(_river_town(), dtype=object), SPEED)
    homes, children = _homes(children_far=10)
    with pytest.warns(EarlyHelpWarning) as caught:
        report = check_network(walk, homes, children, np.array([[0.0, 0.0]]), "streets.gpkg")
    assert [str(w.message) for w in caught] == [
        ("streets.gpkg: 10% of children and 0 of 1 buildings are more than 250 m from the network, "
        "so their walks are partly guessed as straight lines")
    ]
    assert report == {
        "network_nodes": 169,
        "network_features_dropped": 0,
        "network_share_of_children_far": 0.1,
        "network_buildings_far": 0,
        "network_share_of_children_outside_main_part": 0.0,
        "network_buildings_outside_main_part": 0,
    }


def test_a_network_within_reach_of_nearly_everyone_passes_quietly():
    walk = NetworkWalk.from_lines(np.array(_river_town(), dtype=object), SPEED)
    homes, children = _homes(children_far=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = check_network(walk, homes, children, np.array([[0.0, 0.0]]), "streets.gpkg")
    assert report["network_share_of_children_far"] == 0.05


def _unjoined_town() -> list[LineString]:
    """The river town without its bridge, and a lane (300 m, 13 nodes) that meets nothing."""
    return _river_town()[:2] + [LineString([(3000, 0), (3300, 0)])]


@pytest.mark.parametrize(
    ("children_apart", "refused"), [(60, True), (10, False)]
)
def test_children_who_join_a_piece_cut_off_from_the_main_network_are_refused_or_warned_about(
    children_apart, refused
):
    # banks of 81 nodes each and the lane: the largest part is the south bank (81 of 175 nodes)
    walk = NetworkWalk.from_lines(np.array(_unjoined_town(), dtype=object), SPEED)
    homes = np.array([[1000.0, 10.0], [1000.0, 190.0]])
    children = np.array([100.0 - children_apart, children_apart])
    figures = (f"{children_apart}% of children and 1 of 2 buildings join the network outside its "
               "largest connected part (46% of its 175 nodes)")
    sites = np.array([[0.0, 0.0], [3100.0, 0.0]])
    if refused:
        with pytest.raises(InputError) as caught:
            check_network(walk, homes, children, sites, "streets.gpkg")
        assert str(caught.value) == (
            f"streets.gpkg, field 'geometry': {figures} (expected connected ways (lines that meet "
            "or cross must share a vertex))"
        )
    else:
        with pytest.warns(EarlyHelpWarning) as caught:
            check_network(walk, homes, children, sites, "streets.gpkg")
        assert [str(w.message) for w in caught] == [
            f"streets.gpkg: {figures}, so they reach only buildings on their own part"
        ]


@pytest.mark.slow
def test_a_network_file_of_one_street_is_refused_for_the_county(tmp_path):
    """End to end: a 2 km street in Preston is far from nearly every home in Lancashire."""
    from geodata import GeodataConfig, build_geography

    path = tmp_path / "streets.gpkg"
    street = LineString([(353000, 429000), (355000, 429000)])
    gpd.GeoDataFrame(geometry=[street], crs="EPSG:27700").to_file(path)
    far = r"of children and \d+ of \d+ buildings are more than 250 m from the network"
    with pytest.raises(InputError, match=far):
        build_geography(GeodataConfig(walk_network=path), cache_dir=tmp_path / "cache")
