"""What seeds 000 and 001 say, pinned figure by figure and checked against each other.

Seed 000 (:mod:`geodata.seed000`) is the core offer's money and places for 2015/16; seed 001
(:mod:`geodata.seed001`) is West Lancashire's first quarter. The modules keep every figure as
printed. Where a printed table disagrees with itself or with the other seed, the disagreement is
named below and the tests hold it to exactly that, so a typo in a figure cannot hide and a quiet
"correction" of a printed figure shows up too.
"""

import pytest

from geodata import seed000, seed001
from geodata.districts import DISTRICTS

# --- Known discrepancies in the printed tables (kept as printed, not corrected) -------------

#: Seed 000 allocation table: rows whose three parts do not add to the printed district total
#: (parts minus total, £), all rounding.
ALLOCATION_ROWS_OFF_BY_ONE_POUND = {
    "Pendle": 1,
    "Ribble Valley": 1,
    "West Lancashire": -1,
    "Wyre": 1,
}
#: Seed 000 allocation table: sum of the 12 district rows minus the printed "Total" row, £.
ALLOCATION_COLUMNS_MINUS_PRINTED_TOTAL = {
    "small_grants": 2,
    "lead_professional": 2,
    "core_offer": -1,
    "total": 1,
}
#: Seed 000 families table: sum of the 12 district rows minus the printed "Lancashire Total".
FAMILIES_MINUS_PRINTED_TOTAL = {
    "family_support": 1,
    "domestic_abuse": 0,
    "emotional_health": 2,
    "parenting": 3,
}
#: Seed 001: requests received "2015/16 to date" minus "in Period" (both are Q1, so 0 expected).
REQUESTS_YEAR_TO_DATE_MINUS_IN_PERIOD = {"domestic_abuse": -6}
#: Seed 001: requests with a source given minus requests received in the period.
SOURCES_MINUS_REQUESTS = {"family_support": -1, "domestic_abuse": -1}
#: Seed 001's four allocations (£78,900) minus seed 000's West Lancs core offer (£78,899), £.
CORE_OFFER_SEED001_MINUS_SEED000_GBP = 1
#: Seed 001 family support closures: 9 in the activity table, "10 cases closed" in the impact
#: text (whose 30 % thriving is 3 of 10).
FAMILY_SUPPORT_CLOSURES_TABLE_AND_TEXT = (9, 10)
#: Seed 001: PbR money paid to date although "Number of PBR payments made in period" is 0.
PBR_PAID_WITH_NO_PAYMENTS_GBP = 13_287
#: Seed 001 LP purchases at or above seed 000's "sums under £250" (£).
LP_PURCHASES_OVER_LIMIT_GBP = {"Bedroom Furniture": 283, "Bed and mattress": 304}

WEST_LANCS = seed000.DISTRICT_ALLOCATION_GBP["West Lancashire"]


def _sum_rows(table, columns):
    return {c: sum(row[c] for row in table.values()) for c in columns}


# --- Seed 000 ---------------------------------------------------------------------------------


def test_four_themes_in_the_project_order_with_the_papers_labels():
    assert seed000.THEMES == ("family_support", "domestic_abuse", "emotional_health", "parenting")
    assert dict(seed000.THEME_LABELS) == {
        "family_support": "Family Support",
        "domestic_abuse": "Domestic Abuse",
        "emotional_health": "Emotional Health and Well Being",
        "parenting": "Parenting",
    }
    assert tuple(seed000.PROVIDERS) == seed000.THEMES


def test_funding_is_allocated_on_the_five_factors_in_the_papers_order():
    assert seed000.ALLOCATION_FACTORS == (
        "0-19 population",
        "deprivation levels",
        "children social care referral numbers",
        "domestic abuse referral numbers",
        "rurality",
    )


def test_the_1m_fund_splits_10_5_85_into_the_printed_total_row():
    assert seed000.DISTRICT_FUND_GBP == 1_000_000
    assert dict(seed000.FUND_SPLIT) == {
        "small_grants": 0.10,
        "lead_professional": 0.05,
        "core_offer": 0.85,
    }
    assert dict(seed000.FUND_PARTS_GBP) == {
        "small_grants": 100_000,
        "lead_professional": 50_000,
        "core_offer": 850_000,
        "total": 1_000_000,
    }


