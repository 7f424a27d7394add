import numpy as np
import pytest

from geodata.apportion import largest_remainder


def test_shares_always_add_up_to_the_total():
    rng = np.random.default_rng(3)
    for _ in range(200):
        weights = rng.integers(0, 50, size=rng.integers(1, 30))
        total = int(rng.integers(0, 500))
        assert largest_remainder(total, weights).sum() == total


def test_shares_follow_the_weights():
    assert largest_remainder(10, [1, 1, 3]).tolist() == [2, 2, 6]


def test_every_share_gets_the_minimum_first():
    # Ribble Valley is small but still gets an SPA of its own
    assert largest_remainder(6, [20465, 13167, 16964], minimum=1).tolist() == [2, 2, 2]


def test_ties_go_to_the_earlier_position_so_results_repeat():
    assert largest_remainder(1, [1, 1, 1]).tolist() == [1, 0, 0]


def test_all_zero_weights_share_equally():
    assert largest_remainder(4, [0, 0]).tolist() == [2, 2]


def test_impossible_minimum_is_refused():
    with pytest.raises(ValueError):
        largest_remainder(2, [1, 1, 1], minimum=1)


@pytest.mark.parametrize("weights", [[], [[1, 2], [3, 4]], [1, -1], [1, np.inf], [np.nan]])
def test_weights_that_are_empty_not_flat_negative_or_not_finite_are_refused(weights):
    with pytest.raises(ValueError):
        largest_remainder(3, weights)
