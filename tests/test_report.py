"""report.html: the one page a strategist reads. The headline figures are on it with their
intervals, the plan's standing is said in words, what the scenario changes against the
proposal and the assumptions are listed, text is escaped; and in a real browser every chart
loads and the figures are what a reader sees."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from earlyhelp.cli import main
from earlyhelp.report import CHARTS, changed_parameters, plan_sentence, report_html
from earlyhelp.scenario import Scenario, load_scenario
from tests.browser import CHROMIUM, NEEDS_CHROMIUM, rendered_dom

PROPOSAL = "scenarios/proposal-2016.yaml"


def _siting(**changes) -> dict:
    summary = {"plan_mode": "optimised", "rules_broken": None, "centres_open": 56,
               "enhanced_centres": 12, "sessions_per_week": 452, "outreach_sessions": 3,
               "outreach_venues": 3, "fte_total": 540, "fte_frontline": 482,
               "fte_management": 29, "fte_support": 29, "annual_cost_gbp": 17_229_545.0,
               "budget_gbp": 17_230_000.0, "baseline_cost_gbp": 24_413_125.0,
               "saving_gbp": 7_183_580.0, "walk_limit_minutes": 30, "coverage_share": 0.8786,
               "coverage_share_by_centre": 0.87, "population_0_19": 281_290.0,
               "population_beyond_walk": 72_713.0, "existing_buildings": 132,
               "existing_buildings_closed": 106,
               "solver": {"name": "highs", "status": "optimal", "seconds": 1.2, "gap": 0.0,
                          "best_bound": 1.0}}
    return summary | changes


def _simulation() -> dict:
    out = {"reps": 30, "confidence": 0.95, "run_days": 365, "warmup_days": 90}
    for key, value in (("wait_days_p90", 22.5), ("wait_days_mean", 9.0),
                       ("cases_per_year", 9_990.0), ("escalation_share", 0.059),
                       ("caseload_per_fte_mean", 18.2)):
        out |= {key: value, f"{key}_ci_low": value * 0.9, f"{key}_ci_high": value * 1.1}
    return out


def _page(scenario: Scenario, siting: dict | None = None, webmap: str | None = None) -> str:
    summary = {"scenario": scenario.name, "siting": siting or _siting(),
               "simulation": _simulation()}
    return report_html(summary, scenario, {"seed": 0, "packages": {"numpy": "2.0"}},
                       [f"{name}.png" for name, _ in CHARTS], webmap=webmap)


def test_the_page_states_the_headline_figures_with_their_intervals():
    page = _page(Scenario(name="proposal-2016", description="The proposal."))
    for text in ("56", "452", "540", "£17.23m", "£455 under the £17,230,000 envelope",
                 "87.9%", "72,713", "22.5 days", "95% interval 20.2 to 24.8 days, 30 replications",
                 "5.9%", "The plan is proven optimal"):
        assert text in page, text
    assert page.count("<img ") == len(CHARTS)
    assert "Nothing: this is the proposal as seed 003 states it." in page


def test_the_page_links_the_interactive_map_and_says_what_it_is():
    page = _page(Scenario(name="proposal-2016"), webmap="map.html")
    link = page.split("<h2>Charts</h2>")[1].split("<figure>")[0]
    assert '<a href="map.html">' in link
    assert "one layer per footprint" in link and "catchments" in link
    assert 'href="map.html"' not in _page(Scenario(name="proposal-2016"))


def test_what_a_variant_changes_is_listed_against_the_proposal():
    variant = load_scenario("scenarios/close-ormskirk.yaml")
    changes = changed_parameters(variant)
    assert [c["parameter"] for c in changes] == ["siting.lock_closed"]
    assert changes[0]["proposal"] == "none" and changes[0]["scenario"] == "LCC-23650160000012000"
    page = _page(variant)
    assert "siting.lock_closed" in page and "LCC-23650160000012000" in page


def test_a_fixed_plan_says_it_is_fixed_and_which_rules_it_breaks():
    siting = _siting(plan_mode="fixed", rules_broken=["132 centres where siting.centres asks 56"])
    assert plan_sentence(siting) == ("The plan is fixed by the scenario, not optimised; against "
                                     "the siting rules it breaks: 132 centres where "
                                     "siting.centres asks 56.")


def test_a_stopped_solve_is_never_called_optimal():
    solver = {"name": "highs", "status": "time_limit", "seconds": 300, "gap": 0.012,
              "best_bound": 250_000.0}
    sentence = plan_sentence(_siting(solver=solver))
    assert "optimal" not in sentence and "1.20%" in sentence


def test_the_scenario_s_words_are_escaped():
    page = _page(Scenario(name="x", description="<script>alert(1)</script> & more"))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


def test_the_assumptions_table_lists_only_parameters_marked_as_assumptions():
    page = _page(Scenario(name="proposal-2016"))
    table = page.split("<h2>Assumptions</h2>")[1].split("<h2>")[0]
    rows = re.findall(r"<tr><td>([^<]+)</td>", table)
    scenario = Scenario(name="proposal-2016")
    marked = [f"{r['section']}.{r['parameter']}" for r in scenario.parameter_table()
              if str(r["source"]).startswith("Assumption")]
    assert rows == marked and len(rows) > 10


# --- in a browser -------------------------------------------------------------------------

#: Appended to a copy of the page: what the reader sees, as attributes the DOM dump carries.
_PROBE = """<script>window.addEventListener('load', () => {
  const images = [...document.images];
  document.body.dataset.broken = images.filter(i => !i.complete || i.naturalWidth === 0).length;
  document.body.dataset.images = images.length;
  document.body.dataset.text = document.body.innerText.replace(/\\s+/g, ' ');
});</script>"""


def _rendered(page: Path) -> str:
    probe = page.with_name("probe.html")
    probe.write_text(page.read_text().replace("</body>", _PROBE + "</body>"))
    return rendered_dom(probe)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason=NEEDS_CHROMIUM)
def test_in_a_browser_every_chart_loads_and_the_headline_figures_are_seen(tmp_path):
    out = tmp_path / "run"
    assert main(["run", PROPOSAL, "--out", str(out), "--reps", "2", "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    dom = _rendered(out / "report.html")
    body = re.search(r"<body([^>]*)>", dom).group(1)
    assert 'data-broken="0"' in body
    assert f'data-images="{len(CHARTS)}"' in body
    seen = re.search(r'data-text="([^"]*)"', body).group(1)
    assert "proposal-2016" in seen and "Headline figures" in seen
    assert f"{summary['siting']['coverage_share']:.1%}" in seen
    assert f"{summary['simulation']['wait_days_p90']:.1f} days" in seen
    assert "The plan is proven optimal" in seen
    for name, _ in CHARTS:
        assert (out / "charts" / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
    assert "Open the interactive map" in seen and (out / "map.html").is_file()