def test_the_allocation_table_has_the_twelve_districts_by_the_projects_names():
    assert list(seed000.DISTRICT_ALLOCATION_GBP) == list(DISTRICTS.values())
    assert list(seed000.FAMILIES_BY_DISTRICT_THEME) == list(DISTRICTS.values())
    assert dict(WEST_LANCS) == {
        "small_grants": 9_282,
        "lead_professional": 4_641,
        "core_offer": 78_899,
        "total": 92_823,
    }


def test_each_districts_three_parts_make_its_total_but_four_rows_are_a_pound_out():
    off = {}
    for district, row in seed000.DISTRICT_ALLOCATION_GBP.items():
        difference = sum(row[part] for part in seed000.FUND_SPLIT) - row["total"]
        if difference:
            off[district] = difference
    assert off == ALLOCATION_ROWS_OFF_BY_ONE_POUND


def test_each_districts_parts_are_10_5_85_percent_of_its_total_to_the_pound():
    worst = max(
        abs(row[part] - share * row["total"])
        for row in seed000.DISTRICT_ALLOCATION_GBP.values()
        for part, share in seed000.FUND_SPLIT.items()
    )
    assert worst == pytest.approx(0.55)  # West Lancs core offer: £78,899 for 85 % of £92,823


def test_the_allocation_columns_add_to_the_printed_totals_but_for_the_recorded_pounds():
    sums = _sum_rows(seed000.DISTRICT_ALLOCATION_GBP, seed000.FUND_PARTS_GBP)
    assert sums == {
        c: seed000.FUND_PARTS_GBP[c] + ALLOCATION_COLUMNS_MINUS_PRINTED_TOTAL[c] for c in sums
    }


def test_the_families_table_sums_to_the_printed_county_totals_but_for_the_recorded_families():
    assert dict(seed000.FAMILIES_COUNTY_TOTAL_BY_THEME) == {
        "family_support": 420,
        "domestic_abuse": 287,
        "emotional_health": 395,
        "parenting": 215,
    }
    sums = _sum_rows(seed000.FAMILIES_BY_DISTRICT_THEME, seed000.THEMES)
    assert sums == {
        t: seed000.FAMILIES_COUNTY_TOTAL_BY_THEME[t] + FAMILIES_MINUS_PRINTED_TOTAL[t]
        for t in seed000.THEMES
    }


def test_the_families_table_is_keyed_in_theme_order_whatever_the_printed_column_order():
    # printed columns: Family Support, Domestic Abuse, Parenting, EHWB
    west_lancs = seed000.FAMILIES_BY_DISTRICT_THEME["West Lancashire"]
    assert list(west_lancs.items()) == [
        ("family_support", 46),
        ("domestic_abuse", 13),
        ("emotional_health", 37),
        ("parenting", 22),
    ]
    assert seed000.FAMILIES_BY_DISTRICT_THEME["Preston"]["parenting"] == 0


def test_theme_shares_are_the_county_totals_over_1317_and_sum_to_1():
    shares = seed000.theme_shares()
    assert list(shares) == list(seed000.THEMES)
    assert shares == {
        "family_support": 420 / 1317,
        "domestic_abuse": 287 / 1317,
        "emotional_health": 395 / 1317,
        "parenting": 215 / 1317,
    }
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-12)


def test_seed_tables_are_read_only_at_both_levels():
    with pytest.raises(TypeError):
        seed000.DISTRICT_ALLOCATION_GBP["Burnley"] = {}  # type: ignore[index]
    with pytest.raises(TypeError):
        seed000.FAMILIES_BY_DISTRICT_THEME["Burnley"]["parenting"] = 0  # type: ignore[index]
    with pytest.raises(TypeError):
        seed001.SOURCES["MASH"]["domestic_abuse"] = 0  # type: ignore[index]


# --- Seed 001 ---------------------------------------------------------------------------------


def test_seed_001_is_west_lancashire_in_the_13_weeks_of_q1_2015_16():
    assert (seed001.DISTRICT, seed001.QUARTER, seed001.WEEKS_IN_QUARTER) == (
        "West Lancashire",
        "Q1 2015/16",
        13,
    )
    assert seed001.DISTRICT in DISTRICTS.values()


def _split_matches(allocation: int, upfront: int, pbr: int) -> bool:
    """The upfront and PbR parts are UPFRONT_SHARE and PBR_SHARE of the allocation, to the pound."""
    return (
        upfront == round(seed001.UPFRONT_SHARE * allocation)
        and pbr == round(seed001.PBR_SHARE * allocation)
        and upfront + pbr == allocation
    )


