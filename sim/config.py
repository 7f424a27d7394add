"""The simulation's parameters: every rate, share, distribution and duration, each with its source.

The scenario file's ``simulation:`` section is one :class:`SimulationConfig`. Figures the
staffing model already states (cases a year, mean case length, caseload per worker, staff hours
a session takes) are read from the ``staffing`` section, never stated twice, so a variant that
raises demand raises it for the siting programme and the simulation alike.

Where seed 001 gives a rate it is one district (West Lancashire) in one quarter (Q1 2015/16) of
the commissioned services: small numbers, used as the county's rates and said so.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from geodata import seed001
from geodata.config import parameter_rows, sourced_field
from geodata.seed000 import THEMES, theme_shares
from geodata.seed003 import CON_LEVELS

#: Share sums may differ from 1 by this much (rounded figures typed into a scenario file).
SHARE_TOLERANCE = 1e-6

Allocation = Literal["direct", "panel"]
BeyondWalk = Literal["home_visits", "unserved"]
CaseLength = Literal["lognormal", "exponential"]


class _Shares(BaseModel):
    """Shares over a fixed set of keys that add up to 1."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @model_validator(mode="after")
    def _add_up_to_one(self) -> _Shares:
        values = self.model_dump()
        if any(v < 0 for v in values.values()):
            raise ValueError(f"shares must be >= 0, got {values}")
        if abs(sum(values.values()) - 1) > SHARE_TOLERANCE:
            raise ValueError(f"shares must add up to 1, got {sum(values.values()):.6g} ({values})")
        return self

    def as_dict(self) -> dict[str, float]:
        return self.model_dump()


class ByLevel(BaseModel):
    """One value per Continuum of Need level (2, 3, 4a)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, populate_by_name=True)

    level_2: float
    level_3: float
    level_4a: float

    def as_tuple(self) -> tuple[float, ...]:
        """Values in :data:`~geodata.seed003.CON_LEVELS` order."""
        return (self.level_2, self.level_3, self.level_4a)


class LevelShares(ByLevel, _Shares):
    """Share of progressed requests at each level."""


class ByTheme(BaseModel):
    """One value per core-offer theme (seed 000)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    family_support: float
    domestic_abuse: float
    emotional_health: float
    parenting: float

    def as_tuple(self) -> tuple[float, ...]:
        """Values in :data:`~geodata.seed000.THEMES` order."""
        return tuple(getattr(self, theme) for theme in THEMES)


class ThemeShares(ByTheme, _Shares):
    """Share of requests in each theme."""


def _level_shares() -> LevelShares:
    known_2 = seed001.level_2_share_of_known()
    rest = 1 - LEVEL_4A_SHARE
    return LevelShares(level_2=rest * known_2, level_3=rest * (1 - known_2), level_4a=LEVEL_4A_SHARE)


#: Share of requests at CoN level 4a (additional support): seed 001 counts levels 2 and 3 only.
LEVEL_4A_SHARE = 0.10


def _deescalated_by_theme() -> ByTheme:
    closed, down = seed001.CLOSED, seed001.DEESCALATED
    county = seed001.deescalated_share_of_closed()
    return ByTheme(**{t: (down[t] / closed[t] if closed[t] else county) for t in THEMES})


def _thriving_by_theme() -> ByTheme:
    given = {t: s for t, s in seed001.THRIVING_SHARE.items() if s is not None}
    mean = sum(given.values()) / len(given)
    return ByTheme(**{t: given.get(t, mean) for t in THEMES})


_TAKE_UP_SOURCE = (
    "Calibrated to seed 001, which gives ratings but not the rule: its Q1 figures (capacity used "
    "33 of 86, 15 of 43, 56 of 117, 1 of 32: take-up 1.54, 1.40, 1.92, 0.13 of the pro-rata "
    "capacity) get its ratings (Green, Green, Amber, Amber) with Green 0.75 to 1.6 and Amber 0.1 "
    "to 2.0. Four figures of one quarter: a planner's tighter rule replaces it.")
_WAIT_SOURCE = ("Assumption: seed 001 gives no rule; four weeks is the interval of district "
                "panels (seed 002), six weeks a month and a half.")


