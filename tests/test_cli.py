"""The command line as a user meets it: help, parameters, messages."""

import json
from pathlib import Path

from earlyhelp.cli import main
from geodata import GeodataConfig

README = Path(__file__).parent.parent / "README.md"


def test_every_parameter_is_listed_with_a_source(capsys):
    assert main(["geodata", "parameters", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["parameter"] for r in rows} == set(GeodataConfig.model_fields)
    assert all(r["source"] for r in rows)


def test_the_readme_names_every_parameter():
    text = README.read_text()
    missing = [name for name in GeodataConfig.model_fields if f"`{name}`" not in text]
    assert not missing


def test_a_bad_parameter_value_is_one_line_naming_the_parameter(capsys):
    assert main(["geodata", "summary", "--walk-minutes", "500"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "walk_limit_minutes" in err


def test_geodata_without_an_action_shows_its_actions(capsys):
    assert main(["geodata"]) == 0
    out = capsys.readouterr().out
    assert "summary" in out and "export" in out and "map" in out


def test_an_unknown_config_field_is_refused_not_ignored():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        GeodataConfig(walk_limit_minute=20)
