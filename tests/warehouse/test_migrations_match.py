"""The fixed tables in the code and the tables the Alembic migrations create agree.

For each database, an empty database (a SQLite file, or a fresh PostgreSQL schema chosen by
`search_path`) is migrated to head with `warehouse.migrate.upgrade`. Alembic's autogenerate
comparison then compares it with the union of the warehouse's fixed metadata,
warehouse/schema.py and warehouse/catalog.py. It compares tables, columns, types, nullability,
server defaults, indexes, unique constraints and foreign keys.

Left out of the database side: `alembic_version`, and the typed per-form tables, which the
loader creates at run time. They are recognised by name because the catalog registers them
(`form_table.table_name`). Any other table in the database must be in the metadata. The views
are not tables, so the comparison never sees them.
No `compare_type` callback is needed: today neither database shows dialect noise.

The comparison is checked too, so it cannot pass silently: on PostgreSQL the first test makes
sure Alembic reads the test schema, not `public`; a deliberate difference of each kind is
reported; real typed tables are left out by the filter and reported without it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection, Engine, make_url

from localkobo import LocalKobo
from tests.warehouse.support import SERVER, content, end, land_store, row
from warehouse import catalog, schema
from warehouse.catalog import form_table
from warehouse.db import make_engine
from warehouse.load import load_asset
from warehouse.migrate import current_revision, head_revision, upgrade
from warehouse.runlog import start_run

FIXED_METADATA = (schema.metadata, catalog.metadata)
VERSION_TABLE = "alembic_version"

NameFilter = Callable[[str | None, str, Any], bool]


def fixed_metadata() -> sa.MetaData:
    """A fresh copy of all the warehouse's fixed tables in one MetaData (safe to alter)."""
    combined = sa.MetaData()
    for source in FIXED_METADATA:
        for table in source.tables.values():
            assert table.name not in combined.tables, f"{table.name} defined twice"
            table.to_metadata(combined)
    return combined


def registered_typed_tables(conn: Connection) -> set[str]:
    """The typed per-form tables the catalog knows about (none in an empty warehouse)."""
    return set(conn.execute(sa.select(form_table.c.table_name)).scalars())


def _database_filter(dynamic: set[str]) -> NameFilter:
    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ == "table":
            return name != VERSION_TABLE and name not in dynamic
        return True

    return include_name


def differences(
    engine: Engine, metadata: sa.MetaData, *, leave_out_typed: bool = True
) -> list[Any]:
    """Alembic's autogenerate diffs between the migrated database and `metadata`."""
    with engine.connect() as conn:
        dynamic = registered_typed_tables(conn) if leave_out_typed else set()
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": _database_filter(dynamic),
            },
        )
        return list(compare_metadata(context, metadata))


def _name(obj: Any) -> str:
    if isinstance(obj, sa.Table):
        return f"table {obj.name}"
    if isinstance(obj, sa.Column):
        return f"column {obj.table.name}.{obj.name} {obj.type!r} nullable={obj.nullable}"
    if isinstance(obj, sa.Index):
        columns = ", ".join(c.name for c in obj.columns)
        return f"index {obj.name} on {obj.table.name}({columns})"  # type: ignore[union-attr]
    if isinstance(obj, sa.ForeignKeyConstraint):
        refs = ", ".join(e.target_fullname for e in obj.elements)
        return f"foreign key {obj.table.name}({', '.join(obj.column_keys)}) -> {refs}"
    if isinstance(obj, sa.Constraint):
        columns = ", ".join(c.name for c in obj.columns)  # type: ignore[attr-defined]
        return f"{type(obj).__name__} {obj.name} on {obj.table.name}({columns})"
    return repr(obj)


def describe(diff: Any) -> str:
    """One diff as a line: what the metadata has that the database lacks, or the reverse."""
    if isinstance(diff, list):  # modify_* come grouped per column
        return "\n".join(describe(d) for d in diff)
    op = diff[0]
    if op.startswith("modify_"):
        _, _schema, table, column, _info, in_database, in_metadata = diff
        return f"{op} {table}.{column}: database {in_database!r}, metadata {in_metadata!r}"
    where = (
        "in the metadata, not the database"
        if op.startswith("add_")
        else "in the database, not the metadata"
    )
    return f"{op} ({where}): {_name(diff[-1])}"


def report(diffs: list[Any]) -> str:
    lines = "\n".join(describe(d) for d in diffs)
    return f"{len(diffs)} difference(s) between the migrations and the metadata:\n{lines}"


def ops(diffs: list[Any]) -> set[tuple[str, ...]]:
    """The diffs as comparable (op, table, column or object name) tuples."""
    out: set[tuple[str, ...]] = set()
    for diff in diffs:
        for d in diff if isinstance(diff, list) else [diff]:
            if d[0].startswith("modify_"):
                out.add((d[0], d[2], d[3]))
            elif d[0] in ("add_column", "remove_column"):
                out.add((d[0], d[2], d[3].name))
            elif d[0] in ("add_table", "remove_table"):
                out.add((d[0], d[1].name))
            else:
                out.add((d[0], d[1].table.name, d[1].name or ""))
    return out


