"""The figures of seed 001, in one place: one district's first quarter of the core offer.

Seed 001 is the "District Prevention & Early Help Update: West Lancashire, Q1 2015/16": for each
of the four commissioned themes of seed 000 (:data:`geodata.seed000.THEMES`, whose column order
it shares) the requests for support (RfS) received and where from, capacity, the levels of need,
closures and their outcome, the payment-by-results (PbR) money and the RAG rating; then the
district's CAF counts, lead professional (LP) budget and small grants. It is the one observed
quarter of demand and flow the simulation is calibrated on. Figures are kept as printed, including
those that disagree with each other (noted where they are; ``tests/test_seed_figures.py`` records
each). "£ -" in the paper is 0 here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar

from geodata.seed000 import FAMILIES_BY_DISTRICT_THEME, THEMES

#: The page heading: "District Prevention & Early Help Update: West Lancashire", "Q1 2015/16".
DISTRICT = "West Lancashire"
QUARTER = "Q1 2015/16"
#: A quarter is 13 weeks (April to June 2015); the paper gives no dates of its own.
WEEKS_IN_QUARTER = 13

_T = TypeVar("_T")


def _per_theme(*figures: _T) -> Mapping[str, _T]:
    """Read-only theme -> figure, from one printed row whose columns are in THEMES order."""
    return MappingProxyType(dict(zip(THEMES, figures, strict=True)))


# --- Commissioned Services: Activity (rows of the activity table) -------------------------

#: "Number of RfS Received (in Period)".
REQUESTS_IN_PERIOD: Mapping[str, int] = _per_theme(26, 17, 47, 1)
#: "Number of RfS Received (2015/16 to date)". In Q1 this should equal the in-period row, but
#: domestic abuse's year-to-date 11 is below its in-period 17 in the source (its level 2 + level
#: 3 requests make 17, so 11 looks like the slip).
REQUESTS_YEAR_TO_DATE: Mapping[str, int] = _per_theme(26, 11, 47, 1)
#: "Number of RfS Not Progressed (2015/16)".
NOT_PROGRESSED: Mapping[str, int] = _per_theme(4, 2, 0, 0)
#: "Total Available Capacity": seed 000's places for the district plus capacity carried over
#: from 2014/15 (see :func:`capacity_carried_over`).
CAPACITY_TOTAL: Mapping[str, int] = _per_theme(86, 43, 117, 32)
#: "Capacity Remaining".
CAPACITY_REMAINING: Mapping[str, int] = _per_theme(53, 28, 61, 31)
#: "Total number of CYP worked with (2015/16)" (children and young people, not families;
#: emotional health's 1 is below its 16 closures, as printed).
WORKED_WITH: Mapping[str, int] = _per_theme(67, 29, 1, 0)
#: "Number of RfS at Level 2 (2015/16)" of the Continuum of Need.
LEVEL_2: Mapping[str, int] = _per_theme(6, 13, 1, 1)
#: "Number of RfS at Level 3 (2015/16)". Emotional health gives a level for 24 of its 47.
LEVEL_3: Mapping[str, int] = _per_theme(20, 4, 23, 0)
#: "Number of cases closed in period". Family support's impact text says "10 cases closed".
CLOSED: Mapping[str, int] = _per_theme(9, 5, 16, 0)
#: "Number of closed cases de-escalated in period".
DEESCALATED: Mapping[str, int] = _per_theme(6, 5, 16, 0)
#: "Number of closed cases escalated in period".
ESCALATED: Mapping[str, int] = _per_theme(0, 0, 0, 0)
#: "Number of PBR payments made in period" (yet PbR money was paid in the period: see
#: :data:`PBR_PAID_GBP`).
PBR_PAYMENTS: Mapping[str, int] = _per_theme(0, 0, 0, 0)

#: "Source of RfS (2015/16)": source label as printed -> theme -> requests, in the paper's order.
SOURCES: Mapping[str, Mapping[str, int]] = MappingProxyType(
    {
        "CAMHS": _per_theme(0, 0, 5, 0),
        "Children's centres": _per_theme(0, 0, 0, 0),
        "De-escalation from Children's Social Care": _per_theme(2, 4, 1, 0),
        "Early Support Panels": _per_theme(0, 1, 0, 0),
        "Education (inc. early years)": _per_theme(18, 2, 25, 0),
        "Health": _per_theme(2, 0, 10, 0),
        "Housing": _per_theme(0, 0, 0, 0),
        "MASH": _per_theme(1, 7, 1, 0),
        "Other Early Support Provider": _per_theme(1, 0, 1, 0),
        "Other VCFS organisation": _per_theme(0, 2, 4, 0),
        "Police/YOT": _per_theme(1, 0, 0, 0),
        "Self Referral": _per_theme(0, 0, 0, 0),
        "Substance misuse support agencies": _per_theme(0, 0, 0, 0),
        "Young People's Service": _per_theme(0, 0, 0, 1),
    }
)

# --- Commissioned Services: Contextual Information (£) ------------------------------------

#: "Total financial allocation (2015/16)"; together £78,900, seed 000's core offer funding for
#: West Lancs (printed there as £78,899).
ALLOCATION_GBP: Mapping[str, int] = _per_theme(35_505, 7_890, 27_615, 7_890)
#: "Upfront payment (2015/16)": UPFRONT_SHARE of the allocation.
UPFRONT_GBP: Mapping[str, int] = _per_theme(14_202, 3_156, 11_046, 3_156)
#: "Payment by results total (excludes any carry over)": PBR_SHARE of the allocation.
PBR_TOTAL_GBP: Mapping[str, int] = _per_theme(21_303, 4_734, 16_569, 4_734)
#: "Payment by results paid (2015/16 to date)".
PBR_PAID_GBP: Mapping[str, int] = _per_theme(4_212, 1_875, 7_200, 0)
#: "Payment by results remaining".
PBR_REMAINING_GBP: Mapping[str, int] = _per_theme(17_091, 2_859, 9_369, 4_734)
#: The split of each allocation the rows above show: 40 % up front, 60 % by results.
UPFRONT_SHARE = 0.4
PBR_SHARE = 0.6
#: "RAG Ratings, 2015/16 - Q1".
RAG: Mapping[str, str] = _per_theme("Green", "Green", "Amber", "Amber")

# --- Commissioned Services: Impact --------------------------------------------------------

#: "% of cases whose CoN level improves to 'thriving'" (30 %, 60 %, 88 %; parenting "-", no
#: closures). Family support's 30 % is 3 of the narrative's 10 closures, not of the table's 9.
THRIVING_SHARE: Mapping[str, float | None] = _per_theme(0.30, 0.60, 0.88, None)

# --- Panels and CAFs -----------------------------------------------------------------------

#: "Number of Panels held in period: 2".
PANELS_IN_PERIOD = 2
#: "Number of CAFs Opened in Period".
CAFS_OPENED = 74
#: "Number of CAFs Closed in Period".
CAFS_CLOSED = 107
#: "Number of CAFs Pending at 31st December 2014": the open caseload the quarter starts from
#: (the date is as printed, though Q1 2015/16 starts on 1 April 2015).
CAFS_PENDING_START = 200

# --- Lead Professional Budget and Small Grants Budget --------------------------------------

#: "Total LP budget for year" (seed 000's LP budget for West Lancs).
LP_BUDGET_GBP = 4_641
#: "Total spent in period" (and "in year to date"); "Remaining budget at end of period" £2,560.
LP_SPENT_GBP = 2_081
#: "Lead Professional budget spend in period": (provision bought, requesting agency, £); the
#: paper's cells cut "Hesketh Bank Children's Cer" short.
LP_PURCHASES: tuple[tuple[str, str, int], ...] = (
    ("Nursery fees", "Cobbs Brow School", 87),
    ("Bedroom Furniture", "Birleywood Health Centre", 283),
    ("Pram", "Hesketh Bank Children's Centre", 225),
    ("Sensory Toys", "Delphside School", 94),
    ("Washing Machine", "St John's Children's Centre", 234),
    ("Children's Easter Party", "Skelmerdale Police", 90),
    ("Bed and mattress", "Delphside School", 304),
    ("Pram", "YPS", 60),
    ("Stairgates", "Hesketh Bank Children's Centre", 30),
    ("Childcare fees", "Moorgate Children's Centre", 112),
    ("Fridge freezer", "The Grove Children's Centre", 174),
    ("Buggy board", "St John's Children's Centre", 45),
    ("Gas & Electric", "First Steps Children's Centre", 20),
    ("Electric Cooker", "Ashurst Health Centre", 129),
    ("Carpet", "St John's Children's Centre", 90),
    ("Pram", "Sandy Lane Health Centre", 104),
)
#: "Total small grants budget for year" (seed 000's small grants for West Lancs); none spent
#: ("No spend in this period").
SMALL_GRANTS_GBP = 9_282
SMALL_GRANTS_SPENT_GBP = 0


# --- Derived figures ----------------------------------------------------------------------


def lp_remaining_gbp() -> int:
    """LP budget left at the end of the quarter: £4,641 - £2,081 = £2,560, as printed."""
    return LP_BUDGET_GBP - LP_SPENT_GBP


def source_totals() -> dict[str, int]:
    """Requests from each source, all themes together, in the paper's order (89 in all)."""
    return {source: sum(by_theme.values()) for source, by_theme in SOURCES.items()}


