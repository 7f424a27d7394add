"""The cost model: what a plan costs a year, calibrated so that the 2015 service costs seed 003's figure.

A plan's annual cost, in pounds, is

- **staff** by group: FTE x (salary of the group's grade + employer National Insurance + the
  employer's Local Government Pension Scheme contribution), plus business mileage of frontline
  staff (home visits);
- **buildings**: the geography's ``annual_cost_gbp`` of each open centre;
- **sessions**: a cost per weekly session delivered (materials, activities) x weeks a year;
- **outreach venues**: room hire for each weekly session delivered at a partner venue;
- **central** non-pay costs that do not depend on the plan (none by default).

Every term is linear in the plan, so the siting programme reads the coefficients
(:class:`CostModel`) straight into its objective and budget row.

**Calibration.** The 2015 service (the 132-building estate; about 750 FTE; 28 externally
commissioned children's centres) must cost seed 003's £24,413,125. The one item the calibration
sets is the **annual value of an externally commissioned children's-centre contract**: the 2015
cost is the council's own staff, buildings and sessions at the rates below plus 28 such
contracts, and the contract value is whatever makes the total exact. That item is chosen because
it is the one 2015 cost no public source gives (seed 003 section 3 says the staffing inside the
commissioned centres was still being established) and because the proposal has no commissioned
centres: the calibration cannot leak into the plan's cost, which rests only on the sourced
rates and the stated assumptions. The contract pays for the centre's building and its staff,
so the commissioned centres' buildings and ``commissioned_fte_2015`` are not costed again.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, model_validator

from geodata.config import parameter_rows, sourced_field
from geodata.errors import EarlyHelpWarning
from geodata.seed003 import (
    BUDGET_2015_GBP,
    COMMISSIONED_CC,
    ESTATE_TOTAL,
    FTE_2015,
    FTE_FRONTLINE,
    FTE_MANAGEMENT,
    FTE_SUPPORT,
    SESSIONS_STANDARD,
)
from optimise.errors import OptimiseError

#: NJC for Local Government Services pay spine, annual salary in pounds by spinal column point,
#: in force 1 January 2015 to 31 March 2016 (the 2014-16 pay agreement: 2.2 % on SCP 11 and
#: above from 1 January 2015); only the points this model uses.
NJC_SPINE_2015_16: Mapping[int, int] = MappingProxyType({19: 18_376, 23: 21_530, 39: 34_746})

#: Owner of a council-run building in the geography's ``sites`` (any other owner of a 2015
#: building is an external provider holding a commissioned contract).
COUNCIL_OWNER = "LCC"

#: Item names of a breakdown, in the order tables and the budget bridge show them.
ITEMS = (
    "staff_frontline",
    "staff_management",
    "staff_support",
    "staff_travel",
    "buildings",
    "sessions",
    "outreach_venues",
    "commissioned",
    "central",
)


def _rate(default: float, description: str, source: str) -> Any:
    return sourced_field(default, description, source, ge=0, le=1)


def _gbp(default: float, description: str, source: str, **kwargs: Any) -> Any:
    return sourced_field(default, description, source, ge=0, **kwargs)


class CostConfig(BaseModel):
    """Rates of the cost model, each with its source or marked as an assumption (pounds a year
    unless the field says otherwise)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    salary_frontline_gbp: float = _gbp(
        float(NJC_SPINE_2015_16[23]),
        "Average annual salary of a frontline FTE (lead professionals, family and youth workers, "
        "qualified practitioners).",
        "NJC pay spine 2015/16, SCP 23 = £21,530; assumption that the frontline averages the "
        "middle of LCC Grade 6 (SCP 21-25), between Grade 5 support workers and Grade 7-8 "
        "qualified practitioners. The grade-to-SCP mapping is from LCC vacancies, not a "
        "published grade table: check it against the LCC pay policy statement (Annex A).",
        le=200_000,
    )
    salary_management_gbp: float = _gbp(
        float(NJC_SPINE_2015_16[39]),
        "Average annual salary of a service-management FTE.",
        "Seed 003 section 7: management 'at Grade 9 and above'; NJC pay spine 2015/16, SCP 39 = "
        "£34,746, the middle of LCC Grade 9 (SCP 37-41). 'And above' makes this a floor. Grade "
        "mapping to check as for the frontline.",
        le=200_000,
    )
    salary_support_gbp: float = _gbp(
        float(NJC_SPINE_2015_16[19]),
        "Average annual salary of an operational delivery support FTE.",
        "NJC pay spine 2015/16, SCP 19 = £18,376; assumption that business support sits at "
        "the administrative grades (LCC Grade 4-5).",
        le=200_000,
    )
    employer_ni_rate: float = _rate(
        0.138,
        "Employer Class 1 secondary National Insurance rate on pay above the secondary threshold.",
        "HMRC rates and thresholds 2015/16: Class 1 secondary rate 13.8 %.",
    )
    ni_secondary_threshold_gbp: float = _gbp(
        8112.0,
        "Annual pay below which no employer National Insurance is due (per employee; each FTE is "
        "costed as one full-time employee).",
        "HMRC rates and thresholds 2015/16: secondary threshold £156 a week, £8,112 a year.",
        le=100_000,
    )
    lgps_employer_rate: float = _rate(
        0.135,
        "Employer contribution to the Local Government Pension Scheme, share of pensionable pay.",
        "Assumption: Lancashire County Pension Fund's certified rate for the county council at the "
        "31 March 2013 valuation (Mercer; rates for 2014/15-2016/17) was not at hand; 13.5 % is "
        "of the order of county councils' future-service rates at that valuation. Any deficit "
        "lump sum is excluded. Check against the rates and adjustments certificate.",
    )
    business_miles_per_frontline_fte: float = _gbp(
        2000.0,
        "Business miles a frontline FTE drives a year (home visits, outreach).",
        "Assumption: about 40 miles a week over 50 weeks for home visits across an SPA.",
        le=50_000,
    )
    mileage_rate_gbp: float = _gbp(
        0.45,
        "Reimbursement per business mile.",
        "HMRC approved mileage allowance payments 2015/16: 45p a mile for the first 10,000 miles.",
        le=5,
    )
    session_cost_gbp: float = _gbp(
        25.0,
        "Non-staff cost of delivering one group session (materials, activities, refreshments).",
        "Assumption: no source gives a unit cost; £25 a session is a modest consumables budget "
        "for a group of 8-15 children or parents.",
        le=10_000,
    )
    outreach_room_hire_gbp: float = _gbp(
        20.0,
        "Room hire for one session delivered at a partner venue (school, community building) "
        "instead of in a centre; on top of session_cost_gbp.",
        "Assumption: a community room for a two-hour session at about £10 an hour.",
        le=10_000,
    )
    weeks_per_year: float = sourced_field(
        52.0,
        "Weeks a year in which sessions run and room hire is paid.",
        "Assumption: every week of the year, as seed 003 gives weekly sessions without term "
        "breaks; 52 overstates if sessions pause in school holidays.",
        gt=0,
        le=53,
    )
    central_non_pay_gbp: float = _gbp(
        0.0,
        "Central non-pay costs a year that no plan changes (e.g. a case-management system).",
        "Assumption: none known; a scenario may add them.",
        le=100_000_000,
    )
    budget_2015_gbp: float = sourced_field(
        float(BUDGET_2015_GBP),
        "What the 2015 service cost: the calibration target.",
        "Seed 003 section 3: 'The budget across the services in 2015/16 is £24,413,125'.",
        gt=0,
    )
    fte_2015: float = sourced_field(
        float(FTE_2015),
        "Staffing establishment of the 2015 service, commissioned centres' staff included.",
        "Seed 003 section 3: 'approximately 750 full time equivalent staff', including staff "
        "employed by third parties in the externally commissioned children's centres.",
        gt=0,
    )
    staff_mix_2015: tuple[float, float, float] = sourced_field(
        (float(FTE_FRONTLINE), float(FTE_MANAGEMENT), float(FTE_SUPPORT)),
        "Shares (frontline, management, support) of the council's own 2015 staff; any "
        "non-negative weights, normalised.",
        "Assumption: the same shares as the proposed 482 / 29 / 29 (seed 003 section 7); no "
        "2015 breakdown is published.",
    )
    commissioned_centres_2015: int = sourced_field(
        COMMISSIONED_CC,
        "Externally commissioned children's centres (contracts) in 2015.",
        "Seed 003 section 3: '28 Externally Commissioned'.",
        ge=0,
    )
    commissioned_fte_2015: float = sourced_field(
        FTE_2015 * COMMISSIONED_CC / ESTATE_TOTAL,
        "FTE of the 2015 establishment employed by commissioned providers (paid from their "
        "contracts, so not costed at council rates).",
        "Assumption: staff in proportion to buildings, 750 x 28 / 132 = 159.1 FTE; seed 003 "
        "section 3 says the exact figure was still being established.",
        ge=0,
    )
    sessions_per_building_2015: float = sourced_field(
        float(SESSIONS_STANDARD),
        "Weekly group sessions each council-run 2015 building delivered.",
        "Assumption: seed 003's standard specification of 7 sessions a week (section 9) applied "
        "to the 2015 buildings; no 2015 figure is published.",
        ge=0,
        le=100,
    )

    @model_validator(mode="after")
    def _consistent_2015(self) -> CostConfig:
        if self.commissioned_fte_2015 > self.fte_2015:
            raise ValueError(
                f"commissioned_fte_2015 ({self.commissioned_fte_2015:g}) exceeds fte_2015 "
                f"({self.fte_2015:g})"
            )
        if min(self.staff_mix_2015) < 0 or not sum(self.staff_mix_2015) > 0:
            raise ValueError(
                f"staff_mix_2015 {list(self.staff_mix_2015)} must be three weights >= 0 with a "
                "positive sum (frontline, management, support)"
            )
        return self

    def employer_cost_gbp(self, salary_gbp: float) -> float:
        """A year's cost to the employer of one FTE on ``salary_gbp``: salary, employer National
        Insurance above the secondary threshold, and the employer's pension contribution."""
        ni = self.employer_ni_rate * max(0.0, salary_gbp - self.ni_secondary_threshold_gbp)
        return salary_gbp + ni + self.lgps_employer_rate * salary_gbp


