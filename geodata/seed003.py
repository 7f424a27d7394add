"""The rules and figures of seed 003, in one place: every layer imports them from here.

Seed 003 is Lancashire County Council's cabinet paper of 26 November 2015 on the Wellbeing,
Prevention and Early Help Service (WPEHS). Each figure carries the section it comes from. The
siting programme (``optimise/``), the simulation (``sim/``) and the scenarios take these as
the proposal's defaults; a scenario may change a rule (a 10/8 session pattern, a 20-minute
walk), never the figures the paper reports for 2015.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# --- Section 3: the current position (2015/16) --------------------------------------------

#: "The budget across the services in 2015/16 is £24,413,125".
BUDGET_2015_GBP = 24_413_125
#: "a current total staffing establishment of approximately 750 full time equivalent staff".
FTE_2015 = 750

#: The 2015 estate (the table of section 3): 61 children's centres and 18 satellites, of
#: which 51 are LCC-managed and 28 externally commissioned; 10 youth zones and 43 young
#: people's centres, all LCC-managed.
CHILDREN_CENTRES = 61
SATELLITES = 18
COUNCIL_MANAGED_CC = 51
COMMISSIONED_CC = 28
YOUTH_ZONES = 10
YOUNG_PEOPLES_CENTRES = 43
ESTATE_TOTAL = CHILDREN_CENTRES + SATELLITES + YOUTH_ZONES + YOUNG_PEOPLES_CENTRES  # 132

# --- Sections 5 and 6: who and how many -----------------------------------------------------

#: Continuum of Need levels the targeted offer serves (section 5: "Levels 2, 3 and
#: additional support to level 4a").
CON_LEVELS = ("2", "3", "4a")
#: "capacity to safely respond to approximately 10,000 cases each year" (section 6).
CASES_PER_YEAR = 10_000

# --- Section 7: money and staff -------------------------------------------------------------

#: "a revised financial envelope of £17,230,000" (executive summary and section 7).
BUDGET_GBP = 17_230_000
#: "a £7.4million budget saving by 2017/18, based on current services spend (2015/16)".
SAVING_GBP_STATED = 7_400_000
#: "540 full time equivalent staff of which 482fte (89.2%) are frontline operational, 29fte are
#: service management at Grade 9 and above (5.4%) and 29fte are operational delivery support".
FTE = 540
FTE_FRONTLINE = 482
FTE_MANAGEMENT = 29
FTE_SUPPORT = 29

# --- Sections 4, 8 and 9: where ---------------------------------------------------------------

#: "34 service planning areas" (sections 4 and 9).
SPA_COUNT = 34
#: Delivery footprints -> (member districts, number of SPAs), section 8.
FOOTPRINTS: Mapping[str, tuple[tuple[str, ...], int]] = MappingProxyType(
    {
        "Lancaster, Fylde and Wyre": (("Lancaster", "Fylde", "Wyre"), 9),
        "Preston": (("Preston",), 4),
        "Chorley, South Ribble and West Lancashire": (
            ("Chorley", "South Ribble", "West Lancashire"),
            9,
        ),
        "Hyndburn, Ribble Valley and Rossendale": (
            ("Hyndburn", "Ribble Valley", "Rossendale"),
            6,
        ),
        "Burnley and Pendle": (("Burnley", "Pendle"), 6),
    }
)
#: "56 neighbourhood centres distributed across the 34 service planning areas" (section 9).
CENTRES = 56
#: "at least one point of service access within each of the 34 service planning areas ...
#: higher need areas having three or four points of access and the middle and lower need areas
#: having two or one" (section 9): (fewest, most) by need band.
ACCESS_POINTS_BY_BAND: Mapping[str, tuple[int, int]] = MappingProxyType(
    {"high": (3, 4), "middle": (1, 2), "low": (1, 2)}
)
#: "one identified neighbourhood centre in each 'district' area will provide an enhanced level
#: of access to services (12 delivery sessions per week) whilst the remainder will deliver 7
#: sessions per week. This will enable 452 delivery sessions per week" (section 9).
ENHANCED_CENTRES_PER_DISTRICT = 1
SESSIONS_ENHANCED = 12
SESSIONS_STANDARD = 7
SESSIONS_PER_WEEK = 452
#: "good practice for access within 30 minutes reasonable travel distance (walking)" (section 9).
WALK_MINUTES = 30.0


def access_point_range(band_counts: Mapping[str, int]) -> tuple[int, int]:
    """Fewest and most centres the section-9 rule allows for SPAs in these need bands."""
    low = sum(ACCESS_POINTS_BY_BAND[b][0] * n for b, n in band_counts.items())
    high = sum(ACCESS_POINTS_BY_BAND[b][1] * n for b, n in band_counts.items())
    return low, high


def sessions_per_week(
    centres: int,
    districts: int,
    enhanced: int = SESSIONS_ENHANCED,
    standard: int = SESSIONS_STANDARD,
) -> int:
    """Weekly sessions when one centre per district is enhanced and the rest are standard.

    ``sessions_per_week(56, 12) == 452`` (12 x 12 + 44 x 7), the figure of section 9.
    """
    if centres < districts * ENHANCED_CENTRES_PER_DISTRICT:
        raise ValueError(f"{centres} centres cannot give each of {districts} districts an enhanced one")
    n_enhanced = districts * ENHANCED_CENTRES_PER_DISTRICT
    return n_enhanced * enhanced + (centres - n_enhanced) * standard
