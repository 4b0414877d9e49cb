"""Who may do what in `htsd web`, and the guards of signing in.

- Roles (warehouse/users.py): a viewer reads aggregates only (reports, downloads); a data
  manager also reads the review queue and submission pages of their districts and decides;
  an admin does everything, province-wide, and reads the audit log.
- Sign-in attempts are limited: after `MAX_FAILURES` wrong passwords within `WINDOW_S`
  seconds for one user name (`MAX_ADDRESS_FAILURES` from one address), further attempts
  are refused without the password being checked, until the window has passed. The count
  lives in the process (one `htsd web` process serves the app).
- CSRF: every POST carries the session's token (a form field); the sign-in form, before any
  session, carries a token also set as a cookie (double submit).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence

from warehouse.users import ADMIN, MANAGER, VIEWER, User

MAX_FAILURES = 5  # per user name
MAX_ADDRESS_FAILURES = 20  # per address (an office behind one NAT address has many users)
WINDOW_S = 60.0

READ_REPORTS = frozenset({ADMIN, MANAGER, VIEWER})
REVIEW = frozenset({ADMIN, MANAGER})
ADMINISTER = frozenset({ADMIN})


class LoginLimiter:
    """Wrong passwords per key (a user name, an address) within a sliding window."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        max_address_failures: int = MAX_ADDRESS_FAILURES,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.max_address_failures = max_address_failures
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] >= self.window_s:
            times.popleft()
        return times

    def blocked(self, keys: Sequence[str]) -> bool:
        """Whether any key has had `max_failures` wrong passwords within the window."""
        now = self._clock()
        with self._lock:
            return any(len(self._recent(key, now)) >= self._limit(key) for key in keys)

    def _limit(self, key: str) -> int:
        return self.max_address_failures if key.startswith("address:") else self.max_failures

    def failed(self, keys: Sequence[str]) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, keys: Sequence[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def login_keys(username: str, address: str | None) -> list[str]:
    return [f"user:{username.strip().lower()}", f"address:{address or '?'}"]


def same_token(given: str | None, expected: str | None) -> bool:
    """A CSRF token matches (constant time); an empty one never does."""
    if not given or not expected:
        return False
    return secrets.compare_digest(given.encode(), expected.encode())


def may(user: User, allowed: frozenset[str]) -> bool:
    return user.active and user.role in allowed


def in_scope(user: User, district: str | None) -> bool:
    """Whether a submission of `district` is within the user's scope: an admin's and an
    unscoped manager's scope is the province; a scoped manager's their districts only (a
    submission that names no district is outside every district scope)."""
    if user.role == ADMIN or (user.role == MANAGER and not user.districts):
        return True
    return user.role == MANAGER and district in user.districts