@dataclass(frozen=True)
class CostBreakdown:
    """A year's cost by item (pounds, in :data:`ITEMS` order) and its total."""

    items: Mapping[str, float]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", MappingProxyType({k: float(self.items.get(k, 0.0)) for k in ITEMS}))

    @property
    def total_gbp(self) -> float:
        return math.fsum(self.items.values())

    def as_dict(self) -> dict[str, float]:
        """Items and ``total_gbp``, for summary.json."""
        return {**self.items, "total_gbp": self.total_gbp}


@dataclass(frozen=True)
class CostModel:
    """Linear cost coefficients a plan is priced with, and the calibrated contract value.

    ``frontline_fte_gbp``, ``management_fte_gbp`` and ``support_fte_gbp`` are a year's employer
    cost of one FTE (frontline with its mileage); ``per_session_gbp`` is a year of one weekly
    session, ``outreach_session_gbp`` the extra year of room hire when a weekly session is
    delivered at a partner venue; ``fixed_gbp`` does not depend on the plan.
    ``commissioned_contract_gbp`` is the calibrated item (module docstring): the annual value of
    one 2015 commissioned children's-centre contract.
    """

    config: CostConfig
    frontline_fte_gbp: float
    management_fte_gbp: float
    support_fte_gbp: float
    travel_fte_gbp: float
    per_session_gbp: float
    outreach_session_gbp: float
    fixed_gbp: float
    commissioned_contract_gbp: float

    def staff_cost_gbp(self, fte_frontline: float, fte_management: float, fte_support: float) -> float:
        """A year's staff cost (on-costs and frontline mileage included) of these FTE."""
        return (
            fte_frontline * self.frontline_fte_gbp
            + fte_management * self.management_fte_gbp
            + fte_support * self.support_fte_gbp
        )

    def centre_cost_gbp(self, building_cost: ArrayLike, sessions: ArrayLike) -> NDArray[np.float64]:
        """A year's cost of each centre: its building's running cost plus its weekly sessions
        (all of them, outreach included) x ``per_session_gbp``."""
        return np.asarray(building_cost, float) + self.per_session_gbp * np.asarray(sessions, float)


