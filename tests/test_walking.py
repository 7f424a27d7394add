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
    assert times.covered(limit_minutes=30).tolist() == [True, True, False]


def test_a_building_at_the_doorstep_is_zero_minutes_away_and_still_counts():
    times = WALK.walk_times(np.array([[5.0, 5.0]]), np.array([[5.0, 5.0]]), 30)
    assert times.nearest_minutes().tolist() == [0.0]
    assert times.covered(limit_minutes=30).tolist() == [True]


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


def _three_sites():
    """Points at 0, 1 km and 5 km along a line; sites at 0 and 1 km (80 m a minute x 1.3)."""
    points = np.array([[0.0, 0.0], [1000.0, 0.0], [5000.0, 0.0]])
    sites = np.array([[0.0, 0.0], [1000.0, 0.0]])
    return WALK.walk_times(points, sites, 60)


def test_covered_counts_only_the_sites_in_the_mask():
    times = _three_sites()
    # 1 km is 16.25 minutes: within 30 of both sites, the 5 km point is 81 minutes from any
    assert times.covered(np.array([True, False]), limit_minutes=30).tolist() == [True, True, False]
    assert times.covered(np.array([True, False]), limit_minutes=10).tolist() == [True, False, False]
    assert times.covered(np.array([False, True]), limit_minutes=10).tolist() == [False, True, False]
    assert times.covered(np.array([False, False]), limit_minutes=30).tolist() == [False, False, False]


def test_a_mask_of_the_wrong_length_or_row_numbers_instead_of_a_mask_is_refused():
    times = _three_sites()
    with pytest.raises(ValueError, match="one entry per site"):
        times.covered(np.array([True, False, True]), limit_minutes=30)
    with pytest.raises(TypeError, match="boolean mask"):
        times.covered(np.array([0, 1]), limit_minutes=30)  # row numbers would silently read as a mask
    with pytest.raises(TypeError, match="boolean mask"):
        times.nearest_minutes(np.array([1]))


def test_a_standard_beyond_the_horizon_is_refused_not_answered_for_the_horizon():
    times = _three_sites()
    assert times.horizon_minutes == 60
    with pytest.raises(ValueError, match="computed to 60 minutes"):
        times.covered(limit_minutes=600)
    assert times.covered(limit_minutes=60).tolist() == [True, True, False]


def test_nearest_minutes_beyond_the_horizon_can_be_capped_for_a_mean_walk():
    times = _three_sites()
    assert times.nearest_minutes().tolist()[:2] == [0.0, 0.0]
    assert np.isinf(times.nearest_minutes()[2])
    capped = times.nearest_minutes(np.array([True, False]), beyond=60.0)
    assert capped.tolist() == pytest.approx([0.0, 1000 * 1.3 / 80, 60.0])


def test_walk_times_cannot_be_changed_in_place():
    times = _three_sites()
    with pytest.raises(ValueError):
        times.minutes[0] = 99.0
