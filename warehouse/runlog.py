"""The run log: one row per command run, with its counts and error."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.schema import run_log


def _now() -> datetime:
    return datetime.now(UTC)


def start_run(engine: Engine, command: str, arguments: Mapping[str, Any] | None = None) -> int:
    """Insert a `running` row and return its id. Arguments must hold no secrets."""
    with engine.begin() as conn:
        result = conn.execute(
            run_log.insert().values(
                command=command,
                arguments=json.dumps(dict(arguments or {}), ensure_ascii=False, default=str),
                started_at=_now(),
                status="running",
                counts="{}",
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
