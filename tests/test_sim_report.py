"""Guarantees of the simulation's report (sim/report.py): the RAG rule, the district report's
table and page, and the waits chart.

Most are built from a real tiny run (tests/sim_fixtures.py: Burnley with two SPAs in the
"Burnley and Pendle" footprint, Preston with one; three replications, seed 1); exact figures
come from small hand-made frames.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from PIL import Image
from pydantic import ValidationError

from geodata import seed001
from geodata.seed000 import THEMES
from sim import report
from sim.kpis import interval_table
from sim.report import (
    CAPACITY,
    CAPACITY_REMAINING,
    COMMISSIONED,
    LEVELS,
    REFERRED_IN_PERIOD,
    REFERRED_TO_DATE,
    REQUESTS_TO_DATE,
    SOURCES,
    TAKE_UP,
    TEAM,
    TEAM_ITEMS,
    RagRule,
    take_up_rating,
    wait_rating,
)
from sim.runner import SimulationRun, run_simulation
from tests.sim_fixtures import tiny_inputs

G, A, R = "Green", "Amber", "Red"
P90 = TEAM_ITEMS["wait_days_p90"]


@pytest.fixture(scope="module")
def run() -> SimulationRun:
    return run_simulation(tiny_inputs(), replications=3, seed=1)


@pytest.fixture(scope="module")
def intervals(run: SimulationRun) -> pd.DataFrame:
    return interval_table(run.kpis, 0.95)


@pytest.fixture(scope="module")
def table(run: SimulationRun, intervals: pd.DataFrame) -> pd.DataFrame:
    return report.district_report_table(run.breakdown, intervals)


def _items(table: pd.DataFrame, item: str) -> pd.Series:
    """``item``'s mean by (district, period, theme)."""
    rows = table[table["item"] == item]
    return rows.set_index(["district", "period", "theme"])["value"]


# --- the rule ------------------------------------------------------------------------------


def test_the_take_up_rule_gives_each_boundary_to_the_better_rating():
    take_up = [0.0999, 0.1, 0.7499, 0.75, 1.0, 1.6, 1.6001, 2.0, 2.0001, np.nan]
    assert list(take_up_rating(take_up)) == [R, A, A, G, G, G, A, A, R, None]


def test_the_default_rule_gives_seed_001s_own_ratings_to_seed_001s_quarter():
    # capacity used = total - remaining, after one quarter of the year
    used = {t: seed001.CAPACITY_TOTAL[t] - seed001.CAPACITY_REMAINING[t] for t in THEMES}
    quarter = seed001.WEEKS_IN_QUARTER / 52
    take_up = [used[t] / (seed001.CAPACITY_TOTAL[t] * quarter) for t in THEMES]
    assert list(take_up_rating(take_up)) == [seed001.RAG[t] for t in THEMES]


def test_the_waits_rule_rates_the_90th_percentile_wait_against_28_and_42_days():
    assert list(wait_rating([0.0, 28.0, 28.01, 42.0, 42.01, np.nan])) == [G, G, A, A, R, None]


def test_a_rule_with_other_thresholds_moves_the_boundaries():
    rule = RagRule(take_up_amber_low=0.2, take_up_green_low=0.3, take_up_green_high=2.0,
                   take_up_amber_high=3.0, wait_green_days=7, wait_amber_days=14)
    assert list(take_up_rating([0.19, 0.2, 0.3, 2.0, 3.0, 3.01], rule)) == [R, A, G, G, A, R]
    assert list(wait_rating([7.0, 7.5, 14.0, 14.5], rule)) == [G, A, A, R]


def test_a_rule_whose_bands_do_not_nest_is_refused():
    with pytest.raises(ValidationError, match="take-up bands must nest"):
        RagRule(take_up_green_low=0.05)  # below amber_low 0.1
    with pytest.raises(ValidationError, match=r"wait_green_days \(50\) must not exceed"):
        RagRule(wait_green_days=50)


def test_the_rule_text_states_every_threshold_and_where_they_come_from():
    text = RagRule().text()
    for part in ("Green 0.75 to 1.6", "Amber 0.1 to 0.75 or 1.6 to 2", "within 28 days",
                 "Amber within 42", "Seed 001 gives ratings but not the rule"):
        assert part in text


