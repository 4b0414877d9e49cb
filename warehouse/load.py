"""Loading the typed tables of a form from the raw landing, and rebuilding them.

`load_asset(engine, server, asset_uid, run_id)` is called after each sync. It

1. reads every stored version's content, in order (warehouse/versions.py);
2. extends the layout (warehouse/layout.py) with the new versions, stores it with the
   form-version registry and the labels, creates or widens the tables and their views;
3. compares each raw submission with its row in the main table (`_content_hash`,
   `_deleted_run`, `_validation_status`, `_edits`, `_decoded_with`) and loads only those
   that differ, 1,000 per transaction: the submission's rows in every table and its
   findings are deleted and inserted again, so an edit replaces its repeat rows and a
   second load changes nothing.

A submission deleted on the server keeps its rows, flagged by `_deleted_run`; the current
views leave it out. `rebuild` drops an asset's typed tables and registry and loads it again
from the raw table alone; the rows come out the same.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from warehouse.assets import deployed_form_name
from warehouse.catalog import (
    clear_asset,
    form_table,
    insert_rows,
    load_finding,
    other_table_names,
    read_layout,
    typed_asset,
    write_layout,
)
from warehouse.catalog import (
    metadata as catalog_metadata,
)
from warehouse.flatten import RULES, Finding, Flattener
from warehouse.layout import Layout, default_prefix, plan_layout
from warehouse.messages import WarehouseCode, WarehouseError
from warehouse.schema import metadata as core_metadata
from warehouse.schema import raw_submission
from warehouse.typed import RowBuilder, SubmissionState, drop_tables, ensure_tables, sa_table
from warehouse.versions import FormVersion, form_versions, register_versions

log = logging.getLogger(__name__)

# The warehouse's own tables: no typed table may take their names.
FIXED_TABLES = frozenset({*core_metadata.tables, *catalog_metadata.tables, "alembic_version"})
LOADER_VERSION = 1  # bump when typing rules change: the next load rebuilds every asset
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
        log.info("asset %s: typed with loader %s, rebuilding", asset_uid, stored[1])
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
        added = ensure_tables(conn, layout)
    return layout, new, added


@dataclass(frozen=True)
class _Raw:
    kobo_id: int
    form_version: str | None
    state: SubmissionState


def _raw_states(conn: Connection, server: str, asset_uid: str) -> list[_Raw]:
    r = raw_submission
    rows = conn.execute(
        sa.select(
            r.c.kobo_id,
            r.c.form_version,
            r.c.content_hash,
            r.c.deleted_run,
            r.c.validation_status,
            r.c.edits,
        )
        .where(r.c.server == server, r.c.asset_uid == asset_uid)
        .order_by(r.c.kobo_id)
    )
    return [
        _Raw(
            int(x.kobo_id),
            x.form_version,
            SubmissionState(x.content_hash, x.deleted_run, x.validation_status, int(x.edits)),
        )
        for x in rows
    ]


def _chunks(items: Sequence[_Raw], size: int) -> Iterator[Sequence[_Raw]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Loader:
    def __init__(self, engine: Engine, layout: Layout, versions: Sequence[FormVersion]) -> None:
        self.engine = engine
        self.layout = layout
        self.flatteners = {v.uid: Flattener(v.schema) for v in versions}
        usable = [uid for uid in layout.versions if uid in self.flatteners]
        self.fallback = usable[-1]
        self.tables = {repeat: sa_table(t) for repeat, t in layout.tables.items()}
        self.builder = RowBuilder(layout)

    def decoder(self, form_version: str | None) -> str:
        return form_version if form_version in self.flatteners else self.fallback

    def changed(self, conn: Connection, raws: Sequence[_Raw]) -> list[_Raw]:
        main = self.tables[None]
        loaded = {
            row._id: row
            for row in conn.execute(
                sa.select(
                    main.c._id,
                    main.c._content_hash,
                    main.c._deleted_run,
                    main.c._validation_status,
                    main.c._edits,
                    main.c._decoded_with,
                )
            )
        }
        todo = []
        for raw in raws:
            row = loaded.get(raw.kobo_id)
            state = raw.state
            if row is None or (
                row._content_hash,
                row._deleted_run,
                row._validation_status,
                row._edits,
                row._decoded_with,
            ) != (
                state.content_hash,
                state.deleted_run,
                state.validation_status,
                state.edits,
                self.decoder(raw.form_version),
            ):
                todo.append(raw)
        return todo

    def load_batch(self, batch: Sequence[_Raw], run_id: int | None) -> int:
        """Replace the rows and findings of a batch of submissions, in one transaction."""
        layout = self.layout
        ids = [raw.kobo_id for raw in batch]
        # The range lets PostgreSQL use the key index without statistics on a fresh table.
        span = (min(ids), max(ids))
        states = {raw.kobo_id: raw for raw in batch}
        r = raw_submission
        rows: dict[str | None, list[dict[str, Any]]] = {repeat: [] for repeat in self.tables}
        findings: list[Finding] = []
        with self.engine.begin() as conn:
            payloads = conn.execute(
                sa.select(r.c.kobo_id, r.c.payload).where(
                    r.c.server == layout.server,
                    r.c.asset_uid == layout.asset_uid,
                    r.c.kobo_id.between(*span),
                    r.c.kobo_id.in_(ids),
                )
            )
            for kobo_id, payload in payloads:
                raw = states[int(kobo_id)]
                version = self.decoder(raw.form_version)
                flat = self.flatteners[version].flatten(json.loads(payload))
                if version != raw.form_version:
                    findings.append(
                        Finding(
                            "version.unknown",
                            raw.kobo_id,
                            "__version__",
                            raw.form_version or "",
                            f"{RULES['version.unknown'][1]}: {version}",
                        )
                    )
                findings.extend(flat.findings)
                for repeat, table_rows in self.builder.rows(flat, version, raw.state).items():
                    rows[repeat].extend(table_rows)
            for table in self.tables.values():
                conn.execute(table.delete().where(table.c._id.in_(ids)))
            for repeat, table in self.tables.items():
                insert_rows(conn, table, rows[repeat])
            f = load_finding
            conn.execute(
                f.delete().where(
                    f.c.server == layout.server,
                    f.c.asset_uid == layout.asset_uid,
                    f.c.kobo_id.between(*span),
                    f.c.kobo_id.in_(ids),
                )
            )
            insert_rows(conn, f, [self._finding_row(x, run_id) for x in findings])
        return len(findings)

    def _finding_row(self, finding: Finding, run_id: int | None) -> dict[str, Any]:
        return {
            "server": self.layout.server,
            "asset_uid": self.layout.asset_uid,
            "kobo_id": finding.kobo_id,
            "row_index": ".".join(str(i) for i in finding.index),
            "field_path": finding.field,
            "rule": finding.rule,
            "severity": finding.severity,
            "value": finding.value,
            "message": finding.message,
            "run_id": run_id,
        }


def load_asset(
    engine: Engine,
    server: str,
    asset_uid: str,
    run_id: int | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    form_name: str | None = None,
    prefix: str | None = None,
) -> LoadResult:
    """Bring an asset's typed tables up to date with the raw landing (idempotent).

    The first load names the tables after `form_name` (else the form recorded by
    `htsd forms deploy`, else the asset uid) or takes `prefix`; later loads keep the names."""
    started = time.monotonic()
    versions = form_versions(engine, server, asset_uid)
    if not versions:
        raise WarehouseError(WarehouseCode.NO_CONTENT, where=asset_uid, params={"asset": asset_uid})
    layout, new_versions, added = prepare_tables(
        engine, server, asset_uid, versions, run_id, form_name=form_name, prefix=prefix
    )
    loader = _Loader(engine, layout, versions)
    result = LoadResult(server, asset_uid, versions_added=new_versions, columns_added=added)
    result.tables = [t.name for t in layout.tables.values()]
    with engine.connect() as conn:
        raws = _raw_states(conn, server, asset_uid)
        todo = loader.changed(conn, raws)
    for batch in _chunks(todo, batch_size):
        result.findings += loader.load_batch(batch, run_id)
    result.loaded = len(todo)
    result.unchanged = len(raws) - len(todo)
    result.deleted = sum(1 for raw in raws if raw.state.deleted_run is not None)
    result.live = len(raws) - result.deleted
    result.duration_s = round(time.monotonic() - started, 3)
    log.info("asset %s: %d loaded, %d unchanged", asset_uid, result.loaded, result.unchanged)
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
        views = {row.view_name for row in rows}
        # Tables of a run that died before registering them carry the default prefix.
        default = default_prefix(asset_uid)
        inspector = sa.inspect(conn)
        views.update(n for n in inspector.get_view_names() if _has_prefix(n, default))
        tables.update(n for n in inspector.get_table_names() if _has_prefix(n, default))
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
