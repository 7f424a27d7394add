"""Headless Chromium for the tests that check what a reader of a page sees (Debian's
`chromium`, which .ci/run installs; the tests skip without it)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NEEDS_CHROMIUM = "needs Chromium (.ci/run installs Debian's)"


def rendered_dom(page: Path) -> str:
    """The page's DOM after its scripts ran (five seconds of virtual time), from a throwaway
    profile with no network chatter."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
             "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=True)
    return done.stdout
