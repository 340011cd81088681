"""Throttling with an injected clock: `rate` messages in any minute, and no real sleeping."""

from __future__ import annotations

import math

from xl_addin.delivery.send import Throttle


def sends(rate: float, messages: int, fake_time) -> list[float]:
    """The clock at each message, seconds from the start."""
    throttle = Throttle(rate, fake_time.clock, fake_time.sleep)
    start, times = fake_time.now, []
    for _ in range(messages):
        throttle.wait()
        times.append(fake_time.now - start)
    return times


def test_thirty_a_minute_sends_thirty_at_once_and_the_31st_at_60_seconds(fake_time):
    times = sends(30, 61, fake_time)
    assert times[:30] == [0.0] * 30
    assert times[30] == 60.0 and times[59] == 60.0 and times[60] == 120.0
    assert fake_time.sleeps == [60.0, 60.0]


def test_time_spent_sending_counts_towards_the_minute(fake_time):
    throttle = Throttle(2, fake_time.clock, fake_time.sleep)
    throttle.wait()
    fake_time.now += 45  # a slow server
    throttle.wait()
    throttle.wait()  # the first was 45 s ago: 15 s to go
    assert fake_time.sleeps == [15.0]


def test_a_rate_below_one_a_minute_spaces_messages_out(fake_time):
    assert sends(0.5, 3, fake_time) == [0.0, 120.0, 240.0]


def test_no_limit_never_sleeps(fake_time):
    assert sends(math.inf, 1000, fake_time)[-1] == 0.0 and fake_time.sleeps == []


def test_a_clock_set_back_does_not_stall_sending(fake_time):
    throttle = Throttle(1, fake_time.clock, fake_time.sleep)
    throttle.wait()
    fake_time.now -= 3600
    throttle.wait()
    assert fake_time.sleeps == [60.0]  # at most one window, not an hour
