"""Read a warehouse's raw landing as plain sets, to compare two runs' final states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from warehouse.db import make_engine
from warehouse.schema import raw_submission, raw_submission_history, sync_state


@dataclass(frozen=True)
class RawState:
    current: frozenset[tuple[int, str, str, bool]]
    history: tuple[tuple[int, str, str], ...]
    rows: int
    last_id: int | None


def raw_state(url: str) -> RawState:
    engine = make_engine(url)
    t, h = raw_submission, raw_submission_history
    with engine.connect() as conn:
        current = frozenset(
            (r.kobo_id, r.uuid, r.content_hash, r.deleted_run is not None)
            for r in conn.execute(
                sa.select(t.c.kobo_id, t.c.uuid, t.c.content_hash, t.c.deleted_run)
            )
        )
        rows = conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
        history = tuple(
            sorted(
                (r.kobo_id, r.uuid, r.content_hash)
                for r in conn.execute(sa.select(h.c.kobo_id, h.c.uuid, h.c.content_hash))
            )
        )
        last_id = conn.execute(sa.select(sync_state.c.last_id)).scalar()
    engine.dispose()
    return RawState(current, history, rows, last_id)


def _plain(value: object) -> str:
    """A value as text, the same on both databases (date-times in UTC, naive)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return str(value)


def typed_state(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every typed table's rows (columns by name; `_deleted_run` as deleted or not), sorted.

    Run ids differ between two warehouses, so `_deleted_run` is compared as a flag."""
    from warehouse.catalog import form_table

    engine = make_engine(url)
    state: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        names = list(conn.execute(sa.select(form_table.c.table_name)).scalars())
        for name in names:
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            columns = sorted(table.columns, key=lambda c: c.name)
            rows = []
            for row in conn.execute(sa.select(*columns)):
                values = dict(zip([c.name for c in columns], row, strict=True))
                if "_deleted_run" in values:
                    values["_deleted_run"] = values["_deleted_run"] is not None
                rows.append(tuple(_plain(v) for v in values.values()))
            state[name] = sorted(rows)
    engine.dispose()
    return state
