"""Walking along a path network: a river with one bridge makes the far bank far."""

import geopandas as gpd
import numpy as np
import pytest
import shapely.affinity
from shapely.geometry import LineString, Point

from geodata.errors import InputError
from geodata.network import NetworkWalk
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
    assert not times.covered()[0]


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


@pytest.mark.slow
def test_a_network_file_drives_the_geography_walking_times(lancashire, tmp_path):
    """End to end on a tiny network: every real home is far from a 2 km street in Preston."""
    from geodata import GeodataConfig, build_geography

    path = tmp_path / "streets.gpkg"
    street = LineString([(353000, 429000), (355000, 429000)])
    gpd.GeoDataFrame(geometry=[street], crs="EPSG:27700").to_file(path)
    geo = build_geography(GeodataConfig(walk_network=path), cache_dir=tmp_path / "cache")
    assert geo.share_within_walk() < lancashire.share_within_walk()
    assert geo.config.walk_network == path
