"""The model's inputs resolved to numbers, and the requests of one replication drawn up front.

Every random quantity of a fresh request (when it comes, from where, its level, theme, length,
outcome) is drawn before the run from its own named stream, in arrival order, so two scenarios
with the same seed see the same families with the same needs: they differ only where their
inputs differ (common random numbers). A family that comes back takes the next row of the
'returning' stream, so when two scenarios close cases in a different order, returning families
may differ: common random numbers hold for fresh requests. Streams are ``SeedSequence(seed, spawn_key=(replication, stream))``,
one per name in :data:`STREAMS`, so adding a stream never shifts the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.special import ndtri

from geodata.seed000 import FAMILIES_BY_DISTRICT_THEME, THEMES
from geodata.seed003 import CON_LEVELS
from optimise.staffing import StaffingConfig
from sim.config import SimulationConfig
from sim.service import ServicePlan

DAYS_PER_YEAR = 365
DAYS_PER_WEEK = 7
#: Named random streams; a stream's number is its position here (append, never reorder).
STREAMS = ("arrivals", "attributes", "screening", "durations", "sessions", "outcomes",
           "rereferrals", "prefill", "returning", "pipeline")
#: Sources a case can come from that the referral mix does not hold.
REREFERRAL = "Re-referral"
#: Closure outcomes, in the order of the outcome codes.
OUTCOMES = ("escalated", "thriving", "deescalated", "no_change")
ESCALATED, THRIVING, DEESCALATED, NO_CHANGE = range(len(OUTCOMES))


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator of one named stream of one replication."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, STREAMS.index(name))))


@dataclass(frozen=True)
class ModelInputs:
    """What one replication reads: the plan's service, the parameters, and the numbers derived
    from them (caseload places, venue places, rates, provider capacity)."""

    service: ServicePlan
    config: SimulationConfig
    staffing: StaffingConfig
    case_fte: NDArray[np.float64]
    slots: NDArray[np.float64]
    venue_places: NDArray[np.int64]
    districts: tuple[str, ...]
    spa_district: NDArray[np.int64]
    provider_capacity: NDArray[np.int64]
    sources: tuple[str, ...]
    mean_days_by_level: NDArray[np.float64]
    fresh_per_year: float

    @property
    def horizon_days(self) -> float:
        return self.config.warmup_days + self.config.run_days

    @property
    def provider_mean_days(self) -> float:
        """Mean length of a commissioned provider's case, in days."""
        return self.config.commissioned_case_length_weeks * DAYS_PER_WEEK


def model_inputs(service: ServicePlan, config: SimulationConfig, staffing: StaffingConfig) -> ModelInputs:
    """Resolve a plan and the parameters into the numbers the model uses.

    Caseload places of an SPA = (FTE x (1 - vacancy) x (1 - absence) - the FTE its weekly
    sessions take) x caseload per worker. Fresh requests a year = cases_per_year less the
    expected re-referrals, so that all requests together come to cases_per_year:
    R = F + r x (1 - not progressed) x (1 - escalation) x R.
    """
    spas = service.spas
    available = spas["fte_frontline"].to_numpy(float) * (1 - config.vacancy_rate) * (1 - config.absence_rate)
    session_fte = (spas["sessions_per_week"].to_numpy(float) * staffing.staff_hours_per_session
                   / staffing.hours_per_fte_week)
    case_fte = np.maximum(available - session_fte, 0.0)
    districts = tuple(sorted(spas["district"].unique()))
    spa_district = pd.Index(districts).get_indexer(spas["district"])
    if config.commissioned_providers:
        capacity = np.array([[FAMILIES_BY_DISTRICT_THEME.get(d, {}).get(t, 0) for t in THEMES]
                             for d in districts], dtype=np.int64)
    else:
        capacity = np.zeros((len(districts), len(THEMES)), dtype=np.int64)
    levels = np.array(config.level_shares.as_tuple())
    factor = np.array(config.case_length_level_factor.as_tuple())
    mean_days = staffing.case_length_weeks * DAYS_PER_WEEK * factor / float(levels @ factor)
    escalation = float(levels @ np.array(config.escalation_share.as_tuple()))
    returning = config.rereferral_share * (1 - config.not_progressed_share) * (1 - escalation)
    return ModelInputs(
        service=service, config=config, staffing=staffing, case_fte=case_fte,
        slots=case_fte * staffing.caseload_per_worker,
        venue_places=service.venues["sessions_per_week"].to_numpy(np.int64) * config.places_per_session,
        districts=districts, spa_district=spa_district.astype(np.int64), provider_capacity=capacity,
        sources=(*config.source_shares, REREFERRAL), mean_days_by_level=mean_days,
        fresh_per_year=staffing.cases_per_year * (1 - returning))


