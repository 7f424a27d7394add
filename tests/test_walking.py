import numpy as np
import pytest

from geodata.walking import CrowFlyWalk

WALK = CrowFlyWalk(speed_kmh=4.8, circuity=1.3)  # 80 m a minute


def test_minutes_are_distance_times_circuity_over_speed():
    assert WALK.minutes(np.array([800.0]))[0] == pytest.approx(800 * 1.3 / 80)


def test_thirty_minutes_reaches_about_1850_metres_in_a_straight_line():
    assert WALK.straight_line_reach_m(30) == pytest.approx(30 * 80 / 1.3)


def test_only_pairs_within_the_limit_are_kept():
    reach = WALK.straight_line_reach_m(30)
    points = np.array([[0.0, 0.0], [reach - 1, 0.0], [reach + 1, 0.0]])
    times = WALK.walk_times(points, np.array([[0.0, 0.0]]), 30)
    assert times.covered().tolist() == [True, True, False]


def test_a_building_at_the_doorstep_is_zero_minutes_away_and_still_counts():
    times = WALK.walk_times(np.array([[5.0, 5.0]]), np.array([[5.0, 5.0]]), 30)
    assert times.nearest_minutes().tolist() == [0.0]
    assert times.covered().tolist() == [True]


def test_nearest_minutes_respects_which_sites_are_open():
    points = np.array([[0.0, 0.0]])
    sites = np.array([[80.0, 0.0], [800.0, 0.0]])
    times = WALK.walk_times(points, sites, 30)
    assert times.nearest_minutes()[0] == pytest.approx(1.3)
    assert times.nearest_minutes(np.array([False, True]))[0] == pytest.approx(13.0)
    assert np.isinf(times.nearest_minutes(np.array([False, False]))[0])


def test_a_shorter_limit_can_be_asked_of_the_same_times():
    times = WALK.walk_times(np.array([[0.0, 0.0]]), np.array([[800.0, 0.0]]), 30)
    assert times.covered(limit_minutes=10).tolist() == [False]
    assert times.covered(limit_minutes=15).tolist() == [True]
