"""The stand-in rule for the 2015 estate, pinned on tiny hand-made towns (see geodata/estate.py).

Homes and schools sit in clusters 10 km apart, so a 30-minute walk (1.85 km as the crow flies)
reaches only within a cluster and every expected pick can be worked out by hand.
"""

import pandas as pd
import pytest

from geodata import estate
from geodata.embedded import SCHOOLS_2015
from geodata.estate import PARTNER_GROUPS, _pick, complete_estate, load_partner_schools
from geodata.walking import CrowFlyWalk

WALK = CrowFlyWalk(speed_kmh=4.8, circuity=1.3)
D1, D2 = "E07000117", "E07000118"
COSTS = {"children_centre": 60000.0, "children_family_centre": 45000.0, "youth_zone": 80000.0,
         "young_peoples_centre": 35000.0}


def _points(rows: list[tuple[float, int, int, str]]) -> pd.DataFrame:
    """Homes at (x, 0): children 0-4, young people 12-19, district."""
    return pd.DataFrame({"x": [r[0] for r in rows], "y": 0.0, "pop_0_4": [r[1] for r in rows],
                         "pop_12_19": [r[2] for r in rows], "district_code": [r[3] for r in rows]})


def _schools(rows: list[tuple[int, float, str, str]]) -> pd.DataFrame:
    """Schools (urn, x, phase, district) 100 m north of the homes' line."""
    return pd.DataFrame({"urn": [r[0] for r in rows], "name": [f"School {r[0]}" for r in rows],
                         "phase": [r[2] for r in rows], "postcode": "PR1 1AA",
                         "x": [r[1] for r in rows], "y": 100.0, "district_code": [r[3] for r in rows]})


def _register(rows: list[tuple[str, float, str]] = ()) -> pd.DataFrame:
    """Real buildings (2015 role, x, district) on the homes' line."""
    return pd.DataFrame({"role_2015": [r[0] for r in rows], "x": [r[1] for r in rows], "y": 0.0,
                         "district_code": [r[2] for r in rows]})


def test_the_school_bringing_most_children_not_yet_reached_is_picked_first():
    points = _points([(0, 100, 0, D1), (10_000, 10, 0, D1)])
    schools = _schools([(2, 10_000, "primary", D1), (1, 0, "primary", D1)])
    picks = _pick(estate._CHILDREN, 2, _register(), schools, points, WALK, 30, set())
    assert picks["urn"].tolist() == [1, 2]
    assert picks["gain"].tolist() == [100.0, 10.0]


def test_children_already_within_reach_of_a_real_building_bring_no_gain():
    points = _points([(0, 100, 0, D1), (10_000, 10, 0, D1)])
    schools = _schools([(1, 0, "primary", D1), (2, 10_000, "primary", D1)])
    register = _register([("children_centre", 0, D1)])
    picks = _pick(estate._CHILDREN, 1, register, schools, points, WALK, 30, set())
    assert picks["urn"].tolist() == [2]


def test_only_primary_and_nursery_schools_stand_in_for_childrens_centres():
    points = _points([(0, 100, 50, D1), (10_000, 10, 5, D1)])
    schools = _schools([(1, 0, "secondary", D1), (2, 10_000, "nursery", D1)])
    children = _pick(estate._CHILDREN, 1, _register(), schools, points, WALK, 30, set())
    youth = _pick(estate._YOUTH, 1, _register(), schools, points, WALK, 30, set())
    assert children["urn"].tolist() == [2]
    assert youth["urn"].tolist() == [1]


def test_stand_ins_go_to_the_district_with_most_children_per_building_dhondt():
    # D1: 300 children in three clusters; D2: 120 in two. Quotients 300, 150, 120 (D2), 100 ...
    points = _points([(0, 100, 0, D1), (10_000, 100, 0, D1), (20_000, 100, 0, D1),
                      (30_000, 60, 0, D2), (40_000, 60, 0, D2)])
    schools = _schools([(1, 0, "primary", D1), (2, 10_000, "primary", D1), (3, 20_000, "primary", D1),
                        (4, 30_000, "primary", D2), (5, 40_000, "primary", D2)])
    picks = _pick(estate._CHILDREN, 3, _register(), schools, points, WALK, 30, set())
    assert picks["district_code"].tolist() == [D1, D1, D2]
    assert picks["urn"].tolist() == [1, 2, 4]


def test_real_buildings_count_in_the_dhondt_quotient():
    # two real centres in D1 (far from every home) make D1's quotient 300 / 3 = 100 < D2's 120
    points = _points([(0, 100, 0, D1), (10_000, 100, 0, D1), (20_000, 100, 0, D1),
                      (30_000, 60, 0, D2), (40_000, 60, 0, D2)])
    schools = _schools([(1, 0, "primary", D1), (4, 30_000, "primary", D2)])
    register = _register([("children_centre", 90_000, D1), ("cc_satellite", 95_000, D1)])
    picks = _pick(estate._CHILDREN, 1, register, schools, points, WALK, 30, set())
    assert picks["urn"].tolist() == [4]


