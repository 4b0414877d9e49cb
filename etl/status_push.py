"""Validation statuses back to KoboToolbox: what the validation found, where the data
managers see it (`htsd validate --push-status`).

Each submission's validation state becomes a status on the server:

    error, rejected  → validation_status_not_approved
    warning          → the hold status (validation_status_on_hold unless told otherwise)
    clean, accepted  → validation_status_approved

The server's current statuses are read fresh (the cheap `fields=["_id"]` listing still
carries `_validation_status`), and only what differs is sent: one bulk PATCH per target
status, in chunks of at most `BULK_CHUNK` ids. A status a person set on the server is never
overwritten: `status_push` holds what htsd last pushed for each submission, and a non-empty
status on the server that differs from it (or that htsd never pushed) was set by hand — it
is kept, and counted, unless `force`. Every status uid is checked before the first request:
the real server silently clears the statuses of an unknown one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from etl.kobo.client import KoboClient, check_status_uid
from warehouse.db import chunks
from warehouse.lock import warehouse_lock
from warehouse.schema import status_push

NOT_APPROVED = "validation_status_not_approved"
APPROVED = "validation_status_approved"
ON_HOLD = "validation_status_on_hold"

STATES = ("clean", "warning", "error", "accepted", "rejected")
"""The validation states of a submission (validation.review.submission_states)."""

BULK_CHUNK = 1000
"""Ids per bulk PATCH."""

_IN_CHUNK = 500  # ids per IN list of the status_push upsert
_PAGE = 1000  # submissions per page of the status listing (the server's cap)


def desired_status(state: str, hold_status: str = ON_HOLD) -> str:
    """The status uid a submission in `state` gets on the server."""
    if state in ("error", "rejected"):
        return NOT_APPROVED
    if state == "warning":
        return hold_status
    if state in ("clean", "accepted"):
        return APPROVED
    raise ValueError(f"unknown validation state {state!r}; one of {', '.join(STATES)}")


@dataclass
class PushResult:
    """What one push did for an asset.

    `sent`: ids sent per status uid; `unchanged`: already the status wanted; `kept`: a status
    set by hand on the server, left alone; `overridden`: one replaced (`force`);
    `not_on_server`: in the states but not on the server (deleted there since the last
    sync)."""

    server: str
    asset_uid: str
    sent: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    kept: int = 0
    overridden: int = 0
    not_on_server: int = 0
    requests: int = 0  # bulk PATCHes made

    @property
    def total_sent(self) -> int:
        return sum(self.sent.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": dict(self.sent),
            "unchanged": self.unchanged,
            "kept": self.kept,
            "overridden": self.overridden,
            "not_on_server": self.not_on_server,
            "requests": self.requests,
        }


def server_statuses(client: KoboClient, asset_uid: str) -> dict[int, str | None]:
    """Every submission on the server → its current status uid (None when it has none)."""
    current: dict[int, str | None] = {}
    for page in client.iter_data_pages(asset_uid, fields=["_id"], sort={"_id": 1}, limit=_PAGE):
        for item in page.results:
            status = item.get("_validation_status")
            uid = status.get("uid") if isinstance(status, dict) else None
            current[int(item["_id"])] = str(uid) if uid else None
    return current


def pushed_statuses(conn: Connection, server: str, asset_uid: str) -> dict[int, str]:
    """What htsd last pushed for each submission of the asset."""
    t = status_push
    rows = conn.execute(
        sa.select(t.c.kobo_id, t.c.status_uid).where(
            t.c.server == server, t.c.asset_uid == asset_uid
        )
    )
    return {int(row.kobo_id): str(row.status_uid) for row in rows}


def record_pushed(
    conn: Connection,
    server: str,
    asset_uid: str,
    ids: Sequence[int],
    status_uid: str,
    *,
    run_id: int | None,
    now: datetime,
) -> None:
    """Upsert `status_push` for ids just set to `status_uid` (select, then update or insert:
    the same on SQLite and PostgreSQL)."""
    t = status_push
    mine = sa.and_(t.c.server == server, t.c.asset_uid == asset_uid)
    values = {"status_uid": status_uid, "pushed_at": now, "run_id": run_id}
    for chunk in chunks(list(ids), _IN_CHUNK):
        existing = set(
            conn.execute(sa.select(t.c.kobo_id).where(mine, t.c.kobo_id.in_(chunk))).scalars()
        )
        if existing:
            conn.execute(t.update().where(mine, t.c.kobo_id.in_(sorted(existing))).values(values))
        new = [i for i in chunk if i not in existing]
        if new:
            conn.execute(
                t.insert(),
                [{"server": server, "asset_uid": asset_uid, "kobo_id": i, **values} for i in new],
            )


def _check(states: Mapping[int, str], hold_status: str) -> None:
    check_status_uid(hold_status)
    unknown = sorted({s for s in states.values() if s not in STATES})
    if unknown:
        raise ValueError(f"unknown validation states {unknown}; one of {', '.join(STATES)}")


def _in_order(statuses: Iterable[str]) -> list[str]:
    order = (NOT_APPROVED, ON_HOLD, APPROVED)
    return sorted(statuses, key=lambda s: order.index(s) if s in order else len(order))


def push_statuses(
    engine: Engine,
    client: KoboClient,
    server: str,
    asset_uid: str,
    states: Mapping[int, str],
    *,
    hold_status: str = ON_HOLD,
    force: bool = False,
    run_id: int | None = None,
) -> PushResult:
    """Set the validation status of each submission in `states` (`_id` → state) on the server
    as its state wants, sending only what differs and leaving statuses set by hand alone
    unless `force` (see the module). `server` is the warehouse's name of the asset's server,
    the client's server."""
    _check(states, hold_status)  # before any request
    if server != client.server:
        raise ValueError(f"the client talks to {client.server}, not to {server}")
    result = PushResult(server=server, asset_uid=asset_uid)
    with warehouse_lock(engine, "validate"):
        with engine.connect() as conn:
            pushed = pushed_statuses(conn, server, asset_uid)
        current = server_statuses(client, asset_uid)
        to_send: dict[str, list[int]] = {}
        for kobo_id in sorted(states):
            if kobo_id not in current:
                result.not_on_server += 1
                continue
            wanted = desired_status(states[kobo_id], hold_status)
            now = current[kobo_id]
            if now == wanted:
                result.unchanged += 1
                continue
            if now is not None and now != pushed.get(kobo_id):  # set by a person
                if not force:
                    result.kept += 1
                    continue
                result.overridden += 1
            to_send.setdefault(wanted, []).append(kobo_id)
        for status_uid in _in_order(to_send):
            for chunk in chunks(to_send[status_uid], BULK_CHUNK):
                client.set_validation_statuses(asset_uid, list(chunk), status_uid)
                result.requests += 1
                result.sent[status_uid] = result.sent.get(status_uid, 0) + len(chunk)
                with engine.begin() as conn:
                    record_pushed(
                        conn,
                        server,
                        asset_uid,
                        chunk,
                        status_uid,
                        run_id=run_id,
                        now=datetime.now(UTC),
                    )
    return result
