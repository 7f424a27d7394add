"""Results folders: replaced whole on success, untouched on failure."""

import pytest

from earlyhelp.output import replacing_directory


def test_a_successful_run_replaces_the_folder_whole(tmp_path):
    target = tmp_path / "results"
    target.mkdir()
    (target / "stale.csv").write_text("old")
    with replacing_directory(target) as work:
        (work / "fresh.csv").write_text("new")
    assert [p.name for p in target.iterdir()] == ["fresh.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_a_failed_run_leaves_the_earlier_results_intact(tmp_path):
    target = tmp_path / "results"
    target.mkdir()
    (target / "good.csv").write_text("earlier results")
    with pytest.raises(RuntimeError):
        with replacing_directory(target) as work:
            (work / "half.csv").write_text("half")
            raise RuntimeError("the solver fell over")
    assert (target / "good.csv").read_text() == "earlier results"
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_the_folder_is_readable_by_others_not_private(tmp_path):
    with replacing_directory(tmp_path / "results"):
        pass
    assert (tmp_path / "results").stat().st_mode & 0o055


def test_a_file_is_replaced_only_when_fully_written(tmp_path):
    from earlyhelp.output import replacing_file

    target = tmp_path / "chart.png"
    target.write_bytes(b"good")
    with pytest.raises(ValueError):
        with replacing_file(target) as stream:
            stream.write(b"ha")
            raise ValueError("rendering failed")
    assert target.read_bytes() == b"good"
    with replacing_file(target) as stream:
        stream.write(b"better")
    assert target.read_bytes() == b"better"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]