def test_equal_gains_go_to_the_larger_catchment_then_the_lower_urn():
    # homes at 0 (uncovered, 10) and 1500 (10): school 7 at 0 reaches both, school 3 only one
    points = _points([(0, 10, 0, D1), (1_500, 10, 0, D1)])
    register = _register([("children_centre", 3_000, D1)])  # covers the home at 1500
    schools = _schools([(3, -1_700, "primary", D1), (7, 0, "primary", D1), (9, -1_600, "primary", D1)])
    first = _pick(estate._CHILDREN, 1, register, schools, points, WALK, 30, set())
    assert first["urn"].tolist() == [7]
    twins = _schools([(9, 0, "primary", D1), (3, 0, "primary", D1)])
    assert _pick(estate._CHILDREN, 1, _register(), twins, points, WALK, 30, set())["urn"].tolist() == [3]


def test_roles_follow_gain_most_reach_managed_least_reach_satellites(monkeypatch):
    # a small estate: 2 LCC-managed + 1 commissioned children's centres, 1 of them a satellite;
    # 1 youth zone + 1 young people's centre
    for name, value in {"COUNCIL_MANAGED_CC": 2, "COMMISSIONED_CC": 1, "SATELLITES": 1,
                        "YOUTH_ZONES": 1, "YOUNG_PEOPLES_CENTRES": 1}.items():
        monkeypatch.setattr(estate, name, value)
    points = _points([(0, 300, 10, D1), (10_000, 200, 40, D1), (20_000, 100, 0, D1)])
    schools = _schools([(1, 0, "primary", D1), (2, 10_000, "primary", D1), (3, 20_000, "primary", D1),
                        (4, 0, "secondary", D1), (5, 10_000, "secondary", D1)])
    stand_ins = complete_estate(_register(), schools, points, WALK, 30, COSTS)
    by_urn = stand_ins.set_index("site_id")
    assert by_urn["role_2015"].to_dict() == {
        "EDU-1": "children_centre", "EDU-2": "children_centre", "EDU-3": "cc_satellite",
        "EDU-5": "youth_zone", "EDU-4": "young_peoples_centre",
    }
    assert by_urn.loc[["EDU-1", "EDU-2", "EDU-3"], "owner"].tolist() == ["LCC", "LCC", "commissioned (school or VCFS)"]
    assert by_urn.loc["EDU-3", "annual_cost_gbp"] == COSTS["children_family_centre"]
    assert stand_ins["stand_in"].all() and stand_ins["name"].str.contains("STAND-IN").all()


def test_a_school_stands_in_for_one_building_only():
    points = _points([(0, 100, 100, D1)])
    schools = _schools([(1, 0, "all_through", D1), (2, 0, "primary", D1)])
    used: set[int] = set()
    _pick(estate._CHILDREN, 1, _register(), schools, points, WALK, 30, used)
    with pytest.raises(Exception, match="not enough"):
        _pick(estate._YOUTH, 2, _register(), schools, points, WALK, 30, used)


def test_partner_schools_are_the_state_schools_open_in_spring_2015():
    raw = pd.read_csv(SCHOOLS_2015)
    schools = load_partner_schools()
    kept = raw.set_index("urn").loc[schools["urn"]]
    assert len(schools) == 539  # of 662 rows: closed, independent, colleges and universities out
    assert (kept["open_in_edubase_2015"] == "Y").all()
    assert kept["establishment_group_2016"].isin(PARTNER_GROUPS).all()
    assert schools["urn"].is_monotonic_increasing
    assert 3_000 < (schools["x"] - 350_000).abs().max() < 60_000  # in Lancashire, in metres


def test_each_pick_counts_in_its_districts_quotient_dhondt_in_full():
    # D1 400 children (4 clusters of 100), D2 180 (3 of 60): quotients 400, 200 (D1), 180 (D2),
    # 133 (D1), 100 (D1), 90 (D2)
    points = _points([(x, 100, 0, D1) for x in (0, 10_000, 20_000, 30_000)]
                     + [(x, 60, 0, D2) for x in (40_000, 50_000, 60_000)])
    schools = _schools([(i + 1, x, "primary", D1) for i, x in enumerate((0, 10_000, 20_000, 30_000))]
                       + [(i + 5, x, "primary", D2) for i, x in enumerate((40_000, 50_000, 60_000))])
    for count, expected in ((2, {D1: 2}), (4, {D1: 3, D2: 1}), (6, {D1: 4, D2: 2})):
        picks = _pick(estate._CHILDREN, count, _register(), schools, points, WALK, 30, set())
        assert picks["district_code"].value_counts().to_dict() == expected, count


def test_children_reached_by_any_earlier_pick_bring_no_gain_later():
    # A and B stand at the same 100 children; C at 50, D at 10: after A, B brings nothing
    points = _points([(0, 100, 0, D1), (10_000, 50, 0, D1), (20_000, 10, 0, D1)])
    schools = _schools([(1, 0, "primary", D1), (2, 0, "primary", D1), (3, 10_000, "primary", D1),
                        (4, 20_000, "primary", D1)])
    picks = _pick(estate._CHILDREN, 3, _register(), schools, points, WALK, 30, set())
    assert picks["urn"].tolist() == [1, 3, 4]
    assert picks["gain"].tolist() == [100.0, 50.0, 10.0]