class RagRule(BaseModel):
    """How the district report rates each theme's provider take-up and the in-house team's waits.

    Take-up = families referred to the provider since 1 April / (its capacity for the year x
    the share of the year elapsed): Green within [green_low, green_high], Amber within
    [amber_low, amber_high] but outside Green, Red otherwise. Team: Green if 9 in 10 families
    are allocated a lead professional within ``wait_green_days`` (the 90th-percentile wait),
    Amber within ``wait_amber_days``, Red beyond. Boundaries belong to the better rating.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    take_up_green_low: float = sourced_field(
        0.75, "Provider take-up (referrals to date / capacity pro rata) from which a theme is Green.",
        _TAKE_UP_SOURCE, ge=0)
    take_up_green_high: float = sourced_field(
        1.6, "Provider take-up up to which a theme is Green.", _TAKE_UP_SOURCE, ge=0)
    take_up_amber_low: float = sourced_field(
        0.1, "Provider take-up from which a theme is Amber (Red below).", _TAKE_UP_SOURCE, ge=0)
    take_up_amber_high: float = sourced_field(
        2.0, "Provider take-up up to which a theme is Amber (Red above).", _TAKE_UP_SOURCE, ge=0)
    wait_green_days: float = sourced_field(
        28.0, "90th-percentile wait for a lead professional (days) up to which the team is Green.",
        _WAIT_SOURCE, gt=0)
    wait_amber_days: float = sourced_field(
        42.0, "90th-percentile wait (days) up to which the team is Amber (Red beyond).",
        _WAIT_SOURCE, gt=0)

    @model_validator(mode="after")
    def _bands_nest(self) -> RagRule:
        if not (self.take_up_amber_low <= self.take_up_green_low <= self.take_up_green_high
                <= self.take_up_amber_high):
            raise ValueError(
                "take-up bands must nest: amber_low <= green_low <= green_high <= amber_high, got "
                f"{self.take_up_amber_low:g}, {self.take_up_green_low:g}, "
                f"{self.take_up_green_high:g}, {self.take_up_amber_high:g}")
        if self.wait_green_days > self.wait_amber_days:
            raise ValueError(f"wait_green_days ({self.wait_green_days:g}) must not exceed "
                             f"wait_amber_days ({self.wait_amber_days:g})")
        return self

    def text(self) -> str:
        """The rule in one paragraph, for the report's reader."""
        return (
            "Provider take-up = families referred to the provider since 1 April / (its capacity "
            f"for the year x the share of the year elapsed): Green {self.take_up_green_low:g} to "
            f"{self.take_up_green_high:g}, Amber {self.take_up_amber_low:g} to "
            f"{self.take_up_green_low:g} or {self.take_up_green_high:g} to "
            f"{self.take_up_amber_high:g}, Red otherwise. In-house team: Green if 9 in 10 "
            f"families are allocated a lead professional within {self.wait_green_days:g} days, "
            f"Amber within {self.wait_amber_days:g}, Red beyond. Seed 001 gives ratings but not "
            "the rule: the take-up bands give its Q1 ratings to its Q1 figures; the waits' are "
            "assumptions.")


