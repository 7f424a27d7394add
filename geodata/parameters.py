"""Every number the geography rests on, with its source, in one table.

Three kinds: the **parameters** a user sets (:class:`~geodata.config.GeodataConfig`), the
**figures of seed 003** (:mod:`geodata.seed003`), and the method's fixed **constants** (snap
and sliver tolerances, network checks, cost bounds, the IMD domain weights). A constant is
documented where it is defined, by the ``#:`` comment above it; this module reads those
comments, so the table cannot drift from the code.
"""

from __future__ import annotations

import ast
import inspect
from types import ModuleType
from typing import Any

from geodata import config, estate, need, network, seed003, sites, spas
from geodata.config import GeodataConfig

#: The method's constants that shape a result, by the module that defines them.
METHOD_CONSTANTS: tuple[tuple[ModuleType, tuple[str, ...]], ...] = (
    (config, ("MAX_SITE_COST_GBP",)),
    (need, ("DOMAIN_WEIGHTS",)),
    (estate, ("PARTNER_GROUPS",)),
    (sites, ("NEAREST_POSTCODE_METRES",)),
    (spas, ("OVERLAP_SLIVER_METRES", "REPAIR_MAX_SQ_METRES")),
    (network, ("NODE_PRECISION_M", "FAR_FROM_NETWORK_M", "REFUSE_NETWORK_SHARE", "WARN_NETWORK_SHARE")),
)


def documented_constants(module: ModuleType, names: tuple[str, ...] | None = None) -> dict[str, str]:
    """The ``#:`` comment above each module-level constant (all upper-case ones if ``names`` is
    None), joined into one line; a constant without one is an error.

    Constants assigned on consecutive lines share the comment above the first of them (the
    estate's four counts, the three staff groups).
    """
    lines = inspect.getsource(module).splitlines()
    found: dict[str, str] = {}
    group_doc, group_end = "", -1
    for node in ast.parse("\n".join(lines)).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        name = targets[0].id if len(targets) == 1 and isinstance(targets[0], ast.Name) else None
        if name is None or not name.isupper():
            continue
        above = []
        row = node.lineno - 2
        while row >= 0 and lines[row].lstrip().startswith("#:"):
            above.insert(0, lines[row].lstrip()[2:].strip())
            row -= 1
        if above:
            group_doc = " ".join(above)
        elif node.lineno != group_end + 1:
            group_doc = ""
        group_end = node.end_lineno or node.lineno
        if names is None or name in names:
            found[name] = group_doc
    missing = [n for n in (names or found) if not found.get(n)]
    if missing:
        raise ValueError(f"{module.__name__}: no '#:' documentation for {', '.join(missing)}")
    return found


def parameter_table(geodata_config: GeodataConfig | None = None) -> list[dict[str, Any]]:
    """Every parameter, seed-003 figure and method constant: kind, name, value, description,
    source."""
    rows = [{"kind": "parameter", **row} for row in (geodata_config or GeodataConfig()).parameter_table()]
    for name, text in documented_constants(seed003).items():
        rows.append({"kind": "seed 003", "parameter": name, "value": _plain(getattr(seed003, name)),
                     "description": text, "source": "Seed 003 (cabinet paper, 26 November 2015)"})
    for module, names in METHOD_CONSTANTS:
        for name, text in documented_constants(module, names).items():
            rows.append({"kind": "constant", "parameter": f"{module.__name__}.{name}",
                         "value": _plain(getattr(module, name)), "description": text,
                         "source": "Assumption (see description)" if "ssumption" in text else text})
    return rows


def _plain(value: Any) -> Any:
    """A value as JSON can hold it (mappings and tuples as dicts and lists)."""
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
