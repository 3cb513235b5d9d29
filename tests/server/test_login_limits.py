"""Login attempts are limited per account and per address; password hashes are bounded.

The attacks: 200 wrong passwords were all answered 401 and the right one still
worked; 40 parallel clients, each attempt an Argon2 hash of 64 MiB, pushed the
server from 524 MB to 2.4 GB of memory without logging in.
"""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from auth_helpers import n_sessions
from server_helpers import PASSWORD, ServerProcess, make_users

from activelab.server.models import Role

OTHER_ADDRESS = "127.0.0.2"  # loopback too: the server sees a second client address


def _login(live_url: str, username: str, password: str, address: str | None = None,
           form: bool = False) -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=address) if address else None
    with httpx.Client(base_url=live_url, timeout=120, transport=transport) as client:
        if form:
            return client.post("/login", data={"username": username, "password": password})
        return client.post("/api/auth/login", json={"username": username, "password": password})


def _retry_after(response: httpx.Response) -> int:
    return int(response.headers["retry-after"])


@pytest.mark.parametrize("server_settings", [
    {"worker_enabled": False, "login_max_failures_per_account": 5,
     "login_max_failures_per_address": 1000}], indirect=True)
def test_an_account_is_locked_after_repeated_failures(live_any_db):
    live = live_any_db
    live.user("ann")
    live.user("bob")
    for _ in range(5):
        assert _login(live.url, "ann", "guess").status_code == 401
    locked = _login(live.url, "ann", PASSWORD)  # even the right password
    assert locked.status_code == 429
    assert 1 <= _retry_after(locked) <= 15 * 60
    assert locked.json()["detail"] == (f"too many failed logins; try again in "
                                       f"{_retry_after(locked)} seconds")
    page = _login(live.url, "ann", PASSWORD, form=True)
    assert page.status_code == 429 and 1 <= _retry_after(page) <= 15 * 60
    assert "too many failed logins" in page.text and "<form" in page.text
    assert n_sessions(live) == 0
    # Another account, from another address or this one, is unaffected.
    assert _login(live.url, "bob", PASSWORD, address=OTHER_ADDRESS).status_code == 200
    assert _login(live.url, "bob", PASSWORD).status_code == 200


@pytest.mark.parametrize("server_settings", [
    {"worker_enabled": False, "login_max_failures_per_account": 1000,
     "login_max_failures_per_address": 5}], indirect=True)
def test_an_address_is_locked_after_failures_on_any_names(live_any_db):
    live = live_any_db
    live.user("ann")
    for name in ("root", "admin", "test", "ann", "guest"):
        assert _login(live.url, name, "guess").status_code == 401
    locked = _login(live.url, "ann", PASSWORD)
    assert locked.status_code == 429 and _retry_after(locked) >= 1
    assert _login(live.url, "ann", PASSWORD, address=OTHER_ADDRESS).status_code == 200


@pytest.mark.parametrize("server_settings", [
    {"worker_enabled": False, "login_max_failures_per_account": 3,
     "login_failure_window_seconds": 10}], indirect=True)
def test_the_lock_ends_after_retry_after_and_unknown_names_lock_alike(live):
    live.user("ann")
    for name in ("ann", "nobody"):
        for _ in range(3):
            assert _login(live.url, name, "guess").status_code == 401
        locked = _login(live.url, name, "guess")
        assert locked.status_code == 429, name  # an unknown name behaves like a known one
        assert 1 <= _retry_after(locked) <= 10
    time.sleep(_retry_after(locked) + 0.5)
    assert _login(live.url, "ann", PASSWORD).status_code == 200


@pytest.mark.parametrize("server_settings", [
    {"worker_enabled": False, "login_max_failures_per_account": 3}], indirect=True)
def test_a_successful_login_clears_the_accounts_failures(live):
    live.user("ann")
    for _ in range(2):
        assert _login(live.url, "ann", "guess").status_code == 401
    assert _login(live.url, "ann", PASSWORD).status_code == 200
    for _ in range(2):
        assert _login(live.url, "ann", "guess").status_code == 401
    assert _login(live.url, "ann", PASSWORD).status_code == 200


@pytest.mark.parametrize("server_settings", [
    {"worker_enabled": False, "login_max_failures_per_account": 5}], indirect=True)
