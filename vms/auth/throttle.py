"""Throttling of failed sign-ins per (account, client address), with growing delays.

Failures are counted per pair, so an attacker's wrong guesses slow only the attacker: the
right password from an address that has not failed is never refused. A second counter per
address alone (higher allowance) slows one address guessing many accounts. After the free
allowance each further failure doubles the wait, up to a cap; the refusal says when to retry.
State lives behind `ThrottleStore` (in process, or Redis so several processes share it).
Account names are stored only as a keyed hash: a password typed as a name never lands there.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal, Protocol

MAX_KEYS = 10_000
Scope = Literal["user_address", "address"]


class ThrottleStore(Protocol):
    """Failure counters by key; each counter forgets itself `ttl_s` after its last failure."""

    def get(self, key: str) -> tuple[int, float]:
        """(failures, wall-clock time of the last one); (0, 0.0) when none."""
        ...

    def add_failure(self, key: str, now: float, ttl_s: float) -> int:
        """Count one failure at `now`; the new count."""
        ...

    def clear(self, key: str) -> None:
        """Forget the key's failures."""
        ...

    def secret(self) -> bytes:
        """The key of the account-name hash, the same for every process sharing the store."""
        ...


class MemoryThrottleStore:
    """One process's counters, bounded (the least recently failed are forgotten first)."""

    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[int, float, float]] = OrderedDict()
        self._secret = secrets.token_bytes(32)

    def secret(self) -> bytes:
        return self._secret

    def get(self, key: str) -> tuple[int, float]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[2] <= time.time():
                return 0, 0.0
            return entry[0], entry[1]

    def add_failure(self, key: str, now: float, ttl_s: float) -> int:
        with self._lock:
            entry = self._entries.get(key)
            clock = time.time()  # expiry by the real clock, as Redis's TTL
            count = 1 if entry is None or entry[2] <= clock else entry[0] + 1
            self._entries[key] = (count, now, clock + ttl_s)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)
            return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an attempt is refused now and how many seconds until the next may be made."""

    scope: Scope
    failures: int
    retry_after_s: int


class LoginThrottle:
    """Growing delays after `free_per_pair` failures of one account from one address (or
    `free_per_address` failures of any accounts from one address)."""

    def __init__(
        self,
        store: ThrottleStore,
        *,
        free_per_pair: int,
        free_per_address: int,
        base_delay_s: float,
        max_delay_s: float,
    ) -> None:
        self.store = store
        self.free_per_pair = free_per_pair
        self.free_per_address = free_per_address
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s

    def name_digest(self, username: str) -> str:
        """A keyed hash of an account name (how unknown names are recorded, never as typed)."""
        mac = hmac.new(self.store.secret(), username.strip().lower().encode(), hashlib.sha256)
        return mac.hexdigest()[:32]

    def delay_after(self, failures: int, free: int) -> float:
        """Seconds to wait after `failures` failures when the first `free` cost nothing."""
        if failures < free:
            return 0.0
        return float(min(self.max_delay_s, self.base_delay_s * 2 ** (failures - free)))

    def check(self, username: str, address: str | None, now: float | None = None) -> Refusal | None:
        """A Refusal when the pair or the address must wait now, else None."""
        moment = time.time() if now is None else now
        for scope, key, free in self._keys(username, address):
            failures, last = self.store.get(key)
            wait = last + self.delay_after(failures, free) - moment
            if failures and wait > 0:
                return Refusal(scope, failures, max(1, math.ceil(wait)))
        return None

    def failed(self, username: str, address: str | None, now: float | None = None) -> int:
        """Count a failure; the seconds the pair must now wait (0 while in the allowance)."""
        moment = time.time() if now is None else now
        wait = 0.0
        for scope, key, free in self._keys(username, address):
            count = self.store.add_failure(key, moment, self.max_delay_s * 4)
            if scope == "user_address":
                wait = self.delay_after(count, free)
        return math.ceil(wait)

    def succeeded(self, username: str, address: str | None) -> None:
        """The right password clears the pair's failures (not the address's)."""
        self.store.clear(self._keys(username, address)[0][1])

    def _keys(self, username: str, address: str | None) -> list[tuple[Scope, str, int]]:
        where = address or "-"
        pair = f"p:{self.name_digest(username)}:{where}"
        keys: list[tuple[Scope, str, int]] = [("user_address", pair, self.free_per_pair)]
        if address:
            keys.append(("address", f"a:{address}", self.free_per_address))
        return keys
