"""The typed-table registry: fixed tables (migration 0003) describing the per-form tables.

- `typed_asset`: per asset, the name prefix of its tables and the loader version that made them.
- `form_version`: the form-version registry, one row per version of an asset, in order.
- `form_table`: the asset's tables: main (`repeat_path` '') and one per repeat, with the
  current-state view of each and the enclosing repeat.
- `form_column`: every answer column: the question path it was made for, its unit and part
  (`value`, `latitude`..., `choice`), data type, and `pii` — the PII tag of the question.
  Marts must never copy a column whose `pii` is set.
- `form_field`: per version and question path, the table and unit its answers go to.
- `form_repeat`: per version, a repeat that goes to the table of another path (renamed).
- `form_label`, `form_choice_label`: every question, group and choice label in every language.
- `load_finding`: answers kept as text (or unknown choice codes) found while loading.

`read_layout` / `write_layout` turn the registry rows into a `Layout` and back.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from warehouse import bulk
from warehouse.layout import Binding, Column, Layout, Table, Unit
from warehouse.schema import run_log

metadata = sa.MetaData()


def _key() -> list[sa.Column[str]]:
    return [
        sa.Column("server", sa.String(255), primary_key=True),
        sa.Column("asset_uid", sa.String(64), primary_key=True),
    ]


typed_asset = sa.Table(
    "typed_asset",
    metadata,
    *_key(),
    sa.Column("prefix", sa.String(63), nullable=False, unique=True),
    sa.Column("loader_version", sa.Integer, nullable=False),
)

form_version = sa.Table(
    "form_version",
    metadata,
    *_key(),
    sa.Column("version_uid", sa.String(64), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("date_deployed", sa.String(40)),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("title", sa.Text),
    sa.Column("languages", sa.Text, nullable=False),
    sa.Column("questions", sa.Integer, nullable=False),
    sa.Column("loaded_run", sa.Integer, sa.ForeignKey(run_log.c.id)),
)

form_table = sa.Table(
    "form_table",
    metadata,
    *_key(),
    sa.Column("repeat_path", sa.Text, primary_key=True),
    sa.Column("table_name", sa.String(63), nullable=False, unique=True),
    sa.Column("view_name", sa.String(63), nullable=False, unique=True),
    sa.Column("parent_repeat", sa.Text),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("kuid", sa.String(64)),
)

form_repeat = sa.Table(
    "form_repeat",
    metadata,
    *_key(),
    sa.Column("version_uid", sa.String(64), primary_key=True),
    sa.Column("repeat_path", sa.Text, primary_key=True),
    sa.Column("table_repeat_path", sa.Text, nullable=False),
)

form_column = sa.Table(
    "form_column",
    metadata,
    sa.Column("table_name", sa.String(63), primary_key=True),
    sa.Column("column_name", sa.String(63), primary_key=True),
    sa.Column("server", sa.String(255), nullable=False),
    sa.Column("asset_uid", sa.String(64), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("unit", sa.String(63), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("part", sa.String(16), nullable=False),
    sa.Column("choice", sa.Text),
    sa.Column("data_type", sa.String(16), nullable=False),
    sa.Column("field_path", sa.Text, nullable=False),
    sa.Column("pii", sa.String(32)),
    sa.Index("ix_form_column_asset", "server", "asset_uid"),
)

form_field = sa.Table(
    "form_field",
    metadata,
    *_key(),
    sa.Column("version_uid", sa.String(64), primary_key=True),
    sa.Column("field_path", sa.Text, primary_key=True),
    sa.Column("field_type", sa.String(64), nullable=False),
    sa.Column("list_name", sa.Text),
    sa.Column("kuid", sa.String(64)),
    sa.Column("pii", sa.String(32)),
    sa.Column("repeat_path", sa.Text),
    sa.Column("table_name", sa.String(63), nullable=False),
    sa.Column("unit", sa.String(63), nullable=False),
)

form_label = sa.Table(
    "form_label",
    metadata,
    *_key(),
    sa.Column("version_uid", sa.String(64), primary_key=True),
    sa.Column("item_path", sa.Text, primary_key=True),
    sa.Column("language", sa.String(32), primary_key=True),
    sa.Column("item_kind", sa.String(16), nullable=False),
    sa.Column("label", sa.Text),
    sa.Column("hint", sa.Text),
)

form_choice_label = sa.Table(
    "form_choice_label",
    metadata,
    *_key(),
    sa.Column("version_uid", sa.String(64), primary_key=True),
    sa.Column("list_name", sa.Text, primary_key=True),
    sa.Column("choice_name", sa.Text, primary_key=True),
    sa.Column("language", sa.String(32), primary_key=True),
    sa.Column("label", sa.Text),
)

load_finding = sa.Table(
    "load_finding",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("server", sa.String(255), nullable=False),
    sa.Column("asset_uid", sa.String(64), nullable=False),
    sa.Column("kobo_id", sa.BigInteger, nullable=False),
    sa.Column("row_index", sa.String(64), nullable=False),
    sa.Column("field_path", sa.Text, nullable=False),
    sa.Column("rule", sa.String(32), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("value", sa.Text),
    sa.Column("message", sa.Text, nullable=False),  # English
    sa.Column("run_id", sa.Integer, sa.ForeignKey(run_log.c.id)),
    sa.Column("message_vi", sa.Text),  # Vietnamese; NULL for findings stored before 0006
    sa.Index("ix_load_finding_key", "server", "asset_uid", "kobo_id"),
)
submission_attachment = sa.Table(
    "submission_attachment",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("server", sa.String(255), nullable=False),
    sa.Column("asset_uid", sa.String(64), nullable=False),
    sa.Column("kobo_id", sa.BigInteger, nullable=False),
    sa.Column("attachment_uid", sa.String(128), nullable=False),
    sa.Column("question_path", sa.Text),  # the question's path, repeat indexes removed
    sa.Column("row_index", sa.String(64), nullable=False),  # repeat index path, "" for main
    sa.Column("filename", sa.Text, nullable=False),  # as submitted: the answer's value
    sa.Column("stored_filename", sa.Text),
    sa.Column("mimetype", sa.String(128)),
    sa.Column("download_url", sa.Text),
    sa.Column("size", sa.BigInteger),  # bytes, when the server says
    sa.Column("is_deleted", sa.Boolean, nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey(run_log.c.id)),
    sa.Index("ix_submission_attachment_key", "server", "asset_uid", "kobo_id"),
)

# Registry tables holding rows per asset, cleared by a rebuild.
PER_ASSET = (
    typed_asset,
    form_version,
    form_table,
    form_column,
    form_field,
    form_repeat,
    form_label,
    form_choice_label,
    load_finding,
    submission_attachment,
)
_LAYOUT_TABLES = (form_table, form_column, form_field, form_repeat)


def _of(table: sa.Table, server: str, asset_uid: str) -> sa.ColumnElement[bool]:
    return sa.and_(table.c.server == server, table.c.asset_uid == asset_uid)


def other_table_names(conn: Connection, server: str, asset_uid: str) -> set[str]:
    """Table and view names registered for every other asset, and the prefixes."""
    t, a = form_table, typed_asset
    mine = _of(t, server, asset_uid)
    names = {
        name
        for row in conn.execute(sa.select(t.c.table_name, t.c.view_name).where(~mine))
        for name in row
    }
    names.update(conn.execute(sa.select(a.c.prefix).where(~_of(a, server, asset_uid))).scalars())
    return names


def read_layout(conn: Connection, server: str, asset_uid: str) -> tuple[Layout, int] | None:
    """The stored layout of an asset and its loader version; None when never loaded."""
    asset = conn.execute(sa.select(typed_asset).where(_of(typed_asset, server, asset_uid))).first()
    if asset is None:
        return None
    layout = Layout(server, asset_uid, asset.prefix)
    versions = conn.execute(
        sa.select(form_version.c.version_uid)
        .where(_of(form_version, server, asset_uid))
        .order_by(form_version.c.position)
    )
    layout.versions = list(versions.scalars())
    by_name: dict[str, Table] = {}
    for row in conn.execute(
        sa.select(form_table).where(_of(form_table, server, asset_uid)).order_by("position")
    ):
        repeat = row.repeat_path or None
        table = Table(
            repeat, row.table_name, row.view_name, row.parent_repeat, row.depth, kuid=row.kuid
        )
        layout.tables[repeat] = by_name[row.table_name] = table
    for row in conn.execute(
        sa.select(form_column)
        .where(_of(form_column, server, asset_uid))
        .order_by(form_column.c.table_name, form_column.c.position)
    ):
        table = by_name[row.table_name]
        unit = table.units.setdefault(row.unit, Unit(row.unit, row.kind, pii=row.pii))
        unit.parts[f"choice:{row.choice}" if row.part == "choice" else row.part] = row.column_name
        table.columns.append(
            Column(row.column_name, row.unit, row.part, row.data_type, row.field_path, row.choice)
        )
    for row in conn.execute(sa.select(form_repeat).where(_of(form_repeat, server, asset_uid))):
        layout.repeats[(row.version_uid, row.repeat_path)] = row.table_repeat_path
    position = {v: i for i, v in enumerate(layout.versions)}
    rows = conn.execute(sa.select(form_field).where(_of(form_field, server, asset_uid))).all()
    for row in sorted(rows, key=lambda r: position.get(r.version_uid, len(position))):
        binding = Binding(
            row.version_uid,
            row.field_path,
            row.field_type,
            row.repeat_path,
            row.unit,
            row.kuid,
            row.list_name,
            row.pii,
        )
        layout.bindings[(row.version_uid, row.field_path)] = binding
    return layout, int(asset.loader_version)


def write_layout(
    conn: Connection, layout: Layout, loader_version: int, previous: Layout | None
) -> None:
    """Store the layout's tables, columns and bindings (all rewritten when it changed)."""
    server, uid = layout.server, layout.asset_uid
    if previous is None:
        conn.execute(
            typed_asset.insert().values(
                server=server, asset_uid=uid, prefix=layout.prefix, loader_version=loader_version
            )
        )
    if previous == layout:
        return
    for table in _LAYOUT_TABLES:
        conn.execute(table.delete().where(_of(table, server, uid)))
    key = {"server": server, "asset_uid": uid}
    insert_rows(conn, form_table, list(_table_rows(layout, key)))
    insert_rows(conn, form_column, list(_column_rows(layout, key)))
    insert_rows(
        conn,
        form_field,
        [
            {
                **key,
                "version_uid": b.version,
                "field_path": b.path,
                "field_type": b.field_type,
                "list_name": b.list_name,
                "kuid": b.kuid,
                "pii": b.pii,
                "repeat_path": b.repeat,
                "table_name": layout.tables[b.repeat].name,
                "unit": b.unit,
            }
            for b in layout.bindings.values()
        ],
    )
    insert_rows(
        conn,
        form_repeat,
        [
            {**key, "version_uid": v, "repeat_path": path, "table_repeat_path": target}
            for (v, path), target in layout.repeats.items()
        ],
    )


