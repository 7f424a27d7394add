"""The geography layer: where children live, how much need, which areas, which buildings, how far.

Everything downstream (siting, simulation, reports) reads a :class:`Geography` built by
:func:`build_geography` from the embedded real data, or from a user's own files named in a
:class:`GeodataConfig`.
"""

from geodata.config import GeodataConfig
from geodata.errors import EarlyHelpError, EarlyHelpWarning, GeodataError, InputError
from geodata.geography import Geography, build_geography
from geodata.walking import WalkTimes

__all__ = [
    "EarlyHelpError",
    "EarlyHelpWarning",
    "GeodataConfig",
    "GeodataError",
    "Geography",
    "InputError",
    "WalkTimes",
    "build_geography",
]
