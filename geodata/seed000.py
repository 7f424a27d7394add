"""The figures of seed 000 in one place: the commissioned core offer's money and places, 2015/16.

Seed 000 is the Lancashire Children and Young People's Trust update "Prevention and Early Help
Core Offer Commissioned Services Update" (early 2015): Schools Forum's £1m for 2015/16, how it is
split (small grants, lead professional budget, core offer) and allocated to the 12 districts, and
how many families each district can support in each of the four themes. Each figure carries the
part of the paper it comes from. Tables are kept as printed, including their rounding: the totals
rows do not all equal the sums of the district rows (``tests/test_seed_figures.py`` records by
how much), so use a district's own row rather than rescaling a total.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# --- Background: the four themes ----------------------------------------------------------

#: "The core offer is made up of four agreed specialist themes". The project's order (used as
#: the key order of every per-theme mapping); the paper lists them alphabetically.
THEMES = ("family_support", "domestic_abuse", "emotional_health", "parenting")
#: The themes as the paper names them ("EHWB" in the families table).
THEME_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "family_support": "Family Support",
        "domestic_abuse": "Domestic Abuse",
        "emotional_health": "Emotional Health and Well Being",
        "parenting": "Parenting",
    }
)
#: The providers for 2015/16 after the mini competition (the providers table).
PROVIDERS: Mapping[str, str] = MappingProxyType(
    {
        "family_support": "Greater Together Consortium",
        "domestic_abuse": "Greater Together Consortium",
        "emotional_health": "Child Action North West (Central and North Lancashire) / "
        "Barnardo's (East Lancashire)",
        "parenting": "Action for Children",
    }
)

# --- Mini competition and 2015/16 funding -------------------------------------------------

#: "Schools Forum have again agreed to fund the commissioned service provision for 2015/16 and
#: have committed £1m" (plus any unused 2014/15 funding carried over, not counted here).
DISTRICT_FUND_GBP = 1_000_000
#: The column heads of the allocation table: "Small Grants (10%)", "LP Budget (5%)", "Core Offer
#: Funding (85%)".
FUND_SPLIT: Mapping[str, float] = MappingProxyType(
    {"small_grants": 0.10, "lead_professional": 0.05, "core_offer": 0.85}
)
#: "the amount of the overall pot allocated to the small grants budget has been reduced by 2.5%"
#: (the paper does not say whether points or per cent of the old share).
SMALL_GRANTS_REDUCTION = 0.025
#: Small grants fund community projects "not any more than £5k as project value".
SMALL_GRANT_PROJECT_MAX_GBP = 5_000
#: Lead professional budget: "Requests for sums under £250 can be submitted".
LP_REQUEST_BELOW_GBP = 250

#: "calculated using a tool which took into account the following local factors", in order.
ALLOCATION_FACTORS = (
    "0-19 population",
    "deprivation levels",
    "children social care referral numbers",
    "domestic abuse referral numbers",
    "rurality",
)


def _table(
    rows: Mapping[str, tuple[int, ...]],
    columns: tuple[str, ...],
    order: tuple[str, ...] | None = None,
) -> Mapping[str, Mapping[str, int]]:
    """Read-only row -> column -> figure from a table typed as printed, columns put in ``order``."""
    table = {}
    for name, row in rows.items():
        cells = dict(zip(columns, row, strict=True))
        table[name] = MappingProxyType({c: cells[c] for c in order or columns})
    return MappingProxyType(table)


#: The district allocation table (columns small grants, LP budget, core offer funding, "District
#: Total ES Resource"), £ as printed, rows in the paper's (alphabetical) order; the paper's
#: "West Lancs" is "West Lancashire" here.
DISTRICT_ALLOCATION_GBP: Mapping[str, Mapping[str, int]] = _table(
    {
        "Burnley": (9_296, 4_648, 79_013, 92_957),
        "Chorley": (8_154, 4_077, 69_306, 81_537),
        "Fylde": (5_836, 2_918, 49_605, 58_359),
        "Hyndburn": (8_462, 4_231, 71_926, 84_619),
        "Lancaster": (10_331, 5_166, 87_816, 103_313),
        "Pendle": (8_856, 4_428, 75_272, 88_555),
        "Preston": (12_496, 6_248, 106_213, 124_957),
        "Ribble Valley": (5_572, 2_786, 47_359, 55_716),
        "Rossendale": (6_557, 3_279, 55_736, 65_572),
        "South Ribble": (7_614, 3_807, 64_717, 76_138),
        "West Lancashire": (9_282, 4_641, 78_899, 92_823),
        "Wyre": (7_546, 3_773, 64_137, 75_455),
    },
    (*FUND_SPLIT, "total"),
)
#: The table's "Total" row (£100,000, £50,000, £850,000, £1,000,000): the fund times the split.
FUND_PARTS_GBP: Mapping[str, int] = MappingProxyType(
    {
        **{part: round(DISTRICT_FUND_GBP * share) for part, share in FUND_SPLIT.items()},
        "total": DISTRICT_FUND_GBP,
    }
)

# --- District allocations across themes ---------------------------------------------------

#: "the number of families that can be supported per district, per theme during 2015/16",
#: before any 2014/15 capacity carried over. Printed columns: Family Support, Domestic Abuse,
#: Parenting, EHWB (note: Preston has no parenting places).
FAMILIES_BY_DISTRICT_THEME: Mapping[str, Mapping[str, int]] = _table(
    {
        "Burnley": (40, 32, 26, 35),
        "Chorley": (40, 11, 19, 32),
        "Fylde": (16, 20, 14, 26),
        "Hyndburn": (32, 29, 20, 40),
        "Lancaster": (34, 42, 24, 35),
        "Pendle": (34, 36, 21, 35),
        "Preston": (54, 34, 0, 57),
        "Ribble Valley": (30, 11, 13, 22),
        "Rossendale": (29, 18, 23, 26),
        "South Ribble": (41, 10, 18, 26),
        "West Lancashire": (46, 13, 22, 37),
        "Wyre": (25, 31, 18, 26),
    },
    ("family_support", "domestic_abuse", "parenting", "emotional_health"),
    THEMES,
)
#: The table's "Lancashire Total" row as printed (420, 287, 215, 395); three of the four differ
#: from the sum of the district rows (421, 287, 218, 397).
FAMILIES_COUNTY_TOTAL_BY_THEME: Mapping[str, int] = MappingProxyType(
    {"family_support": 420, "domestic_abuse": 287, "emotional_health": 395, "parenting": 215}
)


def theme_shares() -> dict[str, float]:
    """Each theme's share of the printed county total of families (1,317), in THEMES order.

    The mix of the core offer's places across the themes, e.g. family support 420 / 1,317.
    """
    total = sum(FAMILIES_COUNTY_TOTAL_BY_THEME.values())
    return {t: FAMILIES_COUNTY_TOTAL_BY_THEME[t] / total for t in THEMES}
