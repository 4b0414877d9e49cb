"""The quarantine: which submissions are held out of everything downstream, and the review
decisions of data managers that release or reject them.

A current submission (not deleted on the server) is in one of five states:

- `rejected`: its latest decision is a rejection — it stays out for good, whatever is fixed;
- `error`: it has an open error finding — held until fixed on the server (the next
  validation closes the finding) or accepted;
- `accepted`: a data manager accepted it — released; the findings open at the time stay
  visible with the status `accepted` (a finding that appears later holds it again);
- `warning`: only warnings are open — released, the warnings reported;
- `clean`: nothing open.

Held are `error` and `rejected`. Decisions are rows of `review_decision` (who, when, why, on
which version of the submission): every decision is kept, the latest of a submission
counts. Neither table is touched by `htsd rebuild`, so decisions survive it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from forms.text import Text
from validation.messages import ValidationCode, ValidationError
from validation.store import ACCEPTED, OPEN
from warehouse.schema import raw_submission, review_decision, validation_finding

ACCEPT, REJECT = "accept", "reject"
CLEAN, WARNING, ERROR = "clean", "warning", "error"
STATE_ACCEPTED, REJECTED = "accepted", "rejected"
HELD_STATES = frozenset({ERROR, REJECTED})
STATES = (CLEAN, WARNING, ERROR, STATE_ACCEPTED, REJECTED)


@dataclass(frozen=True)
class Decision:
    """One recorded decision on one submission."""

    server: str
    asset_uid: str
    kobo_id: int
    decision: str  # accept | reject
    reason: str
    decided_by: str
    decided_at: datetime
    findings_accepted: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "asset": self.asset_uid,
            "submission": self.kobo_id,
            "decision": self.decision,
            "reason": self.reason,
            "by": self.decided_by,
            "at": self.decided_at.isoformat(),
            "findings_accepted": self.findings_accepted,
        }


def find_submission(
    conn: Connection, kobo_id: int, assets: Sequence[tuple[str, str]] = ()
) -> tuple[str, str]:
    """(server, asset uid) of the current submission `kobo_id`, among `assets` when given.
    VAL001 when none holds it, VAL002 when several do."""
    r = raw_submission
    query = sa.select(r.c.server, r.c.asset_uid).where(
        r.c.kobo_id == kobo_id, r.c.deleted_run.is_(None)
    )
    rows = [(row.server, row.asset_uid) for row in conn.execute(query)]
    if assets:
        rows = [row for row in rows if row in set(assets)]
    if not rows:
        names = ", ".join(uid for _, uid in assets)
        scope = Text(f" trong dự án {names}", f" in asset {names}") if assets else ""
        raise ValidationError(
            ValidationCode.UNKNOWN_SUBMISSION,
            where=str(kobo_id),
            params={"submission": kobo_id, "scope": scope},
        )
    if len(rows) > 1:
        raise ValidationError(
            ValidationCode.AMBIGUOUS_SUBMISSION,
            where=str(kobo_id),
            params={"submission": kobo_id, "assets": ", ".join(uid for _, uid in sorted(rows))},
        )
    return rows[0]


def decide(
    conn: Connection,
    *,
    server: str,
    asset_uid: str,
    kobo_id: int,
    decision: str,
    reason: str,
    decided_by: str,
    run_id: int | None = None,
    now: datetime | None = None,
) -> Decision:
    """Record a decision on a current submission. Accepting marks its open findings
    `accepted` (kept, visible); rejecting holds it out for good. VAL003 without a reason,
    VAL001 for a submission the warehouse does not hold as current."""
    assert decision in (ACCEPT, REJECT), decision
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(ValidationCode.NO_REASON, where="--reason")
    r = raw_submission
    content_hash = conn.execute(
        sa.select(r.c.content_hash).where(
            r.c.server == server,
            r.c.asset_uid == asset_uid,
            r.c.kobo_id == kobo_id,
            r.c.deleted_run.is_(None),
        )
    ).scalar()
    if content_hash is None:
        raise ValidationError(
            ValidationCode.UNKNOWN_SUBMISSION,
            where=str(kobo_id),
            params={"submission": kobo_id, "scope": Text(f" ({asset_uid})", f" ({asset_uid})")},
        )
    now = now or datetime.now(UTC)
    by = " ".join(decided_by.split()) or "?"
    conn.execute(
        review_decision.insert().values(
            server=server,
            asset_uid=asset_uid,
            kobo_id=kobo_id,
            decision=decision,
            reason=reason,
            decided_by=by,
            decided_at=now,
            content_hash=content_hash,
            run_id=run_id,
        )
    )
    accepted = 0
    if decision == ACCEPT:
        f = validation_finding
        accepted = conn.execute(
            f.update()
            .where(
                f.c.server == server,
                f.c.asset_uid == asset_uid,
                f.c.kobo_id == kobo_id,
                f.c.status == OPEN,
            )
            .values(status=ACCEPTED)
        ).rowcount
    return Decision(server, asset_uid, kobo_id, decision, reason, by, now, accepted)


def latest_decisions(conn: Connection, server: str, asset_uid: str) -> dict[int, str]:
    """Submission `_id` → its latest decision (accept or reject)."""
    d = review_decision
    rows = conn.execute(
        sa.select(d.c.kobo_id, d.c.decision)
        .where(d.c.server == server, d.c.asset_uid == asset_uid)
        .order_by(d.c.id)
    )
    return {int(row.kobo_id): row.decision for row in rows}


def submission_states(conn: Connection, server: str, asset_uid: str) -> dict[int, str]:
    """Every current submission's `_id` → its state (see the module's docstring)."""
    r, f = raw_submission, validation_finding
    current = conn.execute(
        sa.select(r.c.kobo_id).where(
            r.c.server == server, r.c.asset_uid == asset_uid, r.c.deleted_run.is_(None)
        )
    ).scalars()
    states = {int(kobo_id): CLEAN for kobo_id in current}
    open_severities = conn.execute(
        sa.select(f.c.kobo_id, f.c.severity)
        .where(f.c.server == server, f.c.asset_uid == asset_uid, f.c.status == OPEN)
        .distinct()
    )
    for row in open_severities:
        kobo_id = int(row.kobo_id)
        if kobo_id not in states:
            continue
        if row.severity == ERROR:
            states[kobo_id] = ERROR
        elif states[kobo_id] == CLEAN:
            states[kobo_id] = WARNING
    for kobo_id, decision in latest_decisions(conn, server, asset_uid).items():
        if kobo_id not in states:
            continue
        if decision == REJECT:
            states[kobo_id] = REJECTED
        elif states[kobo_id] != ERROR:
            states[kobo_id] = STATE_ACCEPTED
    return dict(sorted(states.items()))


def held(conn: Connection, server: str, asset_uid: str) -> set[int]:
    """The `_id`s held out of everything downstream: an open error, or rejected."""
    return {
        k for k, state in submission_states(conn, server, asset_uid).items() if state in HELD_STATES
    }


def held_ids_select(server: str, asset_uid: str) -> sa.Select[Any]:
    """The held `_id`s of an asset as one SELECT, for downstream queries to leave out
    (`column.not_in(held_ids_select(...))`): an open error finding not accepted since, or a
    latest decision that rejects."""
    f, d = validation_finding, review_decision
    latest = (
        sa.select(sa.func.max(d.c.id))
        .where(d.c.server == server, d.c.asset_uid == asset_uid)
        .group_by(d.c.kobo_id)
    )
    with_error = sa.select(f.c.kobo_id).where(
        f.c.server == server,
        f.c.asset_uid == asset_uid,
        f.c.status == OPEN,
        f.c.severity == ERROR,
    )
    rejected = sa.select(d.c.kobo_id).where(d.c.id.in_(latest), d.c.decision == REJECT)
    return sa.union(with_error, rejected)  # type: ignore[return-value]


def decisions(conn: Connection, server: str, asset_uid: str) -> list[dict[str, Any]]:
    """Every decision on an asset's submissions, oldest first."""
    d = review_decision
    rows = conn.execute(
        sa.select(d).where(d.c.server == server, d.c.asset_uid == asset_uid).order_by(d.c.id)
    )
    return [dict(row._mapping) for row in rows]


