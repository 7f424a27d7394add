"""``python -m earlyhelp``: the same as the ``earlyhelp`` command."""

from earlyhelp.entry import main

raise SystemExit(main())