# --- the table -----------------------------------------------------------------------------


def test_the_table_covers_every_district_period_and_section(table: pd.DataFrame):
    assert tuple(table.columns) == report.TABLE_COLUMNS
    assert list(pd.unique(table["district"])) == ["Burnley", "Preston"]
    for district in ("Burnley", "Preston"):
        rows = table[table["district"] == district]
        assert list(pd.unique(rows["period"])) == ["Q1", "Q2", "Q3", "Q4", "year"]
        assert list(pd.unique(rows["section"])) == [COMMISSIONED, SOURCES, LEVELS, TEAM]
    themes = table.loc[table["section"] == COMMISSIONED, "theme"]
    assert list(pd.unique(themes)) == ["Family Support", "Domestic Abuse",
                                       "Emotional Health and Well Being", "Parenting"]


def test_capacity_remaining_is_capacity_less_the_referrals_to_date(table: pd.DataFrame):
    remaining = _items(table, CAPACITY_REMAINING)
    expected = _items(table, CAPACITY) - _items(table, REFERRED_TO_DATE)
    assert len(remaining) == 2 * 5 * 4
    np.testing.assert_allclose(remaining.to_numpy(), expected.reindex(remaining.index).to_numpy(),
                               atol=1e-9)


def test_to_date_figures_add_the_quarters_since_april(table: pd.DataFrame):
    in_period = _items(table, REFERRED_IN_PERIOD).unstack("period")
    to_date = _items(table, REFERRED_TO_DATE).unstack("period")
    np.testing.assert_allclose(to_date["Q3"], in_period[["Q1", "Q2", "Q3"]].sum(axis=1), atol=1e-9)
    np.testing.assert_allclose(to_date["Q4"], in_period["year"], atol=1e-9)
    np.testing.assert_allclose(to_date["year"], in_period["year"], atol=1e-9)
    requests = _items(table, REQUESTS_TO_DATE).unstack("period")
    assert (requests["Q2"] > requests["Q1"]).all()


def test_take_up_is_referrals_to_date_over_capacity_pro_rata_and_rated(table: pd.DataFrame):
    take_up = _items(table, TAKE_UP)
    key = ("Burnley", "Q2", "Family Support")
    # Burnley's family support capacity is seed 000's 40 a year; Q2 ends on day 183 of 365
    assert _items(table, CAPACITY)[key] == 40
    assert take_up[key] == pytest.approx(_items(table, REFERRED_TO_DATE)[key] / (40 * 183 / 365))
    rows = table[table["item"] == TAKE_UP]
    assert list(rows["rating"]) == list(take_up_rating(rows["value"]))
    assert rows["rating"].notna().sum() == 2 * 5 * 4 - 5  # Preston's parenting has no capacity


def test_a_theme_without_capacity_has_no_take_up_and_no_rating(table: pd.DataFrame):
    rows = table[(table["district"] == "Preston") & (table["theme"] == "Parenting")
                 & (table["item"] == TAKE_UP)]
    assert len(rows) == 5
    assert rows["value"].isna().all() and rows["rating"].isna().all()


def test_the_team_section_carries_the_district_intervals_and_rates_the_90th_percentile_wait(
        table: pd.DataFrame, intervals: pd.DataFrame):
    team = table[table["section"] == TEAM].set_index(["district", "period", "item"])
    source = intervals[intervals["level"] == "district"].set_index(["area", "period"])
    for measure, label in TEAM_ITEMS.items():
        for column, suffix in (("value", ""), ("ci_low", "_ci_low"), ("ci_high", "_ci_high")):
            got = team.xs(label, level="item")[column]
            want = source[measure + suffix].reindex(got.index)
            np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    p90 = team.xs(P90, level="item")
    assert list(p90["rating"]) == list(wait_rating(p90["value"]))
    others = table[(table["section"] == TEAM) & (table["item"] != P90)]
    assert others["rating"].isna().all()


