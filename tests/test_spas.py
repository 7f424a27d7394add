import numpy as np

from geodata.districts import FOOTPRINTS, SPA_COUNT
from geodata.lsoas import load_lsoas
from geodata.spas import (
    balance_regions,
    contiguity,
    is_contiguous,
    skater_regions,
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


def test_balancing_brings_every_region_within_tolerance_and_keeps_it_contiguous():
    lsoas = grid_lsoas(6, 1)
    links = contiguity(lsoas)
    lopsided = np.array([0, 0, 0, 0, 0, 1])
    population = np.full(6, 100.0)
    xy = lsoas[["pwc_x", "pwc_y"]].to_numpy()
    labels = balance_regions(lopsided, links, population, xy, tolerance=0.05)
    totals = np.bincount(labels, weights=population)
    assert totals.tolist() == [300.0, 300.0]
    for r in range(2):
        assert is_contiguous(links, labels == r)


def test_balancing_never_splits_a_region_to_even_out_numbers():
    # a chain 0-1-2 with a heavy middle: moving the middle would cut region 0 in two
    lsoas = grid_lsoas(3, 1)
    links = contiguity(lsoas)
    labels = balance_regions(
        np.array([0, 0, 0]), links, np.array([1.0, 100.0, 1.0]),
        lsoas[["pwc_x", "pwc_y"]].to_numpy(), tolerance=0.0,
    )
    assert labels.tolist() == [0, 0, 0]

