"""The analyst notebooks run from top to bottom on the real data."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.slow

#: Files a notebook writes into its working folder, which the test checks are there.
WRITES = {
    "01_geography.ipynb": ("geography_map.png",),
    "03_simulation.ipynb": ("waits_by_footprint.png",),
    "04_consultation_scenario.ipynb": (
        "results/consultation/variants/budget-cut-2.yaml",
        "results/consultation/runs/runs.csv",
        *(f"results/consultation/runs/{name}/{file}"
          for name in ("proposal-2016", "budget-cut-10", "budget-cut-2")
          for file in ("summary.json", "report.html"))),
    "05_cabinet_charts.ipynb": tuple(
        f"results/cabinet/charts/{name}.{kind}"
        for name in ("plan_map", "coverage_by_district", "budget_bridge", "fte_breakdown",
                     "waits_by_footprint", "comparison", "coverage_by_district_paper",
                     "waits_by_footprint_paper")
        for kind in ("png", "pdf")),
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_without_error(path, lancashire, cache_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("EARLYHELP_CACHE", str(cache_dir))  # reuse the session's build
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    for name in WRITES.get(path.name, ()):
        assert (tmp_path / name).exists(), name


def test_there_is_at_least_one_notebook():
    assert NOTEBOOKS
