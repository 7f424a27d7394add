"""``python -m earlyhelp``: the same as the ``earlyhelp`` command."""

from earlyhelp.entry import command

raise SystemExit(command())