def held_submissions(conn: Connection, server: str, asset_uid: str) -> list[dict[str, Any]]:
    """The held submissions of an asset, each with its state and its open findings."""
    states = submission_states(conn, server, asset_uid)
    chosen = {k: s for k, s in states.items() if s in HELD_STATES}
    f = validation_finding
    findings: dict[int, list[dict[str, Any]]] = {k: [] for k in chosen}
    ids = sorted(chosen)
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            sa.select(f)
            .where(
                f.c.server == server,
                f.c.asset_uid == asset_uid,
                f.c.status == OPEN,
                f.c.kobo_id.in_(ids[start : start + 500]),
            )
            .order_by(f.c.kobo_id, f.c.rule, f.c.field_path, f.c.row_index)
        )
        for row in rows:
            findings[int(row.kobo_id)].append(dict(row._mapping))
    return [{"submission": k, "state": chosen[k], "findings": findings[k]} for k in sorted(chosen)]


def submission_findings(
    conn: Connection, server: str, asset_uid: str, kobo_id: int
) -> list[dict[str, Any]]:
    """Every finding of one submission (open, accepted and closed), open ones first."""
    f = validation_finding
    rows = conn.execute(
        sa.select(f)
        .where(f.c.server == server, f.c.asset_uid == asset_uid, f.c.kobo_id == kobo_id)
        .order_by(f.c.status != OPEN, f.c.field_path, f.c.row_index, f.c.rule)
    )
    return [dict(row._mapping) for row in rows]


def submission_decisions(
    conn: Connection, server: str, asset_uid: str, kobo_id: int
) -> list[dict[str, Any]]:
    """Every decision on one submission, oldest first."""
    d = review_decision
    rows = conn.execute(
        sa.select(d)
        .where(d.c.server == server, d.c.asset_uid == asset_uid, d.c.kobo_id == kobo_id)
        .order_by(d.c.id)
    )
    return [dict(row._mapping) for row in rows]


def submission_state(conn: Connection, server: str, asset_uid: str, kobo_id: int) -> str | None:
    """The state of one current submission (see the module's docstring); None when it is
    not current."""
    return submission_states(conn, server, asset_uid).get(kobo_id)
