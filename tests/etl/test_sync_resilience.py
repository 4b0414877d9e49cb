"""Sync at scale and under faults: exact counts, no duplicates, no gaps.

SIGKILL at random points: tests/etl/test_sync_sigkill.py."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunningKobo, start_kobo
from tests.etl.warehouse_state import raw_state
from tests.helpers import run_htsd


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
    result = run_htsd(
        ["sync", "--no-validate", "--asset", kobo.asset_uid, "--json", *extra], cwd=cwd, env=env
    )
    assert result.returncode == 0, result.stderr
    manifest: dict[str, int] = json.loads(result.stdout)["assets"][kobo.asset_uid]
    return manifest


@pytest.fixture(scope="module")
def _server_30k() -> Iterator[RunningKobo]:
    yield from start_kobo(30_000, seed=5)  # generating 30,000 takes half a minute: once


@pytest.fixture
def kobo_30k(_server_30k: RunningKobo) -> Iterator[RunningKobo]:
    """The 30,000-submission server, given to each database as it was generated: the test's
    edits, deletions and new submissions are undone after it."""
    kobo, asset = _server_30k.kobo, _server_30k.kobo.assets[_server_30k.asset_uid]
    saved = (dict(asset.submissions), dict(asset.statuses), kobo.next_id, kobo.clock)
    rng = kobo.rng.getstate()
    yield _server_30k
    asset.submissions, asset.statuses, kobo.next_id, kobo.clock = saved
    kobo.rng.setstate(rng)


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
