"""Need: how much early help a place is likely to ask for, from IMD 2019.

Method. The LSOA's IMD 2019 score (rebuilt from the official domain weights; see
data/SOURCES.md) measures deprivation on a ratio scale. A child's need weight is
``(score / county mean score) ** need_gradient``, the county mean being weighted by children
0-19, so that total need equals the number of children and a weight of 2 reads as "twice
the county's average need". SPAs are banded against the national distribution of LSOA scores:
'high' at or above the ``need_high_percentile`` (default: England's most deprived fifth),
'low' below ``need_low_percentile`` (default: the median), 'middle' between.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geodata.embedded import ENGLAND_IOD_SCORES
from geodata.readers import read_csv

#: Official IoD 2019 weights of the seven domains (MHCLG, IoD 2019 technical report, table 4.1).
DOMAIN_WEIGHTS = {
    "Income Score - exponentially transformed": 0.225,
    "Employment Score - exponentially transformed": 0.225,
    "Education Score - exponentially transformed": 0.135,
    "Health Score - exponentially transformed": 0.135,
    "Crime Score - exponentially transformed": 0.093,
    "Barriers Score - exponentially transformed": 0.093,
    "Living Environment Score - exponentially transformed": 0.093,
}

NEED_BANDS = ("high", "middle", "low")


def england_imd_scores() -> NDArray[np.float64]:
    """IMD 2019 scores of all 32,844 LSOAs in England, rebuilt from the transformed domains."""
    frame = read_csv(ENGLAND_IOD_SCORES, DOMAIN_WEIGHTS)
    weights = pd.Series(DOMAIN_WEIGHTS)
    return frame[list(weights.index)].to_numpy(float) @ weights.to_numpy(float)


def national_cutoffs(high_percentile: float, low_percentile: float) -> tuple[float, float]:
    """IMD scores at the national percentiles that bound the 'high' and 'low' need bands."""
    scores = england_imd_scores()
    high, low = np.percentile(scores, [high_percentile, low_percentile])
    return float(high), float(low)


def need_weights(scores: pd.Series, children: pd.Series, gradient: float) -> pd.Series:
    """Need per child relative to the county's child-weighted mean IMD score."""
    mean = float(np.average(scores, weights=children))
    return (scores / mean) ** gradient


def band(score: float, high_cutoff: float, low_cutoff: float) -> str:
    """'high', 'middle' or 'low' need for a child-weighted IMD score."""
    if score >= high_cutoff:
        return "high"
    if score < low_cutoff:
        return "low"
    return "middle"
