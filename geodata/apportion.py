"""Whole-number sharing of a total in proportion to weights (Hamilton's largest remainder).

Used wherever a published total must survive being split: SPAs among the districts of a
footprint, an LSOA's children among its postcodes, stand-in buildings among districts.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def largest_remainder(
    total: int, weights: ArrayLike, minimum: int = 0
) -> NDArray[np.int64]:
    """Split ``total`` into integers proportional to ``weights`` that sum exactly to ``total``.

    Each share first gets ``minimum``; the rest is shared by Hamilton's method. Ties in the
    remainders go to the earlier position, so the result is deterministic. All-zero weights
    share equally.
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or len(w) == 0:
        raise ValueError("weights must be a non-empty 1-d sequence")
    if (w < 0).any() or not np.isfinite(w).all():
        raise ValueError("weights must be finite and non-negative")
    if total < minimum * len(w):
        raise ValueError(f"cannot give {len(w)} shares at least {minimum} from {total}")
    rest = total - minimum * len(w)
    if w.sum() == 0:
        w = np.ones_like(w)
    quota = rest * w / w.sum()
    shares = np.floor(quota).astype(np.int64)
    short = rest - int(shares.sum())
    # stable sort on -remainder: ties keep their original order
    order = np.argsort(-(quota - shares), kind="stable")
    shares[order[:short]] += 1
    return shares + minimum

