"""Table and column names for the typed tables, valid and stable on SQLite and PostgreSQL.

A name is made from a form path: each segment folded to ASCII lower case (Vietnamese
diacritics removed, `đ` → `d`), runs of other characters turned into `_`, segments joined
with `__` (`location/commune` → `location__commune`). A name longer than PostgreSQL's 63
bytes is cut and ends with `_` + 8 hex digits of a SHA-1 of what it names; so does a name
already taken in its namespace. A name that is an SQL reserved word on either database gets
a trailing `_`. Typed-table field columns never start with `_`: that prefix is kept for the
system columns (`_id`, `_i1`, `_version`, ...).

Names depend only on the text named and on the names allocated before it, and the
allocation is persisted in the registry (warehouse/catalog.py), so they never change once
given.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy.dialects.postgresql.base import RESERVED_WORDS as _PG_RESERVED
from sqlalchemy.dialects.sqlite.base import SQLiteIdentifierPreparer

MAX_IDENTIFIER = 63  # PostgreSQL's NAMEDATALEN - 1, in bytes; our names are ASCII
RESERVED = frozenset(_PG_RESERVED) | frozenset(SQLiteIdentifierPreparer.reserved_words)
_OTHER = re.compile(r"[^a-z0-9_]+")


def digest(text: str, length: int = 8) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def fold(segment: str) -> str:
    """One path segment as `[a-z0-9_]`: `Tên chủ hộ` → `ten_chu_ho`; may be empty."""
    text = segment.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _OTHER.sub("_", text).strip("_")


def from_path(path: str) -> str:
    """The wanted name of a path (not yet shortened or made unique)."""
    return "__".join(fold(s) or "q" for s in path.split("/") if s) or "q"


def shorten(name: str, source: str) -> str:
    """`name` if it fits in 63 bytes, else its start plus a digest of `source`."""
    if len(name) <= MAX_IDENTIFIER:
        return name
    return f"{name[: MAX_IDENTIFIER - 9].rstrip('_')}_{digest(source)}"


class Allocator:
    """Names unique within one namespace (the columns of a table, or all table names)."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken: set[str] = set(taken)

    def allocate(self, wanted: str, source: str) -> str:
        """A free name close to `wanted`; `source` (what is named) feeds the digest."""
        name = shorten(wanted, source)
        if name in RESERVED:
            name = shorten(name + "_", source)
        if name[0].isdigit():
            name = shorten("c" + name, source)
        if name in self.taken:
            name = shorten(f"{wanted}_{digest(source)}", source + "#")
            counter = 1
            while name in self.taken:  # only when two sources share a digest
                counter += 1
                name = shorten(f"{wanted}_{digest(source)}{counter}", f"{source}#{counter}")
        self.taken.add(name)
        return name
