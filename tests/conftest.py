"""Shared fixtures: the real Lancashire geography, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata import GeodataConfig, Geography, build_geography


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("geocache")


@pytest.fixture(scope="session")
def lancashire(cache_dir: Path) -> Geography:
    """The default geography from the embedded real data (about 10 s, once)."""
    return build_geography(GeodataConfig(), cache_dir=cache_dir)
