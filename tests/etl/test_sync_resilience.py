"""Sync at scale, under faults and under SIGKILL: exact counts, no duplicates, no gaps."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl.kobo.client import KoboClient
from etl.pipeline import load_typed
from etl.sync import sync_asset
from tests.conftest import RunningKobo, start_kobo
from tests.etl.warehouse_state import raw_state, typed_state
from tests.helpers import HTSD, run_htsd
from warehouse.db import make_engine
from warehouse.migrate import upgrade
from warehouse.runlog import start_run


def _mutate(kobo: RunningKobo, *, edits: int, deletes: int, new: int, seed: int) -> None:
    """The server edits, deletes and receives submissions, as surveyors and managers do."""
    rng = random.Random(seed)
    ids = sorted(kobo.kobo.assets[kobo.asset_uid].submissions)
    chosen = rng.sample(ids, edits + deletes)
    for kobo_id in chosen[:edits]:
        kobo.kobo.edit_submission(kobo.asset_uid, kobo_id, {"eval_year": "2027"})
    kobo.kobo.delete_submissions(kobo.asset_uid, chosen[edits:])
    kobo.kobo.generate(kobo.asset_uid, new)


def _sync_json(kobo: RunningKobo, url: str, cwd: Path, *extra: str) -> dict[str, int]:
    env = {"KOBOTOOLBOX_URL": kobo.url, "KOBOTOOLBOX_TOKEN": kobo.token, "HTSD_DATABASE_URL": url}
    result = run_htsd(["sync", "--asset", kobo.asset_uid, "--json", *extra], cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    manifest: dict[str, int] = json.loads(result.stdout)["assets"][kobo.asset_uid]
    return manifest


@pytest.fixture
def kobo_30k() -> Iterator[RunningKobo]:
    yield from start_kobo(30_000, seed=5)


@pytest.mark.slow
def test_30000_then_edits_deletions_and_new(
    kobo_30k: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    first = _sync_json(kobo_30k, warehouse_url, tmp_path)
    assert first["new"] == 30_000
    state = raw_state(warehouse_url)
    assert state.rows == 30_000
    _mutate(kobo_30k, edits=100, deletes=50, new=200, seed=1)
    second = _sync_json(kobo_30k, warehouse_url, tmp_path)
    assert (second["new"], second["edited"], second["deleted"]) == (200, 100, 50)
    env = {"HTSD_DATABASE_URL": warehouse_url}
    status = json.loads(run_htsd(["status", "--json"], cwd=tmp_path, env=env).stdout)
    entry = status["assets"][kobo_30k.asset_uid]
    assert (entry["submissions"], entry["edited"], entry["deleted"], entry["history"]) == (
        30_150,
        100,
        50,
        100,
    )
    after = raw_state(warehouse_url)
    assert after.rows == 30_200  # every id ever seen, once; the 50 deleted ones kept
    assert len({row[0] for row in after.current}) == after.rows


def test_faults_do_not_change_the_counts(warehouse_url: str, tmp_path: Path) -> None:
    for kobo in start_kobo(3000, seed=9):
        assert _sync_json(kobo, warehouse_url, tmp_path, "--page-size", "250")["new"] == 3000
        _mutate(kobo, edits=100, deletes=50, new=200, seed=2)
        faults = kobo.kobo.faults
        faults.rate_429, faults.rate_502, faults.retry_after = 0.1, 0.1, 1
        faults.drop_body_requests = {faults.data_requests + 3}
        second = _sync_json(kobo, warehouse_url, tmp_path, "--page-size", "250")
        assert (second["new"], second["edited"], second["deleted"]) == (200, 100, 50)
        assert second["retries"] >= 1 and faults.injected >= 1


def _reference(kobo: RunningKobo, url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    client = KoboClient(kobo.url, kobo.token)
    run_id = start_run(engine, "sync")
    sync_asset(engine, client, kobo.asset_uid, run_id, page_size=200)
    load_typed(engine, client.server, [kobo.asset_uid], run_id)
    engine.dispose()


def _kill_at_request(kobo: RunningKobo, env: dict[str, str], cwd: Path, target: int) -> int:
    """Start `htsd sync`, SIGKILL it once the server has seen `target` more data requests
    (it is then inside that request or just past it); the process's return code."""
    faults = kobo.kobo.faults
    start = faults.data_requests
    process = subprocess.Popen(
        [*HTSD, "--silent", "sync", "--asset", kobo.asset_uid, "--page-size", "200"],
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while faults.data_requests - start < target and process.poll() is None:
        assert time.monotonic() < deadline, "the sync made no progress"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    return process.wait(timeout=30)


def test_sigkill_at_random_points_then_resume(warehouse_url: str, tmp_path: Path) -> None:
    """Six times: the server changes, a sync is killed at a random data request (the last
    round: after its last one, while it marks deletions, fetches versions and loads the typed
    tables), and the next sync must leave exactly the state an uninterrupted sync gives (the
    reference warehouse), raw landing and typed tables alike."""
    rng = random.Random(20261129)
    for kobo in start_kobo(3000, seed=13):
        reference_url = f"sqlite:///{tmp_path / 'reference.sqlite'}"
        _reference(kobo, reference_url)
        _sync_json(kobo, warehouse_url, tmp_path, "--page-size", "200")
        kobo.kobo.faults.slow_seconds = 0.03  # widen the window a kill can land in
        env = {
            "KOBOTOOLBOX_URL": kobo.url,
            "KOBOTOOLBOX_TOKEN": kobo.token,
            "HTSD_DATABASE_URL": warehouse_url,
        }
        killed = 0
        for round_number in range(6):
            _mutate(kobo, edits=60, deletes=30, new=500, seed=round_number)
            before = kobo.kobo.faults.data_requests
            _reference(kobo, reference_url)
            needed = kobo.kobo.faults.data_requests - before  # what an uninterrupted sync asks
            last = round_number == 5
            target = needed if last else rng.randint(1, needed - 1)
            code = _kill_at_request(kobo, env, tmp_path, target)
            if not last:
                assert code == -signal.SIGKILL, (round_number, target, code)
            killed += code == -signal.SIGKILL
            _sync_json(kobo, warehouse_url, tmp_path, "--page-size", "200")
            assert raw_state(warehouse_url) == raw_state(reference_url), round_number
            assert typed_state(warehouse_url) == typed_state(reference_url), round_number
        assert killed >= 5
