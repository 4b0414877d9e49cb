"""Loading the typed tables of a form from the raw landing, and rebuilding them.

`load_asset(engine, server, asset_uid, run_id)` is called after each sync. It

1. reads every stored version's content, in order (warehouse/versions.py);
2. extends the layout (warehouse/layout.py) with the new versions, stores it with the
   form-version registry and the labels, creates or widens the tables and their views
   (the `__current` views, and the `__labelled` views of warehouse/labelled.py);
3. compares each raw submission with its row in the main table (`_content_hash`,
   `_deleted_run`, `_validation_status`, `_edits`, `_decoded_with`) and loads only those
   that differ, 1,000 per transaction: the submission's rows in every table and its
   findings are deleted and inserted again, so an edit replaces its repeat rows and a
   second load changes nothing. On PostgreSQL the next batch is read and normalised by a
   second thread while one is written (`warehouse.ahead`); the writes keep their order.

A submission deleted on the server keeps its rows, flagged by `_deleted_run`; the current
views leave it out. `rebuild` drops an asset's typed tables and registry and loads it again
from the raw table alone; the rows come out the same.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from forms.findings import Finding
from warehouse import jsontext, labelled
from warehouse.ahead import read_ahead
from warehouse.assets import deployed_form_name
from warehouse.attachments import attachment_rows
from warehouse.catalog import (
    clear_asset,
    form_table,
    insert_rows,
    load_finding,
    other_table_names,
    read_layout,
    submission_attachment,
    typed_asset,
    write_layout,
)
from warehouse.catalog import (
    metadata as catalog_metadata,
)
from warehouse.db import chunks
from warehouse.flatten import FlatSubmission, Flattener, finding
from warehouse.layout import Layout, default_prefix, plan_layout
from warehouse.messages import WarehouseCode, WarehouseError
from warehouse.schema import metadata as core_metadata
from warehouse.schema import raw_submission
from warehouse.typed import RowBuilder, SubmissionState, drop_tables, ensure_tables, sa_table
from warehouse.versions import FormVersion, form_versions, register_versions

log = logging.getLogger(__name__)

# The warehouse's own tables: no typed table may take their names.
FIXED_TABLES = frozenset({*core_metadata.tables, *catalog_metadata.tables, "alembic_version"})
LOADER_VERSION = 3  # bump when typing rules change: the next load rebuilds every asset
BATCH_SIZE = 1000


@dataclass
class LoadResult:
    server: str
    asset_uid: str
    loaded: int = 0  # submissions whose rows were (re)written
    unchanged: int = 0
    live: int = 0  # submissions in the current views
    deleted: int = 0  # submissions flagged deleted (kept in the tables)
    findings: int = 0  # findings of the submissions loaded
    versions_added: list[str] = field(default_factory=list)
    columns_added: int = 0
    tables: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    # of which: reading payloads with the form (pure); on PostgreSQL done ahead, by a second
    # thread, while the batch before is written, so the three may add up to more than
    # `duration_s`
    normalise_s: float = 0.0
    validate_s: float = 0.0  # the validation seat
    write_s: float = 0.0  # replacing rows and findings

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def prepare_tables(
    engine: Engine,
    server: str,
    asset_uid: str,
    versions: Sequence[FormVersion],
    run_id: int | None,
    *,
    form_name: str | None = None,
    prefix: str | None = None,
) -> tuple[Layout, list[str], int]:
    """Plan and store the layout, create or widen the tables: (layout, new versions, columns)."""
    with engine.connect() as conn:
        stored = read_layout(conn, server, asset_uid)
        if form_name is None:
            form_name = deployed_form_name(conn, server, asset_uid)
    if stored is not None and stored[1] != LOADER_VERSION:
        # pragma: no mutate start (the log line)
        log.info("asset %s: typed with loader %s, rebuilding", asset_uid, stored[1])
        # pragma: no mutate end
        prefix = drop_asset(engine, server, asset_uid)
        stored = None
    previous = stored[0] if stored else None
    with engine.begin() as conn:
        taken = other_table_names(conn, server, asset_uid) | FIXED_TABLES
        layout = plan_layout(
            server,
            asset_uid,
            [v.schema for v in versions],
            previous,
            taken,
            prefix=prefix,
            form_name=form_name,
        )
        new = [uid for uid in layout.versions if previous is None or uid not in previous.versions]
        write_layout(conn, layout, LOADER_VERSION, previous)
        register_versions(conn, layout, versions, new, run_id)
        labelled.clear_way(conn, layout)
        added = ensure_tables(conn, layout)
        labelled.create_views(conn, layout, replace=bool(new or added))
    return layout, new, added


@dataclass(frozen=True)
class _Raw:
    """A stored submission's state in the raw landing (one whose typed rows are to be
    written)."""

    kobo_id: int
    form_version: str | None
    state: SubmissionState


@dataclass(frozen=True)
class RawSubmission(_Raw):
    """One stored submission to type: its state and its raw payload (read per batch)."""

    payload: Mapping[str, Any]


@dataclass
class TypedBatch:
    """A batch normalised, not yet written: the submissions as read with their form version,
    the rows of each table (main table under None, repeats by path) and the findings."""

    ids: list[int]
    submissions: list[FlatSubmission]
    rows: dict[str | None, list[dict[str, Any]]]
    findings: list[Finding]
    attachments: list[dict[str, Any]] = field(default_factory=list)


Validator = Callable[[TypedBatch], Sequence[Finding]]
"""What runs between normalising and writing: more findings for a batch (none by default)."""


def no_validation(_batch: TypedBatch) -> Sequence[Finding]:
    return ()


def _raw_counts(conn: Connection, server: str, asset_uid: str) -> tuple[int, int]:
    """(stored submissions, of them marked deleted) of an asset in the raw landing."""
    r = raw_submission
    total, deleted = conn.execute(
        sa.select(sa.func.count(), sa.func.count(r.c.deleted_run)).where(
            r.c.server == server, r.c.asset_uid == asset_uid
        )
    ).one()
    return int(total), int(deleted)


def _id_filter(table: sa.Table, ids: Sequence[int]) -> sa.ColumnElement[bool]:
    """`kobo_id IN ids`, with the range that lets PostgreSQL use the key index without
    statistics on a fresh table."""
    return sa.and_(table.c.kobo_id.between(min(ids), max(ids)), table.c.kobo_id.in_(ids))


def _read_payloads(conn: Connection, layout: Layout, batch: Sequence[_Raw]) -> list[RawSubmission]:
    r = raw_submission
    ids = [raw.kobo_id for raw in batch]
    states = {raw.kobo_id: raw for raw in batch}
    payloads = conn.execute(
        sa.select(r.c.kobo_id, r.c.payload).where(
            r.c.server == layout.server, r.c.asset_uid == layout.asset_uid, _id_filter(r, ids)
        )
    )
    found = []
    for kobo_id, payload in payloads:
        raw = states[int(kobo_id)]
        found.append(
            RawSubmission(raw.kobo_id, raw.form_version, raw.state, jsontext.loads(payload))
        )
    return found


class Normaliser:
    """Reads submissions with the form version they were collected with and builds the rows
    of the layout's tables. Pure: no database, no IO."""

    def __init__(self, layout: Layout, versions: Sequence[FormVersion]) -> None:
        self.layout = layout
        self.flatteners = {v.uid: Flattener(v.schema) for v in versions}
        usable = [uid for uid in layout.versions if uid in self.flatteners]
        self.fallback = usable[-1]
        self.builder = RowBuilder(layout)

    def decoder(self, form_version: str | None) -> str:
        """The version a submission is read with: its own when stored, else the latest."""
        return form_version if form_version in self.flatteners else self.fallback

    def normalise(self, batch: Sequence[RawSubmission]) -> TypedBatch:
        typed = TypedBatch([], [], {repeat: [] for repeat in self.layout.tables}, [])
        for raw in batch:
            version = self.decoder(raw.form_version)
            flat = self.flatteners[version].flatten(raw.payload)
            if version != raw.form_version:
                typed.findings.append(
                    finding(
                        "version.unknown",
                        raw.kobo_id,
                        "__version__",
                        raw.form_version or "",
                        version,
                    )
                )
            typed.ids.append(raw.kobo_id)
            typed.submissions.append(flat)
            typed.attachments.extend(attachment_rows(raw.payload))
            typed.findings.extend(flat.findings)
            for repeat, table_rows in self.builder.rows(flat, version, raw.state).items():
                typed.rows[repeat].extend(table_rows)
        return typed


