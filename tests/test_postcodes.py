import pandas as pd

from geodata.postcodes import build_demand_points
from tests.fixtures import grid_lsoas


def _postcodes(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"postcode": [r[0] for r in rows], "x": [r[1] for r in rows], "y": [r[2] for r in rows],
         "district_code": "E07000123"}
    )


def test_every_lsoa_keeps_exactly_its_children_by_age_band():
    lsoas = grid_lsoas(2, 1, children=[101, 57])
    pcs = _postcodes([("A1", 100, 100), ("A2", 300, 700), ("A3", 900, 900), ("B1", 1500, 500)])
    points, _ = build_demand_points(pcs, lsoas, shared_location_threshold=10)
    by_lsoa = points.groupby("lsoa11cd")[["pop_0_4", "pop_5_11", "pop_12_19", "population_0_19"]].sum()
    expected = lsoas.set_index("lsoa11cd")[["pop_0_4", "pop_5_11", "pop_12_19", "population_0_19"]]
    pd.testing.assert_frame_equal(by_lsoa, expected, check_dtype=False)


def test_a_grid_reference_shared_by_many_postcodes_gets_no_residents():
    lsoas = grid_lsoas(1, 1, children=[100])
    po_box = [(f"PO{i}", 500.0, 500.0) for i in range(12)]
    pcs = _postcodes(po_box + [("H1", 100, 100), ("H2", 800, 800)])
    points, report = build_demand_points(pcs, lsoas, shared_location_threshold=10)
    assert report.shared_locations == 1 and report.postcodes_at_shared_locations == 12
    assert not ((points["x"] == 500) & (points["y"] == 500)).any()
    assert points["population_0_19"].sum() == 100


def test_postcodes_sharing_a_grid_reference_below_the_threshold_are_one_heavier_point():
    lsoas = grid_lsoas(1, 1, children=[120])  # 30 + 30 + 60 by age band
    pcs = _postcodes([("F1", 200, 200), ("F2", 200, 200), ("S1", 700, 700)])
    points, _ = build_demand_points(pcs, lsoas, shared_location_threshold=10)
    assert len(points) == 2
    assert points.set_index("x").loc[200.0, "population_0_19"] == 80


def test_an_lsoa_with_no_residential_postcode_falls_back_on_its_centroid():
    lsoas = grid_lsoas(2, 1, children=[40, 60])
    pcs = _postcodes([("A1", 100, 100)] + [(f"PO{i}", 1500, 500) for i in range(10)])
    points, report = build_demand_points(pcs, lsoas, shared_location_threshold=10)
    assert report.lsoas_using_centroid == 1
    fallback = points[points["lsoa11cd"] == "L001"]
    assert (fallback[["x", "y"]].to_numpy() == [[1500.0, 500.0]]).all()
    assert fallback["population_0_19"].sum() == 60


def test_a_postcode_just_off_the_coast_is_snapped_and_one_far_out_is_dropped():
    lsoas = grid_lsoas(1, 1, children=[10])
    pcs = _postcodes([("IN", 500, 500), ("COAST", 1100, 500), ("SEA", 9000, 500)])
    points, report = build_demand_points(pcs, lsoas, shared_location_threshold=10)
    assert report.snapped_to_nearest_lsoa == 1
    assert report.dropped_outside_lsoas == 1
    assert len(points) == 2


def test_the_postcode_areas_read_hold_every_lancashire_postcode():
    import string

    from geodata.districts import DISTRICTS
    from geodata.postcodes import LANCASHIRE_LETTERS, postcode_directory, read_postcode_directory

    everywhere = postcode_directory(string.ascii_uppercase)
    lancashire = everywhere[everywhere["district_code"].isin(list(DISTRICTS)) & everywhere["x"].notna()]
    assert len(read_postcode_directory()) == len(lancashire) > 45_000
    assert set(lancashire["key"].str[0]) <= set(LANCASHIRE_LETTERS)


def test_need_at_a_point_is_its_children_times_its_lsoas_need_weight():
    lsoas = grid_lsoas(2, 1, children=[100, 60])
    lsoas["need_weight"] = [1.5, 0.5]
    pcs = _postcodes([("A1", 100, 100), ("A2", 700, 700), ("B1", 1500, 500)])
    points, _ = build_demand_points(pcs, lsoas, shared_location_threshold=10)
    expected = points["population_0_19"] * points["lsoa11cd"].map({"L000": 1.5, "L001": 0.5})
    assert points["need"].tolist() == expected.tolist()
    assert points["need"].sum() == 100 * 1.5 + 60 * 0.5


def test_the_snap_distance_is_the_one_given():
    lsoas = grid_lsoas(1, 1, children=[10])
    pcs = _postcodes([("IN", 500, 500), ("COAST", 1100, 500)])  # 100 m off the edge
    _, near = build_demand_points(pcs, lsoas, shared_location_threshold=10, snap_metres=150)
    _, strict = build_demand_points(pcs, lsoas, shared_location_threshold=10, snap_metres=50)
    assert (near.snapped_to_nearest_lsoa, near.dropped_outside_lsoas) == (1, 0)
    assert (strict.snapped_to_nearest_lsoa, strict.dropped_outside_lsoas) == (0, 1)
