"""Fault campaign: what a new user does wrong with ``earlyhelp``, and what the command makes of it.

Run on demand (not a test)::

    python benchmarks/fault_campaign.py [--quick] [--json OUT] [--jobs N] [--only NAME ...] [--keep]

Every case runs the real command line (``sys.executable -m earlyhelp ...``) in its own temporary
folder, stdin closed, with a time limit, and is classified as one of:

- ``refused clearly``: the exit code for bad input (2; 1 where the README documents it: an output
  that cannot be written), exactly one ``earlyhelp: error:`` line (``earlyhelp: warning:`` lines
  before it are allowed) naming the offending file or option, and nothing written (the case folder
  and the case's cache unchanged);
- ``handled``: exit 0 and the right outcome (checked per case: e.g. the accented name came
  through, with a warning saying how the file was read);
- ``safe``: an interrupted or killed export or simulation where the data guarantees held (for
  a simulation also: no worker process outlived it);
- ``traceback``: "Traceback" on stderr;
- ``accepted nonsense``: exit 0 on bad input and no warning said so;
- ``unclear``: anything else (wrong exit code, several lines, no file named, data lost...).

The county geography is built once into a shared cache; each case gets its own cache folder
seeded with hard links to the shared entries (so it loads in about a second, and whatever a
case writes to its cache is its own and can be checked). The script exits 1 if any case is
``traceback``, ``accepted nonsense`` or ``unclear``. Cases that cannot be simulated honestly
here (e.g. permissions, when running as root without user namespaces) are ``skipped`` with the
reason. ``--only NAME --keep`` reruns one case and keeps its folder: that is the reproducer.

The ``simulate`` cases run on a copy of ``scenarios/proposal-2016.yaml`` (or a ``variant.yaml``
extending it) with two replications; its interrupts and kills run in a session of their own and
are sent when the first "replications done" line appears, to the whole process group (as a
terminal's Ctrl-C or a job manager does) or to the parent alone (as ``kill PID`` does).
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import os
import pickle
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REFUSED, HANDLED, SAFE = "refused clearly", "handled", "safe"
TRACEBACK, NONSENSE, UNCLEAR, SKIPPED = "traceback", "accepted nonsense", "unclear", "skipped"
BAD_CLASSES = (TRACEBACK, NONSENSE, UNCLEAR)
CLASS_ORDER = (REFUSED, HANDLED, SAFE, TRACEBACK, NONSENSE, UNCLEAR, SKIPPED)

RESULTS = "res"  # the export folder of the interrupt and kill cases
SIBLING = "keep"  # an unrelated folder beside it, which must stay untouched


# --------------------------------------------------------------------------------------------
# What a case is, what a run gives
# --------------------------------------------------------------------------------------------

@dataclass
class Run:
    """What one run of the command gave (and, for signal cases, the run after it)."""

    code: int | None = None
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    timed_out: bool = False
    changes: list[str] = field(default_factory=list)  # what a run changed in the case folder
    next: Run | None = None  # the next run, for signal cases
    sent_after: float | None = None  # when the signal was sent (seconds after start)
    state_after_signal: dict[str, Any] = field(default_factory=dict)
    orphans: list[str] = field(default_factory=list)  # processes of its session left a second later


Setup = Callable[[Path, "Context"], None]
Check = Callable[[Path, Run, "Context"], "str | None"]


@dataclass(frozen=True)
class Case:
    """One thing a user might do wrong, and what the right outcome is.

    ``expect`` is ``refuse`` (bad input: exit ``code`` and one line naming one of ``names``,
    each 'a|b' for either or 'a&b' for both),
    ``handle`` (exit 0, a warning matching ``warn`` if given, at most ``max_warnings``, and
    ``check`` passes), ``flag`` (bad input the run may live with: a clear refusal, or exit 0
    with a warning matching ``warn``) or ``safe`` (signal cases: ``check`` passes).

    A signal case sends ``signal[0]`` at ``signal[1]`` of an export's duration or, with
    ``signal_on``, as soon as a line on stderr matches it; such a run has a session of its own
    and the signal goes to the parent alone or, with ``signal_group``, to its process group.
    The run after it is ``next_args`` (default: ``args`` again).
    """

    name: str
    group: str
    description: str
    args: tuple[str, ...]
    expect: str
    setup: Setup | None = None
    names: tuple[str, ...] = ()
    code: int = 2
    warn: str | None = None
    max_warnings: int | None = None
    check: Check | None = None
    env: tuple[tuple[str, str], ...] = ()
    unprivileged: bool = False  # run without root's file-permission override (user namespace)
    signal: tuple[int, float] | None = None  # (signal, fraction of an export's duration)
    signal_on: str | None = None  # or send it when a line on stderr matches this
    signal_group: bool = False
    next_args: tuple[str, ...] | None = None
    quick: bool = False


@dataclass
class Context:
    """What the campaign prepared once: the shared cache, a template export, reference figures."""

    root: Path
    cache: Path
    template: Path
    baseline: dict[str, Any]
    export_seconds: float
    unprivileged: list[str] | None  # command prefix, or None when it cannot be simulated
    unprivileged_why: str
    cache_key: str
    timeout: float


# --------------------------------------------------------------------------------------------
# Files the cases are made of
# --------------------------------------------------------------------------------------------

HEADER = "name,type,owner,postcode,annual_cost_gbp"
GOOD_ROW = "Ribble Test Hub,family_hub,LCC,PR1 2PP,12000"
GRID_HEADER = "name,type,owner,easting,northing"


def write_bytes(name: str, data: bytes | Callable[[Context], bytes]) -> Setup:
    def setup(folder: Path, ctx: Context) -> None:
        (folder / name).write_bytes(data(ctx) if callable(data) else data)
    return setup


def write_text(name: str, *lines: str, encoding: str = "utf-8", sep: str = ",") -> Setup:
    """A text file of ``lines`` (commas replaced by ``sep``), saved in ``encoding``."""
    text = "".join(line.replace(",", sep) + "\r\n" for line in lines)
    return write_bytes(name, text.encode(encoding))


def sites_csv(*rows: str, header: str = HEADER, **kwargs: Any) -> Setup:
    return write_text("buildings.csv", header, *rows, **kwargs)


def make_dir(name: str, *, files: dict[str, str] | None = None, mode: int | None = None) -> Setup:
    def setup(folder: Path, ctx: Context) -> None:
        path = folder / name
        path.mkdir(parents=True)
        for file, text in (files or {}).items():
            (path / file).write_text(text)
        if mode is not None:
            path.chmod(mode)
    return setup


def unreadable_sites() -> Setup:
    """A good buildings CSV that nobody may read (chmod 000)."""
    def setup(folder: Path, ctx: Context) -> None:
        sites_csv(GOOD_ROW)(folder, ctx)
        (folder / "buildings.csv").chmod(0)
    return setup


def symlink(name: str, target: str) -> Setup:
    def setup(folder: Path, ctx: Context) -> None:
        (folder / target).mkdir()
        (folder / name).symlink_to(target)
    return setup


def earlier_export(extra: str | None = None) -> Setup:
    """``res/``: a complete earlier export (with ``extra``, a file it no longer writes), and
    ``keep/``: an unrelated folder beside it."""
    def setup(folder: Path, ctx: Context) -> None:
        shutil.copytree(ctx.template, folder / RESULTS)
        if extra:
            (folder / RESULTS / extra).write_text("from an older version\n")
        make_dir(SIBLING, files={"notes.txt": "mine, not earlyhelp's\n"})(folder, ctx)
    return setup


def xlsx_bytes() -> bytes:
    """A minimal spreadsheet package (a zip), as a user would pass an .xlsx by mistake."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        book.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + "<row/>" * 50 + "</worksheet>")
    return out.getvalue()


def junk_bytes() -> bytes:
    return random.Random(3).randbytes(4096)


# Spatial files are made with geopandas from the template export (so only when a case needs one).

def spatial(name: str, make: Callable[[Context], Any], *, drop: tuple[str, ...] = ()) -> Setup:
    """Write the GeoDataFrame ``make(ctx)`` gives as ``name`` (driver from the extension), then
    delete the companion files in ``drop`` (e.g. a shapefile's .prj)."""
    def setup(folder: Path, ctx: Context) -> None:
        frame = make(ctx)
        path = folder / name
        driver = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".shp": "ESRI Shapefile"}[path.suffix]
        frame.to_file(path, driver=driver)
        for suffix in drop:
            path.with_suffix(suffix).unlink()
    return setup


def layer(ctx: Context, name: str) -> Any:
    import geopandas as gpd

    return gpd.read_file(ctx.template / "geography.gpkg", layer=name)


def good_spas(ctx: Context) -> Any:
    return layer(ctx, "spas")[["spa_id", "geometry"]]


def spas_with(change: Callable[[Any], Any]) -> Callable[[Context], Any]:
    """The good SPA polygons, damaged by ``change`` (which gets and returns a GeoDataFrame)."""
    return lambda ctx: change(good_spas(ctx).copy())


def set_value(column: str, row: int, value: Any) -> Callable[[Any], Any]:
    def change(frame: Any) -> Any:
        frame[column] = frame[column].astype(object)
        frame.iloc[row, frame.columns.get_loc(column)] = value
        return frame
    return change