def write_batch(
    conn: Connection,
    layout: Layout,
    tables: Mapping[str | None, sa.Table],
    batch: TypedBatch,
    run_id: int | None,
) -> None:
    """Replace the rows and findings of a batch's submissions (the caller's transaction)."""
    ids = batch.ids
    if not ids:
        return
    for table in tables.values():  # bounded, as `_id_filter`: the key index without statistics
        conn.execute(
            table.delete().where(table.c._id.between(min(ids), max(ids)), table.c._id.in_(ids))
        )
    for repeat, table in tables.items():
        insert_rows(conn, table, batch.rows[repeat])
    f = load_finding
    conn.execute(
        f.delete().where(
            f.c.server == layout.server, f.c.asset_uid == layout.asset_uid, _id_filter(f, ids)
        )
    )
    insert_rows(conn, f, [_finding_row(layout, x, run_id) for x in batch.findings])
    a = submission_attachment
    conn.execute(
        a.delete().where(
            a.c.server == layout.server, a.c.asset_uid == layout.asset_uid, _id_filter(a, ids)
        )
    )
    key = {"server": layout.server, "asset_uid": layout.asset_uid, "run_id": run_id}
    insert_rows(conn, a, [{**key, **row} for row in batch.attachments])


def _finding_row(layout: Layout, found: Finding, run_id: int | None) -> dict[str, Any]:
    return {
        "server": layout.server,
        "asset_uid": layout.asset_uid,
        "kobo_id": found.submission,
        "row_index": ".".join(str(i) for i in found.index),
        "field_path": found.field,
        "rule": found.rule,
        "severity": str(found.severity),
        "value": found.value,
        "message": found.message.en,
        "message_vi": found.message.vi,
        "run_id": run_id,
    }


