"""The one-page report of a run (``report.html``): what a strategist reads without the model.

The headline figures (with the simulation's intervals), how the plan was found, the charts,
what the scenario changes against the proposal (seed 003's values, the scenario defaults), and
the assumptions the figures rest on. The page links the charts in ``charts/`` by relative
paths, so the results folder can be moved or shared whole.
"""

from __future__ import annotations

import html
import math
from typing import Any

from earlyhelp.scenario import Scenario

#: The charts a run writes into ``charts/``, as (file stem, caption), in the report's order.
CHARTS = (
    ("plan_map", "The plan: centres, their walking catchments, outreach venues and the "
     "children beyond them"),
    ("coverage_by_district", "Children within the walk of an open centre, by district"),
    ("budget_bridge", "From the 2015 service's cost to the plan's, item by item"),
    ("fte_breakdown", "Staff by footprint and group"),
    ("waits_by_footprint", "Waiting for a lead professional, by footprint and quarter, with "
     "confidence intervals"),
)

_STYLE = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; color: #222; max-width: 60em;
       margin: 2em auto; padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em;
     border-bottom: 1px solid #999; }
.lede { color: #444; margin-top: 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(13em, 1fr));
           gap: 0.6em; }
.figure { border: 1px solid #999; padding: 0.5em 0.7em; }
.figure .value { font-size: 1.35em; font-weight: bold; display: block; }
.figure .label { font-size: 0.85em; color: #444; }
.figure .note { font-size: 0.78em; color: #666; display: block; }
img { max-width: 100%; border: 1px solid #ccc; margin: 0.4em 0 0.2em; }
figcaption { font-size: 0.85em; color: #444; margin-bottom: 1.2em; }
table { border-collapse: collapse; font-size: 0.85em; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left;
         vertical-align: top; }
.small { font-size: 0.8em; color: #555; }
"""


def report_html(summary: dict[str, Any], scenario: Scenario, manifest: dict[str, Any],
                charts: list[str], webmap: str | None = None) -> str:
    """The page for one run: ``summary`` is the run's summary.json, ``charts`` the file names
    of the PNGs in ``charts/`` (in :data:`CHARTS` order), ``webmap`` the interactive map's file
    beside the page (``map.html``), linked above the charts."""
    siting, simulation = summary["siting"], summary["simulation"]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(scenario.name)}: early help redesign</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{_e(scenario.name)}</h1>",
        f'<p class="lede">{_e(scenario.description or "No description given.")}</p>',
        "<h2>Headline figures</h2>",
        _figures(siting, simulation),
        f"<p>{_e(plan_sentence(siting))}</p>",
        *(_balance(summary["balance"]) if "balance" in summary else []),
        "<h2>Charts</h2>",
        *([_webmap_link(webmap)] if webmap else []),
        *(_chart(name) for name in charts),
        "<h2>What this scenario changes against the proposal</h2>",
        _changes(scenario),
        "<h2>Assumptions</h2>",
        _assumptions(scenario),
        "<h2>How these results were made</h2>",
        _provenance(manifest, simulation),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def headline_figures(siting: dict[str, Any], simulation: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, value, note) of each headline figure, as the report shows them."""
    budget = siting.get("budget_gbp")
    cost = siting["annual_cost_gbp"]
    envelope = ("no envelope set" if budget is None else
                f"£{abs(budget - cost):,.0f} {'under' if cost <= budget else 'OVER'} "
                f"the £{budget:,.0f} envelope")
    return [
        ("Neighbourhood centres", f"{siting['centres_open']}",
         f"{siting['enhanced_centres']} enhanced; {siting['existing_buildings_closed']} of "
         f"{siting['existing_buildings']} 2015 buildings closed"),
        ("Sessions a week", f"{siting['sessions_per_week']}",
         f"{siting['outreach_sessions']} as outreach at {siting['outreach_venues']} venues"),
        ("Staff (FTE)", f"{siting['fte_total']:,g}",
         f"{siting['fte_frontline']:g} frontline, {siting['fte_management']:g} management, "
         f"{siting['fte_support']:g} support"),
        ("Annual cost", f"£{cost / 1e6:,.2f}m", envelope),
        ("Saving on 2015", f"£{siting['saving_gbp'] / 1e6:,.2f}m",
         f"2015 service: £{siting['baseline_cost_gbp']:,.0f}"),
        ("Need reached within the walk", f"{siting['coverage_share']:.1%}",
         f"{siting['walk_limit_minutes']:g} minutes' walk; by a centre: "
         f"{siting['coverage_share_by_centre']:.1%}"),
        ("Children 0-19 beyond the walk", f"{siting['population_beyond_walk']:,.0f}",
         f"of {siting['population_0_19']:,.0f}; they need home visits or detached delivery"),
        ("Wait for a lead professional (90th percentile)",
         f"{simulation['wait_days_p90']:.1f} days", _interval(simulation, "wait_days_p90", "days")),
        ("Mean wait", f"{simulation['wait_days_mean']:.1f} days",
         _interval(simulation, "wait_days_mean", "days")),
        ("Requests a year", f"{simulation['cases_per_year']:,.0f}",
         _interval(simulation, "cases_per_year", "", ",.0f")),
        ("Escalated to social care", f"{simulation['escalation_share']:.1%}",
         _interval(simulation, "escalation_share", "", ".1%") + " of closures"),
        ("Open cases per case-holding FTE", f"{simulation['caseload_per_fte_mean']:.1f}",
         _interval(simulation, "caseload_per_fte_mean", "")),
    ]


def plan_sentence(siting: dict[str, Any]) -> str:
    """How the plan was found, in a sentence (proven optimal, stopped with a gap, or fixed)."""
    solver = siting["solver"]
    if siting.get("plan_mode") == "fixed":
        broken = siting.get("rules_broken") or []
        return ("The plan is fixed by the scenario, not optimised" +
                (f"; against the siting rules it breaks: {'; '.join(broken)}." if broken
                 else "; it meets every siting rule."))
    if solver["status"] == "optimal":
        return (f"The plan is proven optimal ({solver['name']}, {solver['seconds']:.1f} s): no "
                "plan under the scenario's rules reaches more need within the walk.")
    return (f"The solver stopped at its limit ({solver['status']}): the plan is within "
            f"{solver['gap']:.2%} of the best possible (bound {solver['best_bound']:,.1f}).")


def _figures(siting: dict[str, Any], simulation: dict[str, Any]) -> str:
    cells = [f'<div class="figure"><span class="value">{_e(value)}</span>'
             f'<span class="label">{_e(label)}</span><span class="note">{_e(note)}</span></div>'
             for label, value, note in headline_figures(siting, simulation)]
    return '<div class="figures">' + "".join(cells) + "</div>"


def _interval(simulation: dict[str, Any], key: str, unit: str, fmt: str = ".1f") -> str:
    low, high = simulation.get(f"{key}_ci_low"), simulation.get(f"{key}_ci_high")
    if low is None or high is None or (isinstance(low, float) and math.isnan(low)):
        return "one replication: no interval"
    share = f"{simulation.get('confidence', 0.95):.0%}"
    return (f"{share} interval {max(low, 0):{fmt}} to {high:{fmt}}{' ' + unit if unit else ''}, "
            f"{simulation['reps']} replications")


def _chart(file: str) -> str:
    captions = dict(CHARTS)
    stem = file.rsplit(".", 1)[0]
    return (f'<figure><img src="charts/{_e(file)}" alt="{_e(captions.get(stem, stem))}">'
            f'<figcaption>{_e(captions.get(stem, stem))} (also as '
            f'<a href="charts/{_e(stem)}.pdf">PDF</a> for print)</figcaption></figure>')


def balance_sentence(balance: dict[str, Any]) -> str:
    """What the staffing loop did, in words a strategist can use."""
    target = balance["wait_p90_target_days"]
    text = (f"Frontline staff were moved between SPAs to follow the simulated waits "
            f"({balance['mode'].replace('_', ' ')}): {balance['fte_moved']:g} of "
            f"{balance['fte_frontline']:g} FTE moved in {balance['iterations']} rounds, the total "
            f"and the budget unchanged. The longest 90th-percentile wait for a lead professional "
            f"went from {balance['worst_spa_p90_days_before']:.1f} days "
            f"({balance['worst_spa_before']}) to {balance['worst_spa_p90_days_after']:.1f} days "
            f"({balance['worst_spa_after']}); SPAs over {target:g} days: "
            f"{balance['spas_over_target_before']} before, {balance['spas_over_target_after']} "
            "after. ")
    if balance["target_met"]:
        return text + f"Every SPA meets the {target:g}-day target."
    text += f"Not every SPA meets the {target:g}-day target"
    if balance["fte_frontline_to_meet_target"] is not None:
        text += (f"; the model estimates {balance['fte_frontline_to_meet_target']:g} frontline "
                 f"FTE would (simulated with them, the longest wait is "
                 f"{balance['worst_spa_p90_days_with_fte_to_meet']:.1f} days)")
    return text + "."


def _balance(balance: dict[str, Any]) -> list[str]:
    return ["<h2>Staff where the waits are</h2>", f"<p>{_e(balance_sentence(balance))}</p>",
            '<figure><img src="balance/waits_before_after.png" alt="Waits by SPA before and '
            'after the staff were moved"><figcaption>Waits by SPA before and after (also as '
            '<a href="balance/waits_before_after.pdf">PDF</a>; the table is '
            '<a href="balance/allocation_and_waits.csv">allocation_and_waits.csv</a>)'
            "</figcaption></figure>"]


def _webmap_link(file: str) -> str:
    return (f'<p class="webmap"><a href="{_e(file)}"><b>Open the interactive map</b></a> '
            f"({_e(file)}): the plan's centres, their walking catchments, the outreach venues and "
            "the children beyond the walk, one layer per footprint to switch on and off, with "
            "the boundaries and the 2015 buildings that close; click a place for its name, "
            "role, sessions, staff and the children within its walk. It opens in any browser "
            "and needs no network except for the background streets.</p>")


def changed_parameters(scenario: Scenario) -> list[dict[str, str]]:
    """Every parameter whose value differs from the proposal's (the scenario defaults)."""
    proposal = {(r["section"], r["parameter"]): r for r in Scenario(name="proposal")
                .parameter_table()}
    changes = []
    for row in scenario.parameter_table():
        key = (row["section"], row["parameter"])
        if row["section"] == "scenario" and row["parameter"] in ("name", "description"):
            continue
        before = proposal.get(key, {}).get("value")
        if _text(before) != _text(row["value"]):
            changes.append({"parameter": f"{key[0]}.{key[1]}", "proposal": _text(before),
                            "scenario": _text(row["value"]),
                            "description": str(row.get("description", ""))})
    return changes


def _changes(scenario: Scenario) -> str:
    changes = changed_parameters(scenario)
    if not changes:
        return "<p>Nothing: this is the proposal as seed 003 states it.</p>"
    rows = "".join(f"<tr><td>{_e(c['parameter'])}</td><td>{_e(c['proposal'])}</td>"
                   f"<td>{_e(c['scenario'])}</td><td>{_e(c['description'])}</td></tr>"
                   for c in changes)
    return ("<table><tr><th>Parameter</th><th>Proposal</th><th>This scenario</th>"
            f"<th>Meaning</th></tr>{rows}</table>")


def _assumptions(scenario: Scenario) -> str:
    rows = [r for r in scenario.parameter_table()
            if str(r.get("source", "")).startswith("Assumption")]
    body = "".join(f"<tr><td>{_e(r['section'])}.{_e(r['parameter'])}</td>"
                   f"<td>{_e(_text(r['value']))}</td><td>{_e(str(r['source']))}</td></tr>"
                   for r in rows)
    return ("<p>Figures that no source states, and the reason for the value chosen. Every other "
            "parameter has a source, listed in <code>siting/parameters.csv</code> and "
            "<code>simulation/parameters.csv</code>.</p>"
            f"<table><tr><th>Parameter</th><th>Value</th><th>Why</th></tr>{body}</table>")


def _provenance(manifest: dict[str, Any], simulation: dict[str, Any]) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in manifest.get("packages", {}).items() if v)
    files = ", ".join(_e(f["path"].rsplit("/", 1)[-1]) for f in
                      manifest.get("scenario", {}).get("files", []))
    return (f'<p class="small">Scenario files: {files} (digest '
            f'{_e(manifest.get("scenario", {}).get("digest", ""))}); seed {manifest.get("seed")}, '
            f'{simulation["reps"]} replications of {simulation["run_days"]:g} days after '
            f'{simulation["warmup_days"]:g} days\' warm-up. Python {_e(manifest.get("python", ""))}; '
            f"{_e(packages)}. Every input with its SHA-256 is in <code>manifest.json</code>.</p>")


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value) if value else "none"
    return "none" if value is None else str(value)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)
