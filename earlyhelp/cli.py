"""The ``earlyhelp`` command: run the model on the embedded data or on a user's own files."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from earlyhelp.output import check_results_target, terminate_as_interrupt
from geodata import EarlyHelpError, EarlyHelpWarning, GeodataConfig, Geography, build_geography
from geodata.errors import one_line
from geodata.summary import geography_summary

#: Exit codes: 0 done, 1 an output could not be written, 2 bad input (nothing written),
#: 130 interrupted (Ctrl-C or SIGTERM; nothing half-written is left), 141 the reader of the
#: output stopped reading (``earlyhelp geodata summary | head``), as other Unix tools do.
EXIT_OK, EXIT_WRITE, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_PIPE = 0, 1, 2, 130, 141


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code (see the EXIT_ constants)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a mistake _Parser.error has said in one line
        return int(stop.code or EXIT_OK)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_OK
    try:
        with terminate_as_interrupt(), _warnings_as_lines():
            return int(args.run(args) or EXIT_OK)
    except (EarlyHelpError, ValidationError) as exc:
        print(f"earlyhelp: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("earlyhelp: interrupted; nothing half-written was left and earlier results are "
              "as they were", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # stdout's reader has gone: nothing to say, and nowhere to say it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE
    except OSError as exc:  # an output that cannot be written: say which and why
        print(f"earlyhelp: error: cannot write {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_WRITE


@contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Print each distinct EarlyHelpWarning once, as one line on stderr; others as usual."""
    said: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("always", EarlyHelpWarning)
        usual = warnings.showwarning

        def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if not issubclass(category, EarlyHelpWarning):
                usual(message, category, *args, **kwargs)
            elif str(message) not in said:
                said.add(str(message))
                print(f"earlyhelp: warning: {' '.join(str(message).split())}", file=sys.stderr)

        warnings.showwarning = show
        yield