def test_requests_by_source_and_by_level_add_up_to_the_districts_requests(table: pd.DataFrame):
    requests = _items(table, TEAM_ITEMS["requests"]).droplevel("theme")
    for section in (SOURCES, LEVELS):
        total = table[table["section"] == section].groupby(["district", "period"])["value"].sum()
        np.testing.assert_allclose(total.to_numpy(), requests.reindex(total.index).to_numpy(),
                                   atol=1e-9)


def test_the_table_rates_by_the_rule_it_is_given(run: SimulationRun, intervals: pd.DataFrame):
    everything_green = RagRule(take_up_amber_low=0, take_up_green_low=0, take_up_green_high=99,
                               take_up_amber_high=99, wait_green_days=9999, wait_amber_days=9999)
    table = report.district_report_table(run.breakdown, intervals, rule=everything_green)
    rated = table["rating"].dropna()
    assert len(rated) == 35 + 10 and set(rated) == {G}
    assert table.attrs["rag_rule"] == everything_green.text()


def test_periods_of_another_run_length_are_refused(run: SimulationRun, intervals: pd.DataFrame):
    with pytest.raises(ValueError, match="are not those of a 100-day run: pass the run's run_days"):
        report.district_report_table(run.breakdown, intervals, run_days=100)


# --- the page ------------------------------------------------------------------------------


def test_the_page_has_a_section_for_every_district_with_its_ratings_in_words(table: pd.DataFrame):
    page = report.district_report_html(table, scenario_name="Tiny")
    assert page.count('<section class="district"') == 2
    for district in ("Burnley", "Preston"):
        assert f"<h2>{district}</h2>" in page
    shown = table[((table["item"] == TAKE_UP) & (table["period"] == "year")) | (table["item"] == P90)]
    for rating in (G, A, R):
        expected = int((shown["rating"] == rating).sum())
        assert page.count(f'class="rag rag-{rating.lower()}">{rating}</td>') == expected
    assert page.count('<td class="rag">not rated</td>') == 1  # Preston's parenting


def test_the_page_is_self_contained_ascii_with_no_nan(table: pd.DataFrame):
    page = report.district_report_html(table, scenario_name="Tiny", period="Q3")
    assert page.startswith("<!DOCTYPE html>") and page.isascii()
    assert not re.search(r"\bnan\b", page, re.IGNORECASE)
    for external in ("<link", "<script", "src=", "url(", "http"):
        assert external not in page
    assert "RAG rating (take-up)" in page and "Q3 (October to December)" in page


def test_the_page_escapes_every_text(table: pd.DataFrame):
    page = report.district_report_html(table, scenario_name="A <b>bold</b> & 'c'",
                                       rule_text="Green if < 28 days")
    assert "<b>" not in page
    assert "A &lt;b&gt;bold&lt;/b&gt; &amp; &#x27;c&#x27;" in page
    assert "Green if &lt; 28 days" in page


def test_a_quarter_shows_year_to_date_rows_and_the_year_does_not(table: pd.DataFrame):
    assert REFERRED_TO_DATE in report.district_report_html(table, scenario_name="x", period="Q2")
    assert REFERRED_TO_DATE not in report.district_report_html(table, scenario_name="x")
    with pytest.raises(ValueError, match="period 'Q5' is not in the table"):
        report.district_report_html(table, scenario_name="x", period="Q5")