def cost_model(config: CostConfig, sites: pd.DataFrame) -> CostModel:
    """The cost model of ``config``, calibrated on the 2015 estate of ``sites`` (the geography's
    buildings; those with a ``role_2015`` are the 2015 estate).

    Solves in closed form: contract = (budget_2015 - the council's own 2015 staff, mileage,
    buildings and sessions - central) / commissioned_centres_2015. Refuses a calibration that
    needs a negative contract (the rates then cost the 2015 service more than its budget).
    """
    travel = config.business_miles_per_frontline_fte * config.mileage_rate_gbp
    partial = CostModel(
        config=config,
        frontline_fte_gbp=config.employer_cost_gbp(config.salary_frontline_gbp) + travel,
        management_fte_gbp=config.employer_cost_gbp(config.salary_management_gbp),
        support_fte_gbp=config.employer_cost_gbp(config.salary_support_gbp),
        travel_fte_gbp=travel,
        per_session_gbp=config.session_cost_gbp * config.weeks_per_year,
        outreach_session_gbp=config.outreach_room_hire_gbp * config.weeks_per_year,
        fixed_gbp=config.central_non_pay_gbp,
        commissioned_contract_gbp=0.0,
    )
    own = _baseline_own_items(partial, sites)
    commissioned = config.budget_2015_gbp - math.fsum(own.values())
    n = config.commissioned_centres_2015
    if n == 0 or commissioned < 0:
        raise OptimiseError(
            f"cost calibration: the 2015 service's own staff, buildings and sessions cost "
            f"£{math.fsum(own.values()):,.0f} at these rates against a 2015 budget of "
            f"£{config.budget_2015_gbp:,.0f}, leaving £{commissioned:,.0f} for "
            f"{n} commissioned centre contracts (expected a positive amount and at least one "
            "contract): check the salary, on-cost and building-cost assumptions"
        )
    return CostModel(**{**partial.__dict__, "commissioned_contract_gbp": commissioned / n})


