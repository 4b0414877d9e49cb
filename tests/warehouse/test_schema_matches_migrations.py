"""The SQLAlchemy table definitions and the Alembic migrations describe the same warehouse.

An empty database is migrated to head, then Alembic's autogenerate comparison is run between
it and the warehouse's own metadata (warehouse/schema.py and warehouse/catalog.py), on
SQLite and on PostgreSQL. The typed per-form tables are created at run time from the forms
and are not part of either, so only the fixed tables are compared.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from warehouse.catalog import metadata as catalog_metadata
from warehouse.schema import metadata as core_metadata


def _fixed_metadata() -> sa.MetaData:
    combined = sa.MetaData()
    for source in (core_metadata, catalog_metadata):
        for table in source.tables.values():
            table.to_metadata(combined)
    return combined


def _differences(engine: Engine, metadata: sa.MetaData) -> list[Any]:
    fixed = set(metadata.tables)

    def include_name(name: str | None, kind: str, _parent: Any) -> bool:
        return kind != "table" or name in fixed

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name}
        )
        return list(compare_metadata(context, metadata))


def test_migrations_create_exactly_the_tables_the_code_defines(engine: Engine) -> None:
    differences = _differences(engine, _fixed_metadata())
    assert differences == [], "\n".join(map(repr, differences))


def test_a_column_missing_from_the_migrations_is_found(engine: Engine) -> None:
    metadata = _fixed_metadata()
    metadata.tables["load_finding"].append_column(sa.Column("not_migrated", sa.Text))
    differences = _differences(engine, metadata)
    assert [(d[0], d[2], d[3].name) for d in differences] == [
        ("add_column", "load_finding", "not_migrated")
    ]
