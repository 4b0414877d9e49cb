"""The layout of one form's typed tables, planned from the FormSchema of every version.

One set of tables per asset: the main table (one row per submission) and one table per
repeat, nested repeats too. Each question of each version is *bound* to a storage *unit* of
its table: one column for most kinds, four for a geopoint (`__latitude`, `__longitude`,
`__altitude`, `__accuracy`), the codes column plus one 0/1 column per choice for a
select_multiple (`activities`, `activities__reading`, ...).

Planning is pure and only ever adds: versions are taken in order; a version's question goes to

1. the unit of the same question in an earlier version when it was **renamed** (same
   `$kuid`, same table and kind, its old path gone from this version): values continue in
   the same column;
2. else the unit already holding this path with the same kind;
3. else a new unit, named from the path; a path **retyped** to another kind gets a new unit
   `<name>__<kind>` and the earlier column keeps the earlier values.

A question **removed** keeps its columns; later submissions leave them NULL. New choices of
a select_multiple add 0/1 columns. Names come from warehouse/names.py.

A repeat goes to the table of its path; a **renamed** repeat (same `$kuid`, same enclosing
table, its old path gone from this version) goes on in the table of its old path, recorded
per version in `Layout.repeats`, and its questions are matched as renamed ones.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from forms.schema import Field, FormSchema, Group
from warehouse.names import Allocator, fold, from_path
from warehouse.values import kind_of

GEO_PARTS = ("latitude", "longitude", "altitude", "accuracy")
DATA_TYPE = {  # storage kind → data type of its value column
    "text": "text",
    "integer": "integer",
    "decimal": "decimal",
    "date": "date",
    "datetime": "datetime",
    "time": "time",
    "select_multiple": "text",
}


@dataclass(frozen=True)
class Column:
    """A column holding answers. `part` is `value`, a geopoint part, or `choice`."""

    name: str
    unit: str
    part: str
    data_type: str  # text | integer | decimal | date | datetime | time | flag
    field_path: str  # the question's path when the column was made
    choice: str | None = None


@dataclass
class Unit:
    """Where one question's answers go in a table: its columns by part (`choice:<code>`)."""

    name: str
    kind: str
    parts: dict[str, str] = field(default_factory=dict)
    pii: str | None = None


@dataclass
class Table:
    repeat: str | None  # None: the main table
    name: str
    view: str
    parent: str | None  # the enclosing repeat's path (None: under the main table)
    depth: int  # number of repeat levels: 0 for the main table
    columns: list[Column] = field(default_factory=list)
    kuid: str | None = None  # the repeat's `$kuid`, to follow it when it is renamed
    units: dict[str, Unit] = field(default_factory=dict)

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Binding:
    """A question of one version and the unit its answers go to."""

    version: str
    path: str
    field_type: str
    repeat: str | None
    unit: str
    kuid: str | None = None
    list_name: str | None = None
    pii: str | None = None

    @property
    def kind(self) -> str:
        return kind_of(self.field_type)


@dataclass
class Layout:
    server: str
    asset_uid: str
    prefix: str
    versions: list[str] = field(default_factory=list)
    tables: dict[str | None, Table] = field(default_factory=dict)
    bindings: dict[tuple[str, str], Binding] = field(default_factory=dict)
    # (version, repeat path) → the table's repeat path, where a version's repeat goes to the
    # table of another path (the repeat was renamed); absent: the table of its own path
    repeats: dict[tuple[str, str], str] = field(default_factory=dict)

    def binding(self, version: str, path: str) -> Binding | None:
        return self.bindings.get((version, path))

    def table_key(self, version: str, repeat: str | None) -> str | None:
        """The key in `tables` of the table holding `repeat`'s items in `version`."""
        if repeat is None:
            return None
        return self.repeats.get((version, repeat), repeat)

    def unit_of(self, binding: Binding) -> Unit:
        return self.tables[binding.repeat].units[binding.unit]