def test_a_wrong_current_password_counts_as_a_failed_login(live):
    _, token = live.user("ann")
    with live.client(token) as api:
        for _ in range(5):
            wrong = api.post("/api/auth/password", json={"current_password": "guess",
                                                         "new_password": "x" * 12})
            assert wrong.status_code == 403
        locked = api.post("/api/auth/password", json={"current_password": PASSWORD,
                                                      "new_password": "x" * 12})
        assert locked.status_code == 429 and _retry_after(locked) >= 1
    assert _login(live.url, "ann", PASSWORD).status_code == 429


def _parallel_logins(url: str, n: int, prefix: str) -> list[httpx.Response]:
    start = threading.Barrier(n)

    def attempt(i: int) -> httpx.Response:
        start.wait()
        return _login(url, f"{prefix}{i}", "guess")

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(attempt, range(n)))


@pytest.mark.parametrize("server_settings", [
    {"worker_enabled": False, "login_max_concurrent_hashes": 1,
     "login_hash_wait_seconds": 0.05, "login_max_failures_per_address": 1000}], indirect=True)
def test_logins_beyond_the_hashing_slots_get_503_with_retry_after(live):
    responses = _parallel_logins(live.url, 16, "user")
    codes = [r.status_code for r in responses]
    assert set(codes) <= {401, 503}, codes
    assert 401 in codes and 503 in codes, codes
    busy = next(r for r in responses if r.status_code == 503)
    assert _retry_after(busy) >= 1 and "busy" in busy.json()["detail"]
    live.user("ann")
    assert _login(live.url, "ann", PASSWORD).status_code == 200  # the slot was given back


@pytest.mark.parametrize("server_settings", [
    {"worker_enabled": False, "login_max_failures_per_account": 3,
     "login_max_concurrent_hashes": 1, "login_hash_wait_seconds": 120}], indirect=True)
def test_parallel_attempts_cannot_overshoot_the_lockout(live):
    """Twelve guesses sent at once, all before the first fails: only three are tried."""
    live.user("ann")
    start = threading.Barrier(12)

    def guess(i: int) -> int:
        start.wait()
        return _login(live.url, "ann", f"guess {i}").status_code

    with ThreadPoolExecutor(12) as pool:
        codes = sorted(pool.map(guess, range(12)))
    assert codes == [401] * 3 + [429] * 9


def _peak_rss(pid: int) -> int:
    """The process's high-water mark of resident memory, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc")


@pytest.mark.slow  # a subprocess server and 25 hashes, two at a time
def test_parallel_wrong_passwords_do_not_exhaust_memory(sqlite_url):
    """24 parallel attempts (64 MiB each) against 2 hashing slots: at most ~2 hashes of memory."""
    make_users(sqlite_url, ["ann"], admin=None)
    server = ServerProcess(sqlite_url, worker_enabled="false", access_log="false",
                           login_max_concurrent_hashes=2, login_hash_wait_seconds=120,
                           login_max_failures_per_address=1000).start()
    try:
        assert _login(server.url, "ann", PASSWORD).status_code == 200  # one hash: the baseline
        before = _peak_rss(server.process.pid)
        codes = [r.status_code for r in _parallel_logins(server.url, 24, "spray")]
        assert codes == [401] * 24
        grown = _peak_rss(server.process.pid) - before
        assert grown < 3 * 64 * 2**20, f"peak memory grew by {grown / 2**20:.0f} MiB"
    finally:
        server.stop()


def _median_seconds(url: str, username: str, password: str) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        assert _login(url, username, password).status_code == 401
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_unknown_and_deactivated_users_take_as_long_as_a_wrong_password(live_any_db):
    live = live_any_db
    live.user("ann")
    user_id, _ = live.user("gone")
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        assert admin.patch(f"/api/users/{user_id}", json={"is_active": False}).status_code == 200
    wrong = _median_seconds(live.url, "ann", "guess")
    unknown = _median_seconds(live.url, "nobody", "guess")
    # The right password of a deactivated account: refused after the same work.
    deactivated = _median_seconds(live.url, "gone", PASSWORD)
    # Loose bounds (a shared machine): a skipped hash would be tens of times faster.
    assert unknown > 0.4 * wrong and deactivated > 0.4 * wrong, (wrong, unknown, deactivated)
