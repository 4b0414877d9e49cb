"""What the warehouse holds, per asset: the numbers `htsd status` prints."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.catalog import form_table, load_finding
from warehouse.runlog import last_run
from warehouse.schema import (
    form_deployment,
    kobo_asset,
    raw_submission,
    raw_submission_history,
    sync_state,
)


def typed_status(conn: sa.Connection) -> dict[tuple[str, str], dict[str, Any]]:
    """(server, asset uid) → its typed tables, rows in the current view, and load findings."""
    f, t = load_finding, form_table
    findings = {
        (row.server, row.asset_uid): row.n
        for row in conn.execute(
            sa.select(f.c.server, f.c.asset_uid, sa.func.count().label("n")).group_by(
                f.c.server, f.c.asset_uid
            )
        )
    }
    out: dict[tuple[str, str], dict[str, Any]] = {}
    quote = conn.dialect.identifier_preparer.quote
    for row in conn.execute(sa.select(t).order_by(t.c.server, t.c.asset_uid, t.c.position)):
        key = (row.server, row.asset_uid)
        entry = out.setdefault(
            key, {"tables": [], "current": 0, "findings": int(findings.get(key, 0))}
        )
        entry["tables"].append(row.table_name)
        if not row.repeat_path:
            count = sa.text(f"SELECT count(*) FROM {quote(row.view_name)}")
            entry["current"] = int(conn.execute(count).scalar_one())
    return out


def warehouse_status(engine: Engine) -> dict[str, Any]:
    """Per asset uid: what is stored of it, and the last run. Every asset the warehouse knows
    is listed, those without submissions with zeros: deployed by `htsd forms deploy` or
    read by a sync."""
    t = raw_submission
    h = raw_submission_history
    assets: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                t.c.asset_uid,
                t.c.server,
                sa.func.count().filter(t.c.deleted_run.is_(None)).label("submissions"),
                sa.func.count().filter(t.c.deleted_run.is_not(None)).label("deleted"),
                sa.func.count()  # edited since first pulled, or before (a deprecatedID)
                .filter(
                    sa.or_(t.c.edits > 0, t.c.deprecated_id.is_not(None)),
                    t.c.deleted_run.is_(None),
                )
                .label("edited"),
                sa.func.count(sa.distinct(t.c.form_version)).label("versions"),
                sa.func.max(t.c.submission_time).label("last_submission_time"),
            )
            .group_by(t.c.asset_uid, t.c.server)
            .order_by(t.c.asset_uid)
        ).all()
        history: dict[str, int] = dict(
            conn.execute(sa.select(h.c.asset_uid, sa.func.count()).group_by(h.c.asset_uid)).all()
        )
        states = {
            row.asset_uid: row
            for row in conn.execute(sa.select(sync_state.c.asset_uid, sync_state.c.last_id))
        }
        typed = typed_status(conn)
        a, d = kobo_asset, form_deployment
        names = {
            (row.server, row.asset_uid): row.name
            for row in conn.execute(sa.select(a.c.server, a.c.asset_uid, a.c.name))
        }
        deployed = {  # the latest deployment wins
            (row.server, row.asset_uid): row.form_name
            for row in conn.execute(
                sa.select(d.c.server, d.c.asset_uid, d.c.form_name).order_by(d.c.id)
            )
        }

    def blank(server: str, uid: str) -> dict[str, Any]:
        return {
            "server": server,
            "form": deployed.get((server, uid)),
            "name": names.get((server, uid)),
            "submissions": 0,
            "edited": 0,
            "deleted": 0,
            "versions": 0,
            "history": 0,
            "last_submission_time": None,
            "watermark_id": None,
            "typed": typed.get((server, uid)),
        }

    for row in rows:
        entry = assets.setdefault(row.asset_uid, blank(row.server, row.asset_uid))
        entry["submissions"] += row.submissions
        entry["edited"] += row.edited
        entry["deleted"] += row.deleted
        entry["versions"] = max(entry["versions"], row.versions)
        entry["history"] = int(history.get(row.asset_uid, 0))
        entry["last_submission_time"] = row.last_submission_time
        state = states.get(row.asset_uid)
        entry["watermark_id"] = state.last_id if state else None
        entry["typed"] = typed.get((row.server, row.asset_uid))
    # every asset known without data yet: deployed by htsd forms deploy, or read by a sync
    for server, uid in sorted({*deployed, *names}, key=lambda key: (deployed.get(key) or "", key)):
        if uid not in assets:
            assets[uid] = blank(server, uid)
    return {"assets": assets, "last_run": last_run(engine)}
