"""The 12 districts of Lancashire County Council and the footprint each belongs to.

The footprints themselves are seed 003's (:data:`geodata.seed003.FOOTPRINTS`).
"""

from __future__ import annotations

from types import MappingProxyType

from geodata.seed003 import FOOTPRINTS

#: ONS codes (LAD19) of the 12 districts of Lancashire County Council, E07000117 to E07000128.
DISTRICTS: MappingProxyType[str, str] = MappingProxyType(
    {
        "E07000117": "Burnley",
        "E07000118": "Chorley",
        "E07000119": "Fylde",
        "E07000120": "Hyndburn",
        "E07000121": "Lancaster",
        "E07000122": "Pendle",
        "E07000123": "Preston",
        "E07000124": "Ribble Valley",
        "E07000125": "Rossendale",
        "E07000126": "South Ribble",
        "E07000127": "West Lancashire",
        "E07000128": "Wyre",
    }
)

def footprint_of(district: str) -> str:
    """Return the delivery footprint a district belongs to."""
    for footprint, (members, _) in FOOTPRINTS.items():
        if district in members:
            return footprint
    raise KeyError(f"{district!r} is not one of the 12 Lancashire districts")

