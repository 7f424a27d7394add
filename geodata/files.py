"""Leftovers of stopped runs: unfinished files named after their writer's process id.

Both writers (the geography cache, :mod:`geodata.cache`, and the results folders,
:mod:`earlyhelp.output`) name what they have not finished ``...partial-PID-...``; whoever writes
next removes those whose writer is no longer running.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path


def remove_stale_partials(folder: Path, pattern: str) -> list[str]:
    """Remove the files and folders in ``folder`` named by ``pattern`` whose writer has stopped.

    ``pattern`` must match the whole name and capture the writer's process id as ``pid``;
    entries of a running process, links and anything not matching are never touched. Returns
    the names removed.
    """
    removed = []
    try:
        with os.scandir(folder) as scan:
            entries = [e for e in scan if (m := re.fullmatch(pattern, e.name))
                       and not process_alive(int(m["pid"]))]
    except OSError:
        return []
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            elif entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
            else:
                continue
        except OSError:
            continue  # another run removed it first, or it cannot be: leave it
        removed.append(entry.name)
    return removed


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` is running on this machine (True when that cannot be known)."""
    if os.name == "nt":  # os.kill would terminate it there; keep its files
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # another user's process, or a number that cannot be checked
    return True