def _changed(
    conn: Connection, server: str, asset_uid: str, main: sa.Table, normaliser: Normaliser
) -> list[_Raw]:
    """The submissions whose stored rows differ from the raw landing (or are missing): the
    raw landing joined with the main table, compared in the database (at 100,000 stored
    submissions, reading both sides into Python took longer than a sync with nothing new)."""
    r = raw_submission
    decoded_with = sa.case(  # `Normaliser.decoder`: a stored version is read with itself
        (r.c.form_version.in_(sorted(normaliser.flatteners)), r.c.form_version),
        else_=sa.literal(normaliser.fallback),
    )
    rows = conn.execute(
        sa.select(
            r.c.kobo_id,
            r.c.form_version,
            r.c.content_hash,
            r.c.deleted_run,
            r.c.validation_status,
            r.c.edits,
        )
        .select_from(r.outerjoin(main, main.c._id == r.c.kobo_id))
        .where(
            r.c.server == server,
            r.c.asset_uid == asset_uid,
            sa.or_(
                main.c._id.is_(None),
                main.c._content_hash.is_distinct_from(r.c.content_hash),
                main.c._deleted_run.is_distinct_from(r.c.deleted_run),
                main.c._validation_status.is_distinct_from(r.c.validation_status),
                main.c._edits.is_distinct_from(r.c.edits),
                main.c._decoded_with.is_distinct_from(decoded_with),
            ),
        )
        .order_by(r.c.kobo_id)
    ).all()
    return [
        _Raw(
            int(x.kobo_id),
            x.form_version,
            SubmissionState(x.content_hash, x.deleted_run, x.validation_status, int(x.edits)),
        )
        for x in rows
    ]