class _Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes are one line, like every other refusal (exit 2)."""

    def error(self, message: str) -> NoReturn:
        print(f"earlyhelp: error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="earlyhelp",
        description="Early-help redesign model for Lancashire: geography, siting, case flow.",
    )
    layers = parser.add_subparsers(title="commands", metavar="COMMAND")
    geo = layers.add_parser("geodata", help="people, need, SPAs, buildings and walking times")
    actions = geo.add_subparsers(title="geodata commands", metavar="ACTION")
    geo.set_defaults(run=lambda _: geo.print_help())

    summary = actions.add_parser("summary", help="districts, footprints, SPAs and totals")
    summary.add_argument("--json", action="store_true", help="print one JSON object")
    _geography_options(summary)
    summary.set_defaults(run=_summary)

    drawing = actions.add_parser("map", help="map of SPAs, footprints and buildings (PNG, PDF or SVG)")
    drawing.add_argument("--out", type=Path, required=True, metavar="FILE.png|.pdf|.svg")
    _geography_options(drawing)
    drawing.set_defaults(run=_map)

    export = actions.add_parser(
        "export", help="a folder: GeoPackage and CSVs (SPAs, LSOAs, buildings, demand points, "
        "walking times), summary, parameters, map and coverage chart"
    )
    export.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="a new or empty folder, or one this command wrote before (replaced whole)")
    _geography_options(export)
    export.set_defaults(run=_export)

    siting = _scenario_command(
        layers, "optimise", "site centres, sessions, outreach venues and staff for a scenario "
        "and write a results folder (plan, summary, coverage, costs)")
    siting.add_argument("--options", type=int, default=None, metavar="K",
                        help="K alternative plans, each differing from the others by at least "
                        "siting.options_min_difference centres (default: the scenario's, 1)")
    siting.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                        help="stop each objective's solve after this long and report the best "
                        "plan found with its bound and gap (default: the scenario's)")
    siting.set_defaults(run=_optimise)

    simulate = _scenario_command(
        layers, "simulate", "run a year of cases through a scenario's plan, many times, and "
        "write a results folder (waits, caseloads, outcomes by area and quarter, with intervals)")
    _simulation_options(simulate)
    simulate.set_defaults(run=_simulate)

    whole = _scenario_command(
        layers, "run", "a scenario end to end: geography, siting, a year of cases replicated, "
        "written to one results folder with a summary and a manifest of what made it; several "
        "scenarios run in parallel, each into DIR/NAME/", many=True)
    _simulation_options(whole)
    whole.add_argument("--jobs", type=_positive_int, default=None, metavar="J",
                       help="with several scenarios: how many run at once on this machine "
                       "(default: one per core; each then simulates on one process)")
    whole.add_argument("--options", type=int, default=None, metavar="K",
                       help="K alternative plans as well as the best (the cases run through the best)")
    whole.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                       help="stop each objective's solve after this long (default: the scenario's)")
    whole.set_defaults(run=_run)

    curve = _scenario_command(
        layers, "frontier", "trade-off curves: the programme solved across a range of budgets "
        "or of centres, each plan's waits simulated, the proposal and the 2015 service marked")
    along = curve.add_mutually_exclusive_group(required=True)
    along.add_argument("--budget", metavar="LO:HI",
                       help="annual envelopes in pounds, e.g. 12e6:24.5e6 (the centres free)")
    along.add_argument("--centres", metavar="LO:HI",
                       help="numbers of centres, e.g. 34:90 (the budget free)")
    curve.add_argument("--steps", type=_positive_int, default=15, metavar="N",
                       help="points along the range, ends included (default 15)")
    curve.add_argument("--reps", type=_non_negative_int, default=5, metavar="N",
                       help="replications of each point's simulation for its waits (default 5; "
                       "0: no simulation)")
    curve.add_argument("--staff", choices=("proportional", "fixed"), default="proportional",
                       help="along --budget: frontline FTE in proportion to the envelope "
                       "(default) or as the scenario states")
    curve.add_argument("--jobs", type=_positive_int, default=None, metavar="J",
                       help="points solved at once (default: one per core)")
    curve.set_defaults(run=_frontier)

    compare = layers.add_parser(
        "compare", help="scenarios side by side: a table and charts from folders `earlyhelp run` "
        "wrote (the first is the reference)")
    compare.add_argument("folders", type=Path, nargs="+", metavar="DIR",
                         help="results folders of `earlyhelp run`, or a parent folder of several")
    compare.add_argument("--out", type=Path, required=True, metavar="DIR",
                         help="a new or empty folder, or one this command wrote before (replaced whole)")
    compare.set_defaults(run=_compare)

    params = actions.add_parser(
        "parameters", help="every parameter, seed-003 figure and method constant, with its source")
    params.add_argument("--json", action="store_true", help="print JSON")
    params.set_defaults(run=_parameters)
    return parser


def _scenario_command(layers: Any, name: str, text: str, *,
                      many: bool = False) -> argparse.ArgumentParser:
    """A command that reads a scenario file (or several) and writes a results folder, with
    progress lines and the geography cache's options."""
    command = layers.add_parser(name, help=text)
    if many:
        command.add_argument("scenario", type=Path, nargs="+", metavar="SCENARIO.yaml",
                             help="scenario files, e.g. scenarios/proposal-2016.yaml or "
                             "scenarios/*.yaml (several: one folder each under --out)")
    else:
        command.add_argument("scenario", type=Path, metavar="SCENARIO.yaml",
                             help="a scenario file, e.g. scenarios/proposal-2016.yaml")
    command.add_argument("--out", type=Path, required=True, metavar="DIR",
                         help="a new or empty folder, or one this command wrote before (replaced whole)")
    command.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    _cache_options(command)
    return command


def _simulation_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--reps", type=_positive_int, default=None, metavar="N",
                         help="replications (default: the scenario's simulation.replications, 30)")
    command.add_argument("--seed", type=_non_negative_int, default=None, metavar="S",
                         help="base seed of the random streams (default: the scenario's seed)")
    command.add_argument("--workers", type=_positive_int, default=None, metavar="W",
                         help="worker processes on this machine (default: one per core)")
    command.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="run the replications on a Dask cluster (e.g. tcp://10.0.0.5:8786); "
                         "needs the 'cluster' extra")


def _positive_int(text: str) -> int:
    return _whole(text, 1)


