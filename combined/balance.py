r"""Staff where the waits are (seed 003 section 6's "caseload allocation model which will
balance the distribution of personnel resources in order to meet demand across the 34 Service
Planning Areas"): the programme allocates frontline FTE, the simulation measures the waits,
in turn.

The programme, on :mod:`combined.surrogate`'s queues calibrated to the last simulation, chooses
for every SPA ``s`` one level ``F_sk = F_s + k x step`` (``k`` in ``-K..K``, ``F_sk >= 0``)::

    x_sk binary,  sum_k x_sk = 1  (each SPA one level),  sum_sk F_sk x_sk = F  (the total kept)
    wait_target:    min  sum_sk max(0, p_sk - T) x_sk          days over the target, summed
    wait_equalise:  min  t,  t >= sum_k p_sk x_sk  (every s)   the worst SPA's wait
    then            min  sum_sk |F_sk - F_s| x_sk               the fewest FTE moved

with ``p_sk`` the surrogate's 90th-percentile wait at ``F_sk``. The total FTE, and so the
budget, are unchanged, and the centres and sessions (the siting rules) are the plan's. The
simulation then runs the new allocation with the same seed and replications as before (common
random numbers: the same requests arrive, so a change in waits comes from the change in staff),
and the queues are calibrated again. It stops when every SPA meets the target (wait_target),
when the programme moves nothing, when the worst SPA's wait has not improved for two rounds,
or after ``max_iterations``; the allocation kept is the best simulated (fewest SPAs over the
target, then the lowest worst wait; with wait_equalise the lowest worst wait). If the target is
not met, the FTE that would meet it are each SPA's least level the surrogate says meets it,
checked by one more simulation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix, hstack, vstack

from combined.surrogate import SpaQueues, measured_queues, spa_waits
from optimise.solve import OPTIMAL, MipModel, choose_solver, solve_mip
from sim.cases import ModelInputs, model_inputs
from sim.runner import SimulationRun, run_simulation

Mode = Literal["wait_target", "wait_equalise"]
Simulate = Callable[[ModelInputs], SimulationRun]

#: Levels each SPA may move in one round, either way, in FTE steps (20 half posts: 10 FTE).
WINDOW_STEPS = 20
#: Rounds without a better worst wait after which the loop stops.
PATIENCE = 2


@dataclass(frozen=True)
class BalanceIteration:
    """One simulated allocation: frontline FTE by SPA (``fte``), its simulation (``run``), the
    simulated 90th-percentile waits with their intervals (``waits``: ``p90``, ``p90_ci_low``,
    ``p90_ci_high``), the surrogate's prediction of them before the simulation ran (None for
    the start)."""

    number: int
    fte: pd.Series
    run: SimulationRun
    waits: pd.DataFrame
    predicted: pd.Series | None
    seconds: float

    @property
    def worst_spa(self) -> str:
        return str(self.waits["p90"].idxmax())

    @property
    def worst_p90(self) -> float:
        return float(self.waits["p90"].max())

    def missing(self, target_days: float) -> int:
        """SPAs whose mean 90th-percentile wait is over the target."""
        return int((self.waits["p90"] > target_days + 1e-9).sum())


@dataclass(frozen=True)
class Balance:
    """The loop's record: every iteration, which one is kept (``chosen``), why it stopped, and,
    when the target is not met, the FTE by SPA that would meet it (``fte_to_meet``) with the
    simulated waits of that allocation (``waits_to_meet``). Every iteration's simulation has
    the same replications and seed, so the start (the caseload allocation) and the allocation
    kept compare like with like."""

    mode: Mode
    target_days: float
    replications: int
    seed: int
    iterations: tuple[BalanceIteration, ...]
    chosen: int
    stopped: str
    fte_to_meet: pd.Series | None = None
    waits_to_meet: pd.DataFrame | None = None

    @property
    def start(self) -> BalanceIteration:
        return self.iterations[0]

    @property
    def best(self) -> BalanceIteration:
        return self.iterations[self.chosen]

    @property
    def target_met(self) -> bool:
        return self.best.missing(self.target_days) == 0

    def allocation(self) -> pd.DataFrame:
        """Frontline FTE by SPA before and after, and the move."""
        before, after = self.start.fte, self.best.fte
        table = pd.DataFrame({"fte_before": before, "fte_after": after,
                              "fte_moved": after - before})
        if self.fte_to_meet is not None:
            table["fte_to_meet_target"] = self.fte_to_meet
        return table.rename_axis("spa_id")

    def summary(self) -> dict[str, Any]:
        """summary.json's ``balance``: the worst SPA before and after, the FTE, the iterations
        and whether the target is met."""
        before, after, target = self.start, self.best, self.target_days
        return {
            "mode": self.mode, "wait_p90_target_days": target,
            "worst_spa_before": before.worst_spa, "worst_spa_p90_days_before": before.worst_p90,
            "worst_spa_after": after.worst_spa, "worst_spa_p90_days_after": after.worst_p90,
            "spas_over_target_before": before.missing(target),
            "spas_over_target_after": after.missing(target),
            "fte_frontline": float(after.fte.sum()),
            "fte_moved": float((after.fte - before.fte).abs().sum() / 2),
            "iterations": len(self.iterations) - 1,
            "chosen_iteration": self.chosen,
            "stopped": self.stopped,
            "target_met": self.target_met,
            "replications": self.replications,
            "fte_frontline_to_meet_target": None if self.fte_to_meet is None
            else float(self.fte_to_meet.sum()),
            "worst_spa_p90_days_with_fte_to_meet": None if self.waits_to_meet is None
            else float(self.waits_to_meet["p90"].max()),
        }

    def waits_table(self) -> pd.DataFrame:
        """By SPA: FTE before and after (and to meet the target), and the 90th-percentile
        waits with their intervals before and after."""
        table = self.allocation()
        for when, iteration in (("before", self.start), ("after", self.best)):
            waits = iteration.waits
            table = table.join(waits.set_axis([c.replace("p90", f"p90_{when}")
                                               for c in waits.columns], axis=1))
        return table.reset_index()

    def iteration_table(self) -> pd.DataFrame:
        """One row per iteration: the worst SPA and its wait, SPAs over the target, FTE moved
        from the start, and whether it is the allocation kept."""
        return pd.DataFrame([{
            "iteration": it.number, "worst_spa": it.worst_spa, "worst_spa_p90_days": it.worst_p90,
            "spas_over_target": it.missing(self.target_days),
            "fte_moved": float((it.fte - self.start.fte).abs().sum() / 2),
            "predicted_worst_p90_days": None if it.predicted is None else float(it.predicted.max()),
            "chosen": it.number == self.chosen, "seconds": it.seconds,
        } for it in self.iterations])


def balance_staff(inputs: ModelInputs, *, mode: Mode, target_days: float, step: float,
                  max_iterations: int, replications: int, seed: int,
                  simulate: Simulate | None = None, solver: str | None = None,
                  progress: Callable[[str], None] | None = None) -> Balance:
    """The loop of the module docstring from ``inputs`` (the plan's caseload allocation).
    ``simulate`` runs the replications (default: in this process, ``replications`` with
    ``seed``); the caller passes one with its workers or cluster."""
    say = progress or (lambda _: None)
    run = simulate or (lambda i: run_simulation(i, replications=replications, seed=seed))
    spas = inputs.service.spas
    start_fte = pd.Series(spas["fte_frontline"].to_numpy(float), index=spas["spa_id"], name="fte")
    began = time.perf_counter()
    first = run(inputs)
    iterations = [BalanceIteration(0, start_fte, first, spa_waits(first), None,
                                   time.perf_counter() - began)]
    queues = measured_queues(first)
    say(f"balancing staff: start, worst SPA {iterations[0].worst_spa} at "
        f"{iterations[0].worst_p90:.1f} days")
    chosen, stale, stopped = 0, 0, None
    current = iterations[0]
    chooser = choose_solver(solver)
    met = lambda it: mode == "wait_target" and it.missing(target_days) == 0  # noqa: E731
    for number in range(1, max_iterations + 1):
        if met(current):
            break
        queues = queues.calibrated(current.fte.to_numpy(), current.waits["p90"].to_numpy())
        proposal, predicted = allocate(queues, current.fte, mode=mode, target_days=target_days,
                                       step=step, solver=chooser)
        if np.allclose(proposal.to_numpy(), current.fte.to_numpy()):
            stopped = "no move the programme finds improves the waits"
            break
        began = time.perf_counter()
        result = run(with_fte(inputs, proposal))
        current = BalanceIteration(number, proposal, result, spa_waits(result), predicted,
                                   time.perf_counter() - began)
        iterations.append(current)
        say(f"balancing staff: iteration {number}, worst SPA {current.worst_spa} at "
            f"{current.worst_p90:.1f} days, {current.missing(target_days)} over {target_days:g}")
        if _better(current, iterations[chosen], mode, target_days):
            chosen, stale = number, 0
        else:
            stale += 1
            if stale >= PATIENCE:
                stopped = f"no better allocation in {PATIENCE} rounds"
                break
    if stopped is None:
        stopped = ("every SPA meets the target" if met(current)
                   else f"the limit of {max_iterations} iterations")
    balance = Balance(mode, target_days, replications, seed, tuple(iterations), chosen, stopped)
    if balance.target_met:
        return balance
    best = balance.best
    queues = queues.calibrated(best.fte.to_numpy(), best.waits["p90"].to_numpy())
    needed = fte_to_meet(queues, best.fte, target_days, step)
    say(f"balancing staff: checking the {needed.sum():g} FTE that would meet the target")
    check = spa_waits(run(with_fte(inputs, needed)))
    return replace(balance, fte_to_meet=needed, waits_to_meet=check)


def _better(a: BalanceIteration, b: BalanceIteration, mode: Mode, target_days: float) -> bool:
    """wait_target: fewer SPAs over the target, then a lower worst wait; wait_equalise: a lower
    worst wait."""
    if mode == "wait_target" and a.missing(target_days) != b.missing(target_days):
        return a.missing(target_days) < b.missing(target_days)
    return a.worst_p90 < b.worst_p90 - 1e-9


def with_fte(inputs: ModelInputs, fte: pd.Series) -> ModelInputs:
    """The same plan and parameters with frontline FTE ``fte`` (by ``spa_id``)."""
    spas = inputs.service.spas
    service = replace(inputs.service, spas=spas.assign(
        fte_frontline=fte.reindex(spas["spa_id"]).to_numpy(float)))
    return model_inputs(service, inputs.config, inputs.staffing)


def allocate(queues: SpaQueues, fte: pd.Series, *, mode: Mode, target_days: float, step: float,
             solver: str, window: int = WINDOW_STEPS) -> tuple[pd.Series, pd.Series]:
    """The programme of the module docstring: the new allocation and the surrogate's waits at
    it. The current allocation is always a choice, so the programme never does worse on its
    own measure."""
    current = fte.to_numpy(float)
    k = np.arange(-window, window + 1)
    levels = current[:, None] + k[None, :] * step  # SPAs x levels
    allowed = levels >= -1e-9
    waits = queues.p90(np.where(allowed, levels, 0.0).T).T
    n_spas, n_levels = levels.shape
    n_x = n_spas * n_levels
    spa_of = np.repeat(np.arange(n_spas), n_levels)
    one_level = csr_matrix((np.ones(n_x), (spa_of, np.arange(n_x))), shape=(n_spas, n_x))
    total = csr_matrix(np.round(levels.ravel() / step)[None, :])
    moves = np.abs(k * step)[None, :].repeat(n_spas, axis=0).ravel()
    if mode == "wait_target":
        primary = np.maximum(waits - target_days, 0.0).ravel()
        matrix = vstack([one_level, total]).tocsr()
        lower = np.r_[np.ones(n_spas), round(current.sum() / step)]
        upper = lower.copy()
        n_cols = n_x
    else:  # t >= each SPA's wait: sum_k p_sk x_sk - t <= 0
        per_spa = csr_matrix((waits.ravel(), (spa_of, np.arange(n_x))), shape=(n_spas, n_x))
        matrix = vstack([hstack([one_level, csr_matrix((n_spas, 1))]),
                         hstack([total, csr_matrix((1, 1))]),
                         hstack([per_spa, csr_matrix(-np.ones((n_spas, 1)))])]).tocsr()
        lower = np.r_[np.ones(n_spas), round(current.sum() / step), np.full(n_spas, -np.inf)]
        upper = np.r_[np.ones(n_spas), round(current.sum() / step), np.zeros(n_spas)]
        primary = np.r_[np.zeros(n_x), 1.0]
        moves = np.r_[moves, 0.0]
        n_cols = n_x + 1
    col_upper = np.r_[allowed.ravel().astype(float), np.full(n_cols - n_x, np.inf)]
    integer = np.r_[np.ones(n_x, bool), np.zeros(n_cols - n_x, bool)]
    model = MipModel(cost=primary, matrix=matrix, row_lower=lower, row_upper=upper,
                     col_lower=np.zeros(n_cols), col_upper=col_upper, integer=integer,
                     maximise=False)
    first = _solved(model, solver)
    hold = first.objective + 1e-6 * max(1.0, abs(first.objective))
    held = replace(model, cost=moves, matrix=vstack([matrix, csr_matrix(primary[None, :])]).tocsr(),
                   row_lower=np.r_[lower, -np.inf], row_upper=np.r_[upper, hold])
    x = _solved(held, solver).x[:n_x].reshape(n_spas, n_levels) > 0.5
    chosen = levels[x]
    return (pd.Series(chosen, index=fte.index, name="fte"),
            pd.Series(waits[x], index=fte.index, name="predicted_p90"))


def _solved(model: MipModel, solver: str) -> Any:
    outcome = solve_mip(model, solver=solver)
    if outcome.status != OPTIMAL or outcome.x is None:  # the current allocation is feasible
        raise RuntimeError(f"the staffing programme ended {outcome.status}")
    return outcome


def fte_to_meet(queues: SpaQueues, fte: pd.Series, target_days: float, step: float) -> pd.Series:
    """Each SPA's fewest FTE (in steps) whose surrogate wait meets the target: what the whole
    target would take, the total not held."""
    current = fte.to_numpy(float)
    most = int(np.ceil(np.max(np.maximum(3 * current, current + 40)) / step))
    levels = np.arange(0, most + 1) * step
    waits = queues.p90(np.repeat(levels[:, None], len(current), axis=1))  # levels x SPAs
    meets = waits <= target_days
    first = np.where(meets.any(axis=0), meets.argmax(axis=0), len(levels) - 1)
    out = levels[first]
    return pd.Series(out, index=fte.index, name="fte")
