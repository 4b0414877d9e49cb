"""Two commands on one warehouse: the second waits for the first or refuses with one line
(issue 10, item 1 and must-show 5), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import RunningKobo, start_kobo
from tests.helpers import HTSD, run_htsd
from warehouse.db import make_engine
from warehouse.lock import warehouse_lock


@pytest.fixture(scope="module")
def kobo_2000() -> Iterator[RunningKobo]:
    yield from start_kobo(2000, seed=5)


def _env(kobo: RunningKobo, warehouse_url: str, **extra: str) -> dict[str, str]:
    return {
        "KOBOTOOLBOX_URL": kobo.url,
        "KOBOTOOLBOX_TOKEN": kobo.token,
        "HTSD_DATABASE_URL": warehouse_url,
        **extra,
    }


def _counts(url: str) -> tuple[int, list[tuple[str, str]]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT count(*) FROM raw_submission")).scalar_one()
        runs = [
            (str(r[0]), str(r[1]))
            for r in conn.execute(sa.text("SELECT command, status FROM run_log ORDER BY id"))
        ]
    engine.dispose()
    return int(raw), runs


def test_two_syncs_started_together(
    kobo_2000: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    """On a new warehouse both start at once: one migrates and syncs, the other waits for it,
    then finds nothing new. No `table run_log already exists`, no UNIQUE failure."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("HTSD_", "KOBOTOOLBOX_"))},
        **_env(kobo_2000, warehouse_url, HTSD_LOCK_WAIT="120"),
    }
    args = [*HTSD, "sync", "--no-validate", "--asset", kobo_2000.asset_uid, "--json"]
    procs = [
        subprocess.Popen(
            args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
        assert b"Traceback" not in err
    news = sorted(json.loads(out)["assets"][kobo_2000.asset_uid]["new"] for out, _err in outputs)
    assert news == [0, 2000]
    raw, runs = _counts(warehouse_url)
    assert raw == 2000
    assert runs == [("sync", "ok"), ("sync", "ok")]


def test_a_held_warehouse_refuses_with_one_line(
    kobo_2000: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    """While another command holds the warehouse, a sync waits HTSD_LOCK_WAIT seconds, then
    refuses naming it; the warehouse is left as it was and no failed run is logged."""
    first = run_htsd(
        ["sync", "--no-validate", "--asset", kobo_2000.asset_uid],
        cwd=tmp_path,
        env=_env(kobo_2000, warehouse_url),
    )
    assert first.returncode == 0, first.stderr
    before = _counts(warehouse_url)
    engine = make_engine(warehouse_url)
    try:
        with warehouse_lock(engine, "sync"):
            refused = run_htsd(
                ["--lang", "en", "sync", "--no-validate", "--asset", kobo_2000.asset_uid],
                cwd=tmp_path,
                env=_env(kobo_2000, warehouse_url, HTSD_LOCK_WAIT="1"),
            )
    finally:
        engine.dispose()
    assert refused.returncode == 1, refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert lines[0].startswith("Error [DB005]"), lines
    assert f"another htsd sync is running (pid {os.getpid()}, since " in lines[0]
    assert _counts(warehouse_url) == before


def test_the_lock_is_released_when_its_holder_dies(tmp_path: Path) -> None:
    """A killed holder leaves no stale lock: the kernel drops the file lock with the process."""
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    holder = subprocess.Popen(
        [
            *HTSD[:1],
            "-c",
            "import sys, time\n"
            "from warehouse.db import make_engine\n"
            "from warehouse.lock import warehouse_lock\n"
            "with warehouse_lock(make_engine(sys.argv[1]), 'sync'):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(600)\n",
            url,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        engine = make_engine(url)
        with pytest.raises(Exception, match="DB005"), warehouse_lock(engine, "status", wait=0):
            pass
        holder.kill()
        holder.wait(timeout=30)
        with warehouse_lock(engine, "sync", wait=5):
            pass
        engine.dispose()
    finally:
        holder.kill()
