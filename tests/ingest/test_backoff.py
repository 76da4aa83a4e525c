"""Backoff: exponential, capped, jittered, reset."""

from __future__ import annotations

import pytest

from ingest.backoff import Backoff


def test_doubles_up_to_the_cap_without_jitter() -> None:
    b = Backoff(0.5, 4.0, jitter=0.0)
    assert [b.next_delay() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert b.attempts == 6
    b.reset()
    assert b.next_delay() == 0.5


def test_jitter_spreads_within_bounds_and_never_exceeds_cap() -> None:
    lows = Backoff(1.0, 10.0, jitter=0.2, rand=lambda: 0.0)
    highs = Backoff(1.0, 10.0, jitter=0.2, rand=lambda: 0.999999)
    assert lows.next_delay() == pytest.approx(0.8)
    assert highs.next_delay() == pytest.approx(1.2, rel=1e-4)
    capped = Backoff(1.0, 10.0, jitter=0.2, rand=lambda: 0.999999)
    assert max(capped.next_delay() for _ in range(20)) <= 10.0
    real = Backoff(1.0, 8.0)
    delays = [real.next_delay() for _ in range(200)]
    assert len(set(delays)) == 200  # jittered, even at the cap: never lockstep
    assert min(delays[10:]) >= 8.0 * 0.8


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="backoff"):
        Backoff(0, 1)
    with pytest.raises(ValueError, match="backoff"):
        Backoff(2, 1)
