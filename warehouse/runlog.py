"""The run log: one row per command run, with its counts and error.

The error is stored in both languages (`error` in English, `error_vi` in Vietnamese), so
`htsd status` shows it in the language of its own run. A run is `running` until it ends
`ok`, `failed`, or `interrupted` (Ctrl-C). A process killed mid-way (SIGKILL, power
cut) cannot say so itself: the next run started on the same host marks each `running` row of
that host whose process is gone as `interrupted`. Rows of other hosts are left as they are.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from forms.errors import HtsdError
from forms.text import Text
from warehouse.schema import run_log


def _now() -> datetime:
    return datetime.now(UTC)


PROCESS_GONE = Text(
    "tiến trình đã dừng trước khi lần chạy kết thúc (bị buộc dừng, hoặc máy đã tắt)",
    "process ended before the run finished (killed, or the machine stopped)",
)
STOPPED = Text("người dùng đã dừng lần chạy (Ctrl-C)", "stopped by the user (Ctrl-C)")


def unexpected(error: BaseException) -> Text:
    """An error that is not an HtsdError: its type only, never its text (which may hold a
    secret)."""
    name = type(error).__name__
    return Text(f"lỗi ngoài dự kiến ({name})", f"unexpected error ({name})")


def error_text(error: BaseException) -> Text:
    """What the run log stores of the error a run ended with, in both languages."""
    if isinstance(error, HtsdError):
        return Text(error.render("vi"), error.render("en"))
    if isinstance(error, KeyboardInterrupt):
        return STOPPED
    return unexpected(error)


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
            .values(status="interrupted", error=PROCESS_GONE.en, error_vi=PROCESS_GONE.vi)
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
    error: Text | str | None = None,
) -> None:
    """End a run. `error` is stored in both languages when a Text (a str is English)."""
    english, vietnamese = (error.en, error.vi) if isinstance(error, Text) else (error, None)
    with engine.begin() as conn:
        conn.execute(
            run_log.update()
            .where(run_log.c.id == run_id)
            .values(
                ended_at=_now(),
                status=status,
                counts=json.dumps(dict(counts or {}), ensure_ascii=False, default=str),
                error=english,
                error_vi=vietnamese,
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
    """A run-log entry around a block: `ok` with `run.counts` when the block ends; when it
    raises, `failed` with the error's coded line in both languages (or, for another
    exception, its type, never its text, which may hold a secret), `interrupted` on Ctrl-C.
    Arguments must hold no secrets."""
    run = Run(start_run(engine, command, arguments))
    try:
        yield run
    except BaseException as error:
        status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        finish_run(engine, run.id, status, error=error_text(error))
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
        "error_vi": row.error_vi,
    }


def last_run(engine: Engine, command: str | None = None) -> dict[str, Any] | None:
    query = sa.select(run_log).order_by(run_log.c.id.desc()).limit(1)
    if command:
        query = query.where(run_log.c.command == command)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return run_as_dict(row) if row else None


def recent_runs(
    engine: Engine, commands: Sequence[str] = (), limit: int = 20
) -> list[dict[str, Any]]:
    """The latest runs (of `commands` when given), newest first."""
    query = sa.select(run_log).order_by(run_log.c.id.desc()).limit(limit)
    if commands:
        query = query.where(run_log.c.command.in_(list(commands)))
    with engine.connect() as conn:
        return [run_as_dict(row) for row in conn.execute(query)]
