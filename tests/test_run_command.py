"""`earlyhelp run`: one scenario end to end into one results folder, with a manifest that says
what made it; the same inputs give the same results, and a refusal leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from earlyhelp.cli import main
from earlyhelp.manifest import run_manifest, sha256
from earlyhelp.scenario import load_scenario, scenario_files
from tests.fixtures import run_twice, without_clock

PROPOSAL = "scenarios/proposal-2016.yaml"


def test_a_variant_s_manifest_lists_every_file_of_its_chain_with_its_hash(tmp_path: Path):
    parent = tmp_path / "parent.yaml"
    parent.write_text("siting:\n  centres: 50\n")
    child = tmp_path / "sub" / "child.yaml"
    child.parent.mkdir()
    child.write_text("extends: ../parent.yaml\nseed: 7\n")
    assert [f.name for f in scenario_files(child)] == ["parent.yaml", "child.yaml"]
    scenario = load_scenario(child)
    manifest = run_manifest(child, scenario, seconds={"siting": 1.5}, command=["earlyhelp"])
    files = manifest["scenario"]["files"]
    assert [Path(f["path"]).name for f in files] == ["parent.yaml", "child.yaml"]
    assert files[0]["sha256"] == sha256(parent)
    assert manifest["seed"] == 7 and manifest["seconds"] == {"siting": 1.5}
    assert manifest["packages"]["highspy"] and manifest["packages"]["simpy"]
    assert "lcc_register_sites.csv" in manifest["embedded_data"]


def test_an_input_file_the_scenario_names_is_in_the_manifest(tmp_path: Path):
    sites = tmp_path / "sites.csv"
    sites.write_text("name,postcode\n")
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text(f"geography:\n  sites_file: {sites.name}\n")
    manifest = run_manifest(scenario_file, load_scenario(scenario_file), seconds={})
    assert manifest["inputs"]["sites_file"]["sha256"] == sha256(sites)


@pytest.mark.slow
def test_run_writes_siting_simulation_summary_and_manifest_the_same_twice(tmp_path: Path, capsys):
    first, second = run_twice(["run", PROPOSAL, "--reps", "2", "--workers", "1", "--quiet"],
                              tmp_path)
    printed = capsys.readouterr().out
    assert "centres: 56 (12 enhanced)" in printed and "wait for a lead professional" in printed
    for name in ("siting/plan.csv", "siting/plan_map.png", "siting/budget_bridge.png",
                 "simulation/kpis_intervals.csv", "simulation/waits_by_footprint.png",
                 "simulation/district_report.html", "summary.json", "manifest.json",
                 "report.html", "map.html", "charts/plan_map.png", "charts/fte_breakdown.pdf",
                 "charts/coverage_by_district.png", "charts/waits_by_footprint.pdf"):
        assert (first / name).is_file(), name
    summary = json.loads((first / "summary.json").read_text())
    assert summary["scenario"] == "proposal-2016"
    assert summary["siting"]["centres_open"] == 56
    assert summary["siting"]["sessions_per_week"] == 452
    assert summary["simulation"]["reps"] == 2
    manifest = json.loads((first / "manifest.json").read_text())
    assert set(manifest["seconds"]) == {"geography", "siting", "simulation", "results"}
    assert manifest["scenario"]["digest"] == summary["scenario_digest"]
    for name in ("summary.json", "siting/plan.csv", "simulation/kpis.csv",
                 "charts/budget_bridge.png", "charts/fte_breakdown.png", "map.html"):
        one, two = (first / name).read_bytes(), (second / name).read_bytes()
        if name == "summary.json":  # the solver's and the simulation's seconds differ
            one, two = (without_clock(json.loads(x)) for x in (one, two))
        assert one == two, name


def test_run_refuses_a_folder_it_did_not_write_before_any_work(tmp_path: Path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert main(["run", PROPOSAL, "--out", str(mine), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "mine" in err
    assert (mine / "notes.txt").read_text() == "keep me"


def test_run_refuses_bad_replications_in_one_line(tmp_path: Path, capsys):
    assert main(["run", PROPOSAL, "--out", str(tmp_path / "x"), "--reps", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--reps" in err
    assert not (tmp_path / "x").exists()


# --- several scenarios at once ------------------------------------------------------------

def _variant(folder: Path, name: str, body: str) -> Path:
    file = folder / f"{name}.yaml"
    file.write_text(f"extends: {Path(PROPOSAL).resolve()}\n{body}")
    return file


def test_two_scenarios_with_one_name_are_refused_before_any_work(tmp_path: Path, capsys):
    one = _variant(tmp_path, "one", "name: same\n")
    two = _variant(tmp_path, "two", "name: same\n")
    assert main(["run", str(one), str(two), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'same'" in err and "one.yaml" in err
    assert not (tmp_path / "out").exists()


def test_a_parent_folder_holding_other_files_is_refused_and_left_alone(tmp_path: Path, capsys):
    parent = tmp_path / "results"
    parent.mkdir()
    (parent / "budget.xlsx").write_text("theirs")
    one, two = _variant(tmp_path, "one", ""), _variant(tmp_path, "two", "")
    assert main(["run", str(one), str(two), "--out", str(parent), "--quiet"]) == 2
    assert "budget.xlsx" in capsys.readouterr().err
    assert [p.name for p in parent.iterdir()] == ["budget.xlsx"]


@pytest.mark.slow
def test_one_bad_scenario_of_several_is_reported_and_the_others_finish(tmp_path: Path, capsys):
    good = _variant(tmp_path, "good", "simulation:\n  vacancy_rate: 0.08\n")
    bad = _variant(tmp_path, "bad", "siting:\n  centers: 50\n")
    out = tmp_path / "batch"
    assert main(["run", str(good), str(bad), "--out", str(out), "--reps", "2", "--jobs", "2",
                 "--quiet"]) == 2
    captured = capsys.readouterr()
    assert "good: 56 centres" in captured.out and "1 of 2 scenarios written" in captured.out
    assert "bad" in captured.err and "siting.centers" in captured.err
    summary = json.loads((out / "good" / "summary.json").read_text())
    assert summary["simulation"]["reps"] == 2
    assert not (out / "bad").exists()
    table = (out / "runs.csv").read_text().splitlines()
    assert table[0].startswith("scenario,file,folder,status,error,seconds")
    assert [row.split(",")[0] for row in table[1:]] == ["good", "bad"]
    assert ",ok," in table[1] and ",failed," in table[2]
