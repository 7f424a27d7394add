"""Solving a sparse mixed-integer programme with HiGHS or CBC; how good the answer is, honestly.

A model is plain arrays (:class:`MipModel`: a scipy sparse constraint matrix and bound vectors),
built without Python loops over its coefficients, and passed to HiGHS (``highspy``) in one call;
CBC (the binary bundled with PuLP) is the fallback. The answer (:class:`MipOutcome`) carries the
incumbent, the best bound and a status read from the solver's own model status, so a run stopped
by its time limit is never called optimal (PuLP's ``status`` alone says "Optimal" for one).

Same inputs, same answer: HiGHS runs with a fixed random seed and thread count. A time limit is
the one exception: where the clock stops the search depends on the machine.
"""

from __future__ import annotations

import ctypes
import math
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, vstack

from geodata.errors import EarlyHelpWarning
from optimise.errors import OptimiseError

SOLVERS = ("highs", "cbc")
RANDOM_SEED = 0  # HiGHS's and CBC's random seed: fixed so that the same model gives the same answer
THREADS = 1  # one thread: HiGHS's branch and bound is serial, and one thread keeps runs repeatable

OPTIMAL = "optimal"  # proven: no better answer exists (to the solver's tolerances)
WITHIN_GAP = "within_gap"  # stopped by the requested mip_gap: within that share of the optimum
TIME_LIMIT = "time_limit"  # stopped by the clock: incumbent, bound and gap tell how good it is
INFEASIBLE = "infeasible"
NOT_SOLVED = "not_solved"  # any other stop (interrupt, error): read the incumbent with care

PROVEN_GAP = 1e-9  # a relative gap this small is rounding, not a shortfall
OBJECTIVE_TOLERANCE = 1e-7  # a solver's objective and its solution's may differ by this share

#: A progress display's callback: (incumbent, best bound, seconds so far).
Watch = Callable[[float, float, float], None]
#: Least seconds between two calls of a Watch.
WATCH_SECONDS = 2.0

#: Print HiGHS's own log while solving (for benchmarks and for investigating a slow model).
SOLVER_LOG = False