def set_geometry(row: int, make: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Replace feature ``row``'s geometry by ``make(old geometry)``."""
    def change(frame: Any) -> Any:
        shapes = frame.geometry.to_numpy().copy()
        shapes[row] = make(shapes[row])
        return frame.set_geometry(type(frame.geometry)(shapes, crs=frame.crs, index=frame.index))
    return change


def whole(make: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Apply ``make`` to every geometry."""
    return lambda frame: frame.set_geometry(frame.geometry.apply(make))


def bow_tie(shape: Any) -> Any:
    from shapely.geometry import Polygon

    x0, y0, x1, y1 = shape.bounds
    return Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])


def tiny_twist(shape: Any) -> Any:
    """The polygon with a 4 m bow-tie lobe at its first vertex: invalid, mends by ~3 m2."""
    import numpy as np
    from shapely.geometry import Polygon

    ring = max(getattr(shape, "geoms", [shape]), key=lambda p: p.area).exterior.coords
    a, b = np.array(ring[0]), np.array(ring[1])
    along = (b - a) / np.linalg.norm(b - a)
    across = np.array([-along[1], along[0]])
    lobe = [a, a + 4 * along + 3 * across, a + 4 * along, a + 3 * across]
    return Polygon([tuple(p) for p in lobe] + list(ring[1:]))


def relabel_crs(crs_of_numbers: str | None, label: str) -> Callable[[Any], Any]:
    """Coordinates in ``crs_of_numbers`` (None: as they are) but labelled ``label``."""
    def change(frame: Any) -> Any:
        moved = frame.to_crs(crs_of_numbers) if crs_of_numbers else frame
        return moved.set_crs(label, allow_override=True)
    return change


def translate(dx: float, dy: float) -> Callable[[Any], Any]:
    from shapely import affinity

    return whole(lambda g: affinity.translate(g, dx, dy))


def with_sea_spa(frame: Any) -> Any:
    """An extra SPA, a square kilometre of the Irish Sea west of Fleetwood, holding no LSOA."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    square = box(310_000, 445_000, 311_000, 446_000)
    sea = gpd.GeoDataFrame({"spa_id": ["Sea 1"]}, geometry=[square], crs=frame.crs)
    return pd.concat([frame, sea], ignore_index=True)


def empty_frame(ctx: Context) -> Any:
    import geopandas as gpd

    return gpd.GeoDataFrame({"spa_id": []}, geometry=[], crs="EPSG:27700")


# Walk networks

CELL_METRES = 480.0  # every home is then within 240 m of a cell edge (the check allows 250 m)


def cell_edges(xy: Any) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Streets along the edges of the 480 m grid cells holding any of the points ``xy``, and
    main roads joining them: every fifth grid row and column across their extent. Each street
    runs corner to corner, so streets meet at shared vertices, as the network needs."""
    import numpy as np

    cells = np.unique(np.floor(xy / CELL_METRES).astype(int), axis=0)
    edges = set()
    for i, j in cells:
        corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
        edges.update(tuple(sorted(pair)) for pair in itertools.pairwise(corners + corners[:1]))
    (i0, j0), (i1, j1) = cells.min(axis=0), cells.max(axis=0) + 1
    edges.update(((i, j), (i + 1, j)) for j in range(j0, j1 + 1, 5) for i in range(i0, i1))
    edges.update(((i, j), (i, j + 1)) for i in range(i0, i1 + 1, 5) for j in range(j0, j1))
    return [((a[0] * CELL_METRES, a[1] * CELL_METRES), (b[0] * CELL_METRES, b[1] * CELL_METRES))
            for a, b in sorted(edges)]


def homes_and_buildings(ctx: Context) -> Any:
    import numpy as np

    points = layer(ctx, "demand_points")
    sites = layer(ctx, "sites")
    return np.r_[points[["x", "y"]].to_numpy(float), sites[["x", "y"]].to_numpy(float)]


def lines(segments: list[Any]) -> Any:
    import geopandas as gpd
    from shapely.geometry import LineString

    return gpd.GeoDataFrame({"way": range(len(segments))},
                            geometry=[LineString(s) for s in segments], crs="EPSG:27700")


def street_grid(ctx: Context) -> Any:
    """A street grid over every occupied 480 m cell of the county, joined by main roads."""
    return lines(cell_edges(homes_and_buildings(ctx)))


def split_grid(ctx: Context) -> Any:
    """Two grids, west and east of the children's median easting, sharing no vertex."""
    import numpy as np

    xy = homes_and_buildings(ctx)
    split = np.floor(np.median(xy[:, 0]) / CELL_METRES) * CELL_METRES
    west = cell_edges(xy[xy[:, 0] < split])
    east = [((a[0] + 0.5, a[1]), (b[0] + 0.5, b[1])) for a, b in cell_edges(xy[xy[:, 0] >= split])]
    return lines(west + east)


def pieces(ctx: Context) -> Any:
    """A 5 m stub at every home and building, none joined to another."""
    return lines([((x, y), (x + 5, y)) for x, y in homes_and_buildings(ctx)])


def zero_length(ctx: Context) -> Any:
    return lines([((x, y), (x, y)) for x, y in homes_and_buildings(ctx)[:50]])


def grid_and_zero_length(ctx: Context) -> Any:
    import pandas as pd

    return pd.concat([street_grid(ctx), zero_length(ctx)], ignore_index=True)


def one_street(ctx: Context) -> Any:
    return lines([((354_000, 429_400), (354_200, 429_400))])  # 200 m in Preston centre


def few_streets_in_degrees(ctx: Context) -> Any:
    """Three Preston streets in longitude/latitude, labelled as British National Grid."""
    corners = [(354_000, 429_400), (354_200, 429_400), (354_200, 429_600), (354_000, 429_600)]
    frame = lines(list(itertools.pairwise(corners)))
    return relabel_crs("EPSG:4326", "EPSG:27700")(frame)


def as_points(ctx: Context) -> Any:
    return layer(ctx, "demand_points")[["point_id", "geometry"]].head(2000)


# Scenarios (``simulate``)

PROPOSAL = Path(__file__).resolve().parents[1] / "scenarios" / "proposal-2016.yaml"
VARIANT = "variant.yaml"


def proposal(folder: Path, ctx: Context) -> None:
    """A copy of the proposal scenario, as a user starts from it."""
    shutil.copy2(PROPOSAL, folder / PROPOSAL.name)


def variant(*lines: str) -> Setup:
    """The proposal and ``variant.yaml`` extending it, its ``simulation:`` section ``lines``
    (each as given, indentation included: line 3 of the file is the first)."""
    def setup(folder: Path, ctx: Context) -> None:
        proposal(folder, ctx)
        text = "".join(f"{line}\n" for line in (f"extends: {PROPOSAL.name}", "simulation:", *lines))
        (folder / VARIANT).write_text(text)
    return setup


def with_proposal(setup: Setup) -> Setup:
    def both(folder: Path, ctx: Context) -> None:
        proposal(folder, ctx)
        setup(folder, ctx)
    return both


_SIMULATION_TEMPLATE = threading.Lock()


def simulation_template(ctx: Context) -> Path:
    """A complete ``simulate`` results folder of the proposal (2 replications), made once."""
    target = ctx.root / "prepare" / "simulation"
    with _SIMULATION_TEMPLATE:
        if not (target / "summary.json").is_file():
            env = {**os.environ, "EARLYHELP_CACHE": str(ctx.cache)}
            made = execute([sys.executable, "-m", "earlyhelp", "simulate", str(PROPOSAL),
                            "--out", str(target), "--reps", "2", "--quiet"],
                           target.parent, env, ctx.timeout)
            if made.code != 0:
                raise SystemExit(f"the reference simulation failed (exit {made.code}):\n"
                                 f"{made.stderr}")
    return target


def earlier_simulation(folder: Path, ctx: Context) -> None:
    """The proposal, ``res/``: a complete earlier simulation, and ``keep/``: an unrelated folder."""
    proposal(folder, ctx)
    shutil.copytree(simulation_template(ctx), folder / RESULTS)
    make_dir(SIBLING, files={"notes.txt": "mine, not earlyhelp's\n"})(folder, ctx)


# --------------------------------------------------------------------------------------------
# Checks of the outcome
# --------------------------------------------------------------------------------------------

def summary_json(run: Run) -> dict[str, Any]:
    return json.loads(run.stdout)


def sites_added(count: int, *, replace_all: bool = False) -> Check:
    """The summary counts the embedded buildings plus ``count`` (or only ``count``)."""
    def check(folder: Path, run: Run, ctx: Context) -> str | None:
        want = count if replace_all else ctx.baseline["candidate_sites"] + count
        got = summary_json(run)["candidate_sites"]
        return None if got == want else f"{got} candidate buildings, expected {want}"
    return check


def exported_site(name: str, **fields: str) -> Check:
    """``res/sites.csv`` holds a building called ``name`` with these field values."""
    def check(folder: Path, run: Run, ctx: Context) -> str | None:
        with open(folder / RESULTS / "sites.csv", encoding="utf-8", newline="") as handle:
            rows = [r for r in csv.DictReader(handle) if r["name"] == name]
        if not rows:
            return f"no building named {name!r} in {RESULTS}/sites.csv"
        wrong = {k: rows[0][k] for k, v in fields.items() if rows[0][k] != v}
        return f"{name!r} has {wrong}, expected {fields}" if wrong else None
    return check


def spa_count(count: int) -> Check:
    def check(folder: Path, run: Run, ctx: Context) -> str | None:
        got = len(summary_json(run)["spas"])
        return None if got == count else f"{got} SPAs, expected {count}"
    return check


def says_departure(folder: Path, run: Run, ctx: Context) -> str | None:
    if summary_json(run)["departures_from_seed_003"]:
        return None
    return "no departure from seed 003 reported"


def file_starts(name: str, head: bytes, tail: bytes = b"") -> Check:
    def check(folder: Path, run: Run, ctx: Context) -> str | None:
        path = folder / name
        if not path.is_file():
            return f"{name} was not written"
        data = path.read_bytes()
        ok = data.startswith(head) and tail in data[-64:]
        return None if ok else f"{name} does not look like a {head!r} file"
    return check


def svg_file(name: str) -> Check:
    def check(folder: Path, run: Run, ctx: Context) -> str | None:
        text = (folder / name).read_text(errors="replace") if (folder / name).is_file() else ""
        whole_svg = "<svg" in text[:2000] and text.rstrip().endswith("</svg>")
        return None if whole_svg else f"{name} is not an SVG"
    return check


def unchanged(name: str, text: str) -> Check:
    """``name`` still holds exactly ``text`` (as :func:`write_text` wrote it, CRLF and all)."""
    def check(folder: Path, run: Run, ctx: Context) -> str | None:
        path = folder / name
        same = path.is_file() and path.read_bytes() == text.encode()
        return None if same else f"{name} was changed"
    return check


def export_problem(folder: Path, ctx: Context) -> str | None:
    """Why ``res/`` is not a complete export (None if it is)."""
    res = folder / RESULTS
    if res.is_symlink() or not res.is_dir():
        return f"{RESULTS}/ is missing"
    names = {p.name for p in res.iterdir()}
    missing = sorted({p.name for p in ctx.template.iterdir()} - names)
    if missing:
        return f"{RESULTS}/ lacks {', '.join(missing)}"
    try:
        summary = json.loads((res / "summary.json").read_text())
    except ValueError:
        return f"{RESULTS}/summary.json is not whole"
    if summary != json.loads((ctx.template / "summary.json").read_text()):
        return f"{RESULTS}/summary.json differs from the reference export"
    if not (res / "geography.gpkg").read_bytes()[:16].startswith(b"SQLite format 3"):
        return f"{RESULTS}/geography.gpkg is not a GeoPackage"
    return None


def complete_export(folder: Path, run: Run, ctx: Context) -> str | None:
    return export_problem(folder, ctx)


def replaced_whole(folder: Path, run: Run, ctx: Context) -> str | None:
    if (folder / RESULTS / "stale.txt").exists():
        return "a file of the earlier export survived: the folder was not replaced whole"
    return export_problem(folder, ctx)


def leftovers(folder: Path) -> list[str]:
    """Unfinished copies and old results beside ``res/`` (what a stopped run may leave)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{RESULTS}.partial-")
                  or p.name == f".{RESULTS}.earlyhelp-old")


def sibling_problem(folder: Path) -> str | None:
    notes = folder / SIBLING / "notes.txt"
    ok = (notes.is_file() and notes.read_text() == "mine, not earlyhelp's\n"
          and len(list((folder / SIBLING).iterdir())) == 1)
    return None if ok else f"the unrelated folder {SIBLING}/ was changed"


def interrupted_safely(folder: Path, run: Run, ctx: Context) -> str | None:
    """SIGINT/SIGTERM/SIGHUP: exit 130 and one line (or the export had finished), results as
    they were, nothing half-written, the sibling untouched, and the next run clean."""
    lines = stderr_lines(run.stderr)
    if run.code == 0:
        pass  # the export finished before the signal arrived
    elif run.code != 130:
        return f"exit {run.code} (expected 130); stderr: {' | '.join(lines) or '(empty)'}"
    elif len(lines) != 1 or not lines[0].startswith("earlyhelp: interrupted"):
        return f"expected one 'earlyhelp: interrupted' line, got {len(lines)}: {' | '.join(lines)}"
    return (run.state_after_signal.get("problem") or run.state_after_signal.get("leftovers")
            or next_run_problem(folder, run, ctx))


def killed_safely(folder: Path, run: Run, ctx: Context) -> str | None:
    """SIGKILL: results whole (or missing and restored by the next run, with a warning), the
    sibling untouched, and after the next run nothing left over."""
    state = run.state_after_signal
    if state.get("problem") and state["problem"] != f"{RESULTS}/ is missing":
        return f"after the kill: {state['problem']}"
    if state.get("problem") and not re.search("restored", run.next.stderr if run.next else ""):
        return "results were missing after the kill and the next run did not say it restored them"
    return next_run_problem(folder, run, ctx)


def next_run_problem(folder: Path, run: Run, ctx: Context) -> str | None:
    after = run.next
    if after is None or after.code != 0:
        said = after.stderr.strip() if after else ""
        return f"the next export failed (exit {after and after.code}): {said}"
    return export_problem(folder, ctx) or sibling_problem(folder) or (
        f"left after the next run: {', '.join(leftovers(folder))}" if leftovers(folder) else None)


# Simulation outcomes

#: Keys every simulation's summary.json must hold (the headline wait and its interval).
SIMULATION_KEYS = ("wait_days_mean", "wait_days_mean_ci_low", "wait_days_mean_ci_high")
#: A progress line (``[   3.5 s] simulating ...``), which is not a message.
PROGRESS_LINE = re.compile(r"^\[\s*\d+\.\d s\] ")


def simulation_problem(folder: Path, reps: int) -> str | None:
    """Why ``res/`` is not a finished simulation of ``reps`` replications whose summary.json
    holds the headline keys (None if it is)."""
    res = folder / RESULTS
    if not (res / ".earlyhelp-results").is_file():
        return f"{RESULTS}/ is not a finished results folder (no .earlyhelp-results)"
    summary = json.loads((res / "summary.json").read_text())
    missing = [key for key in SIMULATION_KEYS if key not in summary]
    if missing:
        return f"{RESULTS}/summary.json lacks {', '.join(missing)}"
    got = summary.get("reps")
    return None if got == reps else f"{RESULTS}/summary.json says reps {got}, expected {reps}"


def simulated(reps: int) -> Check:
    return lambda folder, run, ctx: simulation_problem(folder, reps)


def simulated_with(parameter: str, value: str) -> Check:
    """A finished simulation of 2 replications whose parameters.csv gives ``simulation.parameter``
    as ``value``."""
    def check(folder: Path, run: Run, ctx: Context) -> str | None:
        problem = simulation_problem(folder, 2)
        if problem:
            return problem
        with open(folder / RESULTS / "parameters.csv", encoding="utf-8", newline="") as handle:
            got = [r["value"] for r in csv.DictReader(handle)
                   if (r["section"], r["parameter"]) == ("simulation", parameter)]
        return None if got == [value] else f"parameters.csv gives {parameter} {got}, not {value}"
    return check


def none_served_beyond_walk(folder: Path, run: Run, ctx: Context) -> str | None:
    """``beyond_walk: unserved``: no home visits, and some families left unserved."""
    problem = simulated_with("beyond_walk", "unserved")(folder, run, ctx)
    if problem:
        return problem
    summary = json.loads((folder / RESULTS / "summary.json").read_text())
    visits, unserved = summary["home_visit_cases"], summary["unserved"]
    ok = visits == 0 and unserved > 0
    return None if ok else f"{visits:g} home-visit cases, {unserved:g} unserved: want 0 and some"


def simulation_stopped_safely(folder: Path, run: Run, ctx: Context) -> str | None:
    """A simulation stopped during its replications: exit 130 and one 'earlyhelp: interrupted'
    line besides the progress lines (after SIGKILL: killed); nothing in the case folder changed
    (the earlier results as they were, nothing half-written, the sibling untouched); no process
    of its session left a second later; and the next run writes complete results over them."""
    said = [line for line in stderr_lines(run.stderr) if not PROGRESS_LINE.match(line)]
    if run.sent_after is None:
        return f"the run ended (exit {run.code}) before the signal was sent: nothing was tested"
    if run.code == -signal.SIGKILL:
        pass
    elif run.code != 130:
        return f"exit {run.code} (expected 130); stderr: {' | '.join(said) or '(empty)'}"
    elif len(said) != 1 or not said[0].startswith("earlyhelp: interrupted"):
        return f"expected one 'earlyhelp: interrupted' line, got {len(said)}: {' | '.join(said)}"
    if run.changes:
        return f"the stopped run changed the case folder: {', '.join(run.changes[:5])}"
    if run.orphans:
        return (f"{len(run.orphans)} process(es) of the run still there a second after it ended "
                f"(killed by the campaign): {'; '.join(run.orphans)}")
    after = run.next
    if after is None or after.code != 0:
        said = after.stderr.strip() if after else ""
        return f"the next run failed (exit {after and after.code}): {said}"
    left = leftovers(folder)
    return (simulation_problem(folder, 2) or sibling_problem(folder)
            or (f"left after the next run: {', '.join(left)}" if left else None))


# --------------------------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------------------------

SUMMARY = ("geodata", "summary", "--json")
EXPORT = ("geodata", "export", "--out", RESULTS)


def site_cases() -> list[Case]:
    """Buildings CSVs (``--sites``): (name, description, expect, setup, options)."""
    def grid(e: object, n: object) -> Setup:
        return sites_csv(f"Grid Hub,library,LCC,{e},{n}", header=GRID_HEADER)

    def ids(*rows: str) -> Setup:
        return sites_csv(*rows, header="site_id," + HEADER)

    def cost(value: str) -> Setup:
        return sites_csv(f"Cost Hub,library,LCC,PR7 3DU,{value}")

    def postcode(code: str) -> Setup:
        return sites_csv(f"Away Hub,library,LCC,{code},")

    cafe = "Ribble Café Hub,family_hub,LCC,PR1 2PP,12000"
    exported_cafe = {"export": True, "check": exported_site("Ribble Café Hub")}
    table: list[tuple[str, str, str, Setup | None, dict[str, Any]]] = [
        ("extra-field", "a row with one field more than the header", "refuse",
         sites_csv(GOOD_ROW, "Extra Hub,library,LCC,PR7 3DU,15000,surplus"), {"quick": True}),
        ("missing-field", "a row with one field fewer than the header", "refuse",
         sites_csv(GOOD_ROW, "Short Hub,library,LCC,PR7 3DU"), {}),
        ("header-only", "a header line and no rows", "refuse", sites_csv(), {"quick": True}),
        ("zero-bytes", "an empty file (0 bytes)", "refuse", write_bytes("buildings.csv", b""), {}),
        ("binary-junk", "4 KB of random bytes", "refuse",
         write_bytes("buildings.csv", junk_bytes()), {}),
        ("xlsx", "an Excel workbook instead of a CSV", "refuse",
         write_bytes("buildings.xlsx", xlsx_bytes()), {"file": "buildings.xlsx"}),
        ("cp1252", "saved by Excel as Windows-1252, with an accented name", "handle",
         sites_csv(cafe, encoding="cp1252"), {**exported_cafe, "warn": "Windows-1252"}),
        ("utf16", "saved as UTF-16 (with a byte-order mark), with an accented name", "handle",
         sites_csv(cafe, encoding="utf-16"), exported_cafe),
        ("semicolon", "separated by semicolons (a European Excel)", "handle",
         sites_csv(GOOD_ROW, sep=";"),
         {"warn": "semicolon", "check": sites_added(1), "quick": True}),
        ("tab", "separated by tabs", "handle",
         sites_csv(GOOD_ROW, sep="\t"), {"warn": "tab", "check": sites_added(1)}),
        ("decimal-comma", 'a cost with a decimal comma, quoted: "1200,50"', "refuse",
         cost('"1200,50"'), {}),
        ("cost-negative", "a cost of -500", "refuse", cost("-500"), {"quick": True}),
        ("cost-huge", "a cost of 5,000,000,000 a year", "refuse", cost("5000000000"), {}),
        ("cost-inf", "a cost of inf", "refuse", cost("inf"), {}),
        ("cost-nan", "a cost of nan", "refuse", cost("nan"), {}),
        ("cost-text", "a cost of 'about 10k'", "refuse", cost("about 10k"), {}),
        ("blank-cost-other", "a blank cost on a building of type other", "handle",
         sites_csv("Church Hall,other,Parish,PR7 3DU,"),
         {"export": True, "check": exported_site("Church Hall", site_type="other",
                                                 annual_cost_gbp="10000.0")}),
        ("type-unknown", "type 'castle'", "refuse", sites_csv("Keep,castle,LCC,PR7 3DU,"), {}),
        ("type-odd-case", "type 'Family Hub' (spaces and capitals)", "handle",
         sites_csv("Odd Hub,Family Hub,LCC,PR7 3DU,"),
         {"export": True, "check": exported_site("Odd Hub", site_type="family_hub")}),
        ("postcode-blackpool", "postcode FY1 4BJ (Blackpool, outside Lancashire-12)", "refuse",
         postcode("FY1 4BJ"), {"also": "Blackpool", "quick": True}),
        ("postcode-blackburn", "postcode BB1 7DR (Blackburn with Darwen)", "refuse",
         postcode("BB1 7DR"), {"also": "Blackburn"}),
        ("postcode-sefton", "postcode PR8 1DH (Southport, Sefton)", "refuse",
         postcode("PR8 1DH"), {"also": "Sefton"}),
        ("postcode-wigan", "postcode WN1 1XX (Wigan)", "refuse",
         postcode("WN1 1XX"), {"also": "Wigan"}),
        ("postcode-nonexistent", "postcode ZZ99 9ZZ (does not exist)", "refuse",
         postcode("ZZ99 9ZZ"), {}),
        ("grid-degrees", "easting/northing given as longitude/latitude (-2.70, 53.76)", "refuse",
         grid(-2.70, 53.76), {"quick": True}),
        ("grid-off", "easting 900000, northing 1500000 (off the national grid)", "refuse",
         grid(900000, 1500000), {}),
        ("grid-half", "an easting without a northing", "refuse", grid(354000, ""), {}),
        ("grid-blackpool", "easting/northing in Blackpool (331000, 436000)", "refuse",
         grid(331000, 436000), {"also": "Blackpool"}),
        ("id-duplicate", "the same site_id on two rows", "refuse",
         ids("A1," + GOOD_ROW, "A1,Other Hub,library,LCC,PR7 3DU,"), {}),
        ("id-blank", "a blank site_id", "refuse",
         ids("A1," + GOOD_ROW, ",Other Hub,library,LCC,PR7 3DU,"), {}),
        ("id-reserved", "site_id LCC-123 (reserved for the embedded buildings)", "refuse",
         ids("LCC-123," + GOOD_ROW), {}),
        ("duplicate-row", "the same building pasted twice, no site_id (refusal or warning)",
         "flag", sites_csv(GOOD_ROW, GOOD_ROW), {"warn": "twice|duplicate|same"}),
        ("replace-header-only", "--sites-mode replace with a header-only file", "refuse",
         sites_csv(), {"args": ("--sites-mode", "replace")}),
        ("directory", "a folder instead of a file", "refuse", make_dir("buildings.csv"), {}),
        ("missing-file", "a file that does not exist", "refuse", None, {"quick": True}),
        ("no-permission", "a file the user may not read (chmod 000; run without root's override)",
         "refuse", unreadable_sites(), {"unprivileged": True}),
    ]
    cases = []
    for name, description, expect, setup, options in table:
        file = options.get("file", "buildings.csv")
        named = f"{file}&{options['also']}" if "also" in options else file
        command = EXPORT if options.get("export") else SUMMARY
        cases.append(Case(
            name=f"sites-{name}", group="sites", description=description,
            args=(*command, "--sites", file, *options.get("args", ())), expect=expect, setup=setup,
            names=(named,), warn=options.get("warn"), check=options.get("check"),
            unprivileged=options.get("unprivileged", False), quick=options.get("quick", False)))
    return cases


def spa_cases() -> list[Case]:
    """SPA boundary files (``--spa-boundaries``), made from the model's own SPAs and damaged."""
    def gpkg(make: Callable[[Context], Any]) -> Setup:
        return spatial("spas.gpkg", make)

    whole_county = spas_with(lambda f: f.dissolve().assign(spa_id="Lancashire"))
    cut_gpkg = write_bytes("spas.gpkg",
                           lambda c: (c.template / "geography.gpkg").read_bytes()[:20_000])
    table: list[tuple[str, str, str, Setup | None, str, dict[str, Any]]] = [
        ("good", "the model's own 34 SPAs as a GeoPackage (control)", "handle",
         gpkg(good_spas), "spas.gpkg", {"check": spa_count(34)}),
        ("overlap", "feature 1 grown by 800 m over its neighbours", "refuse",
         gpkg(spas_with(set_geometry(0, lambda g: g.buffer(800)))), "spas.gpkg", {"quick": True}),
        ("id-blank", "a blank spa_id", "refuse",
         gpkg(spas_with(set_value("spa_id", 2, ""))), "spas.gpkg", {}),
        ("id-duplicate", "two features with the same spa_id", "refuse",
         gpkg(spas_with(set_value("spa_id", 3, "Pendle 2"))), "spas.gpkg", {}),
        ("bow-tie", "a bow-tie (self-crossing) polygon", "refuse",
         gpkg(spas_with(set_geometry(5, bow_tie))), "spas.gpkg", {}),
        ("tiny-twist", "a 3 m2 self-intersection (to be mended with a warning)", "handle",
         gpkg(spas_with(set_geometry(5, tiny_twist))), "spas.gpkg",
         {"warn": "repaired", "check": spa_count(34)}),
        ("points", "SPA centroids (points) instead of polygons", "refuse",
         gpkg(spas_with(whole(lambda g: g.centroid))), "spas.gpkg", {}),
        ("lines", "SPA outlines (lines) instead of polygons", "refuse",
         gpkg(spas_with(whole(lambda g: g.boundary))), "spas.gpkg", {}),
        ("null-geometry", "a feature with no geometry", "refuse",
         gpkg(spas_with(set_geometry(6, lambda g: None))), "spas.gpkg", {}),
        ("spa-without-lsoa", "an extra SPA in the Irish Sea that no LSOA falls in", "refuse",
         gpkg(spas_with(with_sea_spa)), "spas.gpkg", {}),
        ("no-crs", "a shapefile without its .prj (no CRS)", "refuse",
         spatial("spas.shp", good_spas, drop=(".prj",)), "spas.shp", {}),
        ("degrees-as-27700", "longitude/latitude numbers labelled EPSG:27700", "refuse",
         gpkg(spas_with(relabel_crs("EPSG:4326", "EPSG:27700"))), "spas.gpkg", {"quick": True}),
        ("metres-as-4326", "British National Grid numbers labelled EPSG:4326", "refuse",
         gpkg(spas_with(relabel_crs(None, "EPSG:4326"))), "spas.gpkg", {}),
        ("far-away", "the SPAs moved 250 km south", "refuse",
         gpkg(spas_with(translate(0, -250_000))), "spas.gpkg", {}),
        ("csv", "a CSV passed as the spatial file", "refuse",
         write_text("spas.csv", "spa_id,x,y", "Preston 1,354000,429500"), "spas.csv", {}),
        ("corrupt-gpkg", "a GeoPackage cut to its first 20 KB", "refuse",
         cut_gpkg, "spas.gpkg", {}),
        ("empty-layer", "a GeoPackage with no features", "refuse",
         gpkg(empty_frame), "spas.gpkg", {}),
        ("half-county", "only the first 17 of the 34 SPAs", "refuse",
         gpkg(spas_with(lambda f: f.head(17))), "spas.gpkg", {}),
        ("one-polygon", "the whole county as one polygon (summary must list departures)",
         "handle", gpkg(whole_county), "spas.gpkg", {"check": says_departure}),
    ]
    return _file_cases("spa", "spa files", "--spa-boundaries", table)


def network_cases() -> list[Case]:
    """Walk networks (``--walk-network``)."""
    def gpkg(make: Callable[[Context], Any]) -> Setup:
        return spatial("ways.gpkg", make)

    table: list[tuple[str, str, str, Setup, str, dict[str, Any]]] = [
        ("points", "homes as points instead of lines", "refuse", gpkg(as_points), "ways.gpkg", {}),
        ("degrees-as-27700", "three streets in longitude/latitude labelled EPSG:27700", "refuse",
         gpkg(few_streets_in_degrees), "ways.gpkg", {"quick": True}),
        ("far-away", "a county street grid moved 250 km south", "refuse",
         gpkg(lambda c: translate(0, -250_000)(street_grid(c))), "ways.gpkg", {}),
        ("one-street", "one 200 m street in Preston", "refuse", gpkg(one_street), "ways.gpkg", {}),
        ("two-grids", "west and east street grids that never meet (refusal or warning)",
         "flag", gpkg(split_grid), "ways.gpkg", {"warn": "connected part"}),
        ("pieces", "a 5 m stub at every home, none joined", "refuse",
         gpkg(pieces), "ways.gpkg", {}),
        ("zero-length", "only zero-length lines", "refuse", gpkg(zero_length), "ways.gpkg", {}),
        ("grid-with-zero-length", "a county street grid plus 50 zero-length lines", "handle",
         gpkg(grid_and_zero_length), "ways.gpkg", {"warn": "hold no line"}),
        ("empty-file", "an empty file (0 bytes) named .gpkg", "refuse",
         write_bytes("ways.gpkg", b""), "ways.gpkg", {}),
    ]
    return _file_cases("network", "walk networks", "--walk-network", table)


def _file_cases(prefix: str, group: str, option: str,
                table: list[tuple[str, str, str, Setup, str, dict[str, Any]]]) -> list[Case]:
    """Cases that hand one file to ``geodata summary OPTION FILE``, from a table of
    (name, description, expect, setup, file, options)."""
    return [Case(name=f"{prefix}-{name}", group=group, description=description,
                 args=(*SUMMARY, option, file), expect=expect, setup=setup,
                 names=(file,), warn=options.get("warn"), check=options.get("check"),
                 quick=options.get("quick", False))
            for name, description, expect, setup, file, options in table]


def parameter_cases() -> list[Case]:
    """Options out of range or of the wrong type; the message must name the option or parameter."""
    minutes, horizon = "--walk-minutes|walk_limit_minutes", "--walk-horizon|walk_horizon_minutes"
    table: list[tuple[str, tuple[str, ...], str]] = [
        ("minutes-zero", ("--walk-minutes", "0"), minutes),
        ("minutes-negative", ("--walk-minutes", "-5"), minutes),
        ("minutes-500", ("--walk-minutes", "500"), minutes),
        ("minutes-abc", ("--walk-minutes", "abc"), minutes),
        ("minutes-nan", ("--walk-minutes", "nan"), minutes),
        ("beyond-horizon", ("--walk-minutes", "45", "--walk-horizon", "40"), minutes),
        ("horizon-200", ("--walk-horizon", "200"), horizon),
        ("unknown-option", ("--walk-mins", "20"), "--walk-mins"),
        ("sites-mode-merge", ("--sites-mode", "merge"), "--sites-mode"),
    ]
    return [Case(name=f"param-{name}", group="parameters", description=" ".join(args),
                 args=(*SUMMARY, *args), expect="refuse", names=(named,),
                 quick=name in ("minutes-zero", "minutes-abc"))
            for name, args, named in table]


def output_cases() -> list[Case]:
    """Where results go: map files and export folders."""
    notes = write_text("notes.txt", "my notes")
    draw, export = ("geodata", "map", "--out"), ("geodata", "export", "--out")
    table: list[tuple[str, str, str, tuple[str, ...], Setup | None, dict[str, Any]]] = [
        ("map-notes-txt", "map --out notes.txt where notes.txt exists", "refuse",
         (*draw, "notes.txt"), notes, {"names": "notes.txt", "quick": True}),
        ("map-pdf", "map --out m.pdf", "handle", (*draw, "m.pdf"), None,
         {"check": file_starts("m.pdf", b"%PDF-", b"%%EOF")}),
        ("map-svg", "map --out m.svg", "handle", (*draw, "m.svg"), None,
         {"check": svg_file("m.svg")}),
        ("map-folder", "map --out maps, an existing folder", "refuse", (*draw, "maps"),
         make_dir("maps"), {"names": "maps"}),
        ("map-parent-is-file", "map --out notes.txt/m.png (its parent is a file)", "refuse",
         (*draw, "notes.txt/m.png"), notes, {"names": "notes.txt", "code": 2}),
        ("export-foreign-folder", "export --out a non-empty folder it did not write", "refuse",
         (*export, "mine"), make_dir("mine", files={"report.docx": "not earlyhelp's\n"}),
         {"names": "mine", "quick": True}),
        ("export-file", "export --out an existing file", "refuse", (*export, "notes.txt"), notes,
         {"names": "notes.txt"}),
        ("export-symlink", "export --out a link to an empty folder", "refuse", (*export, "link"),
         symlink("link", "real"), {"names": "link"}),
        ("export-dot", "export --out . (the current folder, not empty)", "refuse", (*export, "."),
         notes, {"names": "out-export-dot"}),
        ("export-empty-folder", "export --out an empty folder", "handle", EXPORT,
         make_dir(RESULTS), {"check": complete_export}),
        ("export-earlier", "export --out a folder it wrote earlier (replaced whole)", "handle",
         EXPORT, earlier_export(extra="stale.txt"), {"check": replaced_whole, "quick": True}),
        ("export-parent-is-file", "export --out notes.txt/res (its parent is a file)", "refuse",
         (*export, "notes.txt/res"), notes, {"names": "notes.txt", "code": 2}),
        ("export-read-only-parent", "export --out ro/res, ro/ read-only (no root override)",
         "refuse", (*export, "ro/res"), make_dir("ro", mode=0o555),
         {"names": "/ro/", "code": 2, "unprivileged": True}),
    ]
    return [Case(name=f"out-{name}", group="outputs", description=description, args=args,
                 expect=expect, setup=setup,
                 names=(options["names"],) if "names" in options else (),
                 code=options.get("code", 2), check=options.get("check"),
                 unprivileged=options.get("unprivileged", False), quick=options.get("quick", False))
            for name, description, expect, args, setup, options in table]


def cache_entry(data: Callable[[Context], bytes] | None) -> Setup:
    """A cache folder ``mycache/`` whose entry for the default geography holds ``data`` (or,
    with None, is a folder)."""
    def setup(folder: Path, ctx: Context) -> None:
        entry = folder / "mycache" / f"geography-{ctx.cache_key}.pickle"
        entry.parent.mkdir()
        if data is None:
            entry.mkdir()
        else:
            entry.write_bytes(data(ctx))
    return setup


def cache_cases() -> list[Case]:
    """A cache that cannot be used: the run must finish (exit 0) with at most one warning."""
    kept = unchanged("cachefile", "not a folder\r\n")
    cachefile = write_text("cachefile", "not a folder")
    mine = (("EARLYHELP_CACHE", "mycache"),)
    Env = tuple[tuple[str, str], ...]
    table: list[tuple[str, str, Setup, Env, tuple[str, ...], dict[str, Any]]] = [
        ("env-is-file", "EARLYHELP_CACHE pointing at a file", cachefile,
         (("EARLYHELP_CACHE", "cachefile"),), (), {"warn": "cache", "check": kept}),
        ("option-is-file", "--cache-dir pointing at a file", cachefile, (),
         ("--cache-dir", "cachefile"), {"warn": "cache", "check": kept}),
        ("read-only", "EARLYHELP_CACHE at a read-only folder (run without root's override)",
         make_dir("rocache", mode=0o555), (("EARLYHELP_CACHE", "rocache"),), (),
         {"warn": "cache", "unprivileged": True}),
        ("corrupt-pickle", "the right cache entry holds random bytes",
         cache_entry(lambda c: junk_bytes()), mine, (), {}),
        ("other-object", "the right cache entry holds another object (a dict)",
         cache_entry(lambda c: pickle.dumps({"not": "a geography"})), mine, (), {"quick": True}),
        ("entry-is-folder", "the right cache entry is a folder", cache_entry(None), mine, (), {}),
    ]
    return [Case(name=f"cache-{name}", group="cache", description=description,
                 args=(*SUMMARY, *args), expect="handle", setup=setup, env=env,
                 warn=options.get("warn"), max_warnings=1,
                 check=options.get("check") or spa_count(34),
                 unprivileged=options.get("unprivileged", False), quick=options.get("quick", False))
            for name, description, setup, env, args, options in table]


#: Where in an export the interrupts land (fractions of its measured duration).
INTERRUPTS = ((signal.SIGINT, (0.1, 0.3, 0.5, 0.7, 0.9)), (signal.SIGTERM, (0.1, 0.6, 0.85)),
              (signal.SIGHUP, (0.5,)))
#: SIGKILL: 24 delays spread over the run, and 6 more over its end, where the swap happens.
KILLS = (tuple(round(0.02 + 0.9 * i / 23, 3) for i in range(24))
         + (0.93, 0.95, 0.97, 0.99, 1.01, 1.03))
QUICK_SIGNALS = ((signal.SIGINT, 0.5), (signal.SIGTERM, 0.6), (signal.SIGKILL, KILLS[12]),
                 (signal.SIGKILL, 0.97))


def signal_cases() -> list[Case]:
    """Interrupts and kills of ``export --out res`` over an earlier complete export."""
    plan = [(number, fraction) for number, fractions in INTERRUPTS for fraction in fractions]
    plan += [(signal.SIGKILL, fraction) for fraction in KILLS]
    return [Case(name=f"{number.name.lower()}-{fraction:.3f}",
                 group="kills" if number == signal.SIGKILL else "interrupts",
                 description=f"{number.name} at {fraction:.1%} of an export over an earlier export",
                 args=EXPORT, expect="safe", setup=earlier_export(),
                 check=killed_safely if number == signal.SIGKILL else interrupted_safely,
                 signal=(number, fraction), quick=(number, fraction) in QUICK_SIGNALS)
            for number, fraction in plan]


SIMULATE = ("simulate", PROPOSAL.name, "--out", RESULTS)
SIMULATE_VARIANT = ("simulate", VARIANT, "--out", RESULTS, "--reps", "2")


def simulate_option_cases() -> list[Case]:
    """``simulate``'s own options out of range, of the wrong type, or a cluster it cannot use."""
    no_dask = write_text("distributed.py", 'raise ImportError("No module named \'distributed\'")')
    table: list[tuple[str, tuple[str, ...], str, dict[str, Any]]] = [
        ("reps-zero", ("--reps", "0"), "--reps", {"quick": True}),
        ("reps-text", ("--reps", "x"), "--reps", {}),
        ("reps-20000", ("--reps", "20000"), "--reps|replications", {}),
        ("workers-zero", ("--workers", "0"), "--workers", {}),
        ("seed-negative", ("--seed", "-1"), "--seed", {}),
        ("scheduler-unreachable", ("--reps", "2", "--scheduler", "tcp://127.0.0.1:1"),
         "--scheduler&tcp://127.0.0.1:1",
         {"description": "--scheduler at a port nobody listens on"}),
        ("scheduler-no-dask", ("--reps", "2", "--scheduler", "tcp://127.0.0.1:1"),
         "--scheduler&pip install", {"setup": with_proposal(no_dask),
                                     "env": (("PYTHONDONTWRITEBYTECODE", "1"),),
                                     "description": "--scheduler where Dask is not installed"}),
    ]
    return [Case(name=f"sim-{name}", group="sim options",
                 description=options.get("description", " ".join(args)),
                 args=(*SIMULATE, *args), expect="refuse",
                 setup=options.get("setup", proposal), names=(named,), env=options.get("env", ()),
                 quick=options.get("quick", False))
            for name, args, named, options in table]


def simulate_scenario_cases() -> list[Case]:
    """A variant whose ``simulation:`` section is wrong: the line must name the file and field."""
    themes = "family_support: {}, domestic_abuse: {}, emotional_health: {}, parenting: {}"
    table: list[tuple[str, str, tuple[str, ...], str, dict[str, Any]]] = [
        ("unknown-field", "'replication: 3' (did you mean 'replications'?)",
         ("  replication: 3",), "did you mean 'replications'", {"quick": True}),
        ("share-over-one", "not_progressed_share: 1.5",
         ("  not_progressed_share: 1.5",), "not_progressed_share", {}),
        ("shares-not-one", "theme shares adding up to 1.2",
         ("  theme_shares: {" + themes.format(0.5, 0.3, 0.2, 0.2) + "}",), "theme_shares", {}),
        ("vacancy-one", "vacancy_rate: 1 (every post vacant)",
         ("  vacancy_rate: 1",), "vacancy_rate", {}),
        ("warmup-fraction", "warmup_days: 10.5", ("  warmup_days: 10.5",), "warmup_days", {}),
        ("allocation-sometimes", "allocation: sometimes",
         ("  allocation: sometimes",), "allocation&panel", {}),
        ("beyond-walk-maybe", "beyond_walk: maybe", ("  beyond_walk: maybe",), "beyond_walk", {}),
        ("thriving-above", "family_support thriving share 0.9, above its de-escalation share",
         ("  thriving_share: {" + themes.format(0.9, 0.5, 0.5, 0.5) + "}",), "thriving_share", {}),
        ("holiday-past-year", "a school holiday [360, 372), past day 365",
         ("  school_holidays: [[0, 8], [360, 372]]",), "school_holidays", {}),
        ("replications-zero", "replications: 0 in the file (--reps 2 given)",
         ("  replications: 0",), "replications", {}),
        ("yaml-error", "a line of the section indented by one space (not YAML)",
         ("  vacancy_rate: 0.05", " allocation: panel"), "line 4", {}),
        ("level-factor-zero", "case_length_level_factor 0 at every level (cases of no length)",
         ("  case_length_level_factor: {level_2: 0, level_3: 0, level_4a: 0}",),
         "case_length_level_factor", {}),
        ("level-factor-negative", "case_length_level_factor -1 at level 2",
         ("  case_length_level_factor: {level_2: -1, level_3: 1, level_4a: 1}",),
         "case_length_level_factor", {}),
        ("holidays-all-year",
         "the whole year a school holiday, no education referrals in holidays (refuse or warn)",
         ("  holiday_referral_factor: 0", "  school_holidays: [[0, 365]]"), "holiday",
         {"expect": "flag", "warn": "holiday"}),
    ]
    return [Case(name=f"sim-scn-{name}", group="sim scenarios", description=description,
                 args=SIMULATE_VARIANT, expect=options.get("expect", "refuse"),
                 setup=variant(*lines), names=(f"{VARIANT}&{named}",), warn=options.get("warn"),
                 quick=options.get("quick", False))
            for name, description, lines, named, options in table]


def simulate_run_cases() -> list[Case]:
    """Where ``simulate`` writes, and runs that must write their results."""
    outputs = [
        Case(name="sim-out-file", group="sim outputs", description="--out an existing file",
             args=("simulate", PROPOSAL.name, "--out", "notes.txt", "--reps", "2"), expect="refuse",
             setup=with_proposal(write_text("notes.txt", "my notes")), names=("notes.txt",)),
        Case(name="sim-out-foreign-folder", group="sim outputs", quick=True,
             description="--out a non-empty folder it did not write",
             args=("simulate", PROPOSAL.name, "--out", "mine", "--reps", "2"), expect="refuse",
             setup=with_proposal(make_dir("mine", files={"report.docx": "not earlyhelp's\n"})),
             names=("mine",)),
    ]
    table: list[tuple[str, str, tuple[str, ...], Setup, Check]] = [
        ("reps-2", "--reps 2: the folder is written, its summary says 2 replications",
         (*SIMULATE, "--reps", "2"), proposal, simulated(2)),
        ("panel", "a variant with allocation: panel", SIMULATE_VARIANT,
         variant("  allocation: panel"), simulated_with("allocation", "panel")),
        ("unserved", "a variant with beyond_walk: unserved (no home visits, some unserved)",
         SIMULATE_VARIANT, variant("  beyond_walk: unserved"), none_served_beyond_walk),
        ("education-only", "every request from education (source_shares of one source)",
         SIMULATE_VARIANT, variant("  source_shares: {'Education (inc. early years)': 1.0}"),
         simulated(2)),
    ]
    return outputs + [
        Case(name=f"sim-run-{name}", group="sim runs", description=description,
             args=(*args, "--quiet"), expect="handle", setup=setup, max_warnings=0, check=check)
        for name, description, args, setup, check in table]


def simulate_signal_cases() -> list[Case]:
    """Interrupts and kills during a simulation's replications, over an earlier simulation."""
    plan = [(signal.SIGINT, True), (signal.SIGTERM, True), (signal.SIGTERM, False),
            (signal.SIGKILL, False), (signal.SIGKILL, True)]
    return [Case(name=f"sim-{number.name.lower()}-{'group' if group else 'parent'}",
                 group="sim signals",
                 description=(f"{number.name} to the {'process group' if group else 'parent alone'}"
                              " during 200 replications, over an earlier simulation"),
                 args=(*SIMULATE, "--reps", "200", "--workers", "2"), expect="safe",
                 setup=earlier_simulation, check=simulation_stopped_safely,
                 signal=(number, 0.0), signal_on="replications done", signal_group=group,
                 next_args=(*SIMULATE, "--reps", "2", "--quiet"))
            for number, group in plan]


def all_cases() -> list[Case]:
    return (site_cases() + spa_cases() + network_cases() + parameter_cases() + output_cases()
            + cache_cases() + signal_cases() + simulate_option_cases() + simulate_scenario_cases()
            + simulate_run_cases() + simulate_signal_cases())


# --------------------------------------------------------------------------------------------
# The runner
# --------------------------------------------------------------------------------------------

def command(case: Case, ctx: Context, args: tuple[str, ...] | None = None) -> list[str]:
    prefix = ctx.unprivileged if case.unprivileged and ctx.unprivileged else []
    return [*prefix, sys.executable, "-m", "earlyhelp", *(case.args if args is None else args)]


def seed_cache(folder: Path, shared: Path) -> None:
    """``folder/cache``: hard links to the shared cache's entries (copies if links fail)."""
    mine = folder / "cache"
    mine.mkdir()
    for entry in shared.glob("geography-*.pickle"):
        try:
            os.link(entry, mine / entry.name)
        except OSError:
            shutil.copy2(entry, mine / entry.name)


def snapshot(folder: Path) -> dict[str, tuple[Any, ...]]:
    """Everything in ``folder`` (links not followed); cache entries by name only (a cache hit
    may touch them)."""
    seen: dict[str, tuple[Any, ...]] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            relative = str(path.relative_to(folder))
            info = path.lstat()
            if path.is_symlink():
                seen[relative] = ("link", os.readlink(path))
            elif path.is_dir():
                seen[relative] = ("folder", info.st_mode)
            elif relative.startswith("cache" + os.sep):
                seen[relative] = ("cache entry",)
            else:
                seen[relative] = ("file", info.st_size, info.st_mtime_ns, info.st_mode)
    return seen


def differences(before: dict[str, tuple[Any, ...]], after: dict[str, tuple[Any, ...]]) -> list[str]:
    """'+new', '-gone', '~changed' paths."""
    return ([f"+{k}" for k in sorted(after.keys() - before.keys())]
            + [f"-{k}" for k in sorted(before.keys() - after.keys())]
            + [f"~{k}" for k in sorted(before.keys() & after.keys()) if before[k] != after[k]])


def execute(cmd: list[str], folder: Path, env: dict[str, str], timeout: float,
            stop: tuple[int, float] | None = None) -> Run:
    """Run ``cmd`` in ``folder``, stdin closed; with ``stop`` = (signal, seconds), send it then."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    run = Run()
    if stop is not None:
        try:
            process.wait(timeout=max(stop[1] - (time.perf_counter() - start), 0.0))
        except subprocess.TimeoutExpired:
            process.send_signal(stop[0])
            run.sent_after = time.perf_counter() - start
    try:
        run.stdout, run.stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        run.stdout, run.stderr = process.communicate()
        run.timed_out = True
    run.code, run.seconds = process.returncode, time.perf_counter() - start
    return run


def execute_watched(cmd: list[str], folder: Path, env: dict[str, str], timeout: float,
                    number: int, trigger: str, group: bool) -> Run:
    """Run ``cmd`` in ``folder`` in a session of its own, stdin closed; send signal ``number``
    to it (with ``group``, to its process group) when a line on stderr matches ``trigger``.

    A second after it ends, the processes still in its session (workers it left behind) are
    listed in ``orphans`` and killed, so that they do not outlive the case (they hold its pipes
    open, so its output is read to the end only then).
    """
    start = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    run = Run()
    seen = threading.Event()
    out: list[str] = []
    err: list[str] = []

    def watch() -> None:
        for line in process.stderr:
            err.append(line)
            if re.search(trigger, line):
                seen.set()

    readers = [threading.Thread(target=watch, daemon=True),
               threading.Thread(target=lambda: out.append(process.stdout.read()), daemon=True)]
    for reader in readers:
        reader.start()
    deadline = start + timeout
    while not seen.is_set() and process.poll() is None and time.perf_counter() < deadline:
        seen.wait(0.05)
    if seen.is_set() and process.poll() is None:
        (os.killpg if group else os.kill)(process.pid, number)
        run.sent_after = time.perf_counter() - start
    try:
        process.wait(timeout=max(deadline - time.perf_counter(), 1.0))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        run.timed_out = True
    run.code, run.seconds = process.returncode, time.perf_counter() - start
    time.sleep(1.0)
    run.orphans = session_processes(process.pid)
    for line in run.orphans:
        os.kill(int(line.split()[0]), signal.SIGKILL)
    for reader in readers:
        reader.join(timeout=10)
    run.stdout, run.stderr = "".join(out), "".join(err)
    return run


def session_processes(session: int) -> list[str]:
    """'PID COMMAND' of every live process in ``session`` (by ``ps``; zombies, dead processes
    a container's init has not reaped yet, are not counted)."""
    listing = subprocess.run(["ps", "-eo", "pid=,sid=,stat=,args="], capture_output=True,
                             text=True, check=True).stdout
    found = []
    for line in listing.splitlines():
        pid, sid, state, args = line.split(None, 3)
        if int(sid) == session and not state.startswith("Z"):
            found.append(f"{pid} {args}")
    return found


def case_folder(case: Case, ctx: Context) -> Path:
    return ctx.root / "cases" / case.name


def run_case(case: Case, ctx: Context) -> Run:
    """Make the case's folder and files, run it (and for a signal case, the next run too)."""
    folder = case_folder(case, ctx)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    seed_cache(folder, ctx.cache)
    if case.setup is not None:
        case.setup(folder, ctx)
    env = {**os.environ, "EARLYHELP_CACHE": "cache", **dict(case.env)}
    before = snapshot(folder)
    if case.signal_on:
        run = execute_watched(command(case, ctx), folder, env, ctx.timeout, case.signal[0],
                              case.signal_on, case.signal_group)
        run.changes = differences(before, snapshot(folder))
        run.next = execute(command(case, ctx, case.next_args), folder, env, ctx.timeout)
        return run
    stop = (case.signal[0], case.signal[1] * ctx.export_seconds) if case.signal else None
    run = execute(command(case, ctx), folder, env, ctx.timeout, stop)
    run.changes = differences(before, snapshot(folder))
    if case.signal:
        left = leftovers(folder)
        run.state_after_signal = {
            "problem": export_problem(folder, ctx) or sibling_problem(folder),
            "leftovers": f"left half-written: {', '.join(left)}" if left else None,
        }
        run.next = execute(command(case, ctx), folder, env, ctx.timeout)
    return run


# --------------------------------------------------------------------------------------------
# The classifier
# --------------------------------------------------------------------------------------------

def stderr_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def names_one(line: str, wanted: str) -> bool:
    """Whether ``line`` names ``wanted``: 'a|b' (either) or 'a&b' (both)."""
    if "&" in wanted:
        return all(part in line for part in wanted.split("&"))
    return any(part in line for part in wanted.split("|"))


def classify(case: Case, run: Run, folder: Path, ctx: Context) -> tuple[str, str]:
    """The case's class and, unless it is a good one, why."""
    if run.timed_out or (run.next is not None and run.next.timed_out):
        return UNCLEAR, f"timed out after {ctx.timeout:g} s"
    if "Traceback" in run.stderr + (run.next.stderr if run.next else ""):
        return TRACEBACK, "a Python traceback on stderr"
    if case.expect == "safe":
        problem = case.check(folder, run, ctx) if case.check else None
        return (SAFE, "") if problem is None else (UNCLEAR, problem)
    lines = stderr_lines(run.stderr)
    errors = [line for line in lines if line.startswith("earlyhelp: error:")]
    warned = [line for line in lines if line.startswith("earlyhelp: warning:")]
    stray = len(lines) - len(errors) - len(warned)
    if run.code == 0:
        return classify_success(case, run, folder, ctx, warned, stray)
    if case.expect == "handle":
        return UNCLEAR, f"exit {run.code}: refused (or failed on) an input it should handle"
    if run.code != case.code:
        return UNCLEAR, f"exit {run.code}, expected {case.code}"
    problems = []
    if len(errors) != 1 or stray:
        problems.append(f"{len(errors)} error line(s) and {stray} other line(s) on stderr")
    elif case.names and not any(names_one(errors[0], n) for n in case.names):
        problems.append(f"the message does not name {' or '.join(case.names)}")
    if run.changes:
        problems.append(f"wrote or changed: {', '.join(run.changes[:5])}")
    return (REFUSED, "") if not problems else (UNCLEAR, "; ".join(problems))


def classify_success(case: Case, run: Run, folder: Path, ctx: Context, warned: list[str],
                     stray: int) -> tuple[str, str]:
    matching = [w for w in warned if case.warn and re.search(case.warn, w, re.IGNORECASE)]
    if case.expect == "refuse" or (case.expect == "flag" and not matching):
        if not warned:
            return NONSENSE, "exit 0 and no warning"
        return UNCLEAR, "exit 0 with a warning that does not say what is wrong"
    problems = []
    if case.warn and not matching:
        problems.append(f"no warning matching {case.warn!r}")
    if case.max_warnings is not None and len(warned) > case.max_warnings:
        problems.append(f"{len(warned)} warnings (at most {case.max_warnings})")
    if stray:
        problems.append(f"{stray} stray line(s) on stderr")
    if case.check is not None:
        try:
            problem = case.check(folder, run, ctx)
        except (ValueError, KeyError, OSError) as exc:
            problem = f"the outcome could not be read: {exc!r}"
        if problem:
            problems.append(problem)
    return (HANDLED, "") if not problems else (UNCLEAR, "; ".join(problems))


# --------------------------------------------------------------------------------------------
# Preparation, report, main
# --------------------------------------------------------------------------------------------

def unprivileged_prefix(root: Path) -> tuple[list[str] | None, str]:
    """A command prefix that runs without root's permission override, or None and why not.

    As root, ``chmod`` blocks nothing; ``unshare -U`` (a user namespace without a mapping)
    keeps the same user but drops the override, so permission bits apply as for a normal user.
    """
    if os.geteuid() != 0:
        return [], "not root: permissions apply as they are"
    probe = root / "probe"
    probe.write_text("secret")
    probe.chmod(0)
    try:
        blocked = subprocess.run(["unshare", "-U", "cat", str(probe)], capture_output=True,
                                 timeout=30, check=False).returncode != 0
    except (OSError, subprocess.TimeoutExpired):
        blocked = False
    probe.unlink()
    if blocked:
        return ["unshare", "-U"], "root, so run in a user namespace (unshare -U): no root override"
    return None, "running as root without unshare -U, so a permission cannot be simulated honestly"


def current_cache_key() -> str:
    """The cache key of the default geography: it changes with the package's code and data."""
    from geodata import GeodataConfig
    from geodata.cache import cache_key

    return cache_key(GeodataConfig().for_build())


def prepare(root: Path, cache: Path, timeout: float) -> Context:
    """Build the shared cache, a reference export (to copy and to compare with), and time an
    export, which sets when the signals are sent."""
    work = root / "prepare"
    work.mkdir(parents=True)
    env = {**os.environ, "EARLYHELP_CACHE": str(cache)}
    base = [sys.executable, "-m", "earlyhelp", "geodata", "export", "--out"]
    first = execute([*base, "template"], work, env, timeout)
    if first.code != 0:
        raise SystemExit(f"the reference export failed (exit {first.code}):\n{first.stderr}")
    seconds = []
    for _ in range(2):  # over the previous export, as in the signal cases
        seconds.append(execute([*base, "timed"], work, env, timeout).seconds)
    prefix, why = unprivileged_prefix(root)
    return Context(root=root, cache=cache, template=work / "template",
                   baseline=json.loads((work / "template" / "summary.json").read_text()),
                   export_seconds=sum(seconds) / len(seconds), unprivileged=prefix,
                   unprivileged_why=why, cache_key=current_cache_key(),
                   timeout=timeout)


@dataclass
class Outcome:
    case: Case
    cls: str
    reason: str
    run: Run | None

    def record(self, ctx: Context) -> dict[str, Any]:
        run = self.run or Run()
        after = None if run.next is None else {"exit": run.next.code, "stderr": run.next.stderr}
        return {"case": self.case.name, "group": self.case.group,
                "description": self.case.description,
                "command": shlex_join(command(self.case, ctx)), "class": self.cls,
                "reason": self.reason, "exit": run.code, "stderr": run.stderr,
                "seconds": round(run.seconds, 2), "signal_sent_after": run.sent_after,
                "next_run": after}


def shlex_join(parts: list[str]) -> str:
    return shlex.join(["python" if p == sys.executable else p for p in parts])


def attempt(case: Case, ctx: Context, keep: bool) -> Outcome:
    if case.unprivileged and ctx.unprivileged is None:
        return Outcome(case, SKIPPED, ctx.unprivileged_why, None)
    run = run_case(case, ctx)
    cls, reason = classify(case, run, case_folder(case, ctx), ctx)
    if not keep:
        shutil.rmtree(case_folder(case, ctx), ignore_errors=True)
    return Outcome(case, cls, reason, run)


def first_line(outcome: Outcome, width: int = 90) -> str:
    """The first line of stderr that is not a progress line (or why the case was skipped)."""
    lines = stderr_lines(outcome.run.stderr) if outcome.run else [outcome.reason]
    lines = [line for line in lines if not PROGRESS_LINE.match(line)] or lines
    text = lines[0] if lines else ""
    return text if len(text) <= width else text[: width - 3] + "..."


def report(outcomes: list[Outcome], ctx: Context) -> None:
    name_width = max(len(o.case.name) for o in outcomes)
    print(f"\n{'case':<{name_width}}  {'class':<17}  {'exit':>4}  first line of stderr")
    for o in outcomes:
        code = "" if o.run is None else str(o.run.code)
        print(f"{o.case.name:<{name_width}}  {o.cls:<17}  {code:>4}  {first_line(o)}")
    counts = Counter(o.cls for o in outcomes)
    print(f"\n{len(outcomes)} cases: "
          + ", ".join(f"{counts[c]} {c}" for c in CLASS_ORDER if counts[c]))
    by_group = Counter((o.case.group, o.cls) for o in outcomes)
    for group in dict.fromkeys(o.case.group for o in outcomes):
        shown = (f"{n} {c}" for (g, c), n in by_group.items() if g == group)
        print(f"  {group:<14}" + ", ".join(shown))
    bad = [o for o in outcomes if o.cls in BAD_CLASSES]
    for o in bad:
        print(f"\n--- {o.case.name} [{o.cls}]: {o.case.description}\n    why: {o.reason}"
              f"\n    command (in the case folder): {shlex_join(command(o.case, ctx))}")
        for line in stderr_lines(o.run.stderr if o.run else "")[-8:]:
            print(f"    | {line[:200]}")
        print(f"    reproduce: python benchmarks/fault_campaign.py --only {o.case.name} --keep")
    for o in outcomes:
        if o.cls == SKIPPED:
            print(f"\nskipped {o.case.name}: {o.reason}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a subset of about 20 cases")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write every outcome as JSON")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these cases")
    parser.add_argument("--jobs", type=int, default=2,
                        help="cases run at once (the signal cases always one at a time)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument("--cache", type=Path, help="shared cache folder to keep between campaigns")
    parser.add_argument("--keep", action="store_true",
                        help="keep every case folder (where is printed at the end)")
    parser.add_argument("--list", action="store_true", help="list the cases and stop")
    args = parser.parse_args(argv)

    cases = all_cases()
    if args.only:
        unknown = set(args.only) - {c.name for c in cases}
        if unknown:
            parser.error(f"no such case: {', '.join(sorted(unknown))}")
        cases = [c for c in cases if c.name in args.only]
    elif args.quick:
        cases = [c for c in cases if c.quick]
    if args.list:
        for c in cases:
            print(f"{c.name:<36} {c.group:<14} {c.expect:<7} {c.description}")
        return 0

    root = Path(tempfile.mkdtemp(prefix="earlyhelp-faults-"))
    started = time.perf_counter()
    try:
        ctx = prepare(root, (args.cache or root / "cache").resolve(), args.timeout)
        print(f"{len(cases)} cases; an export takes {ctx.export_seconds:.1f} s; permissions: "
              f"{ctx.unprivileged_why}; folder {root}", file=sys.stderr)
        plain = [c for c in cases if c.signal is None]
        timed = [c for c in cases if c.signal is not None]  # one at a time: timing matters
        outcomes: dict[str, Outcome] = {}

        def one(case: Case) -> None:
            outcome = attempt(case, ctx, args.keep)
            outcomes[case.name] = outcome
            seconds = outcome.run.seconds if outcome.run else 0.0
            print(f"[{len(outcomes):>3}/{len(cases)}] {case.name:<36} {outcome.cls:<17} "
                  f"{seconds:5.1f} s", file=sys.stderr)

        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            list(pool.map(one, plain))
        for case in timed:
            one(case)
        ordered = [outcomes[c.name] for c in cases]
        report(ordered, ctx)
        if current_cache_key() != ctx.cache_key:
            print("\nWARNING: the package's code or data changed while the campaign ran (someone "
                  "edited the checkout), so later cases ran other code than the reference export "
                  "was made with; rerun before trusting a difference from it")
        print(f"\ntook {time.perf_counter() - started:.0f} s", file=sys.stderr)
        if args.json:
            args.json.write_text(json.dumps({"counts": Counter(o.cls for o in ordered),
                                             "export_seconds": ctx.export_seconds,
                                             "cases": [o.record(ctx) for o in ordered]}, indent=2))
        return 1 if any(o.cls in BAD_CLASSES for o in ordered) else 0
    finally:
        if args.keep:
            print(f"case folders kept in {root / 'cases'}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
