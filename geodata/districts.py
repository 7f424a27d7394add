"""The fixed administrative frame of seed 003: 12 districts, 5 delivery footprints, 34 SPAs."""

from __future__ import annotations

from types import MappingProxyType

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

#: Delivery footprints -> (member districts, number of SPAs), seed 003 section 8.
FOOTPRINTS: MappingProxyType[str, tuple[tuple[str, ...], int]] = MappingProxyType(
    {
        "Lancaster, Fylde and Wyre": (("Lancaster", "Fylde", "Wyre"), 9),
        "Preston": (("Preston",), 4),
        "Chorley, South Ribble and West Lancashire": (
            ("Chorley", "South Ribble", "West Lancashire"),
            9,
        ),
        "Hyndburn, Ribble Valley and Rossendale": (
            ("Hyndburn", "Ribble Valley", "Rossendale"),
            6,
        ),
        "Burnley and Pendle": (("Burnley", "Pendle"), 6),
    }
)

#: Total SPAs in the county, seed 003 sections 4 and 9.
SPA_COUNT = 34


def footprint_of(district: str) -> str:
    """Return the delivery footprint a district belongs to."""
    for footprint, (members, _) in FOOTPRINTS.items():
        if district in members:
            return footprint
    raise KeyError(f"{district!r} is not one of the 12 Lancashire districts")