def _estate_2015(sites: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 2015 estate's council-run and commissioned buildings."""
    estate = sites[sites["role_2015"].notna()]
    council = estate["owner"] == COUNCIL_OWNER
    return estate[council], estate[~council]


def _baseline_own_items(model: CostModel, sites: pd.DataFrame) -> dict[str, float]:
    """The 2015 items other than the commissioned contracts."""
    config = model.config
    council_run, commissioned = _estate_2015(sites)
    if len(commissioned) != config.commissioned_centres_2015:
        warnings.warn(
            f"the geography's 2015 estate has {len(commissioned)} buildings not run by the "
            f"council, but the cost model counts {config.commissioned_centres_2015} commissioned "
            "contracts (commissioned_centres_2015): their buildings are priced by the contracts",
            EarlyHelpWarning,
            stacklevel=3,
        )
    own_fte = config.fte_2015 - config.commissioned_fte_2015
    mix = np.asarray(config.staff_mix_2015, float)
    frontline, management, support = own_fte * mix / mix.sum()
    return {
        "staff_frontline": frontline * (model.frontline_fte_gbp - model.travel_fte_gbp),
        "staff_management": management * model.management_fte_gbp,
        "staff_support": support * model.support_fte_gbp,
        "staff_travel": frontline * model.travel_fte_gbp,
        "buildings": float(council_run["annual_cost_gbp"].sum()),
        "sessions": len(council_run) * config.sessions_per_building_2015 * model.per_session_gbp,
        "central": model.fixed_gbp,
    }


def baseline_2015(model: CostModel, sites: pd.DataFrame) -> CostBreakdown:
    """What the 2015 service costs under ``model``: exactly ``budget_2015_gbp`` (to the penny)
    when ``sites`` is the frame the model was calibrated on."""
    own = _baseline_own_items(model, sites)
    commissioned = model.commissioned_contract_gbp * model.config.commissioned_centres_2015
    return CostBreakdown({**own, "commissioned": commissioned})


def plan_cost(
    model: CostModel,
    *,
    fte_frontline: float,
    fte_management: float,
    fte_support: float,
    building_costs: ArrayLike,
    sessions: ArrayLike,
    outreach_sessions: ArrayLike = 0.0,
) -> CostBreakdown:
    """A year's cost of a plan: its FTE, the running costs of its open centres
    (``building_costs``, one per centre), its weekly ``sessions`` (all of them, outreach
    included; per centre or a total) and of those the ``outreach_sessions`` at partner venues."""
    buildings = np.asarray(building_costs, float)
    n_sessions = float(np.sum(sessions))
    n_outreach = float(np.sum(outreach_sessions))
    figures = {"fte_frontline": fte_frontline, "fte_management": fte_management,
               "fte_support": fte_support, "sessions": n_sessions, "outreach_sessions": n_outreach}
    negative = [name for name, value in figures.items() if value < 0]
    if negative or (buildings < 0).any():
        raise OptimiseError(f"plan cost: {', '.join(negative) or 'building_costs'} negative: expected >= 0")
    if n_outreach > n_sessions:
        raise OptimiseError(
            f"plan cost: {n_outreach:g} outreach sessions a week but only {n_sessions:g} sessions in "
            "all (expected outreach to be part of the sessions)"
        )
    return CostBreakdown(
        {
            "staff_frontline": fte_frontline * (model.frontline_fte_gbp - model.travel_fte_gbp),
            "staff_management": fte_management * model.management_fte_gbp,
            "staff_support": fte_support * model.support_fte_gbp,
            "staff_travel": fte_frontline * model.travel_fte_gbp,
            "buildings": math.fsum(buildings),
            "sessions": n_sessions * model.per_session_gbp,
            "outreach_venues": n_outreach * model.outreach_session_gbp,
            "central": model.fixed_gbp,
        }
    )


def budget_bridge(baseline: CostBreakdown, plan: CostBreakdown) -> pd.DataFrame:
    """The steps from the 2015 cost to the plan's, by item.

    Columns ``step``, ``change_gbp``, ``running_total_gbp``. The first row is the 2015 total
    (its change is that total), then one row per item (plan minus 2015), then the plan total,
    whose change is the net change, i.e. the sum of the item rows.
    """
    changes = [plan.items[item] - baseline.items[item] for item in ITEMS]
    running = baseline.total_gbp + np.cumsum(changes)
    net = math.fsum(changes)
    return pd.DataFrame(
        {
            "step": ["2015 service", *ITEMS, "plan"],
            "change_gbp": [baseline.total_gbp, *changes, net],
            "running_total_gbp": [baseline.total_gbp, *running[:-1], plan.total_gbp, plan.total_gbp],
        }
    )


def cost_parameter_table(config: CostConfig, model: CostModel | None = None) -> list[dict[str, Any]]:
    """Every rate with its value, meaning and source; with ``model``, also the derived
    per-FTE costs and the calibrated contract value."""
    rows = parameter_rows(config)
    if model is None:
        return rows
    derived = (
        ("frontline_fte_gbp", model.frontline_fte_gbp,
         "A year's cost of one frontline FTE: salary, employer NI, pension, mileage."),
        ("management_fte_gbp", model.management_fte_gbp,
         "A year's cost of one management FTE: salary, employer NI, pension."),
        ("support_fte_gbp", model.support_fte_gbp,
         "A year's cost of one support FTE: salary, employer NI, pension."),
        ("per_session_gbp", model.per_session_gbp, "A year of one weekly session."),
        ("outreach_session_gbp", model.outreach_session_gbp,
         "A year of room hire for one weekly outreach session."),
    )
    rows += [{"parameter": name, "value": value, "description": text,
              "source": "Derived from the rates above."} for name, value, text in derived]
    rows.append(
        {
            "parameter": "commissioned_contract_gbp",
            "value": model.commissioned_contract_gbp,
            "description": "Annual value of one 2015 externally commissioned children's-centre "
            "contract (its staff, building and activities).",
            "source": "Calibrated: the one item solved so that the 2015 service costs "
            "budget_2015_gbp (see optimise/costs.py); it prices nothing in the plan.",
        }
    )
    return rows
