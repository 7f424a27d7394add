"""The case-flow simulation (SimPy): a year of requests for support through a plan's service.

:mod:`sim.config` holds every parameter with its source, :mod:`sim.service` what the model reads
of a plan, :mod:`sim.cases` the requests drawn before a run (common random numbers),
:mod:`sim.model` one replication, :mod:`sim.runner` many, :mod:`sim.kpis` the measures and
their intervals, :mod:`sim.report` the tables and charts.
"""
