"""One writer at a time: the warehouse lock.

Two htsd commands that write the same warehouse at once would race: two migrations of a new
SQLite file both create `run_log`, two syncs both insert the same asset version. Every
command that writes takes this lock first; a second one waits a bounded time for it, then
refuses with DB005 naming the holder ("another htsd sync is running (pid …, since …)").

- SQLite: an exclusive `flock` on `<file>.lock` beside the database file, which holds the
  holder's command, pid and start time as JSON. The kernel releases it when the process
  ends, however it ends (SIGKILL, power cut), so a lock is never left stale.
- PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) keyed by the warehouse's
  schema (several warehouses may share one database), on a connection kept open for the
  command; the holder is named in that connection's `application_name`
  (`htsd|sync|pid|since`), read back from `pg_stat_activity`. The server releases it when
  the session ends.
- An in-memory SQLite database cannot be shared, so it needs no lock.

The lock is re-entrant within a process: a command that holds it may call library functions
that take it again.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from forms.errors import HtsdError
from warehouse.db import DbCode

LOCK_WAIT_S = 10.0
"""How long a second writer waits for the lock before refusing."""

VIETNAM = timezone(timedelta(hours=7), "ICT")  # no daylight saving time
_POLL_S = 0.2
_READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
_ADVISORY_KEY = 0x48545344  # "HTSD", with the hash of the warehouse's schema as second key
_held: dict[tuple[str, int], int] = {}  # (lock identity, thread) → depth, for re-entry


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as far as it can be read."""

    command: str
    pid: str
    since: str

    @classmethod
    def unknown(cls) -> Holder:
        return cls("?", "?", "?")


def _identity(engine: Engine) -> str | None:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        return "sqlite:" + str(Path(url.database).resolve())
    return "pg:" + url.render_as_string(hide_password=True)


def _refuse(engine: Engine, holder: Holder, waited: float) -> HtsdError:
    return HtsdError(
        DbCode.BUSY,
        where=engine.url.render_as_string(hide_password=True),
        params={
            "command": holder.command,
            "pid": holder.pid,
            "since": holder.since,
            "waited": f"{waited:g}",
        },
    )


def _stamp(command: str) -> dict[str, Any]:
    return {
        "command": command,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(VIETNAM).strftime("%Y-%m-%d %H:%M:%S UTC+7"),
    }


# -- SQLite: a file lock --------------------------------------------------------------------


def _read_holder(handle: IO[bytes]) -> Holder:
    try:
        handle.seek(0)
        data = json.loads(handle.read() or "{}")
        return Holder(str(data["command"]), str(data["pid"]), str(data["since"]))
    except (ValueError, KeyError, TypeError, OSError):
        return Holder.unknown()


@contextmanager
def _file_lock(engine: Engine, command: str, wait: float) -> Iterator[None]:
    database = engine.url.database
    assert database
    path = Path(database + ".lock")
    try:
        handle = path.open("a+b", buffering=0)  # unbuffered: a failed write leaves nothing behind
    except OSError as exc:
        if exc.errno not in _READ_ONLY:
            raise
        yield  # a read-only folder: no command can write this warehouse, none needs the lock
        return
    with handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _refuse(engine, _read_holder(handle), wait) from None
                time.sleep(_POLL_S)
        try:
            _write_stamp(handle, json.dumps(_stamp(command)))
            yield
        finally:
            _write_stamp(handle, "")
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_stamp(handle: IO[bytes], text: str) -> None:
    """Who holds the lock, for another command's refusal; best effort: on a full disk the
    lock is held all the same and the holder shows as unknown."""
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(text.encode("utf-8"))
    except OSError:
        return


# -- PostgreSQL: an advisory lock -----------------------------------------------------------


def _pg_holder(conn: Connection) -> Holder:
    name = conn.execute(
        sa.text(
            "SELECT a.application_name FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
            " AND l.classid = :key AND l.objid = hashtext(current_schema())::oid"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " LIMIT 1"
        ),
        {"key": _ADVISORY_KEY},
    ).scalar()
    parts = (name or "").split("|")
    if len(parts) != 4 or parts[0] != "htsd":
        return Holder.unknown()
    return Holder(parts[1], parts[2], parts[3])


@contextmanager
def _advisory_lock(engine: Engine, command: str, wait: float) -> Iterator[None]:
    with engine.connect() as conn:
        deadline = time.monotonic() + wait
        while not conn.execute(
            sa.text("SELECT pg_try_advisory_lock(:key, hashtext(current_schema()))"),
            {"key": _ADVISORY_KEY},
        ).scalar():
            if time.monotonic() >= deadline:
                raise _refuse(engine, _pg_holder(conn), wait)
            conn.rollback()
            time.sleep(_POLL_S)
        # application_name keeps 63 bytes: a compact "htsd|command|pid|since"
        info = _stamp(command)
        stamp = f"htsd|{command}|{info['pid']}|{info['since']}"
        conn.execute(
            sa.text("SELECT set_config('application_name', :name, false)"), {"name": stamp}
        )
        conn.commit()
        try:
            yield
        finally:
            conn.execute(
                sa.text("SELECT pg_advisory_unlock(:key, hashtext(current_schema()))"),
                {"key": _ADVISORY_KEY},
            )
            conn.execute(sa.text("SELECT set_config('application_name', '', false)"))
            conn.commit()


@contextmanager
def warehouse_lock(engine: Engine, command: str, wait: float | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock around a block; DB005 when another command keeps it
    longer than `wait` seconds (by default the engine's `htsd_lock_wait` execution option,
    which HTSD_LOCK_WAIT sets, else LOCK_WAIT_S). `command` names this one in the other's
    refusal."""
    if wait is None:
        wait = float(engine.get_execution_options().get("htsd_lock_wait", LOCK_WAIT_S))
    identity = _identity(engine)
    key = (identity or "", threading.get_ident())
    if identity is None or _held.get(key):
        _held[key] = _held.get(key, 0) + 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    take = _file_lock if engine.url.get_backend_name() == "sqlite" else _advisory_lock
    with take(engine, command, wait):
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
