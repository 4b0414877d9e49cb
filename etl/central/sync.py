"""`htsd sync --central PROJECT/FORM`: pull a Central form's submissions into the raw
landing, incrementally, as etl/sync.py does for KoboToolbox.

The asset uid of a Central form is `PROJECT/FORM` (e.g. `1/gia_dinh`), its server the
Central's address. Plan per form:
1. **Changed** — `$filter=__system/submissionDate gt W or __system/updatedAt gt W` (W the
   watermark less the overlap window; everything on the first sync), newest first, each
   page landed in its own transaction (upsert on `__id`: a new instanceID is an edit, the
   earlier payload kept in the history; a review-only change updates the status). The
   listing is checked against `@odata.count`: a stale `$skiptoken` answers an empty page,
   so a short listing is read again (ODK503 after three passes). Only then does the
   watermark move — a run killed before reads the window again and lands nothing twice.
2. **Deleted** — `$filter=__system/deletedAt ne null`: those stored are marked deleted.
3. **Versions** — the published XForm of every version seen in the data and not stored
   (`GET .../versions/{v}.xml`), kept as the version's form (forms/xform.py).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl.central.client import CentralClient
from etl.central.errors import CentralCode, CentralError, CentralUnavailable
from etl.central.records import moved_at, to_payload
from etl.sync import SyncManifest
from forms.kpi import rows_to_kpi_content
from forms.xform import xform_to_xlsform
from warehouse.assets import known_versions, save_asset, save_version, versions_in_data
from warehouse.db import update_or_insert
from warehouse.raw import RawRecord, land_records, mark_deleted
from warehouse.schema import raw_submission, sync_state

log = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=10)
PASSES = 3

Progress = Callable[[str, int, int | None], None]


def _no_progress(_stage: str, _done: int, _total: int | None) -> None:
    return


def parse_ref(value: str) -> tuple[int, str]:
    """`PROJECT/FORM` → (project id, xmlFormId); ODK003 otherwise."""
    project, sep, form = value.strip().partition("/")
    if not sep or not project.strip().isdigit() or not form.strip() or "/" in form:
        raise CentralError(CentralCode.BAD_FORM_REF, where="--central", params={"value": value})
    return int(project), form.strip()


def asset_uid(project_id: int, form_id: str) -> str:
    return f"{project_id}/{form_id}"


def _watermark(engine: Engine, server: str, uid: str) -> str | None:
    with engine.connect() as conn:
        value = conn.execute(
            sa.select(sync_state.c.last_submission_time).where(
                sync_state.c.server == server, sync_state.c.asset_uid == uid
            )
        ).scalar()
    return str(value) if value else None


def _since(watermark: str, overlap: timedelta) -> str:
    moment = datetime.fromisoformat(watermark.replace("Z", "+00:00")) - overlap
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def version_content(xml: bytes | str) -> dict[str, Any]:
    """The KPI-shaped content the warehouse keeps for a version, from its XForm."""
    return rows_to_kpi_content(xform_to_xlsform(xml))


def sync_form(
    engine: Engine,
    client: CentralClient,
    ref: str,
    run_id: int,
    *,
    page_size: int = 1000,
    overlap: timedelta = OVERLAP,
    progress: Progress = _no_progress,
) -> SyncManifest:
    """Pull one Central form into the raw landing; the run manifest for it."""
    started = time.monotonic()
    before = (client.stats.requests, client.stats.retries)
    project_id, form_id = parse_ref(ref)
    uid = asset_uid(project_id, form_id)
    server = client.server
    manifest = SyncManifest(asset_uid=uid, server=server)
    form = client.get_form(project_id, form_id)
    published = form.get("version")
    content: dict[str, Any] = {}
    if form.get("publishedAt"):
        content = version_content(client.published_xml(project_id, form_id))
    with engine.begin() as conn:
        save_asset(
            conn,
            server,
            {
                "uid": uid,
                "name": form.get("name") or form_id,
                "version_id": published,
                "deployed_version_id": published,
                "has_deployment": bool(form.get("publishedAt")),
                "content": content,
            },
            run_id,
        )

    # 1. new, edited and reviewed submissions since the watermark
    watermark = _watermark(engine, server, uid)
    query = None
    if watermark:
        since = _since(watermark, overlap)
        query = f"__system/submissionDate gt {since} or __system/updatedAt gt {since}"
    latest = watermark
    for attempt in range(1, PASSES + 1):
        seen: set[str] = set()
        expected: int | None = None
        for page in client.iter_pages(project_id, form_id, filter=query, page_size=page_size):
            manifest.pages += 1
            if expected is None:
                expected = page.count
            fresh = [row for row in page.rows if str(row.get("__id")) not in seen]
            seen.update(str(row.get("__id")) for row in page.rows)
            _land(engine, manifest, run_id, fresh)
            for row in page.rows:
                moved = moved_at(row)
                if moved and (latest is None or moved > latest):
                    latest = moved
            progress("new", len(seen), expected)
        if expected is None or len(seen) >= expected:
            break
        log.warning(
            "%s: listing ended at %d of %d (@odata.count); reading it again",
            uid,
            len(seen),
            expected,
        )
        if attempt == PASSES:
            raise CentralUnavailable(
                CentralCode.INCOMPLETE,
                where=server,
                params={"target": uid, "read": len(seen), "count": expected, "attempts": PASSES},
            )
    with engine.begin() as conn:
        update_or_insert(
            conn,
            sync_state,
            {"server": server, "asset_uid": uid},
            {"last_submission_time": latest, "updated_run": run_id},
        )

    # 2. deletions: what is in Central's trash
    deleted: set[int] = set()
    for page in client.iter_pages(
        project_id, form_id, filter="__system/deletedAt ne null", page_size=page_size
    ):
        manifest.pages += 1
        deleted.update(to_payload(row)["_id"] for row in page.rows)
    with engine.begin() as conn:
        t = raw_submission
        stored = conn.execute(
            sa.select(t.c.kobo_id).where(
                t.c.server == server, t.c.asset_uid == uid, t.c.deleted_run.is_(None)
            )
        ).scalars()
        live = {int(k) for k in stored} - deleted
        manifest.deleted = mark_deleted(conn, server, uid, run_id, live)
        update_or_insert(
            conn, sync_state, {"server": server, "asset_uid": uid}, {"last_sweep_run": run_id}
        )
        manifest.on_server = int(
            conn.execute(
                sa.select(sa.func.count()).where(
                    t.c.server == server, t.c.asset_uid == uid, t.c.deleted_run.is_(None)
                )
            ).scalar()
            or 0
        )
    manifest.swept = True
    manifest.unchanged = max(
        0,
        manifest.on_server
        - (manifest.new + manifest.edited + manifest.changed + manifest.restored),
    )

    # 3. the XForm of every version seen
    manifest.versions = _fetch_versions(engine, client, project_id, form_id, run_id)
    manifest.requests = client.stats.requests - before[0]
    manifest.retries = client.stats.retries - before[1]
    manifest.duration_s = round(time.monotonic() - started, 3)
    return manifest


def _land(engine: Engine, manifest: SyncManifest, run_id: int, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    records = [RawRecord.from_payload(to_payload(row)) for row in rows]
    with engine.begin() as conn:
        counts = land_records(conn, manifest.server, manifest.asset_uid, run_id, records)
    manifest.add(counts)


def _fetch_versions(
    engine: Engine, client: CentralClient, project_id: int, form_id: str, run_id: int
) -> list[str]:
    uid = asset_uid(project_id, form_id)
    server = client.server
    seen = versions_in_data(engine, server, uid)
    missing = sorted(seen - known_versions(engine, server, uid))
    if not missing:
        return sorted(seen)
    published = {
        str(v.get("version")): v.get("publishedAt")
        for v in client.form_versions(project_id, form_id)
    }
    for version in missing:
        try:
            xml = client.version_xml(project_id, form_id, version)
        except CentralError as error:
            if error.code != CentralCode.NOT_FOUND:
                raise
            log.warning("form %s: version %s is gone from the server", uid, version)
            continue
        with engine.begin() as conn:
            save_version(
                conn,
                server,
                uid,
                {
                    "uid": version,
                    "content": version_content(xml),
                    "content_hash": hashlib.sha256(xml).hexdigest(),
                    "date_deployed": published.get(version),
                },
                run_id,
            )
    return sorted(seen)
