"""Drills on the server: a 429 storm with Retry-After, 502/503/504, slow pages, connections
dropped mid-body, a page with fewer results than its `count` promised, a `next` link to
another host, an HTML error page with status 200. Each sync under a fault ends in the state
of an undisturbed sync of the same server (raw landing, typed tables, load findings; the
storm with validation also the findings and scores), or — the HTML page, which is not an
answer of the API — fails in one line and the next sync recovers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from etl import pipeline
from etl.kobo.client import KoboClient
from tests.conftest import RunningKobo
from tests.drills.state import State, env, personal_data, reference, state
from tests.helpers import run_htsd
from warehouse.db import make_engine
from warehouse.migrate import upgrade

PAGE = 50  # 250 submissions: 5 pages of new ones, 5 of the sweep


@pytest.fixture(scope="module")
def undisturbed(_module_kobo: RunningKobo, tmp_path_factory: pytest.TempPathFactory) -> State:
    url = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'reference.sqlite'}"
    return reference(_module_kobo, url, page_size=PAGE)


def _sync(kobo: RunningKobo, url: str, *, validate: bool = False) -> pipeline.SyncRun:
    engine = make_engine(url)
    upgrade(engine)
    client = KoboClient(kobo.url, kobo.token, backoff=0.05)
    try:
        return pipeline.sync(engine, client, [kobo.asset_uid], page_size=PAGE, validate=validate)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "script",
    [
        pytest.param(["502", "503", "504", "ok", "503", "503"], id="5xx"),
        pytest.param(["drop", "ok", "drop", "drop"], id="dropped-mid-body"),
        pytest.param(["ok", "short", "ok", "short"], id="fewer-than-count"),
        pytest.param(["next-away", "ok", "next-away"], id="next-to-another-host"),
    ],
)
def test_a_fault_changes_nothing(
    kobo: RunningKobo, undisturbed: State, tmp_path: Path, script: list[str]
) -> None:
    faults = kobo.kobo.faults
    faults.script = list(script)
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    run = _sync(kobo, url)
    assert faults.script == [] and faults.injected == len([s for s in script if s != "ok"])
    assert state(url) == undisturbed
    assert run.manifests[0].new == 250  # the sweep lands what a short page left out


def test_slow_pages_change_nothing(kobo: RunningKobo, undisturbed: State, tmp_path: Path) -> None:
    kobo.kobo.faults.slow_seconds = 0.1
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    _sync(kobo, url)
    assert state(url) == undisturbed


class _Recorder(BaseHTTPRequestHandler):
    """Another host: records every request it gets (none must come)."""

    seen: ClassVar[list[dict[str, str]]] = []

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers))
        self.send_response(500)
        self.end_headers()


@pytest.fixture
def other_host() -> Iterator[tuple[str, list[dict[str, str]]]]:
    handler = type("Recorder", (_Recorder,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", handler.seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_next_link_to_another_host_never_gets_the_token(
    kobo: RunningKobo, undisturbed: State, tmp_path: Path, other_host: tuple[str, Any]
) -> None:
    """Every `next` link points to another (real, listening) host: the client follows the
    path and query on the configured server only, so that host sees no request at all."""
    address, seen = other_host
    kobo.kobo.faults.away_host = address
    kobo.kobo.faults.script = ["next-away"] * 12
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    _sync(kobo, url)
    assert seen == [] and kobo.kobo.faults.injected >= 8
    assert state(url) == undisturbed


@pytest.mark.slow
def test_a_429_storm_with_retry_after_changes_nothing_validated(
    kobo: RunningKobo, tmp_path: Path
) -> None:
    """Four 429s with Retry-After: 1, then a mix of everything else, in one validated sync:
    raw, typed, findings and scores equal those of an undisturbed validated sync."""
    quiet = f"sqlite:///{tmp_path / 'quiet.sqlite'}"
    _sync(kobo, quiet, validate=True)
    faults = kobo.kobo.faults
    faults.retry_after = 1
    faults.script = ["429", "429", "ok", "429", "429", "502", "drop", "ok", "504", "short"]
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    run = _sync(kobo, url, validate=True)
    assert run.manifests[0].retries == 7 and faults.script == []
    expected = state(quiet, validated=True)
    assert expected.scores and expected.findings
    assert state(url, validated=True) == expected


def test_an_html_page_with_status_200_fails_in_one_line_and_the_next_sync_recovers(
    kobo: RunningKobo, undisturbed: State, tmp_path: Path
) -> None:
    """A proxy answers the third page with its own HTML error page and status 200: not the
    API's JSON, so the sync stops (KOBO422, exit code 1) with the two pages before it
    stored; the next sync completes."""
    kobo.kobo.faults.script = ["ok", "ok", "html"]
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    args = ["sync", "--no-validate", "--asset", kobo.asset_uid, "--page-size", str(PAGE)]
    failed = run_htsd(args, cwd=tmp_path, env=env(kobo, url))
    assert failed.returncode == 1, failed.stderr
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and "[KOBO422]" in lines[0] and "Traceback" not in failed.stderr
    assert not [p for p in personal_data(kobo) if p in failed.stderr]
    assert state(url).raw.rows == 2 * PAGE
    assert run_htsd(args, cwd=tmp_path, env=env(kobo, url)).returncode == 0
    assert state(url) == undisturbed
