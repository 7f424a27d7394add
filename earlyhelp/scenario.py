"""The scenario file: one YAML file states a proposal or a variant, section by section.

A scenario has a ``geography`` section (:class:`~geodata.config.GeodataConfig`), ``plan``
(optimised or fixed, :class:`~optimise.config.PlanConfig`), ``siting``
(:class:`~optimise.config.SitingConfig`), ``staffing``, ``costs`` and ``simulation``
(:class:`~sim.config.SimulationConfig`); each layer owns its
section's fields, this module owns how they are put together. Every field omitted takes seed
003's value (or the stated assumption), so ``scenarios/proposal-2016.yaml`` is the defaults.

``extends: other.yaml`` (or a list of files, applied in order) starts from another scenario:
its mapping is merged under this file's, mapping by mapping (lists and single values replace).
``name`` and ``description`` belong to the file that states them and are never inherited, and
``extends`` itself is resolved by the loader and not kept: the merged result is the scenario.
Relative paths (``geography.sites_file`` and the like) are read against the folder of the file
that states them, so a parent's paths stay right when a child in another folder extends it.

Every mistake in a file is refused as one :class:`~geodata.errors.InputError` line naming the
file that stated the bad value, the field, what was given and what was expected.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import os
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from geodata.config import REPLACE_WHOLE_KEY, GeodataConfig, parameter_rows, sourced_field
from geodata.errors import InputError
from optimise.config import PlanConfig, SitingConfig
from optimise.costs import CostConfig
from optimise.staffing import StaffingConfig
from sim.config import SimulationConfig

#: Keys that belong to the file stating them: a child scenario never inherits them.
OWN_KEYS = ("name", "description")
EXTENDS = "extends"
#: Where a planner finds every field with its meaning and source.
REFERENCE_FILE = "scenarios/proposal-2016.yaml"

Key = tuple[Any, ...]


class Scenario(BaseModel):
    """A proposal or variant: the rules of every layer, seed 003's values where none is stated.

    Add a layer's section with one line (``simulation: SimulationConfig = SimulationConfig()``):
    loading, path resolution, the refusals and the parameter table find sections by type.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, description="The scenario's name; the file's stem unless "
                      "the file states one (never inherited through extends).")
    description: str = Field("", description="What the scenario asks, for the report "
                             "(never inherited through extends).")
    seed: int = sourced_field(
        0,
        "Base seed of the simulation's random streams: scenarios with the same seed draw the "
        "same arrivals and durations, so they differ only where their inputs differ.",
        "User choice: any whole number 0 or more; a variant inherits its parent's seed.",
        ge=0,
    )
    geography: GeodataConfig = GeodataConfig()
    plan: PlanConfig = PlanConfig()
    siting: SitingConfig = SitingConfig()
    staffing: StaffingConfig = StaffingConfig()
    costs: CostConfig = CostConfig()
    simulation: SimulationConfig = SimulationConfig()

    @classmethod
    def sections(cls) -> dict[str, type[BaseModel]]:
        """The sections, by name: the fields that are themselves models."""
        found = {name: _model_type(field.annotation) for name, field in cls.model_fields.items()}
        return {name: model for name, model in found.items() if model is not None}

    def parameter_table(self) -> list[dict[str, Any]]:
        """Every parameter of every section: section, parameter, value, description, source.

        The scenario's own fields (name, description, seed) come first as section 'scenario';
        each section's rows come from its own ``parameter_table`` where it has one.
        """
        sections = self.sections()
        rows = [{"section": "scenario", **row} for row in parameter_rows(self)
                if row["parameter"] not in sections]
        for name in sections:
            section = getattr(self, name)
            table = (section.parameter_table() if hasattr(section, "parameter_table")
                     else parameter_rows(section))
            rows += [{"section": name, **row} for row in table]
        return rows

    def digest(self) -> str:
        """A short hash of what is modelled (every section and the seed, as sorted JSON).

        Name and description are left out: two files that differ only in wording model the same
        thing. Paths are the resolved ones, so the digest also changes when an input file moves.
        """
        data = self.model_dump(mode="json", exclude=set(OWN_KEYS))
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def load_scenario(path: str | Path) -> Scenario:
    """The scenario in a YAML file, its ``extends`` merged in; one-line refusals otherwise."""
    return scenario_from_dict(_read(Path(path)), file=path)


def scenario_from_dict(data: Any, *, file: str | Path) -> Scenario:
    """The scenario a mapping states as if read from ``file`` (which names it in messages,
    gives its default name and anchors its relative paths and ``extends``)."""
    file = Path(file)
    merged, origins = _merged(data, file, chain=(file,))
    merged.setdefault("name", file.stem)
    try:
        return Scenario.model_validate(merged)
    except ValidationError as exc:
        raise _refusal(exc, origins, file) from None


# --- reading and merging --------------------------------------------------------------------


