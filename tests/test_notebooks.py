"""The analyst notebooks run from top to bottom on the real data."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.slow

#: Files a notebook writes into its working folder, which the test checks are there.
WRITES = {"01_geography.ipynb": ("geography_map.png",),
          "03_simulation.ipynb": ("waits_by_footprint.png",)}


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
