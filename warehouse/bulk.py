"""Many rows into one table, through the driver's own executemany (COPY on PostgreSQL).

SQLAlchemy's `conn.execute(table.insert(), rows)` processes every parameter of every row in
Python (type processors, dict lookups) before the driver sees it: for the two million item
rows of 100,000 scored evaluations that costs more than the write itself. `insert_rows`
writes the statement once and hands the driver plain tuples, in the driver's parameter
style; a column whose type converts values on the way in (a `Date` or `DateTime` on SQLite,
a type decorator) has its values converted by that type's own bind processor, so what is
stored is what `conn.execute(table.insert(), rows)` would store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table`; nothing for no rows."""
    if not rows:
        return
    columns = list(rows[0])
    mark = _MARKS.get(conn.dialect.paramstyle)
    defaulted = any(c.default is not None and c.name not in rows[0] for c in table.c)
    if mark is None or defaulted:  # a driver of another style, or defaults to fill in
        conn.execute(table.insert(), list(rows))
        return
    insert_tuples(conn, table, columns, [tuple(row[c] for c in columns) for row in rows])


def insert_tuples(
    conn: Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert `rows`, tuples of the values of `columns` in that order, into `table` (every
    column left out must have no default); nothing for no rows."""
    if not rows:
        return
    mark = _MARKS.get(conn.dialect.paramstyle)
    if mark is None:  # a driver of another style: the general path
        conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    prepare = conn.dialect.identifier_preparer
    sql = (
        f"INSERT INTO {prepare.format_table(table)} "
        f"({', '.join(prepare.quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    dialect = conn.dialect
    processors = [
        (i, process)
        for i, c in enumerate(columns)
        if (process := table.c[c].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    values = [_processed(row, processors) for row in rows] if processors else list(rows)
    if len(values) >= COPY_FROM and _copied(conn, table, columns, values):
        return
    conn.exec_driver_sql(sql, values)


COPY_FROM = 100  # rows: fewer go by executemany, COPY's set-up costing more than it saves


def _copied(
    conn: Connection, table: sa.Table, columns: Sequence[str], values: Sequence[tuple[Any, ...]]
) -> bool:
    """On PostgreSQL (psycopg), the rows written by `COPY ... FROM STDIN`, a few times faster
    than executemany; True when written. In text format every value is written as the text
    PostgreSQL reads back as the same value, so what is stored is what executemany stores.
    A text the column's type refuses where executemany's typed parameter would be cast (a
    float such as 7.0 for an integer column), or any other failure (a duplicate key), rolls
    back to a savepoint and returns False: the caller's executemany then writes the rows,
    or raises the error as SQLAlchemy reports it."""
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        return False
    import psycopg

    prepare = conn.dialect.identifier_preparer
    sql = (
        f"COPY {prepare.format_table(table)} "
        f"({', '.join(prepare.quote(c) for c in columns)}) FROM STDIN"
    )
    driver = conn.connection.driver_connection
    savepoint = conn.begin_nested()
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
            for row in values:
                copy.write_row(row)
    except psycopg.Error:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def _processed(
    row: tuple[Any, ...], processors: Sequence[tuple[int, Callable[[Any], Any]]]
) -> tuple[Any, ...]:
    out = list(row)
    for i, process in processors:
        out[i] = process(out[i])
    return tuple(out)
