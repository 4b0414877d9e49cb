"""Many rows into one table, through the driver's own executemany.

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
    prepare = conn.dialect.identifier_preparer
    sql = (
        f"INSERT INTO {prepare.format_table(table)} "
        f"({', '.join(prepare.quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    values = [tuple(row[c] for c in columns) for row in rows]
    dialect = conn.dialect
    processors = [
        (i, process)
        for i, c in enumerate(columns)
        if (process := table.c[c].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    if processors:
        values = [_processed(value, processors) for value in values]
    conn.exec_driver_sql(sql, values)


def _processed(
    row: tuple[Any, ...], processors: Sequence[tuple[int, Callable[[Any], Any]]]
) -> tuple[Any, ...]:
    out = list(row)
    for i, process in processors:
        out[i] = process(out[i])
    return tuple(out)
