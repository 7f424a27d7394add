"""The ``earlyhelp`` command's first instant: a stop is one line even while the model loads.

Loading the model's libraries (pandas, GeoPandas, ...) takes about a second; Ctrl-C or SIGTERM
in that second would otherwise print a traceback or end the process silently. This module
imports nothing heavy, turns SIGTERM into an interrupt, and only then loads the command line.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence

EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``earlyhelp`` command (:func:`earlyhelp.cli.main`); returns its exit code."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        from earlyhelp.cli import main as run

        return run(argv)
    except KeyboardInterrupt:  # before the command line could handle it: nothing was written
        print("earlyhelp: interrupted before any work; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)


def command() -> int:
    """The console script (and ``python -m earlyhelp``): :func:`main`, then nothing more.

    Once the run has ended and said so, a stop during the interpreter's shutdown (closing
    libraries, freeing memory) is ignored, so it cannot turn a finished run's exit code into
    "killed by a signal".
    """
    try:
        code = main()
    except KeyboardInterrupt:  # a second stop while the first was being said, or at the end
        code = EXIT_INTERRUPTED
    _ignore_stops()
    return code


def _ignore_stops() -> None:
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)


def _interrupt(number: int, frame: object) -> None:
    raise KeyboardInterrupt(f"stopped by {signal.Signals(number).name}")