@dataclass(frozen=True)
class Fates:
    """What a case's draws decide, one entry per case: screened in or not, offered to a
    provider, its length in-house and with a provider (days), whether it joins a group
    programme, whether the family comes back after closing."""

    progressed: NDArray[np.bool_]
    offer_provider: NDArray[np.bool_]
    in_house_days: NDArray[np.float64]
    provider_days: NDArray[np.float64]
    attends: NDArray[np.bool_]
    rerefers: NDArray[np.bool_]


def fates(inputs: ModelInputs, level: NDArray[np.int64], *, progress_u: NDArray[np.float64],
          offer_u: NDArray[np.float64], length_u: NDArray[np.float64],
          attend_u: NDArray[np.float64], back_u: NDArray[np.float64]) -> Fates:
    """The rules of screening, provider offers (levels 2 and 3, once progressed), case length,
    group programmes and re-referral, applied to uniform draws: one place for every kind of
    case (fresh, returning)."""
    config = inputs.config
    progressed = progress_u >= config.not_progressed_share
    return Fates(
        progressed=progressed,
        offer_provider=((offer_u < config.commissioned_offer_share)
                        & (level < CON_LEVELS.index("4a")) & progressed),
        in_house_days=case_days(inputs, level, length_u),
        provider_days=case_days(inputs, level, length_u, inputs.provider_mean_days),
        attends=attend_u < config.session_share, rerefers=back_u < config.rereferral_share)


@dataclass(frozen=True)
class Requests(Fates):
    """Fresh requests of one replication, in arrival order (parallel arrays; times in days from
    the start of the warm-up), with what their draws decide and their closure ``outcome``."""

    time: NDArray[np.float64]
    point: NDArray[np.int64]
    spa: NDArray[np.int64]
    source: NDArray[np.int64]
    theme: NDArray[np.int64]
    level: NDArray[np.int64]
    outcome: NDArray[np.int64]
    rereferral_days: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.time)


