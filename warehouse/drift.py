"""Schema drift between two versions of a form, and the policy the warehouse applies to each.

`compare(old, new)` lists the questions (notes aside) that were

- **renamed**: same `$kuid` (Field.kuid), another path, and the old path gone;
- **added** / **removed**: a path only in the newer / older version (renames aside);
- **retyped**: same question, another type (a renamed question may be retyped too).

`asset_drift` compares two stored versions of an asset and adds, from the typed-table layout
(warehouse/layout.py), what the warehouse does with each change:

| policy        | when                                  | effect                                 |
|---------------|---------------------------------------|----------------------------------------|
| `add_column`  | added                                 | new column; earlier submissions NULL   |
| `keep_column` | removed                               | column kept; later submissions NULL    |
| `same_column` | renamed, or retyped to the same kind  | answers go on in the same column       |
| `new_column`  | retyped to another storage kind, or   | new column; the old keeps the old ones |
|               | in a renamed repeat (a new table)     | (in the old repeat's table)            |
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sqlalchemy.engine import Engine

from forms.schema import Field, FormSchema
from forms.text import Text
from warehouse.catalog import other_table_names, read_layout
from warehouse.layout import Layout, plan_layout
from warehouse.messages import WarehouseCode, WarehouseError
from warehouse.versions import form_versions

ORDER = ("renamed", "added", "removed", "retyped")

POLICY_TEXT: dict[str, Text] = {
    "add_column": Text(
        "thêm cột {column}; các bản ghi trước để trống",
        "new column {column}; earlier submissions left NULL",
    ),
    "keep_column": Text(
        "giữ cột {column}; các bản ghi sau để trống",
        "column {column} kept; later submissions left NULL",
    ),
    "same_column": Text(
        "tiếp tục ghi vào cột {column}",
        "answers go on in column {column}",
    ),
    "new_column": Text(
        "cột mới {column}; cột {old_column} giữ các giá trị trước",
        "new column {column}; column {old_column} keeps the earlier values",
    ),
}


@dataclass(frozen=True)
class Change:
    """One question changed between two versions, and (from the layout) the policy applied."""

    change: str  # renamed | added | removed | retyped
    path: str  # in the newer version (the older one for a removed question)
    old_path: str | None = None
    old_type: str | None = None
    new_type: str | None = None
    policy: str = ""
    table: str | None = None
    column: str | None = None
    old_column: str | None = None
    old_table: str | None = None  # set when the earlier values are in another table

    def policy_text(self, lang: str = "vi") -> str:
        text = POLICY_TEXT.get(self.policy, Text("", ""))
        old = f"{self.old_table}.{self.old_column}" if self.old_table else self.old_column
        column = f"{self.table}.{self.column}" if self.old_table else self.column
        return text.get(lang).format(column=column or "-", old_column=old or "-")


@dataclass
class Drift:
    asset_uid: str
    from_version: str
    to_version: str
    changes: list[Change] = field(default_factory=list)

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "asset": self.asset_uid,
            "from": self.from_version,
            "to": self.to_version,
            "changes": [{**asdict(c), "policy_text": c.policy_text(lang)} for c in self.changes],
        }


def _data_fields(schema: FormSchema) -> dict[str, Field]:
    return {f.path: f for f in schema.fields if f.has_data}


def compare(old: FormSchema, new: FormSchema) -> list[Change]:
    """The questions renamed, added, removed and retyped from `old` to `new` (no policy)."""
    before, after = _data_fields(old), _data_fields(new)
    by_kuid: dict[str, Field] = {}
    for f in before.values():
        if f.kuid:
            by_kuid.setdefault(f.kuid, f)
    changes: list[Change] = []
    renamed_from: set[str] = set()
    pairs: list[tuple[Field, Field]] = []
    for f in after.values():
        if f.path in before:
            pairs.append((before[f.path], f))
            continue
        earlier = by_kuid.get(f.kuid or "")
        if earlier is not None and earlier.path not in after and earlier.path not in renamed_from:
            renamed_from.add(earlier.path)
            pairs.append((earlier, f))
            changes.append(Change("renamed", f.path, earlier.path, earlier.type, f.type))
        else:
            changes.append(Change("added", f.path, new_type=f.type))
    for old_field, new_field in pairs:
        if old_field.type.lower() != new_field.type.lower():
            old_path = old_field.path if old_field.path != new_field.path else None
            changes.append(
                Change("retyped", new_field.path, old_path, old_field.type, new_field.type)
            )
    for f in before.values():
        if f.path not in after and f.path not in renamed_from:
            changes.append(Change("removed", f.path, old_type=f.type))
    return sorted(changes, key=lambda c: (ORDER.index(c.change), c.path))


def apply_policy(changes: list[Change], layout: Layout, old: str, new: str) -> list[Change]:
    """Each change with the table, columns and policy the layout gives it."""
    out = []
    for c in changes:
        before = layout.binding(old, c.old_path or c.path) if c.change != "added" else None
        after = layout.binding(new, c.path) if c.change != "removed" else None
        target = after or before
        assert target is not None, c
        table = layout.tables[target.repeat].name
        if c.change == "added":
            policy = "add_column"
        elif c.change == "removed":
            policy = "keep_column"
        else:
            same = (
                before is not None
                and after is not None
                and (before.repeat, before.unit) == (after.repeat, after.unit)
            )
            policy = "same_column" if same else "new_column"
        moved = before is not None and after is not None and before.repeat != after.repeat
        out.append(
            replace(
                c,
                policy=policy,
                table=table,
                column=target.unit,
                old_column=before.unit if before and policy == "new_column" else None,
                # a question of a renamed repeat: its earlier answers stay in the old table
                old_table=layout.tables[before.repeat].name if before and moved else None,
            )
        )
    return out


def asset_drift(
    engine: Engine,
    server: str,
    asset_uid: str,
    from_version: str | None = None,
    to_version: str | None = None,
) -> Drift:
    """The drift between two stored versions (default: the last two, in order)."""
    versions = form_versions(engine, server, asset_uid)
    uids = [v.uid for v in versions]
    if not uids:
        raise WarehouseError(WarehouseCode.NO_DATA, where=asset_uid, params={"asset": asset_uid})
    for wanted in (from_version, to_version):
        if wanted is not None and wanted not in uids:
            raise WarehouseError(
                WarehouseCode.UNKNOWN_VERSION,
                where=asset_uid,
                params={"version": wanted, "asset": asset_uid, "known": ", ".join(uids) or "-"},
            )
    if to_version is None:
        to_version = uids[-1] if uids else None
    if from_version is None and to_version is not None:
        position = uids.index(to_version)
        from_version = uids[position - 1] if position > 0 else None
    if from_version is None or to_version is None:
        raise WarehouseError(
            WarehouseCode.ONE_VERSION,
            where=asset_uid,
            params={"asset": asset_uid, "count": len(uids)},
        )
    with engine.connect() as conn:
        stored = read_layout(conn, server, asset_uid)
        taken = other_table_names(conn, server, asset_uid)
    layout = plan_layout(
        server, asset_uid, [v.schema for v in versions], stored[0] if stored else None, taken
    )
    schemas = {v.uid: v.schema for v in versions}
    changes = compare(schemas[from_version], schemas[to_version])
    return Drift(
        asset_uid, from_version, to_version, apply_policy(changes, layout, from_version, to_version)
    )
