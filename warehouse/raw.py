"""Raw landing: every payload stored as pulled, before any transformation.

A page of submissions is landed in one transaction. For each submission the stable key is
(server, asset uid, Kobo `_id`). A submission never seen is inserted; one whose `_uuid`
changed is an edit — its earlier payload moves to `raw_submission_history` first; one whose
content is unchanged only has `last_seen_run` moved. Nothing is ever deleted here: a
submission gone from the server is marked with `deleted_run`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse import jsontext
from warehouse.bulk import insert_rows
from warehouse.db import chunks
from warehouse.schema import raw_submission, raw_submission_history

# Keys that change without the answers changing; kept in the payload, left out of the hash.
_VOLATILE_KEYS = frozenset({"_validation_status"})


def content_hash(payload: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the payload, without its volatile keys."""
    return hashlib.sha256(jsontext.canonical(payload, _VOLATILE_KEYS)).hexdigest()


def dump_payload(payload: Mapping[str, Any]) -> str:
    return jsontext.dumps(payload)


@dataclass(frozen=True)
class RawRecord:
    """One submission as pulled, with the identity fields read out of it."""

    kobo_id: int
    uuid: str
    root_uuid: str | None
    form_version: str | None
    submission_time: str | None
    validation_status: str | None
    content_hash: str
    payload: str
    deprecated_id: str | None = None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> RawRecord:
        status = payload.get("_validation_status") or {}
        uuid = str(payload.get("_uuid") or payload.get("meta/instanceID") or "")
        return cls(
            kobo_id=int(payload["_id"]),
            uuid=uuid,
            root_uuid=payload.get("meta/rootUuid"),
            form_version=payload.get("__version__"),
            submission_time=payload.get("_submission_time"),
            validation_status=status.get("uid") if isinstance(status, dict) else None,
            content_hash=content_hash(payload),
            payload=dump_payload(payload),
            deprecated_id=_text_or_none(payload.get("meta/deprecatedID")),
        )


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass
class LandCounts:
    new: int = 0
    edited: int = 0
    changed: int = 0  # same `_uuid`, other content (attachments, server-side fields)
    unchanged: int = 0
    restored: int = 0  # marked deleted earlier, seen again
    status_changed: int = 0  # of the unchanged: only the validation status differs

    def add(self, other: LandCounts) -> None:
        self.new += other.new
        self.edited += other.edited
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.restored += other.restored
        self.status_changed += other.status_changed


def land_records(
    conn: Connection,
    server: str,
    asset_uid: str,
    run_id: int,
    records: Sequence[RawRecord],
) -> LandCounts:
    """Land one batch inside the caller's transaction; returns what happened to each."""
    counts = LandCounts()
    if not records:
        return counts
    by_id = {r.kobo_id: r for r in records}
    t = raw_submission
    existing = {
        row.kobo_id: row
        for row in conn.execute(
            sa.select(
                t.c.id,
                t.c.kobo_id,
                t.c.uuid,
                t.c.content_hash,
                t.c.payload,
                t.c.form_version,
                t.c.validation_status,
                t.c.deleted_run,
            ).where(
                t.c.server == server,
                t.c.asset_uid == asset_uid,
                # the range lets PostgreSQL use the key's index on a table without statistics
                # yet (a first sync): without it each page's lookup scanned the whole table
                t.c.kobo_id.between(min(by_id), max(by_id)),
                t.c.kobo_id.in_(list(by_id)),
            )
        )
    }
    inserts: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    seen_ids: list[int] = []
    for kobo_id, rec in by_id.items():
        old = existing.get(kobo_id)
        if old is None:
            inserts.append(
                {
                    "server": server,
                    "asset_uid": asset_uid,
                    "kobo_id": kobo_id,
                    "uuid": rec.uuid,
                    "root_uuid": rec.root_uuid,
                    "form_version": rec.form_version,
                    "submission_time": rec.submission_time,
                    "content_hash": rec.content_hash,
                    "validation_status": rec.validation_status,
                    "payload": rec.payload,
                    "edits": 0,
                    "deprecated_id": rec.deprecated_id,
                    "first_seen_run": run_id,
                    "last_seen_run": run_id,
                }
            )
            counts.new += 1
            continue
        if old.deleted_run is not None:
            counts.restored += 1
        if old.content_hash == rec.content_hash:
            seen_ids.append(old.id)
            counts.unchanged += 1
            if old.validation_status != rec.validation_status:
                counts.status_changed += 1
            if old.validation_status != rec.validation_status or old.deleted_run is not None:
                conn.execute(
                    t.update()
                    .where(t.c.id == old.id)
                    .values(
                        validation_status=rec.validation_status,
                        payload=rec.payload,
                        deleted_run=None,
                    )
                )
            continue
        history.append(
            {
                "server": server,
                "asset_uid": asset_uid,
                "kobo_id": kobo_id,
                "uuid": old.uuid,
                "form_version": old.form_version,
                "content_hash": old.content_hash,
                "payload": old.payload,
                "superseded_run": run_id,
            }
        )
        is_edit = old.uuid != rec.uuid
        if is_edit:
            counts.edited += 1
        else:
            counts.changed += 1
        conn.execute(
            t.update()
            .where(t.c.id == old.id)
            .values(
                uuid=rec.uuid,
                root_uuid=rec.root_uuid,
                form_version=rec.form_version,
                submission_time=rec.submission_time,
                content_hash=rec.content_hash,
                validation_status=rec.validation_status,
                payload=rec.payload,
                edits=t.c.edits + (1 if is_edit else 0),
                deprecated_id=rec.deprecated_id,
                last_seen_run=run_id,
                deleted_run=None,
            )
        )
    if history:
        conn.execute(raw_submission_history.insert(), history)
    if inserts:  # through the driver (COPY on PostgreSQL): `warehouse.bulk`
        insert_rows(conn, t, inserts)
    if seen_ids:
        conn.execute(t.update().where(t.c.id.in_(seen_ids)).values(last_seen_run=run_id))
    return counts


def mark_deleted(
    conn: Connection, server: str, asset_uid: str, run_id: int, live_ids: Iterable[int]
) -> int:
    """Mark as deleted every stored, not yet deleted submission whose `_id` is not live."""
    t = raw_submission
    live = set(live_ids)
    stored = conn.execute(
        sa.select(t.c.id, t.c.kobo_id).where(
            t.c.server == server, t.c.asset_uid == asset_uid, t.c.deleted_run.is_(None)
        )
    ).all()
    gone = [row.id for row in stored if row.kobo_id not in live]
    for chunk in chunks(gone, 500):
        conn.execute(t.update().where(t.c.id.in_(chunk)).values(deleted_run=run_id))
    return len(gone)


def mark_ids_deleted(
    conn: Connection, server: str, asset_uid: str, run_id: int, kobo_ids: Sequence[int]
) -> int:
    """Mark as deleted the given stored submissions not yet marked; returns how many were.
    What `mark_deleted` does for a caller that already knows which are gone (the sweep)."""
    t = raw_submission
    marked = 0
    for chunk in chunks(sorted(kobo_ids), 500):
        result = conn.execute(
            t.update()
            .where(
                t.c.server == server,
                t.c.asset_uid == asset_uid,
                t.c.kobo_id.between(chunk[0], chunk[-1]),
                t.c.kobo_id.in_(chunk),
                t.c.deleted_run.is_(None),
            )
            .values(deleted_run=run_id)
        )
        marked += result.rowcount
    return marked