def source_shares() -> dict[str, float]:
    """Each source's share of the requests whose source is given, leaving out sources with none.

    The referral mix for the simulation's arrivals: education (inc. early years) is 45 of 89.
    """
    totals = {source: n for source, n in source_totals().items() if n > 0}
    all_sources = sum(totals.values())
    return {source: n / all_sources for source, n in totals.items()}


def not_progressed_share() -> float:
    """Share of the quarter's requests not taken on: 6 of 91."""
    return sum(NOT_PROGRESSED.values()) / sum(REQUESTS_IN_PERIOD.values())


def level_2_share_of_known() -> float:
    """Share of requests with a recorded level that are level 2 (not 3): 21 of 68."""
    level_2 = sum(LEVEL_2.values())
    return level_2 / (level_2 + sum(LEVEL_3.values()))


def deescalated_share_of_closed() -> float:
    """Share of closed cases whose level of need came down: 27 of 30."""
    return sum(DEESCALATED.values()) / sum(CLOSED.values())


def case_length_weeks_littles_law() -> float:
    """Mean weeks a CAF stays open, by Little's law: open cases / closure rate.

    200 pending / (107 closed / 13 weeks) = 24.3 weeks. Uses the caseload at the start of the
    quarter (the paper gives no average), so it is a rough figure.
    """
    return CAFS_PENDING_START / (CAFS_CLOSED / WEEKS_IN_QUARTER)


def escalation_upper_bound_rule_of_three() -> float:
    """95 % upper bound on the share of closures that escalate: 3 / 30 closures = 0.1.

    No closure escalated, so the rule of three (3 / n for 0 events in n) bounds the true rate.
    """
    return 3 / sum(CLOSED.values())


def capacity_carried_over() -> dict[str, int]:
    """Places per theme beyond seed 000's allocation to the district: 40, 30, 80, 10.

    Inferred, not printed: seed 000 says its places "will be supplemented ... by utilising unused
    capacity from 2014/15", and the differences come out as round numbers.
    """
    places = FAMILIES_BY_DISTRICT_THEME[DISTRICT]
    return {t: CAPACITY_TOTAL[t] - places[t] for t in THEMES}