class SimulationConfig(BaseModel):
    """A year of cases through the service: who comes, how they are allocated, worked and closed."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    # --- the run -------------------------------------------------------------------------
    replications: int = sourced_field(
        30, "Replications (independent years) a run makes; results are means with t intervals.",
        "Issue 12 ('--reps 30'); see the README for how many a stable answer needs.", ge=1, le=10_000)
    run_days: float = sourced_field(
        365.0, "Days simulated and reported (a financial year from 1 April, in quarters).",
        "Seed 001 reports by financial quarter; seed 003 states demand a year.", gt=0, le=3650)
    warmup_days: float = sourced_field(
        182.0,
        "Days simulated before the reported year so that queues and caseloads are in their "
        "working state; nothing that happens in them is reported.",
        "Assumption: the service starts with its open cases pre-loaded (prefill_open_cases), so "
        "half a year (about one mean case length) settles the queues.", ge=0, le=3650)
    prefill_open_cases: bool = sourced_field(
        True,
        "Start with each SPA's steady-state open caseload (arrival rate x mean case length, within "
        "its capacity), each with the remaining time of a case already under way.",
        "Seed 001: 200 CAFs were pending at the start of the quarter in one district; a service "
        "never starts empty.")
    confidence: float = sourced_field(
        0.95, "Confidence level of the intervals (t distribution over replications).",
        "Convention.", gt=0.5, lt=1)
    # --- requests ------------------------------------------------------------------------
    arrival_seasonality: bool = sourced_field(
        True,
        "Education referrals fall in school holidays (the other sources do not): their rate is "
        "holiday_referral_factor of the term-time rate, the year's total unchanged.",
        "Seed 001: education is the largest source of requests (45 of 89); issue 12.")
    holiday_referral_factor: float = sourced_field(
        0.2, "Education referrals in school holidays as a share of the term-time rate.",
        "Assumption: schools refer little when closed; 0.2 rather than 0 for staff still in school "
        "and early-years settings that stay open.", ge=0, le=1)
    school_holidays: tuple[tuple[int, int], ...] = sourced_field(
        ((0, 8), (59, 64), (112, 157), (206, 211), (262, 277), (325, 330)),
        "School holidays as [first, last+1) days of the financial year (day 0 = 1 April).",
        "Assumption: a typical Lancashire calendar (Easter, May half term, 22 July to 5 "
        "September, October half term, Christmas, February half term): 83 days.")
    not_progressed_share: float = sourced_field(
        seed001.not_progressed_share(), "Share of requests not progressed (closed at screening).",
        "Seed 001: 6 of 91 requests not progressed (West Lancashire, Q1 2015/16).", ge=0, lt=1)
    level_shares: LevelShares = sourced_field(
        _level_shares(), "Share of requests at CoN level 2, 3 and 4a.",
        f"Seed 001: 21 at level 2 and 47 at level 3 of the 68 with a level; level 4a (which "
        f"seed 001 does not count) an assumption of {LEVEL_4A_SHARE:.0%}, taken pro rata.",
        replace_whole=True)
    theme_shares: ThemeShares = sourced_field(
        ThemeShares(**theme_shares()), "Share of requests in each core-offer theme.",
        "Seed 000: the county's families a year by theme (420, 287, 215, 395), which district "
        "panels set from usage.", replace_whole=True)
    source_shares: dict[str, float] = sourced_field(
        seed001.source_shares(), "Share of requests from each referral source.",
        "Seed 001: sources of requests in 2015/16 to date (89 with a source); step-down from "
        "children's social care arrives as 'De-escalation from Children's Social Care'.",
        replace_whole=True)
    # --- commissioned providers ----------------------------------------------------------
    commissioned_providers: bool = sourced_field(
        True,
        "Cases may go to the district's commissioned provider for their theme while it has "
        "capacity left this year (seed 000's families per district and theme).",
        "Seed 000 (core offer commissioned to 31 March 2016, renewed yearly by Schools Forum).")
    commissioned_offer_share: float = sourced_field(
        0.15,
        "Share of progressed level 2 and 3 requests offered to the commissioned provider first.",
        "Assumption: seed 000's 1,317 families a year over about 8,400 progressed level 2 and 3 "
        "requests is 0.157; at 0.15 most providers fill their year's places before March, as "
        "seed 001's take-up (above pro rata in three themes of four) suggests.", ge=0, le=1)
    commissioned_case_length_weeks: float = sourced_field(
        12.0, "Mean length of a commissioned provider's case, in weeks.",
        "Assumption: commissioned programmes run 8 to 12 weeks (e.g. Strengthening Families "
        "runs 7 sessions; seed 001).", gt=0, le=156)
    # --- allocation ------------------------------------------------------------------------
    allocation: Allocation = sourced_field(
        "direct",
        "'direct': a request joins its SPA team's queue at once; 'panel': it waits for the next "
        "district panel, which allocates it to the queue.",
        "Seed 002 (district resource panels, monthly) and seed 001 (2 panels in the quarter); in "
        "seed 001 panels are the source of 1 request in 89, so most reach a team directly.")
    panel_interval_days: float = sourced_field(
        28.0, "Days between district panel meetings (districts' meetings staggered).",
        "Seed 002: 'The frequency is monthly'.", gt=0, le=365)
    vacancy_rate: float = sourced_field(
        0.05, "Share of frontline posts vacant.",
        "Assumption: a stable service; a consultation variant tests 8 %.", ge=0, lt=1)
    absence_rate: float = sourced_field(
        0.03, "Share of frontline time lost to sickness absence.",
        "ONS, Sickness absence in the labour market (2016): public sector about 2.9 % of hours.",
        ge=0, lt=1)
    # --- work ------------------------------------------------------------------------------
    case_length: CaseLength = sourced_field(
        "lognormal", "Distribution of case length (exponential: for the queueing checks).",
        "Assumption: case lengths are skewed, a few cases run long.")
    case_length_cv: float = sourced_field(
        0.6, "Coefficient of variation of case length (lognormal).",
        "Assumption: most cases close in 3 to 9 months.", gt=0, le=3)
    case_length_level_factor: ByLevel = sourced_field(
        ByLevel(level_2=0.75, level_3=1.0, level_4a=1.5),
        "Case length at each level relative to the others (scaled so the mean over the level "
        "mix is staffing.case_length_weeks).",
        "Assumption: higher need, longer support.")
    home_visit_weight: float = sourced_field(
        1.5, "Caseload places a case beyond every venue takes (home visits take more time).",
        "Assumption: a home visit adds travel to each contact.", ge=1, le=5)
    beyond_walk: BeyondWalk = sourced_field(
        "home_visits",
        "Families beyond every centre and venue are served by home visits, or not at all.",
        "Issue 12; seed 003 names 'outreach and detached delivery'.")
    # --- group sessions ---------------------------------------------------------------------
    session_share: float = sourced_field(
        0.5, "Share of in-house families referred to a group programme at a centre or venue.",
        "Assumption.", ge=0, le=1)
    places_per_session: int = sourced_field(
        10, "Families one weekly session takes.", "Assumption: a group of 8 to 12 families.",
        ge=1, le=100)
    programme_weeks: float = sourced_field(
        6.0, "Weeks a family attends a group programme (one session a week).",
        "Assumption: short evidence-based programmes run 6 to 10 weeks.", gt=0, le=52)
    session_wait_limit_days: float = sourced_field(
        28.0, "Days a family waits for a place before going without.", "Assumption.", ge=0, le=365)
    # --- closure -----------------------------------------------------------------------------
    escalation_share: ByLevel = sourced_field(
        ByLevel(level_2=0.02, level_3=0.06, level_4a=0.15),
        "Share of closures at each level escalated to statutory social care (CoN 4).",
        "Assumption: seed 001 has 0 escalations in 30 closures (95 % upper bound 10 % by the "
        "rule of three); higher need, more escalation.")
    deescalation_share: ByTheme = sourced_field(
        _deescalated_by_theme(),
        "Share of the other closures that step down a level or more (thriving included).",
        "Seed 001: de-escalated of closed by theme (6/9, 5/5, 16/16); parenting had no closures "
        "and takes the quarter's 27 of 30.")
    thriving_share: ByTheme = sourced_field(
        _thriving_by_theme(), "Share of the other closures whose CoN level improves to thriving.",
        "Seed 001: 30 %, 60 %, 88 %; parenting (no closures) takes their mean.")
    rereferral_share: float = sourced_field(
        0.15, "Share of cases closed without escalation that come back as a new request.",
        "Assumption, below the 22 % re-referral rate of children's social care (DfE, "
        "Characteristics of children in need 2015-16).", ge=0, lt=1)
    rereferral_mean_days: float = sourced_field(
        180.0, "Mean days from closure to a re-referral (exponential).", "Assumption.",
        gt=0, le=3650)

    rag: RagRule = sourced_field(
        RagRule(), "How the quarterly district report rates provider take-up and the team's waits.",
        "See each threshold in the rule (seed 001 gives ratings but not the rule).")

    @field_validator("source_shares")
    @classmethod
    def _sources_add_up(cls, value: dict[str, float]) -> dict[str, float]:
        if not value or any(v < 0 for v in value.values()):
            raise ValueError("source shares must be >= 0, at least one of them")
        if abs(sum(value.values()) - 1) > SHARE_TOLERANCE:
            raise ValueError(f"source shares must add up to 1, got {sum(value.values()):.6g}")
        return value

    @field_validator("warmup_days")
    @classmethod
    def _whole_days(cls, value: float) -> float:
        if value != int(value):
            raise ValueError(f"{value:g} given: the warm-up must be whole days, so that the "
                             "school calendar's days line up")
        return value

    @field_validator("school_holidays")
    @classmethod
    def _holidays_in_year(cls, value: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        for first, end in value:
            if not 0 <= first < end <= 365:
                raise ValueError(f"holiday [{first}, {end}) must lie within days 0 to 365, first < end")
        return value

    @model_validator(mode="after")
    def _thriving_within_deescalated(self) -> SimulationConfig:
        for theme, down, up in zip(THEMES, self.deescalation_share.as_tuple(),
                                   self.thriving_share.as_tuple(), strict=True):
            if not 0 <= up <= down <= 1:
                raise ValueError(f"{theme}: thriving_share ({up:g}) must lie within 0 and "
                                 f"deescalation_share ({down:g}), which is at most 1")
        for level, share in zip(CON_LEVELS, self.escalation_share.as_tuple(), strict=True):
            if not 0 <= share <= 1:
                raise ValueError(f"escalation_share at level {level} ({share:g}) must lie in 0..1")
        for level, factor in zip(CON_LEVELS, self.case_length_level_factor.as_tuple(), strict=True):
            if not factor > 0:
                raise ValueError(f"case_length_level_factor at level {level} is {factor:g}: "
                                 "expected a positive factor (a case lasts some time)")
        holiday_days = sum(end - first for first, end in self.school_holidays)
        if self.holiday_referral_factor == 0 and holiday_days >= 365:
            raise ValueError("school_holidays cover the whole year and holiday_referral_factor is 0, "
                             "so education referrals could never come: leave term days, or a "
                             "factor above 0")
        return self

    @property
    def education_source(self) -> str | None:
        """The source label whose requests follow the school calendar."""
        return next((s for s in self.source_shares if s.lower().startswith("education")), None)

    def parameter_table(self) -> list[dict[str, Any]]:
        """Every parameter with its value, meaning and source."""
        return parameter_rows(self)
