"""``python -m earlyhelp``: the same as the ``earlyhelp`` command."""

from earlyhelp.cli import main

raise SystemExit(main())
