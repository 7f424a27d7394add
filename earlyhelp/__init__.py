"""The command line and reports that run the model for its users (``earlyhelp`` command)."""
