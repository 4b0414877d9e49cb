"""`htsd sync`: pull an asset's submissions into the raw landing, incrementally.

Plan per asset:
1. **New** — keyset pages `{"_id": {"$gt": watermark}}` sorted by `_id`; each page is landed
   and the watermark moved in one transaction, so a run killed anywhere resumes exactly.
2. **Sweep** — a cheap pass over `fields=["_id"]` (the server adds `_uuid`, `meta/rootUuid`
   and `_validation_status`) compared with the warehouse: ids we lack (late arrivals out of
   `_id` order), ids whose `_uuid` changed (edits) or whose validation status changed are
   fetched in full and landed; stored ids no longer on the server are marked deleted, only
   after the sweep has read every page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl.kobo.client import KoboClient, Page
from etl.kobo.errors import KoboCode, KoboError
from warehouse.ahead import read_ahead
from warehouse.assets import known_versions, save_asset, save_version, versions_in_data
from warehouse.db import chunks, shared_by_threads, update_or_insert
from warehouse.raw import LandCounts, RawRecord, land_records, mark_ids_deleted
from warehouse.schema import raw_submission, sync_state

log = logging.getLogger(__name__)

FETCH_CHUNK = 200

Progress = Callable[[str, int, int | None], None]


def _no_progress(_stage: str, _done: int, _total: int | None) -> None:
    return


@dataclass
class SyncManifest:
    asset_uid: str
    server: str
    new: int = 0
    edited: int = 0
    deleted: int = 0
    unchanged: int = 0
    restored: int = 0
    changed: int = 0
    status_changed: int = 0  # answers unchanged, validation status changed on the server
    on_server: int = 0
    pages: int = 0
    requests: int = 0
    retries: int = 0
    duration_s: float = 0.0
    # where the time went (seconds): waiting for and reading pages of new or changed
    # submissions, landing them, the sweep's pages of ids, the form versions
    stages: dict[str, float] = field(default_factory=dict)
    swept: bool = False
    versions: list[str] = field(default_factory=list)
    _landed: set[int] = field(default_factory=set, repr=False)

    def add(self, counts: LandCounts) -> None:
        self.new += counts.new
        self.edited += counts.edited
        self.changed += counts.changed
        self.unchanged += counts.unchanged
        self.restored += counts.restored
        self.status_changed += counts.status_changed

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_landed", None)
        return data


class _Stages:
    """Adds up the seconds spent in each stage of a sync (`SyncManifest.stages`)."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into = into

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()  # pragma: no mutate
        try:
            yield
        finally:
            # pragma: no mutate start (timing)
            self.into[stage] = self.into.get(stage, 0.0) + time.perf_counter() - started
            # pragma: no mutate end

    def pages(self, stage: str, pages: Iterator[Page]) -> Iterator[Page]:
        """The pages, the time taken to get each (request and reading) added to `stage`."""
        while True:
            with self(stage):
                page = next(pages, None)
            if page is None:
                return
            yield page


def _state(engine: Engine, server: str, asset_uid: str) -> int:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(sync_state.c.last_id).where(
                sync_state.c.server == server, sync_state.c.asset_uid == asset_uid
            )
        ).first()
    return int(row.last_id) if row and row.last_id is not None else 0


def _save_state(conn: sa.Connection, server: str, asset_uid: str, values: dict[str, Any]) -> None:
    update_or_insert(conn, sync_state, {"server": server, "asset_uid": asset_uid}, values)


def _land_page(
    engine: Engine,
    manifest: SyncManifest,
    run_id: int,
    results: list[dict[str, Any]],
    watermark: bool,
) -> None:
    records = [RawRecord.from_payload(item) for item in results]
    with engine.begin() as conn:
        counts = land_records(conn, manifest.server, manifest.asset_uid, run_id, records)
        if watermark and records:
            last = max(r.kobo_id for r in records)
            times = [r.submission_time for r in records if r.submission_time]
            _save_state(
                conn,
                manifest.server,
                manifest.asset_uid,
                {
                    "last_id": last,
                    "last_submission_time": max(times) if times else None,
                    "updated_run": run_id,
                },
            )
    manifest.add(counts)
    manifest._landed.update(r.kobo_id for r in records)


def _stored_identities(engine: Engine, server: str, asset_uid: str) -> dict[int, tuple[str, Any]]:
    t = raw_submission
    status = sa.case(
        (t.c.deleted_run.is_(None), t.c.validation_status), else_=sa.literal("deleted")
    )
    with engine.connect() as conn:
        rows = conn.execute(  # from the index ix_raw_submission_state, not the payloads
            sa.select(t.c.kobo_id, t.c.uuid, status).where(
                t.c.server == server, t.c.asset_uid == asset_uid
            )
        ).all()  # fetched at once: row by row costs more than the sweep's transfer
        return {kobo_id: (uuid, state) for kobo_id, uuid, state in rows}