def arrival_times(inputs: ModelInputs, rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Fresh arrival times (sorted) and whether each is an education referral.

    Each day's arrivals are Poisson with that day's rate, placed uniformly in the day: a
    Poisson process whose rate is constant within a day. Education referrals run at
    ``holiday_referral_factor`` of their term-time rate on school-holiday days, the year's
    expected total unchanged.
    """
    config = inputs.config
    days = int(np.ceil(inputs.horizon_days))
    edu = config.education_source
    edu_share = config.source_shares.get(edu, 0.0) if edu and config.arrival_seasonality else 0.0
    per_day = inputs.fresh_per_year / DAYS_PER_YEAR
    holiday = np.zeros(DAYS_PER_YEAR, dtype=bool)
    for first, end in config.school_holidays:
        holiday[first:end] = True
    term_factor = DAYS_PER_YEAR / ((~holiday).sum() + config.holiday_referral_factor * holiday.sum())
    day_of_year = (np.arange(days) - int(np.floor(config.warmup_days))) % DAYS_PER_YEAR
    edu_rate = per_day * edu_share * term_factor * np.where(holiday[day_of_year], config.holiday_referral_factor, 1.0)
    rates = np.concatenate([edu_rate, np.full(days, per_day * (1 - edu_share))])
    counts = rng.poisson(rates)
    start = np.tile(np.arange(days, dtype=float), 2)
    times = np.repeat(start, counts) + rng.random(int(counts.sum()))
    is_edu = np.repeat(np.arange(2 * days) < days, counts)
    keep = times < inputs.horizon_days
    order = np.argsort(times[keep], kind="stable")
    return times[keep][order], is_edu[keep][order]


def draw_requests(inputs: ModelInputs, seed: int, replication: int) -> Requests:
    """The fresh requests of one replication, every attribute from its own stream."""
    config, service = inputs.config, inputs.service
    time, is_edu = arrival_times(inputs, stream(seed, replication, "arrivals"))
    n = len(time)
    attrs = stream(seed, replication, "attributes")
    cum_need = np.cumsum(service.point_need)
    point = np.minimum(np.searchsorted(cum_need, attrs.random(n) * cum_need[-1], side="right"),
                       len(cum_need) - 1)
    shares = np.array(list(config.source_shares.values()))
    edu = config.education_source
    other = shares.copy()
    if edu and config.arrival_seasonality:
        other[list(config.source_shares).index(edu)] = 0.0
    u_source = attrs.random(n)
    source = (categorical(u_source, other / other.sum()) if other.sum() > 0
              else np.zeros(n, dtype=np.int64))  # education is the only source
    if edu and config.arrival_seasonality:
        source = np.where(is_edu, list(config.source_shares).index(edu), source)
    theme = categorical(attrs.random(n), np.array(config.theme_shares.as_tuple()))
    level = categorical(attrs.random(n), np.array(config.level_shares.as_tuple()))
    screen = stream(seed, replication, "screening")
    progress_u, offer_u = screen.random(n), screen.random(n)
    length_u = stream(seed, replication, "durations").random(n)
    attend_u = stream(seed, replication, "sessions").random(n)
    outcome_u = stream(seed, replication, "outcomes").random(n)
    returns = stream(seed, replication, "rereferrals")
    decided = fates(inputs, level, progress_u=progress_u, offer_u=offer_u, length_u=length_u,
                    attend_u=attend_u, back_u=returns.random(n))
    return Requests(
        **vars(decided), time=time, point=point, spa=service.point_spa[point], source=source,
        theme=theme, level=level, outcome=outcomes_of(inputs, level, theme, outcome_u),
        rereferral_days=returns.exponential(config.rereferral_mean_days, n))


def case_days(inputs: ModelInputs, level: NDArray[np.int64] | int, u: NDArray[np.float64] | float,
              mean_days: NDArray[np.float64] | float | None = None) -> NDArray[np.float64]:
    """Case length in days from a uniform draw ``u`` (inverse transform, so one draw per case
    whatever the distribution): lognormal with the level's mean and ``case_length_cv``, or
    exponential."""
    config = inputs.config
    mean = inputs.mean_days_by_level[level] if mean_days is None else mean_days
    u = np.clip(u, 1e-12, 1 - 1e-12)
    if config.case_length == "exponential":
        return -mean * np.log1p(-u)
    sigma2 = np.log1p(config.case_length_cv ** 2)
    return mean * np.exp(np.sqrt(sigma2) * ndtri(u) - sigma2 / 2)


def outcomes_of(inputs: ModelInputs, level: NDArray[np.int64], theme: NDArray[np.int64],
                u: NDArray[np.float64]) -> NDArray[np.int64]:
    """Closure outcomes (codes of :data:`OUTCOMES`) that uniform draws give: escalated with the
    level's share; otherwise thriving, de-escalated or no change in the theme's shares of the
    rest (one draw decides, so a case's outcome does not depend on the order of others)."""
    config = inputs.config
    escalate = np.array(config.escalation_share.as_tuple())[level]
    rest = np.divide(u - escalate, 1 - escalate, out=np.zeros_like(u), where=escalate < 1)
    thriving = np.array(config.thriving_share.as_tuple())[theme]
    down = np.array(config.deescalation_share.as_tuple())[theme]
    return np.select([u < escalate, rest < thriving, rest < down], [ESCALATED, THRIVING, DEESCALATED],
                     NO_CHANGE).astype(np.int64)


def points_in_spas(service: ServicePlan, spa: NDArray[np.int64], u: NDArray[np.float64],
                   within_walk: bool = False) -> NDArray[np.int64]:
    """A home in each given SPA, drawn by need from uniform draws ``u`` (``within_walk``: only
    homes within the walk limit of a venue)."""
    order = np.argsort(service.point_spa, kind="stable")
    weight = service.point_need * (service.point_venue >= 0) if within_walk else service.point_need
    need = weight[order]
    cum = np.cumsum(need)
    first = np.searchsorted(service.point_spa[order], np.arange(len(service.spas)))
    base = np.concatenate([[0.0], cum])[first]
    total = np.bincount(service.point_spa, weights=weight, minlength=len(service.spas))
    target = base[spa] + u * total[spa]
    pos = np.searchsorted(cum, target, side="right")
    end = np.searchsorted(service.point_spa[order], spa, side="right") - 1
    return order[np.minimum(pos, end)]


def prefill_counts(inputs: ModelInputs) -> NDArray[np.int64]:
    """Open in-house cases each SPA starts with: its expected open caseload by Little's law
    (in-house requests a day x mean case length; beyond-walk cases weighted as home visits, or
    left out if they are unserved), never more than its places.

    In-house requests are all requests (re-referrals too) progressed at screening, less those
    the providers take: what is offered to them (level 2 and 3, ``commissioned_offer_share``)
    up to their capacity, county-wide.
    """
    config, service = inputs.config, inputs.service
    if not config.prefill_open_cases:
        return np.zeros(len(service.spas), dtype=np.int64)
    share = service.need_by_spa / service.need_by_spa.sum()
    progressed = inputs.staffing.cases_per_year * (1 - config.not_progressed_share)
    below_4a = 1 - config.level_shares.level_4a
    offered = progressed * below_4a * config.commissioned_offer_share
    in_house = progressed - min(float(inputs.provider_capacity.sum()), offered)
    mean_days = float(np.array(config.level_shares.as_tuple()) @ inputs.mean_days_by_level)
    beyond = service.share_beyond().to_numpy()
    if config.beyond_walk == "unserved":
        expected, weight = in_house * share * (1 - beyond), np.ones_like(beyond)
    else:
        expected, weight = in_house * share, 1 + beyond * (config.home_visit_weight - 1)
    expected = expected / DAYS_PER_YEAR * mean_days
    return np.minimum(np.round(expected), np.floor(inputs.slots / weight)).astype(np.int64)


def residual_days(inputs: ModelInputs, level: NDArray[np.int64], rng: np.random.Generator) -> NDArray[np.float64]:
    """Time left of cases already under way: a uniform share of a length-biased case length
    (the equilibrium residual of a renewal process)."""
    config = inputs.config
    mean = inputs.mean_days_by_level[level]
    n = len(level)
    if config.case_length == "exponential":
        return rng.exponential(mean)
    sigma2 = np.log1p(config.case_length_cv ** 2)
    # a length-biased lognormal is lognormal with its log-mean raised by sigma^2
    biased = mean * np.exp(np.sqrt(sigma2) * rng.standard_normal(n) + sigma2 / 2)
    return rng.random(n) * biased


def categorical(u: NDArray[np.float64], p: NDArray[np.float64]) -> NDArray[np.int64]:
    """Category of each uniform draw for the shares ``p`` (inverse transform)."""
    cum = np.cumsum(p)
    return np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(p) - 1).astype(np.int64)