def _non_negative_int(text: str) -> int:
    return _whole(text, 0)


def _whole(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{value} given, expected {least} or more")
    return value


def _geography_options(command: argparse.ArgumentParser) -> None:
    group = command.add_argument_group("inputs (default: the embedded real data)")
    group.add_argument("--spa-boundaries", type=Path, metavar="FILE",
                       help="your SPA polygons (GeoPackage/GeoJSON/shapefile with a spa_id field)")
    group.add_argument("--sites", type=Path, metavar="FILE.csv",
                       help="your buildings: name, postcode or easting/northing, type, owner, annual_cost_gbp")
    group.add_argument("--sites-mode", choices=("extend", "replace"), default="extend",
                       help="add your buildings to the embedded ones, or use only yours")
    group.add_argument("--walk-network", type=Path, metavar="FILE",
                       help="walkable paths and streets as lines (e.g. an OpenStreetMap extract); "
                       "walking times then follow them")
    group.add_argument("--walk-minutes", type=float, default=None,
                       help="access standard: who counts as reached (default 30, seed 003; "
                       "more than 0, at most 120)")
    group.add_argument("--walk-horizon", type=float, default=None,
                       help="how far walking times are computed (default 60 minutes, or the "
                       "standard if longer; at most 120)")
    _cache_options(group)


def _cache_options(group: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    group.add_argument("--cache-dir", type=Path, default=None,
                       help="where built geographies are kept (default ~/.cache/earlyhelp)")
    group.add_argument("--no-cache", action="store_true", help="build afresh, keep nothing")


def _geography(args: argparse.Namespace) -> Geography:
    overrides: dict[str, Any] = {"sites_mode": args.sites_mode}
    if args.spa_boundaries is not None:
        overrides["spa_boundaries"] = args.spa_boundaries
    if args.sites is not None:
        overrides["sites_file"] = args.sites
    if args.walk_network is not None:
        overrides["walk_network"] = args.walk_network
    if args.walk_minutes is not None:
        overrides["walk_limit_minutes"] = args.walk_minutes
    if args.walk_horizon is not None:
        overrides["walk_horizon_minutes"] = args.walk_horizon
    config = GeodataConfig(**overrides)
    return build_geography(config, cache_dir=args.cache_dir, use_cache=not args.no_cache)


def _summary(args: argparse.Namespace) -> int:
    summary = geography_summary(_geography(args))
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(format_summary(summary))
    return 0


def _map(args: argparse.Namespace) -> int:
    from earlyhelp.maps import save_geography_map
    from earlyhelp.style import figure_format

    figure_format(args.out)  # refuse a wrong extension before the build, not after
    path = save_geography_map(_geography(args), args.out)
    print(f"map written to {path}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from earlyhelp.maps import save_coverage_chart, save_geography_map
    from earlyhelp.output import replacing_directory
    from geodata.export import write_geography

    check_results_target(args.out)  # refuse a folder we did not write before the build
    geography = _geography(args)
    with replacing_directory(args.out) as work:
        names = [p.name for p in write_geography(geography, work)]
        names.append(save_geography_map(geography, work / "map.png").name)
        names.append(save_coverage_chart(geography, work / "coverage_by_district.png").name)
    print(f"written to {args.out}: {', '.join(names)}")
    return 0


def _optimise(args: argparse.Namespace) -> int:
    from earlyhelp.output import replacing_directory
    from earlyhelp.results import write_siting
    from earlyhelp.run import scenario_plans
    from earlyhelp.scenario import load_scenario, with_overrides

    scenario = with_overrides(load_scenario(args.scenario), "siting", {
        "options": args.options, "time_limit_seconds": args.time_limit})
    steps, geography = _scenario_start(args, scenario)
    steps("reading the candidate centres and outreach venues")
    plans = scenario_plans(args.scenario, scenario, geography, progress=steps)
    steps("writing the results")
    with replacing_directory(args.out) as work:
        write_siting(plans, scenario, work)
    steps.done()
    print(format_siting(plans[0].summary(), len(plans), args.out))
    return EXIT_OK


def _simulate(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from earlyhelp.output import replacing_directory
    from earlyhelp.results import write_simulation
    from earlyhelp.run import prepared_scenario, scenario_plans, simulate_plan
    from sim.runner import default_workers
    from sim.summary import simulation_summary

    scenario = prepared_scenario(args.scenario, replace(_run_options(args), options=1))
    executor = _executor(args)
    steps, geography = _scenario_start(args, scenario)
    steps("siting the centres and staff (the plan the cases run through)")
    (plan,) = scenario_plans(args.scenario, scenario, geography, progress=steps)
    run = simulate_plan(scenario, plan, workers=args.workers or default_workers(),
                        executor=executor, progress=steps, where=_where(args))
    steps("writing the results")
    with replacing_directory(args.out) as work:
        write_simulation(run, scenario, work, plan=plan)
    steps.done()
    print(format_simulation(simulation_summary(run), args.out))
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from earlyhelp.progress import Steps
    from earlyhelp.run import run_scenario

    if len(args.scenario) > 1:
        return _run_many(args)
    steps = Steps(quiet=args.quiet)
    executor = _executor(args)
    result = run_scenario(args.scenario[0], args.out, _run_options(args), progress=steps,
                          executor=executor, where=_where(args))
    steps.done()
    _print_run(result)
    return EXIT_OK


def _print_run(result: Any) -> None:
    from sim.summary import simulation_summary

    print(format_siting(result.plans[0].summary(), len(result.plans), result.folder / "siting"))
    print(format_simulation(simulation_summary(result.simulation), result.folder / "simulation"))
    print(f"summary and manifest: {result.folder / 'summary.json'}, "
          f"{result.folder / 'manifest.json'}")


def _run_many(args: argparse.Namespace) -> int:
    from earlyhelp.progress import Steps
    from earlyhelp.run import BATCH_TABLE, run_scenarios

    steps = Steps(quiet=args.quiet)
    executor = _executor(args)
    outcomes = run_scenarios(args.scenario, args.out, _run_options(args), jobs=args.jobs,
                             executor=executor, progress=steps)
    steps.done()
    for outcome in outcomes:
        if outcome.ok:
            h = outcome.headline
            print(f"{outcome.name}: {h['centres_open']} centres, coverage {h['coverage_share']:.1%}, "
                  f"£{h['annual_cost_gbp']:,.0f}, 90th percentile wait {h['wait_days_p90']:.1f} "
                  f"days -> {outcome.folder}")
        else:
            print(f"earlyhelp: error: {outcome.name}: {outcome.error}", file=sys.stderr)
    failed = sum(not o.ok for o in outcomes)
    print(f"{len(outcomes) - failed} of {len(outcomes)} scenarios written; table: "
          f"{args.out / BATCH_TABLE}")
    return EXIT_INPUT if failed else EXIT_OK


def _frontier(args: argparse.Namespace) -> int:
    from combined.frontier import axis_values, parse_range, trace_frontier
    from earlyhelp.output import replacing_directory
    from earlyhelp.results import write_frontier
    from earlyhelp.scenario import load_scenario

    axis = "budget" if args.budget is not None else "centres"
    low, high = parse_range(args.budget or args.centres, field=f"--{axis}")
    scenario = load_scenario(args.scenario)
    steps, _ = _scenario_start(args, scenario)
    values = axis_values(axis, low, high, args.steps)
    steps(f"solving {len(values)} points and the 2 marked services, {args.reps} replications each")
    frontier = trace_frontier(args.scenario, scenario, axis, values, reps=args.reps,
                              staff=args.staff, jobs=args.jobs, cache_dir=args.cache_dir,
                              use_cache=not args.no_cache, progress=steps)
    steps("writing the results")
    with replacing_directory(args.out) as work:
        write_frontier(frontier, work)
    steps.done()
    print(format_frontier(frontier))
    print(f"written to {args.out}: frontier.csv, marginal.csv, frontier.json, frontier.png, "
          "frontier.pdf")
    return EXIT_OK


def format_frontier(frontier: Any) -> str:
    """The curve as a plain text table."""
    import pandas as pd

    money = frontier.axis == "budget"
    lines = [f"{'point':<14}{'£m' if money else 'centres':>8}{'status':>12}{'centres':>8}"
             f"{'coverage':>9}{'cost £m':>9}{'FTE':>7}{'p90 wait':>9}"]
    table = pd.concat([frontier.points, frontier.marks], ignore_index=True)
    for _, r in table.iterrows():
        at = r[frontier.column] / 1e6 if money else r[frontier.column]
        solved = r["status"] == "optimal"
        figures = (f"{r['centres_open']:>8.0f}{r['coverage_share']:>9.1%}"
                   f"{r['annual_cost_gbp'] / 1e6:>9.2f}{r['fte_frontline']:>7.1f}"
                   f"{r['wait_days_p90']:>9.1f}") if solved else ""
        lines.append(f"{r['kind']:<14}{at:>8.2f}{r['status']:>12}{figures}")
    return "\n".join(lines)


def _compare(args: argparse.Namespace) -> int:
    from earlyhelp.compare import comparison_table, read_run, run_folders, write_comparison
    from earlyhelp.output import replacing_directory

    check_results_target(args.out)
    table = comparison_table([read_run(f) for f in run_folders(args.folders)])
    with replacing_directory(args.out) as work:
        write_comparison(table, work)
    print(format_comparison(table))
    print(f"written to {args.out}: comparison.csv, comparison.json, comparison.png, comparison.pdf")
    return EXIT_OK


def format_comparison(table: Any) -> str:
    """The comparison as a plain text table (intervals in brackets)."""
    lines = [f"{'scenario':<18}{'centres':>8}{'closed':>7}{'coverage':>9}{'beyond':>9}"
             f"{'cost £m':>9}{'FTE':>6}  {'90th pct wait, days':<22}{'escalated':<18}"]
    for _, r in table.iterrows():
        wait = f"{r['wait_days_p90']:.1f} ({max(r['wait_days_p90_ci_low'], 0):.1f}-{r['wait_days_p90_ci_high']:.1f})"
        esc = (f"{r['escalation_share']:.1%} ({max(r['escalation_share_ci_low'], 0):.1%}-"
               f"{r['escalation_share_ci_high']:.1%})")
        lines.append(f"{r['scenario'][:17]:<18}{r['centres_open']:>8.0f}"
                     f"{r['existing_buildings_closed']:>7.0f}{r['coverage_share']:>9.1%}"
                     f"{r['population_beyond_walk']:>9,.0f}{r['annual_cost_gbp'] / 1e6:>9.2f}"
                     f"{r['fte_total']:>6.0f}  {wait:<22}{esc:<18}")
    return "\n".join(lines)


def _run_options(args: argparse.Namespace) -> Any:
    from earlyhelp.run import RunOptions

    return RunOptions(reps=args.reps, seed=args.seed, workers=args.workers,
                      options=getattr(args, "options", None),
                      time_limit=getattr(args, "time_limit", None), cache_dir=args.cache_dir,
                      use_cache=not args.no_cache)


def _executor(args: argparse.Namespace) -> Any:
    """The Dask cluster's executor with ``--scheduler``, else None (this machine's processes)."""
    return _cluster(args.scheduler) if args.scheduler else None


def _where(args: argparse.Namespace) -> str | None:
    return f"on the cluster at {args.scheduler}" if args.scheduler else None


def _scenario_start(args: argparse.Namespace, scenario: Any) -> tuple[Any, Geography]:
    """A scenario command's first steps: refuse a results folder this tool did not write
    (before any slow work), then build the scenario's geography, with progress lines."""
    from earlyhelp.progress import Steps

    check_results_target(args.out)
    steps = Steps(quiet=args.quiet)
    steps("building the geography")
    return steps, build_geography(scenario.geography, cache_dir=args.cache_dir,
                                  use_cache=not args.no_cache)


#: How long ``--scheduler`` tries to reach a Dask scheduler before saying it cannot.
SCHEDULER_TIMEOUT_SECONDS = 10


def _cluster(address: str) -> Any:
    """A Dask cluster's executor, or a one-line refusal if Dask is not installed."""
    try:
        from distributed import Client
    except ImportError:
        raise EarlyHelpError("--scheduler needs Dask: pip install 'earlyhelp[cluster]'") from None
    try:
        return Client(address, timeout=f"{SCHEDULER_TIMEOUT_SECONDS}s").get_executor()
    except OSError as exc:
        raise EarlyHelpError(f"--scheduler {address}: cannot reach the Dask scheduler ({exc})") from None


def format_simulation(summary: dict[str, Any], folder: Path) -> str:
    """The simulation's headline figures for the terminal, each with its interval."""
    def ci(key: str, fmt: str = ",.1f") -> str:
        low, high = summary.get(f"{key}_ci_low"), summary.get(f"{key}_ci_high")
        if low is None or high is None or math.isnan(low):
            return f"{summary[key]:{fmt}}"
        span = f" ({max(low, 0.0):{fmt}} to {high:{fmt}})"  # every measure is >= 0
        return f"{summary[key]:{fmt}}{span}"

    worst = max(summary["by_spa"].items(), key=lambda kv: kv[1]["wait_days_p90"] or 0)
    return "\n".join([
        (f"simulation: {summary['reps']} replications, seed {summary['seed']}, "
        f"{summary['confidence']:.0%} intervals; plan: {summary['plan']}"),
        f"  requests a year: {ci('cases_per_year', ',.0f')}",
        (f"  wait for a lead professional: mean {ci('wait_days_mean')} days, 90th percentile "
        f"{ci('wait_days_p90')} days"),
        f"  longest waits: {worst[0]} (90th percentile {worst[1]['wait_days_p90']:.1f} days)",
        (f"  open cases per case-holding FTE: {ci('caseload_per_fte_mean', '.2f')}; caseload "
        f"places in use: {ci('occupancy', '.1%')}"),
        (f"  closures: {ci('closures', ',.0f')}; de-escalated {ci('deescalation_share', '.1%')}, "
        f"escalated to social care {ci('escalation_share', '.1%')}"),
        (f"  {summary['timing']['seconds_per_simulated_year']:.2f} s per simulated year; "
        f"{summary['timing']['wall_seconds']:.1f} s in all"),
        f"written to {folder}",
    ])


def format_siting(summary: dict[str, Any], options: int, folder: Path) -> str:
    """The plan's headline figures for the terminal."""
    solver = summary["solver"]
    budget = summary["budget_gbp"]
    money = f"£{summary['annual_cost_gbp']:,.0f} a year"
    if budget is not None:
        word = "under" if summary["headroom_gbp"] >= 0 else "OVER"
        money += f", £{abs(summary['headroom_gbp']):,.0f} {word} the £{budget:,.0f} envelope"
    gap = "" if solver["status"] == "optimal" else f" (best bound {solver['best_bound']:,.1f}, gap {solver['gap']:.2%})"
    how = f"plan: {solver['status']}{gap}, {solver['seconds']:.1f} s with {solver['name']}"
    if summary.get("plan_mode") == "fixed":
        broken = summary["rules_broken"]
        how = ("plan: fixed by the scenario (not optimised); " +
               (f"breaks: {'; '.join(broken)}" if broken else "it meets every siting rule"))
    lines = [
        how,
        (f"  centres: {summary['centres_open']} ({summary['enhanced_centres']} enhanced); "
        f"sessions a week: {summary['sessions_per_week']} ({summary['outreach_sessions']} as "
        f"outreach at {summary['outreach_venues']} venues)"),
        (f"  staff: {summary['fte_total']:g} FTE = {summary['fte_frontline']:g} frontline + "
        f"{summary['fte_management']:g} management + {summary['fte_support']:g} support"),
        f"  cost: {money}; 2015: £{summary['baseline_cost_gbp']:,.0f}",
        (f"  within {summary['walk_limit_minutes']:g} minutes' walk: "
        f"{summary['population_within_walk']:,.0f} children by a centre, "
        f"{summary['population_outreach_only']:,.0f} by outreach only, "
        f"{summary['population_beyond_walk']:,.0f} beyond "
        f"(need-weighted coverage {summary['coverage_share']:.1%})"),
        (f"  2015 buildings: {summary['existing_buildings_kept']} kept, "
        f"{summary['existing_buildings_closed']} closed"),
    ]
    standard = summary["walk_standard"]
    if not standard["met"] and summary.get("plan_mode") == "fixed":
        lines.append(f"  walk standard not met: {standard['children_reachable_missed']:,.0f} "
                     "children whom a candidate building could reach are not reached by its centres")
    elif not standard["met"]:
        extra = standard["outreach_sessions_to_meet"]
        lines.append(
            f"  walk standard not met: {standard['children_reachable_missed']:,.0f} children "
            "whom a centre or venue could reach are not reached; "
            + (f"{extra:,.0f} more outreach sessions a week would reach them all"
               if extra is not None else "no number of outreach sessions would reach them all"))
    if options > 1:
        lines.append(f"  {options} options: see options.csv, summary.json and option_K_plan.csv")
    lines.append(f"written to {folder}")
    return "\n".join(lines)


def _parameters(args: argparse.Namespace) -> int:
    from geodata.parameters import parameter_table

    rows = parameter_table()
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return EXIT_OK
    headings = {"parameter": "Parameters (set them in a GeodataConfig or on the command line)",
                "seed 003": "Fixed by seed 003", "constant": "Constants of the method"}
    for kind, heading in headings.items():
        print(f"{heading}\n{'=' * len(heading)}\n")
        for row in (r for r in rows if r["kind"] == kind):
            print(f"{row['parameter']} = {row['value']}\n    {row['description']}")
            if row["source"] != row["description"]:
                print(f"    source: {row['source']}")
            print()
    return EXIT_OK


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as a plain-text report for the terminal."""
    limit = summary["walk_limit_minutes"]
    lines = [
        "Lancashire-12 as the model sees it",
        f"  children and young people 0-19: {summary['population_0_19']:,}",
        f"  demand points (residential postcode locations): {summary['demand_points']:,}",
        (f"  candidate buildings: {summary['candidate_sites']} "
        f"({summary['stand_in_sites']} are stand-ins for unlisted 2015 buildings)"),
        f"  within a {limit:g}-minute walk of a candidate building: {summary['share_within_walk']:.1%}",
        "  2015 estate: " + ", ".join(f"{n} {role.replace('_', ' ')}" for role, n in summary["estate_2015"].items()),
        "  need bands (SPAs): " + ", ".join(f"{n} {b}" for b, n in summary["need_bands"].items())
        + " (seed 003's rule then allows {min} to {max} centres)".format(**summary["centres_allowed_by_seed_rule"]),
        "",
        f"{'district':<16}{'footprint':<44}{'0-19':>8}{'SPAs':>6}{'sites':>7}{'walk':>8}",
    ]
    for d in summary["districts"]:
        lines.append(
            f"{d['name']:<16}{d['footprint']:<44}{d['population_0_19']:>8,}{d['spas']:>6}"
            f"{d['candidate_sites']:>7}{d['share_within_walk']:>8.1%}"
        )
    lines += ["", f"{'SPA':<58}{'district':<16}{'0-19':>8}{'IMD':>7}{'need':>8}{'band':>8}{'LSOAs':>7}{'km2':>8}{'sites':>7}{'walk':>8}"]
    for s in summary["spas"]:
        lines.append(
            f"{s['name'][:57]:<58}{s['district']:<16}{s['population_0_19']:>8,}{s['imd_score']:>7.1f}"
            f"{s['need_index']:>8.2f}{s['need_band']:>8}{s['lsoas']:>7}{s['area_km2']:>8.1f}{s['candidate_sites']:>7}"
            f"{s['share_within_walk']:>8.1%}"
        )
    lines += ["", (f"SPA balance: every SPA within {summary['spa_largest_gap_from_district_mean']:.0%} "
              "of its district's mean population 0-19")]
    lines += ["footprints: " + "; ".join(f"{k} ({v} SPAs)" for k, v in summary["footprints"].items())]
    departures = summary["departures_from_seed_003"]
    lines += ["", "departures from seed 003: " + ("none" if not departures else "")]
    lines += [f"  - {note}" for note in departures]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
