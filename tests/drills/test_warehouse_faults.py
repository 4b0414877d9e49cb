"""Drills on the warehouse: a write the database refuses, a full disk, a read-only medium,
PostgreSQL terminating the loading connection, a second sync while one runs. Each `htsd`
runs in a process of its own, as from cron. In every case: one line with a code and a fix,
a documented exit code, no traceback, no payload (names, phone numbers) on the screen,
nothing already stored lost, and the next run ends in the state of an undisturbed run.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PG_URL, RunningKobo
from tests.drills.state import env, personal_data, reference, state
from tests.drills.test_survivors import _allow_inserts, _refuse_insert_of
from tests.helpers import HTSD, run_htsd
from warehouse.db import make_engine
from warehouse.migrate import upgrade

SYNC = ["sync", "--no-validate", "--page-size", "100"]


def _one_line(result: subprocess.CompletedProcess[str], kobo: RunningKobo, code: str) -> str:
    """The error is one line naming `code`, with no traceback and no personal data."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"[{code}]" in lines[0] and " — " in lines[0], lines[0]
    shown = result.stderr + result.stdout
    assert "Traceback" not in shown and "INSERT" not in shown and "payload" not in shown
    assert not [p for p in personal_data(kobo) if p in shown]
    return lines[0]


def _sync(kobo: RunningKobo, url: str, cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_htsd([*SYNC, "--asset", kobo.asset_uid, *extra], cwd=cwd, env=env(kobo, url))


def test_a_refused_write_is_one_line_and_the_next_sync_recovers(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    """The warehouse refuses one row of the second page (a trigger): today's traceback
    printed the INSERT with every payload of the page; now DB007, exit code 1."""
    expected = reference(kobo, f"sqlite:///{tmp_path / 'reference.sqlite'}")
    engine = make_engine(warehouse_url)
    upgrade(engine)
    _refuse_insert_of(engine, 150)
    failed = _sync(kobo, warehouse_url, tmp_path)
    assert failed.returncode == 1
    _one_line(failed, kobo, "DB007")
    assert state(warehouse_url).raw.rows == 100  # the first page, kept
    _allow_inserts(engine)
    engine.dispose()
    assert _sync(kobo, warehouse_url, tmp_path).returncode == 0
    assert state(warehouse_url) == expected


# -- a full disk, a read-only medium (a small tmpfs the test mounts) ---------------------------


@contextmanager
def _tmpfs(path: Path, size: str) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip(f"mounting a tmpfs needs root (uid {os.geteuid()}); drill not run")
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(path)], capture_output=True, check=False)
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def _fill(folder: Path) -> Path:
    """Fill the file system of `folder` to the last block; the filler file."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        block = b"\0" * (1 << 20)
        while block:
            try:
                out.write(block)
            except OSError:  # full: try smaller blocks, down to one
                block = block[: len(block) // 2]
    return filler


@pytest.mark.slow
def test_a_full_disk_fails_with_one_line_and_loses_nothing(
    kobo: RunningKobo, tmp_path: Path
) -> None:
    undisturbed = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    reference(kobo, undisturbed)  # the same two syncs, undisturbed
    with _tmpfs(tmp_path / "disk", "24m") as disk:
        url = f"sqlite:///{disk / 'warehouse.sqlite'}"
        assert _sync(kobo, url, tmp_path).returncode == 0
        before = state(url)
        kobo.kobo.generate(kobo.asset_uid, 300)
        for kobo_id in range(1, 41):
            kobo.kobo.edit_submission(kobo.asset_uid, kobo_id, {"eval_year": "2026"})
        filler = _fill(disk)
        failed = _sync(kobo, url, tmp_path)
        assert failed.returncode == 1, failed.stderr
        line = _one_line(failed, kobo, "DB007")
        assert "full" in line, line
        filler.unlink()
        after = state(url)
        assert after.raw.rows >= before.raw.rows  # nothing stored lost
        assert before.raw.current <= after.raw.current | {
            (r[0], r[1], r[2], r[3]) for r in after.raw.current
        }
        assert _sync(kobo, url, tmp_path).returncode == 0
        assert state(url) == reference(kobo, undisturbed)


@pytest.mark.slow
def test_a_read_only_warehouse_is_read_and_refuses_writes_in_one_line(
    kobo: RunningKobo, tmp_path: Path
) -> None:
    """The warehouse on a medium mounted read-only: `htsd status` and `htsd sync` refuse in
    one line (exit code 1), nothing changes; remounted writable, the sync completes."""
    undisturbed = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    reference(kobo, undisturbed)
    with _tmpfs(tmp_path / "ro", "24m") as disk:
        url = f"sqlite:///{disk / 'warehouse.sqlite'}"
        assert _sync(kobo, url, tmp_path).returncode == 0
        before = state(url)
        kobo.kobo.generate(kobo.asset_uid, 50)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        # SQLite cannot open a WAL-mode file on a read-only medium, even to read it: one
        # line too, for reading commands
        status = run_htsd(["status", "--json"], cwd=tmp_path, env=env(kobo, url))
        assert status.returncode == 1, status.stderr
        _one_line(status, kobo, "DB007")
        failed = _sync(kobo, url, tmp_path)
        assert failed.returncode == 1, failed.stderr
        _one_line(failed, kobo, "DB007")
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        assert state(url) == before
        assert _sync(kobo, url, tmp_path).returncode == 0
        assert state(url) == reference(kobo, undisturbed)


# -- PostgreSQL terminates the loading connection -----------------------------------------------


def _client_ports(pid: int) -> set[int]:
    """The local TCP ports of a process's sockets (its connections to PostgreSQL), so that
    only its backends are terminated, never another test's."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.mark.postgres
