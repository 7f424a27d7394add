"""Erlang C for the M/M/c queue: the theory the simulation is checked against.

With Poisson arrivals at rate ``lambda``, ``c`` servers each working at rate ``mu`` (exponential
service times of mean ``1 / mu``) and offered load ``a = lambda / mu`` (erlangs), the queue is
stable only when ``a < c``. Then (first come, first served):

- Erlang B, by the recursion ``B(0) = 1``, ``B(k) = a B(k-1) / (k + a B(k-1))``, which needs no
  factorial and neither overflows nor loses precision for thousands of servers;
- Erlang C, the probability that an arrival waits: ``C = c B(c) / (c - a (1 - B(c)))``;
- the wait ``W`` of an arrival: ``P(W > t) = C exp(-(c mu - lambda) t)``, so its mean is
  ``E[W] = C / (c mu - lambda)`` and its ``q`` quantile ``ln(C / (1 - q)) / (c mu - lambda)``
  when ``q > 1 - C`` (zero otherwise).

Reference: Kleinrock, *Queueing Systems, Volume 1* (1975), section 3.5.
"""

from __future__ import annotations

import math


def _check_stable(servers: int, offered_load: float) -> None:
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
        raise ValueError(f"servers must be a whole number of 1 or more, got {servers!r}")
    if not math.isfinite(offered_load) or offered_load < 0:
        raise ValueError(f"offered load must be a finite number of erlangs >= 0, got {offered_load!r}")
    if offered_load >= servers:
        raise ValueError(f"an M/M/c queue with offered load {offered_load:g} erlangs and {servers} "
                         f"servers is unstable (its queue grows without end): the load must be "
                         f"below the number of servers")


def erlang_b(servers: int, offered_load: float) -> float:
    """Probability that an arrival finds all ``servers`` busy in the loss system M/M/c/c, by the
    recursion ``B(k) = a B(k-1) / (k + a B(k-1))`` from ``B(0) = 1`` (any load >= 0)."""
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 0:
        raise ValueError(f"servers must be a whole number of 0 or more, got {servers!r}")
    if not math.isfinite(offered_load) or offered_load < 0:
        raise ValueError(f"offered load must be a finite number of erlangs >= 0, got {offered_load!r}")
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    return b


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in M/M/c: ``C = c B / (c - a (1 - B))`` with ``B`` the
    Erlang B of the same servers and load. Refuses a load of ``servers`` erlangs or more."""
    _check_stable(servers, offered_load)
    b = erlang_b(servers, offered_load)
    return servers * b / (servers - offered_load * (1 - b))


def _rates(arrival_rate: float, service_rate: float, servers: int) -> tuple[float, float]:
    """Erlang C and the rate ``c mu - lambda`` at which the wait's tail decays."""
    if not (math.isfinite(arrival_rate) and arrival_rate >= 0):
        raise ValueError(f"arrival rate must be finite and >= 0, got {arrival_rate!r}")
    if not (math.isfinite(service_rate) and service_rate > 0):
        raise ValueError(f"service rate must be finite and > 0, got {service_rate!r}")
    offered = arrival_rate / service_rate
    return erlang_c(servers, offered), servers * service_rate - arrival_rate


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in the queue (before service starts) of M/M/c: ``C / (c mu - lambda)``, in the
    time unit of the rates (per day gives days)."""
    waits, decay = _rates(arrival_rate, service_rate, servers)
    return waits / decay


def mmc_wait_quantile(arrival_rate: float, service_rate: float, servers: int, q: float) -> float:
    """The ``q`` quantile of the wait in M/M/c: zero when at least ``q`` of arrivals find a free
    server (``q <= 1 - C``), else ``ln(C / (1 - q)) / (c mu - lambda)``."""
    if not 0 <= q < 1:
        raise ValueError(f"the quantile must lie in [0, 1), got {q!r}")
    waits, decay = _rates(arrival_rate, service_rate, servers)
    if q <= 1 - waits:
        return 0.0
    return math.log(waits / (1 - q)) / decay
