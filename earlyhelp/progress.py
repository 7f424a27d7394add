"""Progress lines on stderr while a long command works: each step with the time so far."""

from __future__ import annotations

import sys
import time


class Steps:
    """Call with a step's description as it starts; ``done()`` at the end. Lines go to stderr
    (stdout stays the command's answer), each prefixed with the seconds since the start."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self.began = time.perf_counter()

    def __call__(self, step: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.began:6.1f} s] {step}", file=sys.stderr,
                  flush=True)

    def done(self) -> None:
        self("done")