def test_upfront_is_40_and_pbr_60_percent_of_each_allocation_to_the_pound():
    assert (seed001.UPFRONT_SHARE, seed001.PBR_SHARE) == (0.4, 0.6)
    assert list(seed001.ALLOCATION_GBP.values()) == [35_505, 7_890, 27_615, 7_890]
    for t in seed000.THEMES:
        assert _split_matches(
            seed001.ALLOCATION_GBP[t], seed001.UPFRONT_GBP[t], seed001.PBR_TOTAL_GBP[t]
        ), t
    assert not _split_matches(35_505, 14_203, 21_302)


def test_pbr_remaining_is_the_pbr_total_less_what_has_been_paid():
    assert list(seed001.PBR_PAID_GBP.values()) == [4_212, 1_875, 7_200, 0]
    assert list(seed001.PBR_REMAINING_GBP.values()) == [17_091, 2_859, 9_369, 4_734]
    for t in seed000.THEMES:
        assert seed001.PBR_REMAINING_GBP[t] == seed001.PBR_TOTAL_GBP[t] - seed001.PBR_PAID_GBP[t]


def test_pbr_was_paid_although_no_pbr_payments_are_counted():
    assert sum(seed001.PBR_PAYMENTS.values()) == 0
    assert sum(seed001.PBR_PAID_GBP.values()) == PBR_PAID_WITH_NO_PAYMENTS_GBP


def test_the_quarter_had_91_requests_6_not_progressed_30_closures_27_deescalated_none_escalated():
    s = seed001
    assert list(s.REQUESTS_IN_PERIOD.values()) == [26, 17, 47, 1]
    assert list(s.NOT_PROGRESSED.values()) == [4, 2, 0, 0]
    assert list(s.CLOSED.values()) == [9, 5, 16, 0]
    assert list(s.DEESCALATED.values()) == [6, 5, 16, 0]
    assert list(s.ESCALATED.values()) == [0, 0, 0, 0]
    totals = [sum(m.values()) for m in (s.REQUESTS_IN_PERIOD, s.NOT_PROGRESSED, s.CLOSED)]
    assert totals == [91, 6, 30]
    assert (sum(s.DEESCALATED.values()), sum(s.ESCALATED.values())) == (27, 0)


def test_capacity_levels_and_children_worked_with_are_as_printed():
    s = seed001
    assert list(s.CAPACITY_TOTAL.values()) == [86, 43, 117, 32]
    assert list(s.CAPACITY_REMAINING.values()) == [53, 28, 61, 31]
    assert list(s.WORKED_WITH.values()) == [67, 29, 1, 0]
    assert list(s.LEVEL_2.values()) == [6, 13, 1, 1]
    assert list(s.LEVEL_3.values()) == [20, 4, 23, 0]


def test_domestic_abuse_year_to_date_11_is_below_its_in_period_17_and_nothing_else_differs():
    assert list(seed001.REQUESTS_YEAR_TO_DATE.values()) == [26, 11, 47, 1]
    differences = {
        t: seed001.REQUESTS_YEAR_TO_DATE[t] - seed001.REQUESTS_IN_PERIOD[t]
        for t in seed000.THEMES
        if seed001.REQUESTS_YEAR_TO_DATE[t] != seed001.REQUESTS_IN_PERIOD[t]
    }
    assert differences == REQUESTS_YEAR_TO_DATE_MINUS_IN_PERIOD


def test_derived_shares_are_6_of_91_21_of_68_and_27_of_30():
    assert seed001.not_progressed_share() == 6 / 91
    assert seed001.level_2_share_of_known() == 21 / 68
    assert seed001.deescalated_share_of_closed() == 27 / 30


def test_a_caf_stays_open_200_over_107_per_13_weeks_about_24_3_weeks():
    assert (seed001.CAFS_OPENED, seed001.CAFS_CLOSED, seed001.CAFS_PENDING_START) == (74, 107, 200)
    assert seed001.PANELS_IN_PERIOD == 2
    assert seed001.case_length_weeks_littles_law() == 200 / (107 / 13)
    assert round(seed001.case_length_weeks_littles_law(), 1) == 24.3


