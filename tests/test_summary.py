"""The summary a planner reads and the departures from seed 003, on the tiny three-SPA county.

Homes: 40 children beside the library (Preston 1), 20 beside the stand-in school and 40 in a
far corner (Burnley 1); Preston 2 has no children. See tests/fixtures.py.
"""

import pytest

from geodata import GeodataConfig
from geodata.summary import departures_from_seed, geography_summary
from tests.fixtures import tiny_geography


@pytest.fixture(scope="module")
def summary():
    return geography_summary(tiny_geography())


def test_totals_and_walking_access_are_the_geographys(summary):
    assert (summary["population_0_19"], summary["demand_points"], summary["candidate_sites"]) == (100, 3, 4)
    assert summary["stand_in_sites"] == 1
    assert summary["share_within_walk"] == 0.6
    assert (summary["walk_limit_minutes"], summary["walk_horizon_minutes"]) == (30.0, 30.0)
    assert summary["estate_2015"] == {"children_centre": 1, "cc_satellite": 1, "youth_zone": 1,
                                      "young_peoples_centre": 0}


def test_districts_are_all_twelve_with_their_own_figures(summary):
    districts = {d["name"]: d for d in summary["districts"]}
    assert len(districts) == 12
    assert districts["Burnley"] == {"code": "E07000117", "name": "Burnley", "footprint": "Burnley and Pendle",
                                    "population_0_19": 60, "spas": 1, "candidate_sites": 1,
                                    "share_within_walk": 0.3333}
    assert districts["Preston"]["share_within_walk"] == 1.0 and districts["Preston"]["spas"] == 2
    assert districts["Chorley"]["population_0_19"] == 0 and districts["Chorley"]["share_within_walk"] == 0.0


def test_spas_carry_need_band_sites_and_access_and_an_spa_without_children_does_not_divide_by_zero(summary):
    spas = {s["id"]: s for s in summary["spas"]}
    assert spas["Burnley 1"]["need_band"] == "high" and spas["Burnley 1"]["share_within_walk"] == 0.3333
    assert spas["Preston 2"]["population_0_19"] == 0 and spas["Preston 2"]["need_index"] == 0.0
    assert spas["Preston 2"]["candidate_sites"] == 2 and spas["Preston 1"]["name"] == "Preston 1 (Ashton)"
    assert summary["need_bands"] == {"high": 2, "middle": 1, "low": 0}
    assert summary["centres_allowed_by_seed_rule"] == {"min": 3 + 3 + 1, "max": 4 + 4 + 2}
    assert summary["spa_largest_gap_from_district_mean"] == 1.0  # Preston 2 is empty


def test_another_standard_is_asked_of_the_same_times():
    strict = geography_summary(tiny_geography(), limit_minutes=5)
    assert strict["walk_limit_minutes"] == 5 and strict["share_within_walk"] == 0.0


def test_departures_name_every_difference_from_seed_003():
    assert departures_from_seed(tiny_geography()) == [
        "3 SPAs, where seed 003 has 34",
        "footprint Lancaster, Fylde and Wyre: 0 SPAs, where seed 003 has 9",
        "footprint Preston: 2 SPAs, where seed 003 has 4",
        "footprint Chorley, South Ribble and West Lancashire: 0 SPAs, where seed 003 has 9",
        "footprint Hyndburn, Ribble Valley and Rossendale: 0 SPAs, where seed 003 has 6",
        "footprint Burnley and Pendle: 1 SPAs, where seed 003 has 6",
        "the 2015 estate has 3 buildings, where seed 003 has 132",
        "the need bands allow 7 to 10 centres under seed 003's rule, not 56",
    ]
    geography = tiny_geography(GeodataConfig())
    geography.spas.loc[2, "crosses_districts"] = True
    assert "SPAs crossing a district boundary (put in the district with most children): Burnley 1" in (
        departures_from_seed(geography))
