"""SIGKILL at random points of a sync, then resume: the next sync completes with the state
of an undisturbed run. Apart from tests/etl/test_sync_resilience.py so the two slow files run
on both test workers at once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

from etl.kobo.client import KoboClient
from etl.pipeline import load_typed
from etl.sync import sync_asset
from tests.conftest import RunningKobo, start_kobo
from tests.etl.test_sync_resilience import _mutate, _sync_json
from tests.etl.warehouse_state import raw_state, typed_state
from tests.helpers import HTSD
from warehouse.db import make_engine
from warehouse.migrate import upgrade
from warehouse.runlog import start_run

# small pages: a sync of the 1,200 (and of the 200 new each round) makes enough data
# requests for a kill to land anywhere in it
PAGE = "100"

# small pages: a sync of the 1,200 (and the 200 new per round) makes enough data requests
# for a kill to land anywhere in it
PAGE = "100"


def _reference(kobo: RunningKobo, url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    client = KoboClient(kobo.url, kobo.token)
    run_id = start_run(engine, "sync")
    sync_asset(engine, client, kobo.asset_uid, run_id, page_size=int(PAGE))
    load_typed(engine, client.server, [kobo.asset_uid], run_id)
    engine.dispose()


def _kill_at_request(kobo: RunningKobo, env: dict[str, str], cwd: Path, target: int) -> int:
    """Start `htsd sync`, SIGKILL it once the server has seen `target` more data requests
    (it is then inside that request or just past it); the process's return code."""
    faults = kobo.kobo.faults
    start = faults.data_requests
    process = subprocess.Popen(
        [
            *HTSD,
            "--silent",
            "sync",
            "--no-validate",
            "--asset",
            kobo.asset_uid,
            "--page-size",
            PAGE,
        ],
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
    for kobo in start_kobo(1200, seed=13):
        reference_url = f"sqlite:///{tmp_path / 'reference.sqlite'}"
        _reference(kobo, reference_url)
        _sync_json(kobo, warehouse_url, tmp_path, "--page-size", PAGE)
        kobo.kobo.faults.slow_seconds = 0.03  # widen the window a kill can land in
        env = {
            "KOBOTOOLBOX_URL": kobo.url,
            "KOBOTOOLBOX_TOKEN": kobo.token,
            "HTSD_DATABASE_URL": warehouse_url,
        }
        killed = 0
        for round_number in range(6):
            _mutate(kobo, edits=40, deletes=20, new=200, seed=round_number)
            before = kobo.kobo.faults.data_requests
            _reference(kobo, reference_url)
            needed = kobo.kobo.faults.data_requests - before  # what an uninterrupted sync asks
            last = round_number == 5
            target = needed if last else rng.randint(1, needed - 1)
            code = _kill_at_request(kobo, env, tmp_path, target)
            if not last:
                assert code == -signal.SIGKILL, (round_number, target, code)
            killed += code == -signal.SIGKILL
            _sync_json(kobo, warehouse_url, tmp_path, "--page-size", PAGE)
            assert raw_state(warehouse_url) == raw_state(reference_url), round_number
            assert typed_state(warehouse_url) == typed_state(reference_url), round_number
        assert killed >= 5
