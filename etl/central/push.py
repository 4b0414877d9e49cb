"""Validation outcomes back to ODK Central as review states with a comment
(`htsd validate --push-status`), sending only what differs.

    error, warning → hasIssues      rejected → rejected      clean, accepted → approved

Each state sent is followed by a comment in Vietnamese listing the submission's open
findings (or saying it passed). The server's review states are read fresh (`$select` of
`__id` and `__system/reviewState`); a state a person set on the server (not what htsd last
pushed, kept in `status_push`, and not `edited`) is left alone unless `force`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl.central.client import CentralClient
from etl.central.records import central_id
from etl.central.sync import parse_ref
from etl.status_push import PushResult, pushed_statuses, record_pushed
from warehouse.lock import warehouse_lock
from warehouse.schema import validation_finding

APPROVED, HAS_ISSUES, REJECTED = "approved", "hasIssues", "rejected"
_OPEN_STATES = (None, "edited", "received")
MAX_LISTED = 20  # findings named in one comment


def desired_review(state: str) -> str:
    if state == "rejected":
        return REJECTED
    if state in ("error", "warning"):
        return HAS_ISSUES
    if state in ("clean", "accepted"):
        return APPROVED
    raise ValueError(f"unknown validation state {state!r}")


def _comment(review: str, findings: list[tuple[str, str, str]]) -> str:
    if review == APPROVED and not findings:
        return "htsd: bản ghi đạt kiểm tra chất lượng dữ liệu."
    head = {
        APPROVED: "htsd: bản ghi được chấp nhận",
        HAS_ISSUES: "htsd: bản ghi cần xem lại",
        REJECTED: "htsd: bản ghi bị từ chối",
    }[review]
    lines = [f"{head} ({len(findings)} phát hiện):"] if findings else [head + "."]
    for severity, path, message in findings[:MAX_LISTED]:
        mark = "Lỗi" if severity == "error" else "Cảnh báo"
        lines.append(f"- {mark} ({path}): {message}" if path else f"- {mark}: {message}")
    if len(findings) > MAX_LISTED:
        lines.append(f"- … và {len(findings) - MAX_LISTED} phát hiện khác")
    return "\n".join(lines)


def push_review_states(
    engine: Engine,
    client: CentralClient,
    server: str,
    ref: str,
    states: Mapping[int, str],
    *,
    force: bool = False,
    run_id: int | None = None,
) -> PushResult:
    """Set each submission's review state as its validation state wants (see the module)."""
    project_id, form_id = parse_ref(ref)
    result = PushResult(server=server, asset_uid=ref)
    with warehouse_lock(engine, "validate"):
        with engine.connect() as conn:
            pushed = pushed_statuses(conn, server, ref)
            f = validation_finding
            found: dict[int, list[tuple[str, str, str]]] = {}
            for row in conn.execute(
                sa.select(f.c.kobo_id, f.c.severity, f.c.field_path, f.c.message_vi)
                .where(f.c.server == server, f.c.asset_uid == ref, f.c.status == "open")
                .order_by(f.c.kobo_id, f.c.severity, f.c.field_path, f.c.id)
            ):
                found.setdefault(int(row.kobo_id), []).append(
                    (row.severity, row.field_path, row.message_vi)
                )
        current: dict[int, tuple[str, str | None]] = {}
        for page in client.iter_pages(
            project_id, form_id, select="__id,__system/reviewState", page_size=1000
        ):
            for item in page.rows:
                iid = str(item["__id"])
                current[central_id(iid)] = (iid, (item.get("__system") or {}).get("reviewState"))
        for kobo_id in sorted(states):
            if kobo_id not in current:
                result.not_on_server += 1
                continue
            wanted = desired_review(states[kobo_id])
            iid, now = current[kobo_id]
            if now == wanted:
                result.unchanged += 1
                continue
            if now not in _OPEN_STATES and now != pushed.get(kobo_id):  # set by a person
                if not force:
                    result.kept += 1
                    continue
                result.overridden += 1
            client.set_review_state(project_id, form_id, iid, wanted)
            client.add_comment(project_id, form_id, iid, _comment(wanted, found.get(kobo_id, [])))
            result.requests += 2
            result.sent[wanted] = result.sent.get(wanted, 0) + 1
            with engine.begin() as conn:
                record_pushed(
                    conn, server, ref, [kobo_id], wanted, run_id=run_id, now=datetime.now(UTC)
                )
    return result