def sync_asset(
    engine: Engine,
    client: KoboClient,
    asset_uid: str,
    run_id: int,
    *,
    sweep: bool = True,
    page_size: int = 1000,
    progress: Progress = _no_progress,
) -> SyncManifest:
    """Pull one asset into the raw landing; returns the run manifest for it."""
    started = time.monotonic()  # pragma: no mutate
    before = (client.stats.requests, client.stats.retries)
    manifest = SyncManifest(asset_uid=asset_uid, server=client.server)
    asset = client.get_asset(asset_uid)
    if not asset.get("has_deployment"):
        raise KoboError(
            KoboCode.NOT_DEPLOYED,
            where=client.server,
            params={"server": client.server, "asset": asset_uid},
        )
    with engine.begin() as conn:
        save_asset(conn, client.server, asset, run_id)

    # 1. new submissions, keyset-paged on _id
    watermark = _state(engine, client.server, asset_uid)
    done = 0  # pragma: no mutate
    clock = _Stages(manifest.stages)
    for page in clock.pages(
        "fetch",
        read_ahead(  # the next page is requested while this one is landed
            client.iter_data_pages(
                asset_uid, query={"_id": {"$gt": watermark}}, sort={"_id": 1}, limit=page_size
            )
        ),
    ):
        manifest.pages += 1
        with clock("land"):
            _land_page(engine, manifest, run_id, page.results, watermark=True)
        # pragma: no mutate start (progress and the log line)
        done += len(page.results)
        progress("new", done, page.count)
        rate = done / max(time.monotonic() - started, 1e-6)
        log.info(
            "%s: page %d, %d/%d new (%.0f/s)", asset_uid, manifest.pages, done, page.count, rate
        )
        # pragma: no mutate end

    # 2. sweep: ids, uuids and statuses of everything on the server
    if sweep:
        # what the warehouse holds, read by a second thread while the first pages of ids come
        # (in this one for an in-memory database, which a second thread would not see)
        stored_read: Future[dict[int, tuple[str, Any]]] = Future()
        if shared_by_threads(engine):
            reading = ThreadPoolExecutor(1, thread_name_prefix="stored-identities")
            stored_read = reading.submit(_stored_identities, engine, client.server, asset_uid)
            reading.shutdown(wait=False)
        else:
            stored_read.set_result(_stored_identities(engine, client.server, asset_uid))
        live: dict[int, tuple[str, Any]] = {}
        for page in clock.pages(
            "sweep",
            read_ahead(
                client.iter_data_pages(asset_uid, fields=["_id"], sort={"_id": 1}, limit=page_size)
            ),
        ):
            manifest.pages += 1
            for item in page.results:
                status = item.get("_validation_status") or {}
                live[int(item["_id"])] = (str(item.get("_uuid")), status.get("uid"))
            progress("sweep", len(live), page.count)  # pragma: no mutate
        manifest.on_server = len(live)
        with clock("sweep"):
            stored = stored_read.result()
        to_fetch = sorted(
            kobo_id
            for kobo_id, identity in live.items()
            if kobo_id not in manifest._landed and stored.get(kobo_id) != identity
        )
        fetched = 0  # pragma: no mutate
        for chunk in chunks(to_fetch, FETCH_CHUNK):
            for page in clock.pages(
                "fetch",
                read_ahead(
                    client.iter_data_pages(
                        asset_uid,
                        query={"_id": {"$in": list(chunk)}},
                        sort={"_id": 1},
                        limit=page_size,
                    )
                ),
            ):
                manifest.pages += 1
                with clock("land"):
                    _land_page(engine, manifest, run_id, page.results, watermark=False)
                fetched += len(page.results)  # pragma: no mutate
                progress("changes", fetched, len(to_fetch))  # pragma: no mutate
        # stored, not marked deleted, and no longer on the server (what is landed since the
        # stored identities were read came from the server's pages, so it is live)
        gone = [
            kobo_id for kobo_id, (_, s) in stored.items() if s != "deleted" and kobo_id not in live
        ]
        with clock("sweep"), engine.begin() as conn:
            manifest.deleted = mark_ids_deleted(conn, client.server, asset_uid, run_id, gone)
            _save_state(conn, client.server, asset_uid, {"last_sweep_run": run_id})
        manifest.swept = True
        manifest.unchanged = manifest.on_server - (
            manifest.new + manifest.edited + manifest.changed + manifest.restored
        )

    with clock("versions"):
        manifest.versions = _fetch_versions(engine, client, asset_uid, run_id)
    # pragma: no mutate start (timing)
    manifest.stages = {stage: round(seconds, 3) for stage, seconds in manifest.stages.items()}
    # pragma: no mutate end
    manifest.requests = client.stats.requests - before[0]
    manifest.retries = client.stats.retries - before[1]
    manifest.duration_s = round(time.monotonic() - started, 3)  # pragma: no mutate
    return manifest


def _fetch_versions(engine: Engine, client: KoboClient, asset_uid: str, run_id: int) -> list[str]:
    """Store the content of every version seen in the data and not yet stored."""
    seen = versions_in_data(engine, client.server, asset_uid)
    missing = sorted(seen - known_versions(engine, client.server, asset_uid))
    for version_uid in missing:
        try:
            version = client.get_version(asset_uid, version_uid)
        except KoboError as error:
            if error.code != KoboCode.NOT_FOUND:
                raise
            # pragma: no mutate start (the log line)
            log.warning("asset %s: version %s is gone from the server", asset_uid, version_uid)
            # pragma: no mutate end
            continue
        with engine.begin() as conn:
            save_version(conn, client.server, asset_uid, version, run_id)
    return sorted(seen)


def fetch_deployed_version(
    engine: Engine, client: KoboClient, asset_uid: str, run_id: int
) -> str | None:
    """Store the content of the asset's deployed version when it is not stored yet (a form
    redeployed since the last sync has no data to bring it); its uid, or None when the
    asset is not deployed."""
    asset = client.get_asset(asset_uid)
    deployed = asset.get("deployed_version_id")
    if not deployed:
        return None
    if deployed not in known_versions(engine, client.server, asset_uid):
        version = client.get_version(asset_uid, str(deployed))
        with engine.begin() as conn:
            save_version(conn, client.server, asset_uid, version, run_id)
    return str(deployed)
