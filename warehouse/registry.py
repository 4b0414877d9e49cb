"""The registry in the warehouse: denominators per commune and year, and the villages.

`store` writes what a checked registry file (`forms.registry.RegistryFile`) gives, in the
caller's transaction: the latest import of a (commune, year, measure) replaces the earlier
one, a village code's latest row replaces the earlier one, and a row whose value and source
file are unchanged is left as it is, so importing the same file again changes nothing.
A blank count in the file is not given, so it leaves a stored count alone.

`denominators` and `villages` are what the report's marts read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from forms.registry import MEASURES, RegistryFile
from warehouse.schema import registry_count, registry_village


@dataclass(frozen=True)
class StoredVillage:
    """A village of the registry (thôn, bản, tổ dân phố)."""

    village_code: str
    commune_code: str  # GSO code of its commune in 2020-02-01..2025-06-30
    village_name: str
    commune_code_until_2020: str | None
    source: str


@dataclass
class RegistryImport:
    """What one import stored: the file's content and how the warehouse changed."""

    file: str
    run_id: int | None = None
    rows: int = 0  # rows giving at least one count
    communes: int = 0
    years: list[int] = field(default_factory=list)
    measures: dict[str, int] = field(default_factory=dict)  # measure → counts given
    villages: int = 0
    counts_new: int = 0
    counts_changed: int = 0
    counts_unchanged: int = 0
    villages_new: int = 0
    villages_changed: int = 0
    villages_unchanged: int = 0

    @property
    def counts(self) -> int:
        return sum(self.measures.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "run_id": self.run_id,
            "rows": self.rows,
            "communes": self.communes,
            "years": self.years,
            "measures": self.measures,
            "counts": self.counts,
            "villages": self.villages,
            "changes": {
                "counts": {
                    "new": self.counts_new,
                    "changed": self.counts_changed,
                    "unchanged": self.counts_unchanged,
                },
                "villages": {
                    "new": self.villages_new,
                    "changed": self.villages_changed,
                    "unchanged": self.villages_unchanged,
                },
            },
        }


def _summary(registry: RegistryFile, run_id: int | None) -> RegistryImport:
    given = [row for row in registry.counts if row.counts]
    measures = {m: sum(1 for row in given if m in row.counts) for m in MEASURES}
    return RegistryImport(
        file=registry.display,
        run_id=run_id,
        rows=len(given),
        communes=len({row.commune_code for row in given}),
        years=sorted({row.year for row in given}),
        measures={m: n for m, n in measures.items() if n},
        villages=len(registry.villages),
    )


def store(conn: Connection, registry: RegistryFile, run_id: int | None) -> RegistryImport:
    """Write the counts and villages of a file without problems (the caller checks);
    returns what changed."""
    if registry.problems:
        raise ValueError("a registry file with problems is never stored")
    result = _summary(registry, run_id)
    source = registry.source
    values = registry.values()
    years = sorted({year for _, year, _, _ in values})
    stored: dict[tuple[str, int, str], tuple[int, str]] = {}
    if years:
        for row in conn.execute(
            sa.select(
                registry_count.c.commune_code,
                registry_count.c.year,
                registry_count.c.measure,
                registry_count.c.count.label("n"),
                registry_count.c.source,
            ).where(registry_count.c.year.in_(years))
        ):
            stored[(row.commune_code, row.year, row.measure)] = (int(row.n), row.source)
    inserts = []
    for commune, year, measure, count in values:
        key = (commune, year, measure)
        before = stored.get(key)
        if before is None:
            inserts.append(
                {
                    "commune_code": commune,
                    "year": year,
                    "measure": measure,
                    "count": count,
                    "source": source,
                    "run_id": run_id,
                }
            )
            result.counts_new += 1
        elif before == (count, source):
            result.counts_unchanged += 1
        else:
            conn.execute(
                registry_count.update()
                .where(
                    registry_count.c.commune_code == commune,
                    registry_count.c.year == year,
                    registry_count.c.measure == measure,
                )
                .values(count=count, source=source, run_id=run_id)
            )
            result.counts_changed += 1
    if inserts:
        conn.execute(registry_count.insert(), inserts)
    _store_villages(conn, registry, run_id, result)
    return result


def _store_villages(
    conn: Connection, registry: RegistryFile, run_id: int | None, result: RegistryImport
) -> None:
    if not registry.villages:
        return
    stored = {
        row.village_code: (
            row.commune_code,
            row.village_name,
            row.commune_code_until_2020,
            row.source,
        )
        for row in conn.execute(
            sa.select(
                registry_village.c.village_code,
                registry_village.c.commune_code,
                registry_village.c.village_name,
                registry_village.c.commune_code_until_2020,
                registry_village.c.source,
            )
        )
    }
    inserts = []
    for village in registry.villages:
        wanted = (
            village.commune_code,
            village.village_name,
            village.commune_code_until_2020,
            registry.source,
        )
        values = {
            "commune_code": village.commune_code,
            "village_name": village.village_name,
            "commune_code_until_2020": village.commune_code_until_2020,
            "source": registry.source,
            "run_id": run_id,
        }
        if village.village_code not in stored:
            inserts.append({"village_code": village.village_code, **values})
            result.villages_new += 1
        elif stored[village.village_code] == wanted:
            result.villages_unchanged += 1
        else:
            conn.execute(
                registry_village.update()
                .where(registry_village.c.village_code == village.village_code)
                .values(**values)
            )
            result.villages_changed += 1
    if inserts:
        conn.execute(registry_village.insert(), inserts)


def denominators(conn: Connection, year: int) -> dict[tuple[str, str], int]:
    """(commune code, measure) → the registry count of `year`, for every count imported."""
    rows = conn.execute(
        sa.select(
            registry_count.c.commune_code,
            registry_count.c.measure,
            registry_count.c.count.label("n"),
        ).where(registry_count.c.year == year)
    )
    return {(row.commune_code, row.measure): int(row.n) for row in rows}


def villages(conn: Connection) -> list[StoredVillage]:
    """The registry's villages, by commune then village code."""
    query = sa.select(registry_village).order_by(
        registry_village.c.commune_code, registry_village.c.village_code
    )
    return [
        StoredVillage(
            row.village_code,
            row.commune_code,
            row.village_name,
            row.commune_code_until_2020,
            row.source,
        )
        for row in conn.execute(query)
    ]
