"""`warehouse.bulk.insert_tuples` on each database: many rows (by COPY on PostgreSQL) are
stored exactly as a few rows at a time (executemany) store them, whatever the values — text
with tabs, newlines, backslashes and Vietnamese, NULLs, booleans, aware datetimes, dates,
times, floats with NaN; a value COPY cannot write the way executemany does falls back to
executemany, and a duplicate key is SQLAlchemy's IntegrityError."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.bulk import COPY_FROM, insert_tuples
from warehouse.db import make_engine
from warehouse.typed import UtcDateTime

COLUMNS = ["id", "note", "count", "flag", "yes", "ratio", "day", "at", "clock"]


def _table(metadata: sa.MetaData, name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("note", sa.Text),
        sa.Column("count", sa.BigInteger),
        sa.Column("flag", sa.SmallInteger),
        sa.Column("yes", sa.Boolean),
        sa.Column("ratio", sa.Double),
        sa.Column("day", sa.Date),
        sa.Column("at", UtcDateTime),
        sa.Column("clock", sa.Time),
    )


def _rows(count: int) -> list[tuple[Any, ...]]:
    notes = ["a\tb", "line\nnext", "back\\slash", "Nguyễn Thị Hồng", "", None, "'; DROP --"]
    ratios = [0.1, -0.0, 1e-7, 12345.678, math.nan, None, 3.0]
    rows = []
    for n in range(count):
        rows.append(
            (
                n,
                notes[n % len(notes)],
                None if n % 5 == 0 else n * 1_000_003,
                n % 2,
                None if n % 4 == 0 else bool(n % 2),
                ratios[n % len(ratios)],
                date(2024, 1, 1) + timedelta(days=n % 300),
                datetime(2024, 9, 1, 8, tzinfo=timezone(timedelta(hours=7))) + timedelta(minutes=n),
                time(n % 24, n % 60, n % 60),
            )
        )
    return rows


def _stored(engine: Engine, table: sa.Table) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.id)).all()
    # NaN is not equal to itself: compared by its text
    return [tuple("nan" if v != v else v for v in row) for row in rows]


@pytest.fixture
def tables(warehouse_url: str) -> Any:
    engine = make_engine(warehouse_url)
    metadata = sa.MetaData()
    many, few = _table(metadata, "bulk_many"), _table(metadata, "bulk_few")
    metadata.create_all(engine)
    yield engine, many, few
    engine.dispose()


def test_many_rows_are_stored_as_a_few_at_a_time_store_them(tables: Any) -> None:
    engine, many, few = tables
    rows = _rows(3 * COPY_FROM)
    with engine.begin() as conn:
        insert_tuples(conn, many, COLUMNS, rows)  # one call: COPY on PostgreSQL
        for start in range(0, len(rows), COPY_FROM // 2):  # executemany
            insert_tuples(conn, few, COLUMNS, rows[start : start + COPY_FROM // 2])
    stored = _stored(engine, many)
    assert stored == _stored(engine, few)
    assert len(stored) == len(rows)
    first = stored[1]
    assert first[1] == "line\nnext" and first[3] == 1 and first[4] is True
    assert first[7] == datetime(2024, 9, 1, 1, 1, tzinfo=UTC)
    assert stored[3][1] == "Nguyễn Thị Hồng"


def test_a_value_copy_cannot_write_falls_back_to_executemany(tables: Any) -> None:
    engine, many, few = tables
    rows = _rows(COPY_FROM)
    rows[-1] = (rows[-1][0], "x", 7.0, *rows[-1][3:])  # a float into BIGINT: COPY refuses
    with engine.begin() as conn:
        insert_tuples(conn, many, COLUMNS, rows)
        insert_tuples(conn, few, COLUMNS, rows[:10])
        insert_tuples(conn, few, COLUMNS, rows[10:])  # fewer than COPY_FROM: executemany
    assert _stored(engine, many) == _stored(engine, few)
    assert _stored(engine, many)[-1][2] == 7


def test_a_duplicate_key_is_an_integrity_error(tables: Any) -> None:
    engine, many, _ = tables
    rows = _rows(COPY_FROM)
    with engine.begin() as conn:
        insert_tuples(conn, many, COLUMNS, rows[:1])
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        insert_tuples(conn, many, COLUMNS, rows)
    assert len(_stored(engine, many)) == 1