def insert_rows(conn: Connection, table: sa.Table, rows: list[dict[str, object]]) -> None:
    """executemany through the driver (`warehouse.bulk`); nothing for no rows."""
    bulk.insert_rows(conn, table, rows)


def _table_rows(layout: Layout, key: dict[str, str]) -> Iterable[dict[str, object]]:
    for position, table in enumerate(layout.tables.values()):
        yield {
            **key,
            "repeat_path": table.repeat or "",
            "table_name": table.name,
            "view_name": table.view,
            "parent_repeat": table.parent,
            "depth": table.depth,
            "position": position,
            "kuid": table.kuid,
        }


def _column_rows(layout: Layout, key: dict[str, str]) -> Iterable[dict[str, object]]:
    for table in layout.tables.values():
        for position, column in enumerate(table.columns):
            unit = table.units[column.unit]
            yield {
                **key,
                "table_name": table.name,
                "column_name": column.name,
                "position": position,
                "unit": column.unit,
                "kind": unit.kind,
                "part": column.part,
                "choice": column.choice,
                "data_type": column.data_type,
                "field_path": column.field_path,
                "pii": unit.pii,
            }


def pii_columns(conn: Connection, server: str, asset_uid: str) -> dict[str, set[str]]:
    """Table name → its columns holding personal data, which marts must never copy."""
    c = form_column
    found: dict[str, set[str]] = {}
    rows = conn.execute(
        sa.select(c.c.table_name, c.c.column_name).where(
            _of(c, server, asset_uid), c.c.pii.is_not(None)
        )
    )
    for table_name, column_name in rows:
        found.setdefault(table_name, set()).add(column_name)
    return found


def clear_asset(conn: Connection, server: str, asset_uid: str) -> None:
    """Remove every registry row of an asset (its typed tables are dropped by the caller)."""
    for table in PER_ASSET:
        conn.execute(table.delete().where(_of(table, server, asset_uid)))