@dataclass(frozen=True)
class MipModel:
    """``max`` (or ``min``) ``cost @ x`` subject to ``row_lower <= matrix @ x <= row_upper``,
    ``col_lower <= x <= col_upper`` and ``x[j]`` integer where ``integer[j]``.

    Rows with no lower (upper) limit hold ``-inf`` (``inf``); an equality row has equal limits.
    """

    cost: NDArray[np.float64]
    matrix: csr_matrix
    row_lower: NDArray[np.float64]
    row_upper: NDArray[np.float64]
    col_lower: NDArray[np.float64]
    col_upper: NDArray[np.float64]
    integer: NDArray[np.bool_]
    maximise: bool = True

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the constraint matrix."""
        return self.matrix.shape


@dataclass(frozen=True)
class Rows:
    """One family of constraints, ``lower <= matrix @ x <= upper``, over all the model's columns.

    A model is its families stacked (:func:`stack_rows`); each family comes from one small
    builder whose docstring states its algebra, so a rule can be added, dropped or tested alone.
    """

    matrix: csr_matrix
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]


def stack_rows(*families: Rows) -> Rows:
    """The families one under another (they must share the same columns)."""
    return Rows(
        csr_matrix(vstack([family.matrix for family in families], format="csr")),
        np.concatenate([family.lower for family in families]).astype(float),
        np.concatenate([family.upper for family in families]).astype(float),
    )


@dataclass(frozen=True)
class MipOutcome:
    """What the solver found: ``x`` is the incumbent (None if it found none), ``objective`` its
    value, ``best_bound`` the proven limit on the optimum (upper when maximising), ``status``
    one of the module's status names, ``seconds`` the solver's wall time."""

    x: NDArray[np.float64] | None
    objective: float
    best_bound: float
    status: str
    solver: str
    seconds: float


def choose_solver(solver: str | None) -> str:
    """The solver to use: "highs" by default, "cbc" when asked or when highspy is missing."""
    if solver is not None and solver not in SOLVERS:
        raise OptimiseError(f"solver '{solver}' is not known "
                            f"(expected one of: {', '.join(SOLVERS)})")
    try:
        import highspy  # noqa: F401
    except ImportError:
        if solver == "highs":
            raise OptimiseError("solver 'highs' asked for but highspy is not installed "
                                "(pip install highspy, or ask for solver 'cbc')") from None
        if solver is None:
            warnings.warn("highspy is not installed: solving with CBC, which is slower "
                          "(pip install highspy)", EarlyHelpWarning, stacklevel=3)
        return "cbc"
    return solver or "highs"


def relative_gap(objective: float, best_bound: float, *, maximise: bool = True) -> float:
    """How far the incumbent may be from the optimum, as a share of the incumbent (HiGHS's
    definition): 0 when proven, ``inf`` when the incumbent is 0 and the bound is not, ``nan``
    with no incumbent."""
    if math.isnan(objective):
        return math.nan
    shortfall = (best_bound - objective) if maximise else (objective - best_bound)
    shortfall = max(shortfall, 0.0)
    if shortfall == 0.0:
        return 0.0
    return shortfall / abs(objective) if objective != 0 else math.inf


def solve_mip(
    model: MipModel,
    *,
    solver: str,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    start: NDArray[np.float64] | None = None,
    watch: Watch | None = None,
) -> MipOutcome:
    """Solve ``model`` with ``solver`` ("highs" or "cbc", see :func:`choose_solver`), stopping at
    ``time_limit`` seconds or at a relative gap of ``mip_gap`` (None: prove optimality).

    ``watch`` (HiGHS only) hears the search's incumbent, best bound and seconds so far, at most
    every :data:`WATCH_SECONDS`: a progress display for long solves. It never changes the search.

    ``start`` is a feasible point handed to the solver as its first incumbent; it is also
    returned as the incumbent if the solver stops before finding any.
    """
    began = time.perf_counter()
    if model.shape[1] == 0:  # nothing to decide (HiGHS calls an empty model an error)
        x, objective, bound, status = np.zeros(0), 0.0, 0.0, OPTIMAL
        if np.any(model.row_lower > 0) or np.any(model.row_upper < 0):
            x, objective, bound, status = None, math.nan, math.nan, INFEASIBLE
    elif solver == "highs":
        x, objective, bound, status = _solve_highs(model, time_limit, mip_gap, start, watch)
        if x is not None and not _agrees(model, x, objective) and start is not None:
            # HiGHS 1.16, given a start, can report as optimal an objective its solution does
            # not have (seen after presolve on a restricted model; its solution was the start):
            # solve again without the start
            x, objective, bound, status = _solve_highs(model, time_limit, mip_gap, None, watch)
        if x is not None and not _agrees(model, x, objective):
            objective, status = float(model.cost @ np.where(model.integer, np.round(x), x)), NOT_SOLVED
    elif solver == "cbc":
        x, objective, bound, status = _solve_cbc(model, time_limit, mip_gap, start)
    else:
        raise ValueError(f"solver must be one of {SOLVERS}, not {solver!r}: use choose_solver")
    if x is None and start is not None and status != INFEASIBLE:
        x, objective = np.asarray(start, dtype=float), float(model.cost @ start)
    if x is not None:  # solvers return integers to within a tolerance (0.9999999)
        x = np.where(model.integer, np.round(x), x)
    if status == OPTIMAL and relative_gap(objective, bound, maximise=model.maximise) > PROVEN_GAP \
            and mip_gap:
        status = WITHIN_GAP
    return MipOutcome(x, objective, bound, status, solver, time.perf_counter() - began)


def _agrees(model: MipModel, x: NDArray, objective: float) -> bool:
    """Whether a solver's objective is its solution's (to a relative 1e-7)."""
    rounded = np.where(model.integer, np.round(x), x)
    true = float(model.cost @ rounded)
    return abs(true - objective) <= OBJECTIVE_TOLERANCE * max(1.0, abs(true))


def _solve_highs(
    model: MipModel, time_limit: float | None, mip_gap: float | None, start: NDArray | None,
    watch: Watch | None = None,
) -> tuple[NDArray | None, float, float, str]:
    import highspy

    highs = _new_highs()
    for option, value in (("output_flag", SOLVER_LOG), ("random_seed", RANDOM_SEED),
                          ("threads", THREADS), ("mip_rel_gap", float(mip_gap or 0.0)),
                          ("time_limit", float(time_limit) if time_limit else highspy.kHighsInf)):
        highs.setOptionValue(option, value)
    highs.passModel(_highs_lp(model))
    if watch is not None:
        _watch_search(highs, watch)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = np.asarray(start, dtype=float).tolist()
        highs.setSolution(solution)
    if _run(highs) == highspy.HighsStatus.kError \
            and highs.getModelStatus() == highspy.HighsModelStatus.kNotset:
        # HiGHS refuses to run when another solve in this process (PuLP's HiGHS, say) started
        # its shared thread pool with another number of threads: restart the pool with ours
        highspy.Highs.resetGlobalScheduler(True)
        _run(highs)

    info = highs.getInfo()
    kind = highs.getModelStatus()
    found = info.primal_solution_status == highspy.kSolutionStatusFeasible
    x = np.asarray(highs.getSolution().col_value, dtype=float) if found else None
    objective = float(info.objective_function_value) if found else math.nan
    bound = float(info.mip_dual_bound)
    status = {highspy.HighsModelStatus.kOptimal: OPTIMAL,
              highspy.HighsModelStatus.kTimeLimit: TIME_LIMIT,
              highspy.HighsModelStatus.kInfeasible: INFEASIBLE}.get(kind, NOT_SOLVED)
    if status == OPTIMAL and found and not math.isfinite(bound):  # solved without branching
        bound = objective
    return x, objective, bound, status


def _highs_lp(model: MipModel) -> Any:
    """The model as HiGHS's ``HighsLp`` (column-wise sparse, integrality flags)."""
    import highspy

    n_rows, n_cols = model.shape
    columns = model.matrix.tocsc()
    columns.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.sense_ = highspy.ObjSense.kMaximize if model.maximise else highspy.ObjSense.kMinimize
    lp.col_cost_ = np.asarray(model.cost, dtype=float)
    lp.col_lower_ = np.asarray(model.col_lower, dtype=float)  # HiGHS reads +-inf as no limit
    lp.col_upper_ = np.asarray(model.col_upper, dtype=float)
    lp.row_lower_ = np.asarray(model.row_lower, dtype=float)
    lp.row_upper_ = np.asarray(model.row_upper, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_cols, n_rows
    lp.a_matrix_.start_ = columns.indptr.astype(np.int32)
    lp.a_matrix_.index_ = columns.indices.astype(np.int32)
    lp.a_matrix_.value_ = columns.data.astype(float)
    kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
    lp.integrality_ = [kinds[flag] for flag in np.asarray(model.integer, dtype=bool).tolist()]
    return lp


def _run(highs: Any) -> Any:
    """``highs.run()``, in highspy's solver thread, so that this thread stays free to take
    Ctrl-C or SIGTERM (Python handles signals only in the main thread, and HiGHS would hold it
    for the whole search): on one, HiGHS is asked to stop, and KeyboardInterrupt is raised
    once it has."""
    highs.HandleUserInterrupt = True
    highs.startSolve()
    try:
        while True:
            done, status = highs.wait(0.1)
            if done:
                return status
    except KeyboardInterrupt:
        highs.cancelSolve()
        highs.wait()
        raise


def _watch_search(highs: Any, watch: Watch) -> None:
    """Tell ``watch`` how the search stands, at most every WATCH_SECONDS of its running time."""
    last = [0.0]

    def heard(event: Any) -> None:
        out = event.data_out
        if out.running_time - last[0] >= WATCH_SECONDS:
            last[0] = out.running_time
            watch(float(out.mip_primal_bound), float(out.mip_dual_bound), float(out.running_time))

    highs.cbMipInterrupt.subscribe(heard)


_banner_shown = False


def _new_highs() -> Any:
    """A HiGHS instance. The first one in a process prints HiGHS's copyright banner straight to
    file descriptor 1 (not through Python), which would break a command's output: that one is
    made with descriptor 1 pointed at /dev/null."""
    import highspy

    global _banner_shown
    if _banner_shown:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        highs = highspy.Highs()
        ctypes.CDLL(None).fflush(None)  # what C buffered goes to /dev/null too
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    _banner_shown = True
    return highs


def _solve_cbc(
    model: MipModel, time_limit: float | None, mip_gap: float | None, start: NDArray | None
) -> tuple[NDArray | None, float, float, str]:
    """CBC through PuLP. PuLP needs one Python object per coefficient, so this builds in time
    proportional to the nonzeros (not points x sites), and is the slow path."""
    import pulp

    sense = pulp.LpMaximize if model.maximise else pulp.LpMinimize
    problem = pulp.LpProblem("model", sense)
    add_variable = getattr(problem, "add_variable", None)  # PuLP 3.3+; LpVariable before
    variables = [
        (add_variable or pulp.LpVariable)(
            f"x{j}", lowBound=_pulp_limit(lo), upBound=_pulp_limit(hi),
            cat=pulp.LpInteger if integral else pulp.LpContinuous)
        for j, (lo, hi, integral) in enumerate(zip(model.col_lower.tolist(),
                                                   model.col_upper.tolist(),
                                                   np.asarray(model.integer, bool).tolist()))
    ]
    cost = np.asarray(model.cost, dtype=float)
    problem += pulp.LpAffineExpression([(variables[j], cost[j]) for j in np.flatnonzero(cost)])
    rows = csr_matrix(model.matrix)
    rows.sort_indices()
    senses = ((pulp.LpConstraintGE, 0), (pulp.LpConstraintLE, 1))
    for r, limits in enumerate(zip(model.row_lower.tolist(), model.row_upper.tolist())):
        part = slice(rows.indptr[r], rows.indptr[r + 1])
        terms = list(zip([variables[j] for j in rows.indices[part].tolist()],
                         rows.data[part].tolist()))
        if limits[0] == limits[1]:
            problem += pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintEQ,
                                         rhs=limits[0])
            continue
        for sense, side in senses:
            if math.isfinite(limits[side]):
                problem += pulp.LpConstraint(pulp.LpAffineExpression(terms), sense,
                                             rhs=limits[side])
    if start is not None:
        for variable, value in zip(variables, np.asarray(start, dtype=float).tolist()):
            variable.setInitialValue(value)

    with tempfile.TemporaryDirectory() as folder:
        log_path = Path(folder) / "cbc.log"
        with warnings.catch_warnings():  # PuLP 3.3 deprecates its bundled CBC (gone in 4.0)
            warnings.simplefilter("ignore", DeprecationWarning)
            command = pulp.PULP_CBC_CMD(
                msg=False, timeLimit=time_limit, gapRel=float(mip_gap or 0.0), threads=THREADS,
                warmStart=start is not None, logPath=str(log_path),
                options=[f"randomSeed {RANDOM_SEED + 1}", f"randomCbcSeed {RANDOM_SEED + 1}"],
            )
        problem.solve(command)
        log = log_path.read_text(errors="replace")

    found = problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    x = np.array([variable.varValue or 0.0 for variable in variables]) if found else None
    objective = float(cost @ x) if found else math.nan
    result = re.search(r"^Result - (.*)$", log, flags=re.MULTILINE)
    result = result.group(1) if result else ""
    if result.startswith("Optimal solution found"):
        status = OPTIMAL
    elif "time limit" in result:
        status = TIME_LIMIT
    elif "infeasible" in result.lower():
        status = INFEASIBLE
    else:
        status = NOT_SOLVED
    bound = re.search(r"^(?:Upper|Lower) bound:\s*(\S+)", log, flags=re.MULTILINE)
    if bound:
        bound = float(bound.group(1))
    elif status == OPTIMAL:
        bound = objective
    else:
        bound = math.inf if model.maximise else -math.inf
    return x, objective, bound, status


def _pulp_limit(value: float) -> float | None:
    return value if math.isfinite(value) else None