@pytest.mark.parametrize("warehouse_url", ["postgresql"], indirect=True)  # PostgreSQL only
def test_postgresql_terminating_the_load_loses_nothing(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    """After a first sync, 40 edits: the next sync's typed load is caught waiting on its
    main table (the test holds a lock on it) and its connection is ended by
    `pg_terminate_backend`. One line (DB008, exit code 3: safe to retry from cron); the raw
    landing already holds the edits; the next sync completes as an undisturbed one."""
    undisturbed = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    reference(kobo, undisturbed)
    assert _sync(kobo, warehouse_url, tmp_path).returncode == 0
    for kobo_id in range(1, 41):
        kobo.kobo.edit_submission(kobo.asset_uid, kobo_id, {"eval_year": "2026"})
    expected = reference(kobo, undisturbed)
    main = min(state(warehouse_url).typed, key=len)
    engine = make_engine(warehouse_url)
    admin = sa.create_engine(PG_URL)
    with engine.connect() as holder:
        holder.exec_driver_sql(f'LOCK TABLE "{main}" IN ACCESS EXCLUSIVE MODE')
        process = subprocess.Popen(
            [*HTSD, *SYNC, "--asset", kobo.asset_uid],
            cwd=tmp_path,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("HTSD_")},
                **env(kobo, warehouse_url),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        terminated = False
        with admin.connect() as conn:
            while not terminated:
                assert time.monotonic() < deadline and process.poll() is None, "no load seen"
                terminated = bool(
                    conn.execute(
                        sa.text(
                            "SELECT bool_or(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            " WHERE client_port = ANY(:ports) AND wait_event_type = 'Lock'"
                        ),
                        {"ports": sorted(_client_ports(process.pid))},
                    ).scalar()
                )
                conn.rollback()  # pg_stat_activity is read once per transaction
                time.sleep(0.02)
        holder.rollback()
    out, err = process.communicate(timeout=60)
    engine.dispose()
    admin.dispose()
    result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    assert result.returncode == 3, err
    _one_line(result, kobo, "DB008")
    assert state(warehouse_url).raw == expected.raw  # landed before the load began
    assert _sync(kobo, warehouse_url, tmp_path).returncode == 0
    assert state(warehouse_url) == expected


# -- a second sync while one runs ----------------------------------------------------------------


def test_a_second_sync_refuses_in_one_line_and_nothing_lands_twice(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    """A slow server keeps the first sync busy; a second one waits HTSD_LOCK_WAIT (1 s,
    not the default 10) and refuses (DB005, exit code 1) naming the first; the first ends
    well, every submission landed once; the second, run again, finds nothing new."""
    kobo.kobo.faults.slow_seconds = 0.3  # 20 pages of 25: 6 s at least
    first = subprocess.Popen(
        [*HTSD, *SYNC, "--asset", kobo.asset_uid, "--page-size", "25"],
        cwd=tmp_path,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("HTSD_")},
            **env(kobo, warehouse_url),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while kobo.kobo.faults.data_requests < 1:  # the first holds the lock by then
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.02)
    started = time.monotonic()
    second = run_htsd(
        ["--lang", "en", *SYNC, "--asset", kobo.asset_uid],
        cwd=tmp_path,
        env=env(kobo, warehouse_url, HTSD_LOCK_WAIT="1"),
    )
    waited = time.monotonic() - started
    _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == 1, second.stderr
    line = _one_line(second, kobo, "DB005")
    assert "another htsd sync is running" in line and "waited 1 s" in line, line
    assert waited < 8, waited
    kobo.kobo.faults.slow_seconds = 0
    assert state(warehouse_url).raw.rows == 250
    again = run_htsd(
        [*SYNC, "--asset", kobo.asset_uid, "--json"], cwd=tmp_path, env=env(kobo, warehouse_url)
    )
    assert again.returncode == 0 and '"new": 0' in again.stdout, again.stderr
    assert state(warehouse_url).raw.rows == 250
