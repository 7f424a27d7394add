"""Writing results so that no run, failed, killed or interrupted, loses a user's data.

Every command writes its results folder through :func:`replacing_directory` and single files
through :func:`replacing_file`. The guarantees:

- A folder earlyhelp did not write is never removed or replaced: results folders carry a
  marker file (:data:`MARKER`), and a target that is a file, a link, or a non-empty folder
  without the marker is refused with an :class:`OutputError` before any work
  (:func:`check_results_target`, cheap enough for the command line to call first).
- At every instant the target holds the old or the new complete results. On Linux the two
  folders are exchanged in one step (``renameat2`` with ``RENAME_EXCHANGE``); elsewhere the old
  folder is first renamed to ``.NAME.earlyhelp-old``, and a run that finds it without the target
  restores it and says so.
- Unfinished copies are named ``.NAME.partial-PID-*`` after their writer's process id; the next
  write removes those whose writer is no longer running. :func:`terminate_as_interrupt` turns
  SIGTERM and SIGHUP into ``KeyboardInterrupt`` so that the normal cleanup runs on them too.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import BinaryIO

from geodata.errors import EarlyHelpError, EarlyHelpWarning
from geodata.files import remove_stale_partials

#: File inside every results folder earlyhelp writes; only such folders are ever replaced.
MARKER = ".earlyhelp-results"

_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100  # linux/fcntl.h
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}


class OutputError(EarlyHelpError):
    """A results path that earlyhelp must not write to (it would destroy something else)."""


def check_results_target(path: str | os.PathLike[str]) -> Path:
    """Refuse, before any work, a results folder that earlyhelp may not replace; return it.

    An absent folder, an empty one, or one earlier written by earlyhelp (it holds
    :data:`MARKER`) may be used. A swap an earlier run did not finish is completed first: its
    results are restored (with an :class:`EarlyHelpWarning`) or its leftover copy removed.
    """
    target = _absolute(path)
    if not target.name:
        raise OutputError(f"{target} cannot be a results folder: choose a new folder or an empty one")
    check_writable_place(target)
    _recover(target)
    if target.is_symlink():
        why = "is a link, and earlyhelp does not write results through links"
    elif not target.exists() or _is_ours(target):
        return target
    elif not target.is_dir():
        why = "is a file, not a results folder"
    else:
        why = f"holds files that earlyhelp did not write (it has no {MARKER}), so it will not replace them"
    raise OutputError(f"{target} {why}: choose a new folder or an empty one")


def check_writable_place(path: str | os.PathLike[str]) -> None:
    """Refuse, before any work, a path whose folder is a file or cannot be written in.

    The nearest folder that exists on the way up must be a folder this user may write in (the
    results are written beside ``path`` and the missing folders made there).
    """
    target = _absolute(path)
    for ancestor in target.parents:
        if not os.path.lexists(ancestor):
            continue
        if not ancestor.is_dir():
            raise OutputError(f"{target} cannot be written: {ancestor} is a file, not a folder")
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise OutputError(f"{target} cannot be written: this user may not write in {ancestor}; "
                              "choose a folder you may write in")
        return


@contextmanager
def replacing_directory(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty work folder that replaces ``target`` whole only if the block succeeds.

    ``target`` is checked first (:func:`check_results_target`). The work folder sits beside it
    (same file system, so the swap is a rename) and is removed if the block raises; the
    finished folder gets :data:`MARKER`, normal permissions and is synced to disk before the
    swap.
    """
    target = check_results_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(target)
    work = Path(tempfile.mkdtemp(prefix=_partial_prefix(target), dir=target.parent))
    work.chmod(0o777 & ~_umask())  # mkdtemp makes it private; results are for sharing
    try:
        yield work
        _write_marker(work)
        _sync_tree(work)
        check_results_target(target)  # nothing foreign appeared there during the run
        leftover = _swap(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _fsync(target.parent)
    if leftover is not None:
        _discard(leftover, target)


@contextmanager
def replacing_file(target: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Yield a binary stream whose content replaces ``target`` only if the block succeeds.

    The stream is a temporary file beside ``target``, synced and renamed over it at the end
    with normal permissions; on failure it is removed and ``target`` (if any) is untouched.
    """
    target = _absolute(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(target)
    handle, temporary = tempfile.mkstemp(prefix=_partial_prefix(target), suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Inside the block, SIGTERM (and SIGHUP) raise ``KeyboardInterrupt`` like Ctrl-C does.

    So a run stopped by ``kill``, a scheduler or a closed terminal cleans up its unfinished
    results as an interrupted one does. Only in the main thread (where Python runs signal
    handlers); a signal that is being ignored (e.g. SIGHUP under ``nohup``) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = ("SIGTERM", "SIGHUP")
    wanted = [getattr(signal, n) for n in names if hasattr(signal, n)]
    previous = {s: signal.getsignal(s) for s in wanted}
    for number, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(number, _interrupt)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)


def _interrupt(number: int, frame: object) -> None:
    raise KeyboardInterrupt(f"stopped by {signal.Signals(number).name}")


def _swap(work: Path, target: Path) -> Path | None:
    """Put ``work`` in the place of ``target``; return where the old results now are, if any."""
    if not os.path.lexists(target):
        os.rename(work, target)
        return None
    if _exchange(work, target):
        return work
    old = _old_copy(target)
    os.rename(target, old)
    try:
        os.rename(work, target)
    except BaseException:
        os.rename(old, target)
        raise
    return old


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step; False where the system cannot (then nothing moved)."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:  # an old kernel or a file system without the exchange
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """libc's ``renameat2`` on Linux (glibc 2.28 or later), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _recover(target: Path) -> None:
    """Finish a swap an earlier run left half done: restore the old results or drop the copy."""
    old = _old_copy(target)
    if not _is_ours(old):  # absent, or not ours to touch
        return
    if is_results_folder(target):
        _discard(old, target)  # the swap had finished; this is the copy it was removing
        return
    if os.path.lexists(target) and not _is_empty_folder(target):
        return  # something else stands there now; the check refuses it
    os.rename(old, target)  # over an empty folder, if one was made meanwhile
    warnings.warn(
        f"{target} was restored from {old.name}: an earlier run was stopped while replacing it, "
        "so it holds the results from before that run",
        EarlyHelpWarning,
        stacklevel=2,
    )


def _discard(folder: Path, target: Path) -> None:
    """Remove a copy of old results, under a partial name first so a kill midway leaves a
    stale partial (removed by the next run), never a half-removed folder under another name."""
    if not folder.name.startswith(_partial_prefix(target)):
        doomed = tempfile.mkdtemp(prefix=_partial_prefix(target), dir=target.parent)
        os.rename(folder, doomed)  # over the empty folder just made
        folder = Path(doomed)
    shutil.rmtree(folder, ignore_errors=True)


def _remove_stale_partials(target: Path) -> None:
    """Remove unfinished copies of ``target`` whose writer is no longer running, and say so."""
    pattern = rf"\.{re.escape(target.name)}\.partial-(?P<pid>\d+)-[a-z0-9_]+(?:\.tmp)?"
    removed = remove_stale_partials(target.parent, pattern)
    if removed:
        warnings.warn(
            f"removed {len(removed)} unfinished cop{'y' if len(removed) == 1 else 'ies'} of {target} "
            f"left by runs that were stopped: {', '.join(removed)}",
            EarlyHelpWarning,
            stacklevel=2,
        )


def _partial_prefix(target: Path) -> str:
    return f".{target.name}.partial-{os.getpid()}-"


def _old_copy(target: Path) -> Path:
    return target.parent / f".{target.name}.earlyhelp-old"


def _is_ours(path: Path) -> bool:
    """A real folder that earlyhelp wrote (it holds the marker) or an empty one."""
    return is_results_folder(path) or _is_empty_folder(path)


def is_results_folder(path: Path) -> bool:
    """A real folder holding :data:`MARKER`: results earlyhelp wrote."""
    return not path.is_symlink() and path.is_dir() and (path / MARKER).is_file()


def _is_empty_folder(path: Path) -> bool:
    if path.is_symlink() or not path.is_dir():
        return False
    with os.scandir(path) as entries:
        return next(entries, None) is None


def _write_marker(folder: Path) -> None:
    try:
        tool_version = version("earlyhelp")
    except PackageNotFoundError:
        tool_version = "unknown"
    created = datetime.now(UTC).isoformat(timespec="seconds")
    marker = {"tool": "earlyhelp", "version": tool_version, "created": created}
    (folder / MARKER).write_text(json.dumps(marker))


def _sync_tree(folder: Path) -> None:
    """Flush a finished folder's files and folders to disk, so a power cut after the swap
    cannot leave the new results empty where the old ones were."""
    for root, _, files in os.walk(folder):
        for name in files:
            if not os.path.islink(os.path.join(root, name)):
                _fsync(Path(root) / name)
        _fsync(Path(root))


def _fsync(path: Path) -> None:
    """Flush a file or folder to disk; for a folder only where the system can (not Windows)."""
    folder = path.is_dir()
    try:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError:
        if not folder:
            raise


def _absolute(path: str | os.PathLike[str]) -> Path:
    """The absolute path without following links (a link at the target must be seen as one)."""
    return Path(os.path.abspath(path))


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