def _read(file: Path) -> Any:
    """The YAML in ``file``, read safely."""
    try:
        text = file.read_bytes()
    except FileNotFoundError:
        raise InputError(file, "file not found", expected="a scenario file (YAML)") from None
    except OSError as exc:
        raise InputError(file, f"cannot be read ({exc.strerror or exc})",
                         expected="a scenario file (YAML)") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(file, f"is not valid YAML{where}: {exc.problem or exc.context}",
                         expected="'field: value' lines, a section's fields indented by spaces") from None
    except yaml.YAMLError as exc:
        raise InputError(file, f"is not valid YAML: {' '.join(str(exc).split())}") from None


def _merged(data: Any, file: Path, chain: tuple[Path, ...]) -> tuple[dict[Any, Any], dict[Key, Path]]:
    """``data`` merged over its parents, and which file stated each key (by key path)."""
    own = _own_mapping(data, file)
    merged: dict[Any, Any] = {}
    origins: dict[Key, Path] = {}
    for parent in _parents(own.pop(EXTENDS, None), file, chain):
        inherited, inherited_origins = _merged(_read(parent), parent, (*chain, parent))
        for key in OWN_KEYS:
            inherited.pop(key, None)
        merged = _merge(merged, inherited, origins, inherited_origins)
    return _merge(merged, own, origins, _stated(own, file)), origins


def _own_mapping(data: Any, file: Path) -> dict[Any, Any]:
    """The file's mapping, with empty sections as ``{}`` and relative paths made absolute."""
    if not isinstance(data, dict):
        held = "nothing" if data is None else f"a {_yaml_kind(data)}, not named sections"
        raise InputError(file, f"holds {held}", expected="a mapping of sections "
                         f"({', '.join(Scenario.sections())}) as in {REFERENCE_FILE}")
    own = dict(data)
    for name, model in Scenario.sections().items():
        if name in own and own[name] is None:  # a section whose every field is commented out
            own[name] = {}
        if isinstance(own.get(name), dict):
            own[name] = _paths_resolved(own[name], model, file.parent)
    return own


def _paths_resolved(section: dict[Any, Any], model: type[BaseModel], folder: Path) -> dict[Any, Any]:
    """``section`` with each path field that is relative read against ``folder``."""
    resolved = dict(section)
    for name, field in model.model_fields.items():
        value = resolved.get(name)
        if isinstance(value, str | Path) and _admits(field.annotation, Path):
            resolved[name] = os.path.abspath(folder / Path(value).expanduser())
    return resolved


def _parents(extends: Any, file: Path, chain: tuple[Path, ...]) -> list[Path]:
    """The files ``extends`` names, each checked to exist and not to lead back into ``chain``."""
    if extends is None:
        return []
    names = [extends] if isinstance(extends, str) else extends
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise InputError(file, f"{_shown(extends)} given", field=EXTENDS,
                         expected="a scenario file's path, or a list of them")
    parents = [Path(os.path.normpath(file.parent / name)) for name in names]
    for parent in parents:
        if any(_same_file(parent, earlier) for earlier in chain):
            loop = " -> ".join(_relative(p, chain[0].parent) for p in (*chain, parent))
            raise InputError(file, f"the scenarios extend each other in a cycle: {loop}",
                             field=EXTENDS, expected="a chain that ends in a file without extends")
        if not parent.is_file():
            raise InputError(file, f"names {parent.name}, which does not exist (looked for "
                             f"{os.path.abspath(parent)})", field=EXTENDS,
                             expected=f"a scenario file, its path relative to {file.name}'s folder")
    return parents


def _merge(base: dict[Any, Any], over: dict[Any, Any], origins: dict[Key, Path],
           over_origins: dict[Key, Path], prefix: Key = ()) -> dict[Any, Any]:
    """``over`` deep-merged over ``base`` (mappings key by key, except those a field says are
    stated whole, such as shares; anything else replaces), with ``origins`` updated from
    ``over_origins`` for what ``over`` decides."""
    merged = dict(base)
    for key, value in over.items():
        path = (*prefix, key)
        if isinstance(value, dict) and isinstance(merged.get(key), dict) \
                and path not in _stated_whole():
            merged[key] = _merge(merged[key], value, origins, over_origins, path)
            origins[path] = over_origins[path]
            continue
        merged[key] = value
        origins.update({p: f for p, f in over_origins.items() if p[: len(path)] == path})
    return merged


@functools.cache
def _stated_whole() -> frozenset[Key]:
    """(section, field) of every mapping field a file states whole, never merged."""
    found = set()
    for section, model in Scenario.sections().items():
        for name, field in model.model_fields.items():
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            if extra.get(REPLACE_WHOLE_KEY):
                found.add((section, name))
    return frozenset(found)


def _stated(data: dict[Any, Any], file: Path, prefix: Key = ()) -> dict[Key, Path]:
    """``file`` for every key path in ``data``, nested mappings included."""
    found: dict[Key, Path] = {}
    for key, value in data.items():
        path = (*prefix, key)
        found[path] = file
        if isinstance(value, dict):
            found.update(_stated(value, file, path))
    return found


# --- refusals -------------------------------------------------------------------------------

