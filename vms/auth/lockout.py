"""Throttling of failed sign-ins, per account name and per client address.

Kept in memory (bounded, oldest entries forgotten first): a site served by several processes
multiplies the allowance by the number of processes, which still stops online guessing.
Unknown account names are counted like real ones so the answer never reveals which exist.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from vms.errors import TooManyRequests

MAX_KEYS = 10_000


@dataclass(slots=True)
class _Failures:
    count: int
    first_at: float
    locked_until: float = 0.0


class LoginThrottle:
    """Counts failures; after `max_per_account` (or `max_per_address`) within `lockout_s`
    further attempts are refused with 429 until the lock expires."""

    def __init__(
        self,
        *,
        max_per_account: int,
        max_per_address: int,
        lockout_s: float,
    ) -> None:
        self.max_per_account = max_per_account
        self.max_per_address = max_per_address
        self.lockout_s = lockout_s
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str], _Failures] = OrderedDict()

    def check(self, username: str, address: str | None, now: float | None = None) -> None:
        """Raise TooManyRequests when the account or the address is locked now."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            for key in self._keys(username, address):
                entry = self._entries.get(key)
                if entry is not None and entry.locked_until > moment:
                    raise TooManyRequests(
                        "too many failed sign-ins; try again later",
                        details={"retry_after_s": int(entry.locked_until - moment) + 1},
                    )

    def failed(self, username: str, address: str | None, now: float | None = None) -> bool:
        """Count a failure; True when this failure locked the account or the address."""
        moment = time.monotonic() if now is None else now
        locked = False
        with self._lock:
            for key in self._keys(username, address):
                limit = self.max_per_account if key[0] == "user" else self.max_per_address
                entry = self._entries.get(key)
                if entry is None or moment - entry.first_at > self.lockout_s:
                    entry = _Failures(0, moment)
                entry.count += 1
                if entry.count >= limit:
                    entry.locked_until = moment + self.lockout_s
                    entry.count = 0
                    entry.first_at = moment
                    locked = True
                self._entries[key] = entry
                self._entries.move_to_end(key)
            while len(self._entries) > MAX_KEYS:
                self._entries.popitem(last=False)
        return locked

    def succeeded(self, username: str) -> None:
        """A correct password clears the account's failures (not the address's)."""
        with self._lock:
            self._entries.pop(("user", username.lower()), None)

    @staticmethod
    def _keys(username: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("user", username.lower())]
        if address:
            keys.append(("addr", address))
        return keys
