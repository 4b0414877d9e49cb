"""The per-form typed tables: DDL from a Layout, and the rows flattened submissions become.

Every table has system columns (names starting with `_`) before its answer columns:

- main table, one row per submission (stable key `_id`, the Kobo `_id`; the table belongs to
  one server and asset): `_id`, `_uuid`, `_root_uuid`, `_version` (`__version__`),
  `_submission_time` (UTC), `_submitted_by`, `_instance_name`, `_validation_status`,
  `_edits`, `_deleted_run` (set when deleted on the server), `_content_hash` (of the raw
  payload loaded), `_decoded_with` (the version whose content typed it), `_unparsed`;
- repeat table at depth d: `_id`, `_i1` … `_id` (1-based repeat index path; the parent row
  is `_id, _i1 … _i(d-1)` in the enclosing repeat's table), `_unparsed`.

`_unparsed` is JSON `{path: text}` of the answers kept as text (see warehouse/flatten.py).
Answer columns: text, BIGINT, DOUBLE PRECISION, DATE, TIMESTAMP WITH TIME ZONE (UTC), TIME,
SMALLINT 0/1 for choice columns. Tables only grow: missing columns are added, none dropped.

Each table has a current-state view (`<table>__current`): rows of submissions not deleted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from warehouse.flatten import FlatSubmission, Record
from warehouse.layout import Layout, Table
from warehouse.values import Geopoint


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """An aware datetime stored as UTC on both databases, read back aware in UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


SQL_TYPES: dict[str, Any] = {
    "text": sa.Text,
    "integer": sa.BigInteger,
    "decimal": sa.Double,
    "date": sa.Date,
    "datetime": UtcDateTime,
    "time": sa.Time,
    "flag": sa.SmallInteger,
}

MAIN_SYSTEM = (
    "_id",
    "_uuid",
    "_root_uuid",
    "_version",
    "_submission_time",
    "_submitted_by",
    "_instance_name",
    "_validation_status",
    "_edits",
    "_deleted_run",
    "_content_hash",
    "_decoded_with",
    "_unparsed",
)


def index_columns(depth: int) -> list[str]:
    return [f"_i{level}" for level in range(1, depth + 1)]


def system_columns(table: Table) -> list[sa.Column[Any]]:
    if table.repeat is None:
        return [
            sa.Column("_id", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("_uuid", sa.String(128), nullable=False),
            sa.Column("_root_uuid", sa.String(128)),
            sa.Column("_version", sa.String(64)),
            sa.Column("_submission_time", UtcDateTime),
            sa.Column("_submitted_by", sa.Text),
            sa.Column("_instance_name", sa.Text),
            sa.Column("_validation_status", sa.String(64)),
            sa.Column("_edits", sa.Integer, nullable=False),
            sa.Column("_deleted_run", sa.Integer),
            sa.Column("_content_hash", sa.String(64), nullable=False),
            sa.Column("_decoded_with", sa.String(64)),
            sa.Column("_unparsed", sa.Text),
        ]
    keys = ["_id", *index_columns(table.depth)]
    return [
        *(sa.Column(k, sa.BigInteger, primary_key=True, autoincrement=False) for k in keys),
        sa.Column("_unparsed", sa.Text),
    ]


def sa_table(table: Table, metadata: sa.MetaData | None = None) -> sa.Table:
    """The SQLAlchemy table of a layout table: system columns, then answer columns."""
    columns = [sa.Column(c.name, SQL_TYPES[c.data_type]) for c in table.columns]
    return sa.Table(table.name, metadata or sa.MetaData(), *system_columns(table), *columns)


def _view_sql(conn: Connection, layout: Layout, table: Table) -> str:
    q = conn.dialect.identifier_preparer.quote
    create = (
        "CREATE OR REPLACE VIEW"
        if conn.dialect.name == "postgresql"  # SQLite expands `*` when queried, PG when created
        else "CREATE VIEW IF NOT EXISTS"
    )
    if table.repeat is None:
        body = f"SELECT * FROM {q(table.name)} WHERE _deleted_run IS NULL"
    else:
        main = q(layout.tables[None].name)
        body = (
            f"SELECT c.* FROM {q(table.name)} AS c JOIN {main} AS m ON m._id = c._id "
            "WHERE m._deleted_run IS NULL"
        )
    return f"{create} {q(table.view)} AS {body}"


def ensure_tables(conn: Connection, layout: Layout) -> int:
    """Create missing tables, add missing columns, (re)create the views; columns added."""
    inspector = sa.inspect(conn)
    existing = set(inspector.get_table_names())
    preparer = conn.dialect.identifier_preparer
    added = 0
    for table in layout.tables.values():
        target = sa_table(table)
        if table.name not in existing:
            target.create(conn)
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in target.columns:
            if column.name in have:
                continue
            sql_type = column.type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(
                f"ALTER TABLE {preparer.quote(table.name)} "
                f"ADD COLUMN {preparer.quote(column.name)} {sql_type}"
            )
            added += 1
    for table in layout.tables.values():
        conn.exec_driver_sql(_view_sql(conn, layout, table))
    return added


def drop_tables(conn: Connection, tables: Sequence[str], views: Sequence[str]) -> None:
    """Drop the views, then the tables; missing ones are skipped."""
    quote = conn.dialect.identifier_preparer.quote
    for view in views:
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {quote(view)}")
    for table in tables:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(table)}")