def test_no_escalation_in_30_closures_bounds_the_escalation_rate_at_one_in_ten():
    assert seed001.escalation_upper_bound_rule_of_three() == 3 / 30


def test_requests_by_source_are_as_printed_and_two_lack_a_source():
    totals = seed001.source_totals()
    assert list(totals) == list(seed001.SOURCES)
    assert totals == {
        "CAMHS": 5,
        "Children's centres": 0,
        "De-escalation from Children's Social Care": 7,
        "Early Support Panels": 1,
        "Education (inc. early years)": 45,
        "Health": 12,
        "Housing": 0,
        "MASH": 9,
        "Other Early Support Provider": 2,
        "Other VCFS organisation": 6,
        "Police/YOT": 1,
        "Self Referral": 0,
        "Substance misuse support agencies": 0,
        "Young People's Service": 1,
    }
    by_theme = _sum_rows(seed001.SOURCES, seed000.THEMES)
    assert by_theme == {
        "family_support": 25,
        "domestic_abuse": 16,
        "emotional_health": 47,
        "parenting": 1,
    }
    differences = {
        t: n - seed001.REQUESTS_IN_PERIOD[t]
        for t, n in by_theme.items()
        if n != seed001.REQUESTS_IN_PERIOD[t]
    }
    assert differences == SOURCES_MINUS_REQUESTS
    assert dict(seed001.SOURCES["MASH"]) == {
        "family_support": 1,
        "domestic_abuse": 7,
        "emotional_health": 1,
        "parenting": 0,
    }


def test_source_shares_leave_out_empty_sources_sum_to_1_and_education_is_largest():
    shares = seed001.source_shares()
    assert len(shares) == 10
    assert "Housing" not in shares
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-12)
    assert max(shares, key=shares.__getitem__) == "Education (inc. early years)"
    assert shares["Education (inc. early years)"] == 45 / 89
    assert shares["Police/YOT"] == 1 / 89


def test_thriving_shares_and_rag_ratings_are_as_printed():
    assert dict(seed001.THRIVING_SHARE) == {
        "family_support": 0.30,
        "domestic_abuse": 0.60,
        "emotional_health": 0.88,
        "parenting": None,
    }
    assert list(seed001.RAG.values()) == ["Green", "Green", "Amber", "Amber"]


def test_family_support_thriving_30_percent_is_of_the_texts_10_closures_not_the_tables_9():
    table, text = FAMILY_SUPPORT_CLOSURES_TABLE_AND_TEXT
    assert seed001.CLOSED["family_support"] == table
    percent = round(100 * seed001.THRIVING_SHARE["family_support"])
    assert percent in {round(100 * k / text) for k in range(text + 1)}
    assert percent not in {round(100 * k / table) for k in range(table + 1)}


def test_seed_001s_lp_and_small_grants_budgets_are_seed_000s_west_lancs_figures():
    assert seed001.LP_BUDGET_GBP == WEST_LANCS["lead_professional"] == 4_641
    assert seed001.SMALL_GRANTS_GBP == WEST_LANCS["small_grants"] == 9_282
    assert seed001.SMALL_GRANTS_SPENT_GBP == 0


def test_the_16_lp_purchases_make_the_2081_spent_leaving_2560():
    assert len(seed001.LP_PURCHASES) == 16
    assert sum(gbp for _, _, gbp in seed001.LP_PURCHASES) == seed001.LP_SPENT_GBP == 2_081
    assert seed001.lp_remaining_gbp() == 2_560


def test_two_lp_purchases_exceed_seed_000s_250_pound_request_limit():
    over = {
        item: gbp for item, _, gbp in seed001.LP_PURCHASES if gbp >= seed000.LP_REQUEST_BELOW_GBP
    }
    assert over == LP_PURCHASES_OVER_LIMIT_GBP


def test_seed_001s_allocations_are_seed_000s_west_lancs_core_offer_but_for_a_pound():
    assert sum(seed001.ALLOCATION_GBP.values()) == 78_900
    difference = sum(seed001.ALLOCATION_GBP.values()) - WEST_LANCS["core_offer"]
    assert difference == CORE_OFFER_SEED001_MINUS_SEED000_GBP


def test_capacity_is_seed_000s_places_plus_a_round_carry_over_from_2014_15():
    assert seed001.capacity_carried_over() == {
        "family_support": 40,
        "domestic_abuse": 30,
        "emotional_health": 80,
        "parenting": 10,
    }