def load_asset(
    engine: Engine,
    server: str,
    asset_uid: str,
    run_id: int | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    form_name: str | None = None,
    prefix: str | None = None,
    validate: Validator = no_validation,
) -> LoadResult:
    """Bring an asset's typed tables up to date with the raw landing (idempotent).

    Each batch is read, normalised (`Normaliser`), given to `validate` for more findings,
    and written (`write_batch`) in one transaction.

    The first load names the tables after `form_name` (else the form recorded by
    `htsd forms deploy`, else the asset uid) or takes `prefix`; later loads keep the names."""
    started = time.monotonic()  # pragma: no mutate
    versions = form_versions(engine, server, asset_uid)
    if not versions:
        raise WarehouseError(WarehouseCode.NO_CONTENT, where=asset_uid, params={"asset": asset_uid})
    layout, new_versions, added = prepare_tables(
        engine, server, asset_uid, versions, run_id, form_name=form_name, prefix=prefix
    )
    normaliser = Normaliser(layout, versions)
    tables = {repeat: sa_table(t) for repeat, t in layout.tables.items()}
    result = LoadResult(server, asset_uid, versions_added=new_versions, columns_added=added)
    result.tables = [t.name for t in layout.tables.values()]
    with engine.connect() as conn:
        stored, deleted = _raw_counts(conn, server, asset_uid)
        todo = _changed(conn, server, asset_uid, tables[None], normaliser)
    timings = {"normalise": 0.0, "validate": 0.0, "write": 0.0}  # pragma: no mutate

    def normalised() -> Iterator[TypedBatch]:
        for chunk in chunks(todo, batch_size):
            with engine.connect() as reader:
                raw = _read_payloads(reader, layout, chunk)
            mark = time.perf_counter()  # pragma: no mutate
            batch = normaliser.normalise(raw)
            timings["normalise"] += time.perf_counter() - mark  # pragma: no mutate
            del raw  # not held while the batch waits to be written
            yield batch

    batches = normalised()
    # On PostgreSQL the next batch is read and normalised while one is written. Not on
    # SQLite: a reader always at work keeps the WAL from being checkpointed back to its
    # start, and at 100,000 submissions the growing WAL made the writes slower than the
    # overlap saved (67.8 s against 72.7 s for the whole sync).
    if engine.dialect.name == "postgresql":
        batches = read_ahead(batches)
    for batch in batches:
        mark = time.perf_counter()  # pragma: no mutate
        batch.findings.extend(validate(batch))
        timings["validate"] += time.perf_counter() - mark  # pragma: no mutate
        mark = time.perf_counter()  # pragma: no mutate
        with engine.begin() as conn:  # one transaction per batch
            write_batch(conn, layout, tables, batch, run_id)
        timings["write"] += time.perf_counter() - mark  # pragma: no mutate
        result.findings += len(batch.findings)
    result.normalise_s = round(timings["normalise"], 3)  # pragma: no mutate
    result.validate_s = round(timings["validate"], 3)  # pragma: no mutate
    result.write_s = round(timings["write"], 3)  # pragma: no mutate
    result.loaded = len(todo)
    result.unchanged = stored - len(todo)
    result.deleted = deleted
    result.live = stored - deleted
    result.duration_s = round(time.monotonic() - started, 3)  # pragma: no mutate
    # pragma: no mutate start (the log line)
    log.info("asset %s: %d loaded, %d unchanged", asset_uid, result.loaded, result.unchanged)
    # pragma: no mutate end
    return result


def drop_asset(engine: Engine, server: str, asset_uid: str) -> str | None:
    """Drop an asset's typed tables and views and clear its registry rows; the name prefix
    its tables had (None when it had none)."""
    with engine.begin() as conn:
        prefix = conn.execute(
            sa.select(typed_asset.c.prefix).where(
                typed_asset.c.server == server, typed_asset.c.asset_uid == asset_uid
            )
        ).scalar()
        rows = conn.execute(
            sa.select(form_table.c.table_name, form_table.c.view_name).where(
                form_table.c.server == server, form_table.c.asset_uid == asset_uid
            )
        ).all()
        tables = {row.table_name for row in rows}
        views = {row.view_name for row in rows} | labelled.existing_views(conn, tables)
        # Tables of a run that died before registering them carry the default prefix; so may
        # the tables of the same asset uid on another server: those are not ours to drop.
        default = default_prefix(asset_uid)
        others = other_table_names(conn, server, asset_uid)
        others |= labelled.existing_views(conn, others)
        inspector = sa.inspect(conn)
        views.update(
            n for n in inspector.get_view_names() if _has_prefix(n, default) and n not in others
        )
        tables.update(
            n for n in inspector.get_table_names() if _has_prefix(n, default) and n not in others
        )
        clear_asset(conn, server, asset_uid)  # DML first: SQLite then holds one transaction
        drop_tables(conn, sorted(tables), sorted(views))
    return str(prefix) if prefix else None


def _has_prefix(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + "__")


def stored_assets(engine: Engine) -> list[tuple[str, str]]:
    """(server, asset uid) of every asset with raw submissions or typed tables."""
    r, a = raw_submission, typed_asset
    with engine.connect() as conn:
        found = {(x[0], x[1]) for x in conn.execute(sa.select(r.c.server, r.c.asset_uid))}
        found.update((x[0], x[1]) for x in conn.execute(sa.select(a.c.server, a.c.asset_uid)))
    return sorted(found)


def rebuild(
    engine: Engine,
    server: str | None = None,
    asset_uid: str | None = None,
    run_id: int | None = None,
) -> list[LoadResult]:
    """Drop and reload the typed tables of every asset (or of one) from the raw landing."""
    assets = [
        (s, uid)
        for s, uid in stored_assets(engine)
        if (server is None or s == server) and (asset_uid is None or uid == asset_uid)
    ]
    if asset_uid is not None and not assets:
        raise WarehouseError(WarehouseCode.NO_DATA, where=asset_uid, params={"asset": asset_uid})
    results = []
    for s, uid in assets:
        prefix = drop_asset(engine, s, uid)  # the same names again
        results.append(load_asset(engine, s, uid, run_id, prefix=prefix))
    return results