@pytest.fixture
def migrated(warehouse_url: str) -> Iterator[Engine]:
    """An empty database migrated to head by `warehouse.migrate.upgrade`."""
    engine = make_engine(warehouse_url)
    try:
        with engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() == [], "the database is not empty"
        assert upgrade(engine) is True
        assert current_revision(engine) == head_revision()
        yield engine
    finally:
        engine.dispose()


def assert_reads_the_test_schema(warehouse_url: str, engine: Engine) -> None:
    """On PostgreSQL, the schema Alembic reflects is the test's (from search_path), not public."""
    if engine.dialect.name != "postgresql":
        return
    options = make_url(warehouse_url).query["options"]
    assert isinstance(options, str) and options.startswith("-csearch_path=")
    schema_name = options.removeprefix("-csearch_path=")
    with engine.connect() as conn:
        assert conn.dialect.default_schema_name == schema_name != "public"
        assert conn.execute(sa.text("SELECT current_schema()")).scalar() == schema_name
        tables = set(sa.inspect(conn).get_table_names())  # the default schema, as Alembic reads
    assert tables == set(fixed_metadata().tables) | {VERSION_TABLE}


def test_migrated_database_matches_the_fixed_metadata(warehouse_url: str, migrated: Engine) -> None:
    assert_reads_the_test_schema(warehouse_url, migrated)
    diffs = differences(migrated, fixed_metadata())
    if diffs:
        pytest.fail(report(diffs), pytrace=False)


def test_a_deliberate_difference_of_each_kind_is_reported(migrated: Engine) -> None:
    metadata = fixed_metadata()
    metadata.tables["load_finding"].append_column(sa.Column("not_migrated", sa.Text))
    metadata.remove(metadata.tables["form_repeat"])  # a migrated table the code lacks
    metadata.tables["raw_submission"].c.uuid.type = sa.String(64)  # the database has 128
    metadata.tables["run_log"].c.host.nullable = False
    sa.Index("ix_not_migrated", metadata.tables["sync_state"].c.last_id)
    metadata.tables["typed_asset"].append_constraint(
        sa.UniqueConstraint("loader_version", name="uq_not_migrated")
    )
    metadata.tables["form_table"].append_constraint(
        sa.ForeignKeyConstraint(["depth"], ["run_log.id"])
    )
    metadata.tables["run_log"].c.arguments.server_default = sa.DefaultClause("{}")
    diffs = differences(migrated, metadata)
    assert ops(diffs) == {
        ("add_column", "load_finding", "not_migrated"),
        ("remove_table", "form_repeat"),
        ("modify_type", "raw_submission", "uuid"),
        ("modify_nullable", "run_log", "host"),
        ("add_index", "sync_state", "ix_not_migrated"),
        ("add_constraint", "typed_asset", "uq_not_migrated"),
        ("add_fk", "form_table", ""),
        ("modify_default", "run_log", "arguments"),
    }, report(diffs)
    assert "add_column (in the metadata, not the database): column load_finding.not_migrated" in (
        report(diffs)
    )


FORM = content(
    [
        row("text", "ho_ten", "Họ tên", "Name"),
        row("begin_repeat", "tv", "Thành viên", "Member"),
        row("integer", "tv/tuoi", "Tuổi", "Age"),
        end("repeat"),
    ],
    [],
)


def test_typed_tables_are_left_out_only_by_the_filter(migrated: Engine) -> None:
    kobo = LocalKobo(seed=5)
    kobo.add_user("hoi")
    asset = kobo.create_asset("hoi", "Hộ", FORM)
    kobo.deploy(asset.uid)
    kobo.generate(asset.uid, 3, seed=2)
    run = start_run(migrated, "sync")
    land_store(migrated, kobo, asset.uid, run)
    load_asset(migrated, SERVER, asset.uid, run)
    with migrated.connect() as conn:
        typed = registered_typed_tables(conn)
        assert len(typed) == 2 and typed <= set(sa.inspect(conn).get_table_names())

    diffs = differences(migrated, fixed_metadata())
    if diffs:
        pytest.fail(report(diffs), pytrace=False)
    unfiltered = differences(migrated, fixed_metadata(), leave_out_typed=False)
    assert ops(unfiltered) == {("remove_table", name) for name in typed}, report(unfiltered)


def test_head_read_from_the_files_is_alembics() -> None:
    """`head_revision` reads the migration files without alembic (start-up time): it names
    the head alembic's own script directory names."""
    from alembic.script import ScriptDirectory

    from warehouse.migrate import _config

    assert head_revision() == ScriptDirectory.from_config(_config()).get_current_head()


def test_checking_the_revision_imports_no_alembic(tmp_path: Path) -> None:
    """A command on a warehouse at the head revision never imports alembic."""
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    upgrade(make_engine(url))
    code = (
        "import sys\n"
        "from warehouse.db import make_engine\n"
        "from warehouse.migrate import upgrade\n"
        f"assert upgrade(make_engine({url!r})) is False\n"
        "print('ALEMBIC', 'alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "ALEMBIC False" in out.stdout, out.stdout + out.stderr
