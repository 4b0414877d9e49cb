"""Read a warehouse's raw landing as plain sets, to compare two runs' final states."""

from __future__ import annotations

from dataclasses import dataclass

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