#: pydantic's words for a type, as a planner would say it.
_EXPECTED = {
    "int_parsing": "a whole number", "int_type": "a whole number",
    "int_from_float": "a whole number", "float_parsing": "a number", "float_type": "a number",
    "finite_number": "a finite number", "bool_parsing": "true or false",
    "bool_type": "true or false", "string_type": "text", "tuple_type": "a list",
    "list_type": "a list", "path_type": "a file path",
}


def _refusal(exc: ValidationError, origins: dict[Key, Path], file: Path) -> InputError:
    """The first problem pydantic found, as one line naming the file that stated it."""
    errors = exc.errors()
    error = errors[0]
    loc = tuple(error["loc"])
    stated_by = next((origins[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in origins), file)
    if error["type"] == "missing" and loc and isinstance(loc[-1], int):  # a list too short
        problem, expected, loc = f"item {loc[-1] + 1} is missing", None, loc[:-1]
    else:
        problem, expected = _described(error, loc)
    field = _dotted(loc) or None
    if len(errors) > 1:
        problem = f"first of {len(errors)} problems: {problem}"
    return InputError(stated_by, problem, field=field, expected=expected)


def _described(error: Any, loc: Key) -> tuple[str, str | None]:
    """What went wrong at ``loc`` and what was expected, in a planner's words."""
    kind = error["type"]
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        names = list(model.model_fields) + ([EXTENDS] if model is Scenario else [])
        owner = f"the {_dotted(loc[:-1])} section" if loc[:-1] else "a scenario"
        near = difflib.get_close_matches(str(loc[-1]), names, n=1)
        if near:
            return f"not a field of {owner}; did you mean {near[0]!r}?", None
        return f"not a field of {owner}", f"one of {', '.join(names)}"
    message = error["msg"].removeprefix("Value error, ")
    if not message.startswith("Input should be"):  # a rule across fields, worded by its model
        return message, None
    if kind in ("model_type", "dict_type"):
        expected = f"the {_dotted(loc)} section's fields, one 'field: value' a line, as in {REFERENCE_FILE}"
    else:
        expected = _EXPECTED.get(kind, message.removeprefix("Input should be "))
    if kind in _EXPECTED and _allows_null(loc):
        expected += ", or null"
    return f"{_shown(error['input'])} given", expected


def _model_at(loc: Key) -> type[BaseModel]:
    """The model whose fields a mapping at ``loc`` holds (the scenario at the top)."""
    model: type[BaseModel] = Scenario
    for key in loc:
        field = model.model_fields.get(key) if isinstance(key, str) else None
        inner = _model_type(field.annotation) if field is not None else None
        if inner is None:
            break
        model = inner
    return model


def _allows_null(loc: Key) -> bool:
    """Whether the field at ``loc`` (a model's field, not an item in it) may be null."""
    if not loc or not isinstance(loc[-1], str):
        return False
    field = _model_at(loc[:-1]).model_fields.get(loc[-1])
    return field is not None and _admits(field.annotation, type(None))


def _dotted(loc: Key) -> str:
    """``siting.access_points.high[1]``: fields by dots, list items by position."""
    text = ""
    for key in loc:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


def _shown(value: Any) -> str:
    """A value as the YAML file would write it, shortened to fit a line."""
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _yaml_kind(value: Any) -> str:
    return {list: "list", str: "line of text"}.get(type(value), type(value).__name__)


# --- types and tables -------------------------------------------------------------------------


def _members(annotation: Any) -> tuple[Any, ...]:
    """The types a (possibly union) annotation admits."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return typing.get_args(annotation)
    return (annotation,)


def _admits(annotation: Any, kind: type) -> bool:
    return any(isinstance(m, type) and issubclass(m, kind) for m in _members(annotation))


def _model_type(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, if it holds one."""
    return next((m for m in _members(annotation)
                 if isinstance(m, type) and issubclass(m, BaseModel)), None)


def _same_file(a: Path, b: Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _relative(path: Path, folder: Path) -> str:
    return os.path.relpath(path, folder)


def with_overrides(scenario: Scenario, section: str, values: dict[str, Any]) -> Scenario:
    """The scenario with fields of one section replaced (a command's options; None: keep the
    scenario's), validated as if the file had stated them."""
    given = {name: value for name, value in values.items() if value is not None}
    if not given:
        return scenario
    current = getattr(scenario, section)
    updated = type(current).model_validate({**current.model_dump(), **given})
    return scenario.model_copy(update={section: updated})


def scenario_files(path: str | Path) -> list[Path]:
    """The scenario file and every file its ``extends`` chain reads, parents first (for a
    results folder's manifest: which files, with which contents, made the scenario)."""
    file = Path(path)
    return _chain(file, (file,))


def _chain(file: Path, chain: tuple[Path, ...]) -> list[Path]:
    data = _read(file)
    extends = data.get(EXTENDS) if isinstance(data, dict) else None
    files: list[Path] = []
    for parent in _parents(extends, file, chain):
        files += [f for f in _chain(parent, (*chain, parent)) if f not in files]
    return [*files, file]
