"""Failures the tests switch on for the data endpoint: throttling, gateway errors, slowness,
connections dropped mid-body, and pages that are not what they claim.

Each data request first takes the next entry of `script`, if any; otherwise a connection
is dropped on the requests numbered in `drop_body_requests`, and 429, 502 and 504 come at
their rates (one seeded draw per request). Every data request waits `slow_seconds` first.
`page_cap` clamps `limit` lower than the real server's 1000, as a proxy or another server
may do, without a word.

Script entries besides the statuses ("429", "502", "503", "504", "400", ...): "drop" (the
connection cut mid-body), "short" (a page missing one result its `count` promised), "html"
(an HTML error page with status 200, as a proxy in front of the server sends), "next-away"
(the page's `next` link sent to `away_host` instead of this server) and "ok".
"""

from __future__ import annotations

import random
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from localkobo.api import Reply

DROP = -1  # the status of a fault that drops the connection mid-body
SHORT = -2  # a page with one result fewer than its `count` promises
HTML = -3  # an HTML error page with status 200
NEXT_AWAY = -4  # the page's `next` link to another host
_BODY_FAULTS = {"drop": DROP, "short": SHORT, "html": HTML, "next-away": NEXT_AWAY}


@dataclass
class Faults:
    """The switches, and counters of data requests seen and faults injected."""

    rate_429: float = 0.0
    rate_502: float = 0.0
    rate_504: float = 0.0
    retry_after: int = 1
    slow_seconds: float = 0.0
    drop_body_requests: set[int] = field(default_factory=set)  # nth data request (1-based)
    # Faults for the next data requests, in order, before the rates apply:
    # "429", "502", "504", "drop" (connection dropped mid-body) or "ok".
    script: list[str] = field(default_factory=list)
    page_cap: int | None = None
    away_host: str = "kobo.invalid:8000"  # where "next-away" points the `next` link
    seed: int = 7
    data_requests: int = 0
    injected: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def draw(self) -> float:
        return self._rng.random()

    def next_fault(self, lock: AbstractContextManager[Any]) -> Reply | None:
        """The fault this data request gets, if any: (status, body, headers), status DROP
        for a connection to drop mid-body (SHORT, HTML, NEXT_AWAY for the other faults of
        the body). The counters change under `lock`."""
        with lock:
            self.data_requests += 1
            number = self.data_requests
            draw = self.draw()
            kind = self.script.pop(0) if self.script else None
        if self.slow_seconds:
            time.sleep(self.slow_seconds)
        if kind is None:
            if number in self.drop_body_requests:
                kind = "drop"
            elif draw < self.rate_429:
                kind = "429"
            elif draw < self.rate_429 + self.rate_502:
                kind = "502"
            elif draw < self.rate_429 + self.rate_502 + self.rate_504:
                kind = "504"
        if kind in (None, "ok"):
            return None
        self.injected += 1
        if kind in _BODY_FAULTS:
            return (_BODY_FAULTS[kind], None, {})
        if kind == "429":
            detail = "Request was throttled."
            return 429, {"detail": detail}, {"Retry-After": str(self.retry_after)}
        return int(str(kind)), None, {}
