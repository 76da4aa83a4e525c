"""Capped exponential backoff with jitter, so a site's cameras do not reconnect in lockstep."""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    """Waits between reconnects: initial, x2, x4, ... up to `maximum`, each jittered by ±`jitter`.

    `reset()` after a connection that delivered video, so a camera that fails once reconnects
    fast while one that keeps failing is tried ever less often.
    """

    def __init__(
        self,
        initial: float,
        maximum: float,
        *,
        factor: float = 2.0,
        jitter: float = 0.2,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if initial <= 0 or maximum < initial or factor < 1 or not 0 <= jitter < 1:
            raise ValueError("backoff needs 0 < initial <= maximum, factor >= 1, 0 <= jitter < 1")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.jitter = jitter
        self._rand = rand
        self.attempts = 0

    def next_delay(self) -> float:
        """The wait before the next attempt (and count the attempt)."""
        base = min(self.maximum, self.initial * self.factor ** min(self.attempts, 64))
        self.attempts += 1
        delay = base * (1.0 + self.jitter * (2.0 * self._rand() - 1.0))
        if delay > self.maximum:  # at the cap, jitter downwards so retries stay spread out
            delay = self.maximum * (1.0 - self.jitter * self._rand())
        return delay

    def reset(self) -> None:
        """Start again from `initial` (the last connection worked)."""
        self.attempts = 0
