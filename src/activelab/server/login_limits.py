"""Limits on password checks: failed attempts per account and per address, concurrent hashes.

Each password check is an Argon2 hash of 64 MiB, so unbounded login attempts
are both a brute-force channel and a way to exhaust the server's memory.

- Failed attempts are counted per user name and per client address in a
  sliding window; once either count reaches its limit, further attempts get
  HTTP 429 with ``Retry-After`` (the seconds until the oldest failure leaves
  the window) *before* any hash is computed, even with the right password.
  Unknown user names are counted like known ones, so a lockout reveals nothing.
- At most ``login_max_concurrent_hashes`` hashes run at once; further attempts
  wait for a slot (without holding a worker thread) and get HTTP 503 with
  ``Retry-After`` after ``login_hash_wait_seconds``.

The counters live in this process (the server is one process); a restart
clears them.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import HTTPException, Request

from .config import Settings

__all__ = ["FailureWindow", "LoginThrottle", "client_address"]

#: Keys (user names, addresses) tracked per window; past this, expired ones are dropped
#: and then the oldest, so that spraying names cannot grow memory without bound.
MAX_TRACKED_KEYS = 100_000
#: A user name is counted by its first characters (names are at most 80 long).
MAX_KEY_CHARS = 100


class FailureWindow:
    """Failed attempts per key within the last ``window`` seconds, at most ``limit`` kept.

    Parameters
    ----------
    limit : int
        Failures within the window after which the key is refused.
    window : float
        Seconds a failure counts.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: float) -> float | None:
        """Seconds until ``key`` may try again, or None when it may now."""
        with self._lock:
            failures = self._failures.get(key)
            if failures is None:
                return None
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            if not failures:
                del self._failures[key]
                return None
            if len(failures) < self.limit:
                return None
            return failures[0] + self.window - now

    def record(self, key: str, now: float) -> None:
        with self._lock:
            failures = self._failures.pop(key, None) or deque(maxlen=self.limit)
            failures.append(now)
            self._failures[key] = failures  # re-inserted: the dict stays oldest-first
            if len(self._failures) > MAX_TRACKED_KEYS:
                self._forget(now)

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _forget(self, now: float) -> None:
        for key in [k for k, v in self._failures.items() if v[-1] <= now - self.window]:
            del self._failures[key]
        while len(self._failures) > MAX_TRACKED_KEYS:
            del self._failures[next(iter(self._failures))]


def client_address(request: Request) -> str:
    """The client's IP address (behind a proxy: uvicorn's, from ``X-Forwarded-For``)."""
    return request.client.host if request.client else "unknown"


def _refuse(status: int, detail: str, seconds: float) -> HTTPException:
    wait = max(1, math.ceil(seconds))
    return HTTPException(status, detail.format(wait=wait), headers={"Retry-After": str(wait)})


class LoginThrottle:
    """The per-account and per-address failure windows and the hashing slots of one server."""

    def __init__(self, settings: Settings) -> None:
        window = settings.login_failure_window_seconds
        self.accounts = FailureWindow(settings.login_max_failures_per_account, window)
        self.addresses = FailureWindow(settings.login_max_failures_per_address, window)
        self.hash_wait = settings.login_hash_wait_seconds
        self._slots = settings.login_max_concurrent_hashes
        self._semaphore: asyncio.Semaphore | None = None  # made in the server's event loop

    def check(self, username: str, address: str) -> None:
        """Raise HTTP 429 with ``Retry-After`` when this account or address is locked out."""
        now = time.monotonic()
        waits = [self.accounts.retry_after(username[:MAX_KEY_CHARS], now),
                 self.addresses.retry_after(address, now)]
        locked = [w for w in waits if w is not None]
        if locked:
            raise _refuse(429, "too many failed logins; try again in {wait} seconds",
                          max(locked))

    def failed(self, username: str, address: str) -> None:
        now = time.monotonic()
        self.accounts.record(username[:MAX_KEY_CHARS], now)
        self.addresses.record(address, now)

    def succeeded(self, username: str) -> None:
        """Clear the account's failures (the address's stay: one valid account must not
        reset the count of an address that guesses at others)."""
        self.accounts.clear(username[:MAX_KEY_CHARS])

    @asynccontextmanager
    async def hash_slot(self) -> AsyncIterator[None]:
        """Hold one of the hashing slots; HTTP 503 with ``Retry-After`` when none frees in time."""
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._slots)
        try:
            await asyncio.wait_for(self._semaphore.acquire(), self.hash_wait)
        except TimeoutError:
            raise _refuse(503, "the server is busy checking passwords; try again in a moment",
                          1) from None
        try:
            yield
        finally:
            self._semaphore.release()
