"""What seed 003 (the cabinet paper of 26 November 2015) fixes for the geography, one test each.

Figures for later layers (540 FTE, 452 sessions, the budget, 10,000 cases) are tested there.
"""

from geodata import GeodataConfig
from geodata.districts import DISTRICTS, FOOTPRINTS, SPA_COUNT
from geodata.estate import (
    CHILDREN_CENTRES,
    COMMISSIONED_CC,
    COUNCIL_MANAGED_CC,
    ESTATE_TOTAL,
    SATELLITES,
    YOUNG_PEOPLES_CENTRES,
    YOUTH_ZONES,
)
from geodata.need import ACCESS_POINTS_BY_BAND


def test_twelve_districts_e07000117_to_e07000128():
    assert list(DISTRICTS) == [f"E07000{n}" for n in range(117, 129)]


def test_five_footprints_with_9_4_9_6_6_spas_making_34():
    assert [n for _, n in FOOTPRINTS.values()] == [9, 4, 9, 6, 6]
    assert SPA_COUNT == 34 == sum(n for _, n in FOOTPRINTS.values())
    assert sorted(d for members, _ in FOOTPRINTS.values() for d in members) == sorted(DISTRICTS.values())


def test_the_2015_estate_is_132_buildings():
    # section 3: 61 children's centres + 18 satellites (51 LCC-managed, 28 commissioned),
    # 10 youth zones, 43 young people's centres
    assert (CHILDREN_CENTRES, SATELLITES, YOUTH_ZONES, YOUNG_PEOPLES_CENTRES) == (61, 18, 10, 43)
    assert COUNCIL_MANAGED_CC + COMMISSIONED_CC == CHILDREN_CENTRES + SATELLITES == 79
    assert ESTATE_TOTAL == 132


def test_good_practice_is_a_30_minute_walk():
    assert GeodataConfig().walk_limit_minutes == 30


def test_high_need_spas_get_three_or_four_access_points_and_others_one_or_two():
    # section 9: "at least one point of service access within each of the 34 SPAs ...
    # higher need areas having three or four points of access and the middle and lower need
    # areas having two or one"
    assert ACCESS_POINTS_BY_BAND == {"high": (3, 4), "middle": (1, 2), "low": (1, 2)}
