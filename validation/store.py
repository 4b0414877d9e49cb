"""Findings kept as data: `validation_finding`, updated by each validation, never duplicated.

A finding is identified by its submission, rule, field and repeat row. `record` takes what a
validation run checked (the submissions) and what it found there:

- a finding seen for the first time is inserted, open, first and last seen by this run;
- one seen again keeps its first sighting, takes this run as its last, its current value and
  message, and opens again if it had been closed (one a data manager accepted stays
  `accepted`: validation.review);
- an open (or accepted) finding of a checked submission that the run no longer finds is
  closed by it (the submission was fixed on the server); findings of submissions not
  checked are left alone.

Nothing is deleted: a closed finding stays as the record of what was wrong and when.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from forms.findings import Finding
from warehouse.schema import validation_finding

OPEN, CLOSED, ACCEPTED = "open", "closed", "accepted"
Key = tuple[int, str, str, str]  # kobo_id, rule, field, row index


@dataclass(frozen=True)
class Recorded:
    """What one validation changed in the findings table."""

    new: int = 0
    seen_again: int = 0
    reopened: int = 0
    closed: int = 0
    new_errors: int = 0


def row_index(finding: Finding) -> str:
    """The repeat index path as stored: "2.1", or "" for the submission itself."""
    return ".".join(str(i) for i in finding.index)


def _key(finding: Finding) -> Key:
    assert finding.submission is not None, "a validation finding names its submission"
    return (finding.submission, finding.rule, finding.field, row_index(finding))


def record(
    conn: Connection,
    *,
    server: str,
    asset_uid: str,
    run_id: int | None,
    checked: Collection[int],
    findings: Sequence[Finding],
    now: datetime | None = None,
    rules: Callable[[str], bool] | None = None,
) -> Recorded:
    """Store one validation's findings for `checked` submissions of an asset (see above).
    With `rules`, only findings of the rules it admits are this run's business: others are
    neither inserted nor closed (a run that checks some rules on some submissions and other
    rules on all of them records each part with its own `checked`)."""
    now = now or datetime.now(UTC)
    t = validation_finding
    mine = sa.and_(t.c.server == server, t.c.asset_uid == asset_uid)
    admits = rules or (lambda _rule: True)
    found = {_key(f): f for f in findings if f.submission is not None and admits(f.rule)}
    ids = sorted(set(checked) | {key[0] for key in found})
    existing: dict[Key, Any] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for stored in conn.execute(
            sa.select(
                t.c.id, t.c.kobo_id, t.c.rule, t.c.field_path, t.c.row_index, t.c.status
            ).where(mine, t.c.kobo_id.in_(chunk))
        ):
            if not admits(stored.rule):
                continue
            key = (stored.kobo_id, stored.rule, stored.field_path, stored.row_index)
            existing[key] = stored
    new = seen = reopened = closed = new_errors = 0
    inserts: list[dict[str, Any]] = []
    for key, finding in found.items():
        values = {
            "severity": str(finding.severity),
            "value": finding.value,
            "message_vi": finding.message.vi,
            "message_en": finding.message.en,
            "status": OPEN,
            "last_run": run_id,
            "last_seen": now,
            "closed_run": None,
        }
        row = existing.get(key)
        if row is not None and row.status == ACCEPTED:
            values["status"] = ACCEPTED
        if row is None:
            new += 1
            new_errors += finding.severity == "error"
            kobo_id, rule, field_path, index = key
            inserts.append(
                values
                | {
                    "server": server,
                    "asset_uid": asset_uid,
                    "kobo_id": kobo_id,
                    "rule": rule,
                    "field_path": field_path,
                    "row_index": index,
                    "first_run": run_id,
                    "first_seen": now,
                }
            )
            continue
        seen += 1
        if row.status == CLOSED:
            reopened += 1
            new_errors += finding.severity == "error"
        conn.execute(t.update().where(t.c.id == row.id).values(**values))
    if inserts:
        conn.execute(t.insert(), inserts)
    checked_set = set(checked)
    gone = [
        row.id
        for key, row in existing.items()
        if key not in found and row.status in (OPEN, ACCEPTED) and key[0] in checked_set
    ]
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        conn.execute(t.update().where(t.c.id.in_(chunk)).values(status=CLOSED, closed_run=run_id))
        closed += len(chunk)
    return Recorded(new, seen, reopened, closed, new_errors)


def open_findings(
    conn: Connection, server: str, asset_uid: str, *, accepted: bool = False
) -> list[dict[str, Any]]:
    """The open findings of an asset (with `accepted`, the accepted ones too), by submission,
    rule and field."""
    t = validation_finding
    statuses = (OPEN, ACCEPTED) if accepted else (OPEN,)
    rows = conn.execute(
        sa.select(t)
        .where(t.c.server == server, t.c.asset_uid == asset_uid, t.c.status.in_(statuses))
        .order_by(t.c.kobo_id, t.c.rule, t.c.field_path, t.c.row_index)
    )
    return [dict(row._mapping) for row in rows]
