"""The scenario file: what it takes (extends, relative paths, empty sections) and what it refuses."""

from pathlib import Path

import pytest

from earlyhelp.scenario import Scenario, load_scenario, scenario_from_dict
from geodata.errors import InputError

PROPOSAL = Path(__file__).parents[1] / "scenarios" / "proposal-2016.yaml"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _refusal(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    return caught.value


def test_the_proposal_loads_and_equals_the_defaults():
    proposal = load_scenario(PROPOSAL)
    assert proposal == Scenario(name="proposal-2016", description=proposal.description)
    assert (proposal.siting.centres, proposal.siting.budget_gbp) == (56, 17_230_000)
    assert proposal.staffing.fte_total == 540


def test_a_file_without_a_name_is_named_for_its_stem_and_an_empty_section_takes_the_defaults(
        tmp_path):
    path = _write(tmp_path, "variant-a.yaml", "siting:\n  # centres: 40\n")
    assert load_scenario(path) == Scenario(name="variant-a")


def test_an_unknown_field_is_refused_with_the_nearest_field_name(tmp_path):
    path = _write(tmp_path, "s.yaml", "siting:\n  centers: 50\n")
    assert str(_refusal(path)) == (f"{path}, field 'siting.centers': not a field of the siting "
                                   "section; did you mean 'centres'?")


def test_an_unknown_section_is_refused_with_the_nearest_section_name(tmp_path):
    path = _write(tmp_path, "s.yaml", "sitting:\n  centres: 50\n")
    assert str(_refusal(path)) == (f"{path}, field 'sitting': not a field of a scenario; did "
                                   "you mean 'siting'?")


def test_a_wrong_type_is_refused_with_what_was_given_and_what_was_expected(tmp_path):
    path = _write(tmp_path, "s.yaml", "siting:\n  centres: many\n")
    error = _refusal(path)
    assert str(error) == (f"{path}, field 'siting.centres': 'many' given (expected a whole "
                          "number, or null)")
    assert (error.file, error.field) == (str(path), "siting.centres")


def test_several_problems_are_counted_and_the_first_is_said(tmp_path):
    path = _write(tmp_path, "s.yaml", "siting:\n  centres: many\n  budget_gbp: -1\n")
    assert str(_refusal(path)) == (f"{path}, field 'siting.centres': first of 2 problems: "
                                   "'many' given (expected a whole number, or null)")


def test_a_yaml_syntax_error_is_refused_with_its_line_and_column(tmp_path):
    path = _write(tmp_path, "s.yaml", "siting:\n  centres: 56\n   budget_gbp: 1\n")
    assert str(_refusal(path)) == (f"{path}: is not valid YAML at line 3, column 14: mapping "
                                   "values are not allowed here (expected 'field: value' lines, "
                                   "a section's fields indented by spaces)")


@pytest.mark.parametrize(("text", "held"), [("", "nothing"), ("# all commented\n", "nothing"),
                                            ("- siting\n", "a list, not named sections")])
def test_a_file_without_a_mapping_of_sections_is_refused(tmp_path, text, held):
    path = _write(tmp_path, "s.yaml", text)
    assert str(_refusal(path)) == (f"{path}: holds {held} (expected a mapping of sections "
                                   f"({', '.join(Scenario.sections())}) as in "
                                   "scenarios/proposal-2016.yaml)")


def test_extends_merges_the_child_over_the_parent_section_by_section(tmp_path):
    _write(tmp_path, "parent.yaml", "name: parent\ndescription: the parent\nseed: 7\n"
           "geography:\n  walk_limit_minutes: 20\nsiting:\n  centres: 40\n  budget_gbp: 1000000\n"
           "  lock_open: [A, B]\n")
    child = _write(tmp_path, "child.yaml", "extends: parent.yaml\n"
                   "siting:\n  centres: 50\n  lock_open: [C]\n")
    scenario = load_scenario(child)
    assert scenario.siting.centres == 50
    assert scenario.siting.lock_open == ("C",)  # a list replaces, never appends
    assert (scenario.geography.walk_limit_minutes, scenario.siting.budget_gbp, scenario.seed) == (
        20, 1_000_000, 7)
    assert (scenario.name, scenario.description) == ("child", "")  # never inherited


def test_shares_a_child_states_replace_the_parents_whole(tmp_path):
    _write(tmp_path, "parent.yaml", "simulation:\n  source_shares: {Health: 0.5, MASH: 0.5}\n"
           "  level_shares: {level_2: 0.2, level_3: 0.7, level_4a: 0.1}\n  vacancy_rate: 0.07\n")
    child = _write(tmp_path, "child.yaml", "extends: parent.yaml\nsimulation:\n"
                   "  source_shares: {Police/YOT: 1.0}\n")
    simulation = load_scenario(child).simulation
    assert simulation.source_shares == {"Police/YOT": 1.0}  # not merged with Health and MASH
    assert (simulation.level_shares.level_2, simulation.vacancy_rate) == (0.2, 0.07)


def test_a_list_of_parents_is_applied_in_order_then_the_child(tmp_path):
    _write(tmp_path, "one.yaml", "siting:\n  centres: 40\n  options: 2\n")
    _write(tmp_path, "two.yaml", "siting:\n  centres: 45\n  mip_gap: 0.01\n")
    child = _write(tmp_path, "child.yaml", "extends: [one.yaml, two.yaml]\nsiting:\n  options: 3\n")
    siting = load_scenario(child).siting
    assert (siting.centres, siting.options, siting.mip_gap) == (45, 3, 0.01)


def test_a_missing_parent_is_refused_naming_the_extends_field(tmp_path):
    child = _write(tmp_path, "child.yaml", "extends: base.yaml\n")
    assert str(_refusal(child)) == (
        f"{child}, field 'extends': names base.yaml, which does not exist (looked for "
        f"{tmp_path / 'base.yaml'}) (expected a scenario file, its path relative to child.yaml's "
        "folder)")


def test_a_cycle_of_extends_is_refused_naming_the_chain(tmp_path):
    a = _write(tmp_path, "a.yaml", "extends: b.yaml\n")
    b = _write(tmp_path, "b.yaml", "extends: a.yaml\n")
    assert str(_refusal(a)) == (f"{b}, field 'extends': the scenarios extend each other in a "
                                "cycle: a.yaml -> b.yaml -> a.yaml (expected a chain that ends in "
                                "a file without extends)")


def test_relative_paths_are_read_against_the_folder_of_the_file_that_states_them(tmp_path):
    _write(tmp_path, "base/base.yaml", "geography:\n  sites_file: data/sites.csv\n")
    child = _write(tmp_path, "variants/v.yaml", "extends: ../base/base.yaml\n"
                   "geography:\n  walk_network: paths.gpkg\n")
    geography = load_scenario(child).geography
    assert geography.sites_file == tmp_path / "base" / "data" / "sites.csv"
    assert geography.walk_network == tmp_path / "variants" / "paths.gpkg"


def test_a_bad_value_is_blamed_on_the_file_that_states_it(tmp_path):
    parent = _write(tmp_path, "parent.yaml", "siting:\n  budget_gbp: lots\n  centres: many\n")
    fixed = _write(tmp_path, "fixed.yaml", "extends: parent.yaml\nsiting:\n  centres: 50\n")
    assert str(_refusal(fixed)) == (f"{parent}, field 'siting.budget_gbp': 'lots' given "
                                    "(expected a number, or null)")
    child = _write(tmp_path, "child.yaml", "extends: parent.yaml\nsiting:\n  budget_gbp: 5\n"
                   "  centres: [1]\n")
    assert _refusal(child).file == str(child)
    clash = _write(tmp_path, "clash.yaml", "extends: locks.yaml\nsiting:\n  lock_closed: [A]\n")
    _write(tmp_path, "locks.yaml", "siting:\n  lock_open: [A]\n")
    assert str(_refusal(clash)) == f"{clash}, field 'siting': A locked both open and closed"


@pytest.mark.parametrize("text", ["siting:\n  centres: -1\n", "geography:\n  circuity: x\n",
                                  "siting: 5\n", "extends: [1]\n",
                                  "siting:\n  access_points: {high: [3]}\n",
                                  "siting:\n  lock_open: [A]\n  lock_closed: [A]\n"])
def test_every_refusal_is_one_line_naming_the_file_and_the_field(tmp_path, text):
    path = _write(tmp_path, "s.yaml", text)
    message = str(_refusal(path))
    field = text.split(":")[0]
    assert "\n" not in message
    assert message.startswith(f"{path}, field '{field}")


def test_a_mapping_is_read_as_if_from_its_file(tmp_path):
    _write(tmp_path, "parent.yaml", "siting:\n  centres: 40\n")
    scenario = scenario_from_dict({"extends": "parent.yaml", "geography": {"sites_file": "s.csv"}},
                                  file=tmp_path / "notebook.yaml")
    assert (scenario.name, scenario.siting.centres) == ("notebook", 40)
    assert scenario.geography.sites_file == tmp_path / "s.csv"


def test_the_parameter_table_lists_every_field_of_every_section():
    scenario = Scenario(name="x")
    listed = {(row["section"], row["parameter"]) for row in scenario.parameter_table()}
    expected = {("scenario", name) for name in ("name", "description", "seed")}
    for section, model in Scenario.sections().items():
        expected |= {(section, name) for name in model.model_fields}
    assert listed == expected
    assert {"geography", "siting", "staffing", "costs"} <= set(Scenario.sections())


def test_the_digest_changes_with_what_is_modelled_not_with_the_name():
    base = Scenario(name="a")
    assert base.digest() == Scenario(name="b", description="same rules").digest()
    assert base.digest() != Scenario(name="a", seed=1).digest()
    assert len(base.digest()) == 12
