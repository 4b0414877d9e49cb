"""Many rows into one table, through the driver's own executemany.

SQLAlchemy's `conn.execute(table.insert(), rows)` processes every parameter of every row in
Python (type processors, dict lookups) before the driver sees it: for the two million item
rows of 100,000 scored evaluations that costs more than the write itself. `insert_rows`
compiles the statement once and hands the driver plain tuples, in the driver's parameter
style. Values must be what both drivers take as they are: str, int, float, bool, None and
`datetime.date` (written on SQLite as SQLAlchemy writes a `Date`: `YYYY-MM-DD`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
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
    if mark is None:  # a driver of another style: the general path
        conn.execute(table.insert(), list(rows))
        return
    prepare = conn.dialect.identifier_preparer
    sql = (
        f"INSERT INTO {prepare.format_table(table)} "
        f"({', '.join(prepare.quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    values = [tuple(row[c] for c in columns) for row in rows]
    dates = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, sa.Date)]
    if dates and conn.dialect.name == "sqlite":
        # Python's sqlite3 date adapters are deprecated: write dates as SQLAlchemy does
        values = [_iso_dates(value, dates) for value in values]
    conn.exec_driver_sql(sql, values)


def _iso_dates(row: tuple[Any, ...], dates: Sequence[int]) -> tuple[Any, ...]:
    out = list(row)
    for i in dates:
        if isinstance(out[i], dt.date):
            out[i] = out[i].isoformat()
    return tuple(out)
