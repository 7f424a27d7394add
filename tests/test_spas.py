import warnings

import numpy as np
import pandas as pd
import pytest

from geodata.errors import EarlyHelpWarning
from geodata.lsoas import load_lsoas
from geodata.seed003 import FOOTPRINTS, SPA_COUNT
from geodata.spas import (
    balance_regions,
    contiguity,
    is_contiguous,
    largest_gap,
    skater_regions,
    spa_balance_gaps,
    spa_counts_by_district,
)
from tests.fixtures import grid_lsoas


def test_footprint_spa_counts_are_shared_among_their_districts_at_least_one_each():
    counts = spa_counts_by_district(load_lsoas(need_gradient=1.0))
    assert sum(counts.values()) == SPA_COUNT
    for members, total in FOOTPRINTS.values():
        assert sum(counts[d] for d in members) == total
        assert all(counts[d] >= 1 for d in members)


def test_parts_cut_off_by_an_estuary_are_bridged_into_one_neighbourhood_graph():
    lsoas = grid_lsoas(4, 2, gap_after_column=1)
    links = contiguity(lsoas)
    assert is_contiguous(links, np.ones(len(lsoas), bool))
    assert links.nnz > 0 and (links != links.T).nnz == 0


def test_skater_regions_are_contiguous():
    lsoas = grid_lsoas(6, 4)
    links = contiguity(lsoas)
    labels = skater_regions(lsoas, links, 3)
    assert sorted(set(labels)) == [0, 1, 2]
    for r in range(3):
        assert is_contiguous(links, labels == r)


@pytest.mark.parametrize(
    ("tolerance", "expected"),
    [(0.05, [0, 0, 0, 1, 1, 1]), (0.4, [0, 0, 0, 0, 1, 1])],  # 400 v 200 is within 40 % of 300
)
def test_balancing_moves_edge_lsoas_until_every_region_is_within_tolerance(tolerance, expected):
    lsoas = grid_lsoas(6, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labels = balance_regions(np.array([0, 0, 0, 0, 0, 1]), contiguity(lsoas), np.full(6, 100.0),
                                 lsoas[["pwc_x", "pwc_y"]].to_numpy(), tolerance=tolerance)
    assert labels.tolist() == expected


def test_balancing_takes_the_edge_lsoa_closest_to_the_receiving_region_first():
    # 3 x 3 grid, region 1 starts as the top-right corner (8): it takes 5 (a tie with 7, lower
    # index), then 4 (the closest to its centre), then 7, and stops at 500 v 400 (within 15 %)
    lsoas = grid_lsoas(3, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labels = balance_regions(np.array([0] * 8 + [1]), contiguity(lsoas), np.full(9, 100.0),
                                 lsoas[["pwc_x", "pwc_y"]].to_numpy(), tolerance=0.15)
    assert labels.tolist() == [0, 0, 0, 0, 1, 1, 0, 1, 1]


def test_balancing_never_splits_a_region_to_even_out_numbers_and_says_it_stopped_short():
    # Two rows of three: region 0 (bottom) has 110 children, region 1 (top) 80. The only move
    # that evens them out is the bottom middle (10) going up, which would cut region 0 in two;
    # moving a bottom corner (50) overshoots. So nothing moves, and the warning says so.
    lsoas = grid_lsoas(3, 2)
    start = np.array([0, 0, 0, 1, 1, 1])
    with pytest.warns(EarlyHelpWarning) as caught:
        labels = balance_regions(start, contiguity(lsoas), np.array([50.0, 10, 50, 30, 20, 30]),
                                 lsoas[["pwc_x", "pwc_y"]].to_numpy(), tolerance=0.05,
                                 name="Testshire")
    assert labels.tolist() == start.tolist()
    assert [str(w.message) for w in caught] == [
        ("SPAs of Testshire are not balanced: one is 15.79% from the district mean of 95 children "
        "0-19, beyond the tolerance of 5.00% (no move of an edge LSOA to a neighbouring SPA "
        "narrows the spread without splitting an SPA)")
    ]


def test_balancing_cut_short_by_max_moves_says_so():
    lsoas = grid_lsoas(6, 1)
    stopped = r"one is 33\.33% .* \(stopped after max_moves=1 moves\)"
    with pytest.warns(EarlyHelpWarning, match=stopped):
        labels = balance_regions(np.array([0, 0, 0, 0, 0, 1]), contiguity(lsoas), np.full(6, 100.0),
                                 lsoas[["pwc_x", "pwc_y"]].to_numpy(), tolerance=0.05, max_moves=1)
    assert labels.tolist() == [0, 0, 0, 0, 1, 1]


def test_balance_gaps_are_the_largest_gap_from_each_districts_mean_spa():
    spas = pd.DataFrame({"district": ["A", "A", "B", "B", "B", "C"],
                         "population_0_19": [90, 110, 60, 110, 130, 70]})
    assert largest_gap(np.array([0, 0, 1]), np.array([45.0, 45, 110])) == 0.1
    assert spa_balance_gaps(spas) == {"A": 0.1, "B": 0.4, "C": 0.0}  # B: 60 is 40 below 100
