"""The run log: one row per command run, with its counts and error.

A run is `running` until it ends `ok` or `failed`. A process killed mid-way (SIGKILL, power
cut) cannot say so itself: the next run started on the same host marks each `running` row of
that host whose process is gone as `interrupted`. Rows of other hosts are left as they are.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from forms.errors import HtsdError
from warehouse.schema import run_log


def _now() -> datetime:
    return datetime.now(UTC)


INTERRUPTED = "process ended before the run finished (killed, or the machine stopped)"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def mark_interrupted(conn: sa.Connection, host: str) -> int:
    """Mark this host's `running` rows whose process is gone as `interrupted`; how many."""
    rows = conn.execute(
        sa.select(run_log.c.id, run_log.c.pid).where(
            run_log.c.status == "running", run_log.c.host == host
        )
    ).all()
    gone = [row.id for row in rows if row.pid is None or not _alive(int(row.pid))]
    if gone:
        conn.execute(
            run_log.update()
            .where(run_log.c.id.in_(gone))
            .values(status="interrupted", error=INTERRUPTED)
        )
    return len(gone)


def start_run(engine: Engine, command: str, arguments: Mapping[str, Any] | None = None) -> int:
    """Insert a `running` row and return its id. Arguments must hold no secrets."""
    host = socket.gethostname()
    with engine.begin() as conn:
        mark_interrupted(conn, host)
        result = conn.execute(
            run_log.insert().values(
                command=command,
                arguments=json.dumps(dict(arguments or {}), ensure_ascii=False, default=str),
                started_at=_now(),
                status="running",
                counts="{}",
                host=host,
                pid=os.getpid(),
            )
        )
        run_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
    assert run_id is not None
    return int(run_id)


def finish_run(
    engine: Engine,
    run_id: int,
    status: str,
    counts: Mapping[str, Any] | None = None,
    error: str | None = None,
) -> None:
    with engine.begin() as conn:
        conn.execute(
            run_log.update()
            .where(run_log.c.id == run_id)
            .values(
                ended_at=_now(),
                status=status,
                counts=json.dumps(dict(counts or {}), ensure_ascii=False, default=str),
                error=error,
            )
        )


@dataclass
class Run:
    """A run in progress: its id, and the counts it will be logged with when it ends ok."""

    id: int
    counts: dict[str, Any] = field(default_factory=dict)


@contextmanager
def logged_run(
    engine: Engine, command: str, arguments: Mapping[str, Any] | None = None
) -> Iterator[Run]:
    """A run-log entry around a block: `ok` with `run.counts` when the block ends, `failed`
    with the error's coded line (or the exception's type, never its text, which may hold a
    secret) when it raises. Arguments must hold no secrets."""
    run = Run(start_run(engine, command, arguments))
    try:
        yield run
    except HtsdError as error:
        finish_run(engine, run.id, "failed", error=error.render("en"))
        raise
    except BaseException as error:
        finish_run(engine, run.id, "failed", error=type(error).__name__)
        raise
    finish_run(engine, run.id, "ok", counts=run.counts)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds")


def run_as_dict(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "command": row.command,
        "status": row.status,
        "started_at": _iso(row.started_at),
        "ended_at": _iso(row.ended_at),
        "counts": json.loads(row.counts or "{}"),
        "error": row.error,
    }


def last_run(engine: Engine, command: str | None = None) -> dict[str, Any] | None:
    query = sa.select(run_log).order_by(run_log.c.id.desc()).limit(1)
    if command:
        query = query.where(run_log.c.command == command)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return run_as_dict(row) if row else None