@dataclass(frozen=True)
class SubmissionState:
    """What the raw landing says of a submission beyond its payload."""

    content_hash: str
    deleted_run: int | None
    validation_status: str | None
    edits: int


class RowBuilder:
    """Turns flattened submissions into rows of the layout's tables (dicts keyed by column)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.blank: dict[str | None, dict[str, Any]] = {
            repeat: {c.name: None for c in sa_table(t).columns}
            for repeat, t in layout.tables.items()
        }
        # version → question path → (the column of a plain value, or None; its unit's parts)
        self._places: dict[str, dict[str, tuple[str | None, Mapping[str, str]]]] = {}

    def _places_of(self, version: str) -> dict[str, tuple[str | None, Mapping[str, str]]]:
        places = self._places.get(version)
        if places is None:
            places = self._places[version] = {}
            for (of_version, path), binding in self.layout.bindings.items():
                if of_version == version:
                    parts = self.layout.unit_of(binding).parts
                    places[path] = (parts.get("value"), parts)
        return places

    def rows(
        self, flat: FlatSubmission, decoded_with: str, state: SubmissionState
    ) -> dict[str | None, list[dict[str, Any]]]:
        out: dict[str | None, list[dict[str, Any]]] = {}
        meta = flat.meta
        for record in flat.records:
            key = self.layout.table_key(decoded_with, record.repeat)
            row = self._row(record, meta.kobo_id, decoded_with, key)
            if record.repeat is None:
                row.update(
                    _uuid=meta.uuid,
                    _root_uuid=meta.root_uuid,
                    _version=meta.version,
                    _submission_time=meta.submission_time,
                    _submitted_by=meta.submitted_by,
                    _instance_name=meta.instance_name,
                    _validation_status=state.validation_status,
                    _edits=state.edits,
                    _deleted_run=state.deleted_run,
                    _content_hash=state.content_hash,
                    _decoded_with=decoded_with,
                )
            rows = out.get(key)
            if rows is None:
                rows = out[key] = []
            rows.append(row)
        return out

    def _row(self, record: Record, kobo_id: int, version: str, key: str | None) -> dict[str, Any]:
        row = dict(self.blank[key])
        row["_id"] = kobo_id
        for level, position in enumerate(record.index, start=1):
            row[f"_i{level}"] = position
        unparsed = dict(record.unparsed)
        places = self._places_of(version)
        for path, value in record.values.items():
            place = places.get(path)
            if place is None:  # not expected: the layout holds every version's questions
                unparsed[path] = str(value)
            elif place[0] is not None and not isinstance(value, Geopoint | tuple):
                row[place[0]] = value
            else:
                _place(row, place[1], value)
        if unparsed:
            row["_unparsed"] = json.dumps(unparsed, ensure_ascii=False, sort_keys=True)
        return row


def _place(row: dict[str, Any], parts: Mapping[str, str], value: object) -> None:
    if isinstance(value, Geopoint):
        row[parts["latitude"]] = value.latitude
        row[parts["longitude"]] = value.longitude
        row[parts["altitude"]] = value.altitude
        row[parts["accuracy"]] = value.accuracy
    elif isinstance(value, tuple):
        row[parts["value"]] = " ".join(value)
        chosen = set(value)
        for key, column in parts.items():
            if key.startswith("choice:"):
                row[column] = 1 if key[len("choice:") :] in chosen else 0
    else:
        row[parts["value"]] = value