def _team_rows(district: str, rows: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    """A hand-made report table: one district's team rows for the year (item, mean, low, high)."""
    return pd.DataFrame([{"district": district, "period": "year", "section": TEAM, "theme": "",
                          "item": item, "value": v, "ci_low": lo, "ci_high": hi, "rating": None}
                         for item, v, lo, hi in rows])


def test_each_district_opens_with_its_requests_waits_and_waits_rating(table: pd.DataFrame):
    page = report.district_report_html(table, scenario_name="x", period="Q2")
    team = _items(table, TEAM_ITEMS["requests"]), _items(table, TEAM_ITEMS["wait_days_mean"])
    key = ("Burnley", "Q2", "")
    p90 = table[(table["item"] == P90) & (table["district"] == "Burnley") & (table["period"] == "Q2")]
    assert (f'<p class="lead">Q2 (July to September): {report.readable(team[0][key])} requests for '
            f"support; a mean wait of {report.days(team[1][key])} for a lead professional, and 9 in "
            f"10 families allocated one within {report.days(p90['value'].iloc[0])} (waits rated "
            f"{p90['rating'].iloc[0]}).</p>") in page
    nobody = _team_rows("Ashdale", [(TEAM_ITEMS["requests"], 5.0, 4.0, 6.0),
                                    (TEAM_ITEMS["wait_days_mean"], np.nan, np.nan, np.nan),
                                    (P90, np.nan, np.nan, np.nan)])
    page = report.district_report_html(nobody, scenario_name="x", rule_text="rule")
    assert ("The simulated year: 5 requests for support; nobody was allocated a lead "
            "professional.") in page
    at_once = _team_rows("Ashdale", [(TEAM_ITEMS["requests"], 5.0, 4.0, 6.0),
                                     (TEAM_ITEMS["wait_days_mean"], 0.2, 0.0, 0.4),
                                     (P90, 0.04, 0.0, 0.1)])
    at_once.loc[at_once["item"] == P90, "rating"] = "Green"
    page = report.district_report_html(at_once, scenario_name="x", rule_text="rule")
    assert ("a mean wait of 0.2 days for a lead professional, and 9 in 10 families allocated one "
            "on the day they asked (waits rated Green).") in page


def test_a_district_name_is_escaped_too():
    table = _team_rows("Dene & <Vale>", [("Cases closed", 7.0, 6.0, 8.0)])
    page = report.district_report_html(table, scenario_name="x", rule_text="rule")
    assert "<h2>Dene &amp; &lt;Vale&gt;</h2>" in page and "<Vale>" not in page


def test_figures_are_rounded_and_intervals_shown_as_a_range_cut_at_zero():
    table = _team_rows("Ashdale", [("Caseload places in use", 0.834, 0.701, 0.962),
                                   ("Requests for support received (all routes)", 12.3, 10.2, 14.4),
                                   ("Not progressed at screening", 2.34, -1.2, 5.55),
                                   ("Referred to a commissioned provider", 4.0, 4.0, 4.0),
                                   ("Allocated a lead professional", 1204.4, 1180.0, 1230.6),
                                   ("Cases closed", 7.0, np.nan, np.nan)])
    page = report.district_report_html(table, scenario_name="x", rule_text="rule")
    cells = re.findall(r'<td class="num">([^<]*)</td>', page)
    for expected in ("83% (70%-96%)", "12 (10-14)", "2.3 (0-5.5)", "4", "1,204 (1,180-1,231)", "7"):
        assert expected in cells
    assert "&#8211;" in cells  # the team measures this table lacks show a dash, not "nan"


# --- the waits chart -----------------------------------------------------------------------


def _waits(rows: list[tuple[str, str, float, float, float, float]]) -> pd.DataFrame:
    """Hand-made footprint intervals: (footprint, period, mean, its half-width, p90, its half-width)."""
    return pd.DataFrame([{"level": "footprint", "area": area, "period": period, "replications": 30,
                          "wait_days_mean": m, "wait_days_mean_ci_low": m - hm,
                          "wait_days_mean_ci_high": m + hm, "wait_days_p90": p,
                          "wait_days_p90_ci_low": p - hp, "wait_days_p90_ci_high": p + hp}
                         for area, period, m, hm, p, hp in rows])


WAITS = _waits([("Ashdale", "year", 12.0, 2.0, 30.0, 4.0), ("Brookby", "year", 21.4, 3.0, 45.0, 5.0),
                ("Cartown and Dene", "year", 4.46, 6.0, 9.0, 2.0),
                ("Ashdale", "Q1", 10.0, 1.0, 25.0, 1.0), ("Brookby", "Q1", 25.0, 1.0, 50.0, 1.0),
                ("Cartown and Dene", "Q1", 4.0, 1.0, 8.0, 1.0)])


def _texts(fig) -> list[str]:
    return [" ".join(t.get_text().split()) for t in fig.texts]


def test_the_title_names_the_footprint_that_waits_longest():
    fig = report.waits_by_footprint_figure(WAITS)
    assert _texts(fig)[0] == ("Families in Brookby wait longest for a lead professional: 21 days "
                              "on average, against 4.5 days in Cartown and Dene")


def test_one_bar_group_per_footprint_with_the_longest_wait_at_the_top(run: SimulationRun,
                                                                      intervals: pd.DataFrame):
    fig = report.waits_by_footprint_figure(intervals)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Preston", "Burnley and Pendle"]
    for measure in ("wait_days_mean", "wait_days_p90"):
        bars = [p for p in ax.patches if p.get_gid() == measure]
        assert len(bars) == 2
    year = intervals[(intervals["level"] == "footprint") & (intervals["period"] == "year")]
    means = sorted(p.get_width() for p in ax.patches if p.get_gid() == "wait_days_mean")
    assert means == sorted(year["wait_days_mean"])


def test_the_90th_percentile_bars_are_hatched_and_lighter_so_they_part_in_grey():
    ax = report.waits_by_footprint_figure(WAITS).axes[0]
    mean = [p for p in ax.patches if p.get_gid() == "wait_days_mean"]
    p90 = [p for p in ax.patches if p.get_gid() == "wait_days_p90"]
    assert {p.get_hatch() for p in mean} == {None} and {p.get_hatch() for p in p90} == {"///"}

    def grey(patch) -> float:
        r, g, b, _ = patch.get_facecolor()
        return 0.299 * r + 0.587 * g + 0.114 * b

    assert grey(p90[0]) - grey(mean[0]) > 0.3


def test_the_footnote_states_the_replications_and_the_confidence_level(intervals: pd.DataFrame):
    footnote = _texts(report.waits_by_footprint_figure(intervals, confidence=0.9))[-1]
    assert footnote.startswith("Source: case-flow simulation, mean of 3 replications of the year")
    assert "90% confidence intervals (t distribution)" in footnote
    assert "parameters.csv" in footnote


def test_error_bars_stop_at_zero_and_each_bar_is_labelled_in_days():
    fig = report.waits_by_footprint_figure(WAITS)
    ax = fig.axes[0]
    starts = [seg[0][0] for c in ax.collections if isinstance(c, LineCollection)
              for seg in c.get_segments()]
    assert min(starts) == 0.0  # Cartown and Dene's mean 4.46 +- 6 would start below zero
    labels = {t.get_text().strip() for t in ax.texts}
    assert {"12 days", "21 days", "4.5 days", "30 days", "45 days", "9 days"} <= labels


def test_a_target_is_drawn_and_the_footprints_that_miss_it_counted():
    fig = report.waits_by_footprint_figure(WAITS, target_days=28)
    assert _texts(fig)[1].endswith("2 of 3 footprints fail to allocate 9 in 10 families within "
                                   "28 days")
    lines = [line for line in fig.axes[0].lines if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in lines] == [28]
    fig = report.waits_by_footprint_figure(WAITS, target_days=45)
    assert _texts(fig)[1].endswith("Every footprint allocates 9 in 10 families within 45 days")


def test_quarters_are_markers_on_the_mean_bars():
    ax = report.waits_by_footprint_figure(WAITS, by_quarter=True).axes[0]
    (markers,) = [c for c in ax.collections if not isinstance(c, LineCollection)]
    # rows bottom to top: Cartown and Dene, Ashdale, Brookby
    assert list(markers.get_offsets()[:, 0]) == [4.0, 10.0, 25.0]
    assert "Mean wait in Q1" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_the_waits_chart_is_written_as_a_png(intervals: pd.DataFrame, tmp_path: Path):
    path = report.waits_chart(intervals, tmp_path / "charts" / "waits.png")
    assert path == tmp_path / "charts" / "waits.png"
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] == round(7.3 * 200)


def test_days_are_written_for_reading():
    assert [report.days(x) for x in (1.0, 0.94, 4.46, 9.94, 19.4, 1204.4)] == [
        "1 day", "0.9 days", "4.5 days", "9.9 days", "19 days", "1,204 days"]
