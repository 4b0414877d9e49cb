"""SIGKILL in the middle of `htsd validate --all` (suites, domain rules, scoring), at a
random point: the next run completes with the findings and scores of an undisturbed run,
and the run log marks the killed run interrupted. (The sync's SIGKILL drill is
tests/etl/test_sync_sigkill.py.)"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl import pipeline
from etl.kobo.client import KoboClient
from tests.conftest import RunningKobo
from tests.drills.state import env, state
from tests.helpers import HTSD, run_htsd
from warehouse.db import make_engine
from warehouse.migrate import upgrade


def _synced(kobo: RunningKobo, url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    pipeline.sync(engine, KoboClient(kobo.url, kobo.token), [kobo.asset_uid], validate=False)
    engine.dispose()


def _runs(url: str) -> list[tuple[str, str]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT command, status FROM run_log ORDER BY id")).all()
    engine.dispose()
    return [(str(r[0]), str(r[1])) for r in rows]


@pytest.mark.slow
def test_sigkill_during_validation_then_the_next_run_completes(
    kobo: RunningKobo, tmp_path: Path
) -> None:
    quiet, url = f"sqlite:///{tmp_path / 'quiet.sqlite'}", f"sqlite:///{tmp_path / 'w.sqlite'}"
    for target in (quiet, url):
        _synced(kobo, target)
    validate = ["validate", "--all", "--asset", kobo.asset_uid]
    started = time.monotonic()
    assert run_htsd(validate, cwd=tmp_path, env=env(kobo, quiet)).returncode in (0, 4)
    needed = time.monotonic() - started
    expected = state(quiet, validated=True)
    assert expected.scores and expected.findings

    rng = random.Random(2026_12_06)
    killed = 0
    for _ in range(1):  # one kill: a validation run costs seconds
        process = subprocess.Popen(
            [*HTSD, *validate],
            cwd=tmp_path,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("HTSD_")},
                **env(kobo, url),
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.4, 0.9) * needed)
        process.send_signal(signal.SIGKILL)
        killed += process.wait(timeout=30) == -signal.SIGKILL
    assert killed >= 1
    done = run_htsd(validate, cwd=tmp_path, env=env(kobo, url))
    assert done.returncode in (0, 4), done.stderr
    assert state(url, validated=True) == expected
    runs = _runs(url)
    assert runs[-1] == ("validate", "ok")
    assert runs.count(("validate", "interrupted")) == killed, runs