def default_prefix(asset_uid: str) -> str:
    """The prefix of an asset without a form name: `data_<asset uid>`."""
    return f"data_{fold(asset_uid) or 'asset'}"


def table_prefix(asset_uid: str, taken: Iterable[str], form_name: str | None = None) -> str:
    """The name of an asset's main table: its form name (`gia_dinh`) when it has one, else
    `data_<asset uid>`; made unique among `taken` with a digest of the asset uid."""
    wanted = fold(form_name or "") or default_prefix(asset_uid)
    return Allocator(taken).allocate(wanted, f"asset|{asset_uid}")


def _outer_repeat(schema: FormSchema, repeat_path: str) -> str | None:
    groups = {g.path: g for g in schema.groups}
    parent = groups[repeat_path].parent
    while parent is not None and not groups[parent].repeat:
        parent = groups[parent].parent
    return parent


class _Planner:
    def __init__(self, layout: Layout, taken_tables: Iterable[str]) -> None:
        self.layout = layout
        self.table_names = Allocator(taken_tables)
        for table in layout.tables.values():
            self.table_names.taken.update((table.name, table.view))
        self.columns = {
            t.repeat: Allocator([*t.column_names(), *t.units]) for t in layout.tables.values()
        }
        self.key: dict[str, str] = {}  # this version's repeat path → its table's key

    def rk(self, question: Field) -> str | None:
        """The table key of a question's repeat in the version being added."""
        return self.key[question.repeat] if question.repeat else None

    def table(
        self, repeat: str | None, parent: str | None, depth: int, kuid: str | None = None
    ) -> Table:
        found = self.layout.tables.get(repeat)
        if found is not None:
            return found
        prefix = self.layout.prefix
        wanted = f"{prefix}__{from_path(repeat)}" if repeat else prefix
        name = self.table_names.allocate(wanted, f"table|{repeat or ''}")
        view = self.table_names.allocate(f"{name}__current", f"view|{repeat or ''}")
        table = Table(repeat, name, view, parent, depth, kuid=kuid)
        self.layout.tables[repeat] = table
        self.columns[repeat] = Allocator()
        return table

    def add_version(self, schema: FormSchema) -> None:
        version = schema.version or ""
        self.table(None, None, 0)
        self.key = {}
        present = {g.path for g in schema.repeats}
        for group in schema.repeats:  # document order: an outer repeat before its inner ones
            outer = _outer_repeat(schema, group.path)
            key = self._repeat_table(group, self.key[outer] if outer else None, present)
            self.key[group.path] = key
            if key != group.path:
                self.layout.repeats[(version, group.path)] = key
        fields = [f for f in schema.fields if f.has_data]
        paths = {f.path for f in fields}
        earlier = list(self.layout.bindings.values())
        claimed: dict[tuple[str | None, str], str] = {}
        chosen: dict[str, str] = {}
        for question in fields:  # 1. renamed: same $kuid, old path gone
            unit = self._renamed_from(question, earlier, paths)
            if unit and (self.rk(question), unit) not in claimed:
                chosen[question.path] = claimed[(self.rk(question), unit)] = unit
        for question in fields:  # 2. same path and kind; 3. a new unit
            if question.path in chosen:
                continue
            unit = self._same_path(question, earlier)
            if unit is None or (self.rk(question), unit) in claimed:
                unit = self._new_unit(question)
            chosen[question.path] = claimed[(self.rk(question), unit)] = unit
        for question in fields:
            self._bind(version, question, chosen[question.path], schema)
        self.layout.versions.append(version)

    def _repeat_table(self, group: Group, parent: str | None, present: set[str]) -> str:
        """The table of a repeat: the one of its path; else, for a renamed repeat (same
        `$kuid`, same enclosing table, its old path gone from this version), the table of
        the old path; else a new table."""
        tables = self.layout.tables
        used = set(self.key.values())
        if group.path in tables:
            return group.path
        if group.kuid:
            for table in tables.values():
                if (
                    table.repeat is not None
                    and table.kuid == group.kuid
                    and table.parent == parent
                    and table.repeat not in present
                    and table.repeat not in used
                ):
                    return table.repeat
        depth = tables[parent].depth + 1 if parent else 1
        self.table(group.path, parent, depth, group.kuid)
        return group.path

    def _renamed_from(
        self, question: Field, earlier: Sequence[Binding], paths: set[str]
    ) -> str | None:
        if not question.kuid:
            return None
        kind = kind_of(question.type)
        found = None
        for b in earlier:  # in version order: the latest earlier binding wins
            if (
                b.kuid == question.kuid
                and b.repeat == self.rk(question)
                and b.kind == kind
                and b.path != question.path
                and b.path not in paths
            ):
                found = b.unit
        return found

    def _same_path(self, question: Field, earlier: Sequence[Binding]) -> str | None:
        kind = kind_of(question.type)
        for b in earlier:
            if b.path == question.path and b.repeat == self.rk(question) and b.kind == kind:
                return b.unit
        return None

    def _new_unit(self, question: Field) -> str:
        table = self.layout.tables[self.rk(question)]
        kind = kind_of(question.type)
        relative = question.path[len(question.repeat) + 1 :] if question.repeat else question.path
        wanted = from_path(relative)
        if any(
            b.path == question.path and b.repeat == self.rk(question)
            for b in self.layout.bindings.values()
        ):
            wanted = f"{wanted}__{kind}"  # retyped: the earlier column keeps earlier values
        names = self.columns[self.rk(question)]
        unit = Unit(names.allocate(wanted, f"unit|{question.path}|{kind}"), kind)
        table.units[unit.name] = unit
        if kind == "geopoint":
            for part in GEO_PARTS:
                self._column(table, unit, part, "decimal", question.path)
        else:
            self._column(table, unit, "value", DATA_TYPE[kind], question.path)
        return unit.name

    def _column(
        self,
        table: Table,
        unit: Unit,
        part: str,
        data_type: str,
        path: str,
        choice: str | None = None,
    ) -> None:
        if part == "value":
            name = unit.name  # allocated with the unit
        else:
            suffix = (fold(choice or "") or "x") if part == "choice" else part
            source = f"column|{table.repeat}|{unit.name}|{part}|{choice}"
            name = self.columns[table.repeat].allocate(f"{unit.name.rstrip('_')}__{suffix}", source)
        unit.parts[f"choice:{choice}" if part == "choice" else part] = name
        table.columns.append(Column(name, unit.name, part, data_type, path, choice))

    def _bind(self, version: str, question: Field, unit_name: str, schema: FormSchema) -> None:
        table = self.layout.tables[self.rk(question)]
        unit = table.units[unit_name]
        if unit.kind == "select_multiple":
            for choice in schema.choices_for(question):
                if f"choice:{choice.name}" not in unit.parts:
                    self._column(table, unit, "choice", "flag", question.path, choice.name)
        unit.pii = unit.pii or question.pii
        self.layout.bindings[(version, question.path)] = Binding(
            version,
            question.path,
            question.type,
            self.rk(question),
            unit_name,
            question.kuid,
            question.list_name,
            question.pii,
        )


def plan_layout(
    server: str,
    asset_uid: str,
    schemas: Sequence[FormSchema],
    previous: Layout | None = None,
    taken_tables: Iterable[str] = (),
    *,
    prefix: str | None = None,
    form_name: str | None = None,
) -> Layout:
    """The layout after adding every version of `schemas` not yet in `previous` (in order).

    `previous` is left untouched; `taken_tables` are table names used by other assets (and
    the warehouse's own tables). A new layout takes `prefix` when given (a rebuild keeps the
    names it had), else one made from `form_name` or the asset uid.
    """
    taken = set(taken_tables)
    if previous is None:
        layout = Layout(server, asset_uid, prefix or table_prefix(asset_uid, taken, form_name))
    else:
        layout = copy.deepcopy(previous)
    planner = _Planner(layout, taken)
    for schema in schemas:
        if (schema.version or "") not in layout.versions:
            planner.add_version(schema)
    return layout
