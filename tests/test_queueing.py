"""Erlang C (sim/queueing.py): the M/M/c theory the simulation is checked against."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from sim.queueing import erlang_b, erlang_c, mmc_mean_wait, mmc_wait_quantile


def erlang_c_by_factorials(servers: int, load: Fraction) -> Fraction:
    """The textbook sum, in exact arithmetic: an oracle independent of the recursion."""
    last = load ** servers / math.factorial(servers) * servers / (servers - load)
    below = sum(load ** k / math.factorial(k) for k in range(servers))
    return last / (below + last)


def test_one_server_waits_with_probability_rho() -> None:
    assert erlang_c(1, 0.3) == pytest.approx(0.3, rel=1e-15)
    assert erlang_c(1, 0.9) == pytest.approx(0.9, rel=1e-15)


def test_two_servers_at_one_erlang_wait_with_probability_one_third() -> None:
    assert erlang_b(2, 1.0) == pytest.approx(0.2, rel=1e-15)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-15)


def test_erlang_c_matches_the_factorial_formula_in_exact_arithmetic() -> None:
    for servers, load in ((5, Fraction(4)), (12, Fraction(21, 2)), (300, Fraction(280))):
        exact = float(erlang_c_by_factorials(servers, load))
        assert erlang_c(servers, float(load)) == pytest.approx(exact, rel=1e-12)


def test_thousands_of_servers_give_a_probability_without_overflow() -> None:
    exact = float(erlang_c_by_factorials(2000, Fraction(1980)))
    assert erlang_c(2000, 1980.0) == pytest.approx(exact, rel=1e-11)
    value = erlang_c(10_000, 9_900.0)
    assert 0 < value < 1


def test_no_load_never_waits() -> None:
    assert erlang_c(3, 0.0) == 0.0
    assert mmc_mean_wait(0.0, 1.0, 3) == 0.0


def test_mean_wait_is_erlang_c_over_the_spare_service_rate() -> None:
    # M/M/1: rho / (mu - lambda); M/M/2 at one erlang: (1/3) / (2 - 1)
    assert mmc_mean_wait(0.5, 1.0, 1) == pytest.approx(1.0, rel=1e-15)
    assert mmc_mean_wait(1.0, 1.0, 2) == pytest.approx(1 / 3, rel=1e-15)
    # rates per day, mean service 7 days: the wait comes out in days
    assert mmc_mean_wait(4 / 7, 1 / 7, 5) == pytest.approx(7 * erlang_c(5, 4.0), rel=1e-12)


def test_wait_quantile_is_zero_for_the_share_served_at_once_and_exponential_beyond() -> None:
    # M/M/1 at rho 0.5: half wait, the wait beyond zero is exponential with rate mu - lambda
    assert mmc_wait_quantile(0.5, 1.0, 1, 0.5) == 0.0
    assert mmc_wait_quantile(0.5, 1.0, 1, 0.75) == pytest.approx(2 * math.log(2), rel=1e-15)
    c = erlang_c(2, 1.0)
    q90 = mmc_wait_quantile(1.0, 1.0, 2, 0.9)
    assert c * math.exp(-(2 - 1) * q90) == pytest.approx(0.1, rel=1e-12)


@pytest.mark.parametrize("servers, load", [(5, 5.0), (5, 7.5), (1, 1.0)])
def test_a_load_of_the_servers_or_more_is_refused_with_both_numbers(servers: int, load: float) -> None:
    with pytest.raises(ValueError, match=rf"offered load {load:g} erlangs and {servers} servers"):
        erlang_c(servers, load)


def test_an_unstable_queue_has_no_mean_wait() -> None:
    with pytest.raises(ValueError, match="offered load 5 erlangs and 5 servers"):
        mmc_mean_wait(5 / 7, 1 / 7, 5)


@pytest.mark.parametrize("servers, load", [(0, 0.5), (2.0, 1.0), (True, 0.5), (3, -1.0),
                                           (3, math.nan)])
def test_nonsense_servers_or_loads_are_refused(servers: object, load: float) -> None:
    with pytest.raises(ValueError, match="servers must be|offered load must be"):
        erlang_c(servers, load)  # type: ignore[arg-type]


def test_a_quantile_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="quantile must lie in"):
        mmc_wait_quantile(0.5, 1.0, 1, 1.0)
