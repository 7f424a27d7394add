"""Siting: which candidate buildings to open so that children can reach them.

:func:`maximal_coverage` is the core on plain arrays (a boolean points x sites reach matrix, a
weight per point, p); :mod:`optimise.solve` runs HiGHS or CBC on any sparse model and reports
how good the answer is (proven optimal, or incumbent, best bound and gap).
"""

from optimise.coverage import CoverageResult, ModelShape, ModelSize, maximal_coverage
from optimise.errors import InfeasiblePlan, OptimiseError

__all__ = [
    "CoverageResult",
    "InfeasiblePlan",
    "ModelShape",
    "ModelSize",
    "OptimiseError",
    "maximal_coverage",
]
