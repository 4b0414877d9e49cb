"""Labelled views: the answers of each typed table under their question paths, with labels.

For every typed table (the main table and each repeat table) of an asset the load creates two
views, one per language of the programme:

- `<table>__labelled`: choice labels in Vietnamese (`vi`, the warehouse's default language);
- `<table>__labelled_en`: the same in English (`en`).

A label missing in the view's language falls back to the form's other languages in the order
the form lists them (so a form with only `default` or `fr` labels still reads), then to the
choice code. A name longer than PostgreSQL's 63 bytes, or one taken by a table of the asset
(a repeat named `labelled`), is shortened or given a digest as warehouse/names.py does.

Rows: the current ones, as in the `__current` views (submissions not deleted on the server).
Columns, in this order:

- keys: main table `_id`, `_submission_time` (UTC), `_version`, `_validation_status`; a repeat
  table `_id`, `_i1` … `_i<depth>` (the parent row is `_id, _i1 … _i<depth-1>` of the
  enclosing repeat's table, the last index the row's position in its repeat);
- one column per question, in the order the questions came to the table, named by the
  question's full path (`criteria/g1/c1b`, `roster/members/m_person/m_name`), the path of the
  latest version asking it (a renamed question is named by its new path). Quote them:
  `SELECT "criteria/g1/c1b" FROM gia_dinh__labelled`. A path kept by a question retyped to
  another kind names the unit of the latest version; the earlier one reads
  `<path> [<typed column>]`. A geopoint gives four columns, `<path> (latitude)`,
  `(longitude)`, `(altitude)`, `(accuracy)`. A name longer than 63 bytes keeps its end
  after `…` (`…roup/c1b`); two names equal regardless of case get a `~<digest>` ending.

Values: a select_one shows its choice label (a code the form does not list shows as the code);
a select_multiple shows the labels of the chosen choices joined by "; ", in the order of the
choice list (one generated CASE per choice over the 0/1 columns; codes no version lists are
left out, the typed table keeps them in its codes column; an answer with none of the listed
choices shows its codes). The label of a code is the one of the latest version listing it.
Other answers are the typed values. `_unparsed` (answers kept as text) is not in the views:
it may hold personal data the column tags cannot mark.

The views are created by `create_views` when the load creates or widens the tables (new form
versions, new columns) or finds one missing, and dropped with the tables (`htsd rebuild`);
`existing_views` names them for the drop. `plan_views` gives their columns with labels and
PII tags; the export (warehouse/export.py) reads the same SELECT, without PII columns unless
asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from forms.text import Text
from warehouse.catalog import form_choice_label, form_label, form_version
from warehouse.layout import GEO_PARTS, Binding, Layout, Table, Unit
from warehouse.names import MAX_IDENTIFIER, digest, shorten
from warehouse.typed import index_columns

VIEW_SUFFIX = {"vi": "__labelled", "en": "__labelled_en"}
LANGUAGES = tuple(VIEW_SUFFIX)
SEPARATOR = "; "

MAIN_KEYS = ("_id", "_submission_time", "_version", "_validation_status")
KEY_TYPES = {
    "_id": "integer",
    "_submission_time": "datetime",
    "_version": "text",
    "_validation_status": "text",
}
KEY_LABELS = {
    "_id": Text("Mã bản ghi", "Submission id"),
    "_submission_time": Text("Thời điểm gửi, giờ UTC", "Submitted at, UTC"),
    "_version": Text("Phiên bản biểu mẫu", "Form version"),
    "_validation_status": Text("Trạng thái kiểm duyệt", "Validation status"),
}
INDEX_LABEL = Text("Thứ tự trong {repeat}", "Position in {repeat}")
PART_LABELS = {
    "latitude": Text("vĩ độ", "latitude"),
    "longitude": Text("kinh độ", "longitude"),
    "altitude": Text("độ cao", "altitude"),
    "accuracy": Text("sai số", "accuracy"),
}


@dataclass(frozen=True)
class LabelledColumn:
    """One column of a labelled view: its name, SQL over the typed table `t`, its label in the
    view's language, the question path (None for a key), the PII tag, and its data type
    (`text` for labels; else the typed column's, see warehouse/typed.py SQL_TYPES)."""

    name: str
    sql: str
    label: str
    path: str | None
    pii: str | None
    data_type: str

    @property
    def is_key(self) -> bool:
        return self.path is None


@dataclass(frozen=True)
class LabelledView:
    """The labelled view of one typed table in one language."""

    name: str
    table: Table
    main_table: str
    language: str
    columns: tuple[LabelledColumn, ...]

    @property
    def order_by(self) -> list[str]:
        """The row key: `_id`, then the repeat index columns."""
        return ["_id", *index_columns(self.table.depth)]

    def select_sql(self, conn: Connection, columns: Sequence[LabelledColumn] | None = None) -> str:
        """The view's SELECT (all its columns, or `columns`): current rows only."""
        q = conn.dialect.identifier_preparer.quote
        chosen = self.columns if columns is None else columns
        items = ", ".join(f"{c.sql} AS {q(c.name)}" for c in chosen)
        if self.table.repeat is None:
            return f"SELECT {items} FROM {q(self.table.name)} AS t WHERE t._deleted_run IS NULL"
        return (
            f"SELECT {items} FROM {q(self.table.name)} AS t "
            f"JOIN {q(self.main_table)} AS m ON m._id = t._id WHERE m._deleted_run IS NULL"
        )


def view_name(layout: Layout, table: Table, language: str) -> str:
    """The name of a table's labelled view in `language` (`vi` or `en`)."""
    return _candidates(table.name, language)[_taken(layout, table, language)]


def _candidates(table_name: str, language: str) -> tuple[str, str]:
    wanted = f"{table_name}{VIEW_SUFFIX[language]}"
    source = f"labelled|{table_name}|{language}"
    return shorten(wanted, source), shorten(f"{wanted}_{digest(source)}", source + "#")


def _taken(layout: Layout, table: Table, language: str) -> int:
    own = {n for t in layout.tables.values() for n in (t.name, t.view)}
    return 1 if _candidates(table.name, language)[0] in own else 0


def existing_views(conn: Connection, table_names: Iterable[str]) -> set[str]:
    """The labelled views of these tables present in the database (to drop them)."""
    wanted = {n for name in table_names for lang in LANGUAGES for n in _candidates(name, lang)}
    return wanted & set(sa.inspect(conn).get_view_names())


def clear_way(conn: Connection, layout: Layout) -> None:
    """Drop a labelled view holding the name of a table the layout is about to create (a
    new repeat named `labelled`), before the tables are created."""
    inspector = sa.inspect(conn)
    tables = set(inspector.get_table_names())
    views = set(inspector.get_view_names())
    mine = existing_views(conn, [t.name for t in layout.tables.values()])
    for table in layout.tables.values():
        if table.name not in tables and table.name in views and table.name in mine:
            _drop(conn, table.name)


def create_views(conn: Connection, layout: Layout, *, replace: bool = True) -> list[str]:
    """(Re)create the labelled views of every table of the layout, in both languages; with
    `replace=False` only when one is missing. The names of the views."""
    names = [view_name(layout, t, lang) for t in layout.tables.values() for lang in LANGUAGES]
    present = existing_views(conn, [t.name for t in layout.tables.values()])
    if not replace and set(names) <= present:
        return names
    for name in sorted(present):
        _drop(conn, name)
    for language in LANGUAGES:
        for view in plan_views(conn, layout, language):
            q = conn.dialect.identifier_preparer.quote
            _execute(conn, f"CREATE VIEW {q(view.name)} AS {view.select_sql(conn)}")
    return names


def _drop(conn: Connection, name: str) -> None:
    _execute(conn, f"DROP VIEW IF EXISTS {conn.dialect.identifier_preparer.quote(name)}")


def _execute(conn: Connection, sql: str) -> None:
    # no_parameters: the DBAPI gets the text alone, so a `%` in a label is not a placeholder
    conn.execution_options(no_parameters=True).exec_driver_sql(sql)


# -- planning -------------------------------------------------------------------------------


class _Labels:
    """The registry's labels of one asset, with the language fallback."""

    def __init__(self, conn: Connection, layout: Layout, language: str) -> None:
        mine = {"server": layout.server, "asset_uid": layout.asset_uid}
        self.language = language
        self.order: dict[str, list[str]] = {}
        for row in conn.execute(sa.select(form_version).filter_by(**mine)):
            listed = [x for x in (row.languages or "").split(",") if x]
            self.order[row.version_uid] = [language, *(x for x in listed if x != language)]
        self.questions: dict[tuple[str, str], dict[str, str]] = {}
        for r in conn.execute(sa.select(form_label).filter_by(**mine)):
            if r.label:
                self.questions.setdefault((r.version_uid, r.item_path), {})[r.language] = r.label
        self.choices: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
        for r in conn.execute(sa.select(form_choice_label).filter_by(**mine)):
            if r.label:
                by_choice = self.choices.setdefault((r.version_uid, r.list_name), {})
                by_choice.setdefault(r.choice_name, {})[r.language] = r.label

    def _pick(self, version: str, texts: Mapping[str, str]) -> str | None:
        for language in self.order.get(version, [self.language]):
            if texts.get(language):
                return texts[language]
        return next((t for _, t in sorted(texts.items()) if t), None)

    def question(self, version: str, path: str) -> str | None:
        text = self._pick(version, self.questions.get((version, path), {}))
        return " ".join(text.split()) if text else None

    def item(self, layout: Layout, path: str) -> str | None:
        """The label of a group or repeat path in the latest version holding it."""
        for version in reversed(layout.versions):
            found = self.question(version, path)
            if found:
                return found
        return None

    def choice_labels(self, bindings: Sequence[Binding]) -> dict[str, str]:
        """Code → label over every version binding the unit; later versions win."""
        out: dict[str, str] = {}
        for b in bindings:
            for code, texts in self.choices.get((b.version, b.list_name or ""), {}).items():
                text = self._pick(b.version, texts)
                if text:
                    out[code] = " ".join(text.split())
        return out


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _concat(parts: Sequence[str]) -> str:
    """`a || b || ...` as a balanced tree, so SQLite's expression depth stays small."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return f"({_concat(parts[:middle])} || {_concat(parts[middle:])})"


def _fit(name: str) -> str:
    """`name` if it fits in 63 bytes, else `…` and as much of its end as fits."""
    if len(name.encode("utf-8")) <= MAX_IDENTIFIER:
        return name
    tail = name.encode("utf-8")[-(MAX_IDENTIFIER - 3) :].decode("utf-8", "ignore")
    return "…" + tail


class _Names:
    """Column names unique within one view (case-insensitively: SQLite folds case)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def take(self, wanted: str) -> str:
        name = _fit(wanted)
        counter = 0
        while name.lower() in self.taken:
            counter += 1
            mark = f"~{digest(f'{wanted}#{counter}', 6)}"
            name = _fit(wanted[: max(1, len(wanted) - len(mark))] + mark)
        self.taken.add(name.lower())
        return name


def _unit_bindings(layout: Layout, table: Table) -> dict[str, list[Binding]]:
    """Unit → the bindings of its questions, oldest version first."""
    position = {v: i for i, v in enumerate(layout.versions)}
    found: dict[str, list[Binding]] = {}
    ordered = sorted(layout.bindings.values(), key=lambda b: position.get(b.version, -1))
    for b in ordered:
        if b.repeat == table.repeat:
            found.setdefault(b.unit, []).append(b)
    return found


def _repeat_chain(layout: Layout, table: Table) -> list[str]:
    chain: list[str] = []
    current: Table | None = table
    while current is not None and current.repeat is not None:
        chain.insert(0, current.repeat)
        current = layout.tables.get(current.parent) if current.parent else None
    return chain


def _key_columns(
    layout: Layout, table: Table, labels: _Labels, names: _Names
) -> list[LabelledColumn]:
    lang = labels.language
    if table.repeat is None:
        return [
            LabelledColumn(
                names.take(k), f"t.{k}", KEY_LABELS[k].get(lang), None, None, KEY_TYPES[k]
            )
            for k in MAIN_KEYS
        ]
    out = [
        LabelledColumn(
            names.take("_id"), "t._id", KEY_LABELS["_id"].get(lang), None, None, "integer"
        )
    ]
    chain = _repeat_chain(layout, table)
    for level, column in enumerate(index_columns(table.depth)):
        repeat = chain[level] if level < len(chain) else column
        name = labels.item(layout, repeat) or repeat.rsplit("/", 1)[-1]
        text = INDEX_LABEL.get(lang).format(repeat=name)
        out.append(LabelledColumn(names.take(column), f"t.{column}", text, None, None, "integer"))
    return out


def _unit_columns(
    conn: Connection,
    table: Table,
    unit: Unit,
    bindings: Sequence[Binding],
    latest_path: Mapping[str, str],
    labels: _Labels,
    names: _Names,
) -> list[LabelledColumn]:
    q = conn.dialect.identifier_preparer.quote
    last = bindings[-1] if bindings else None
    path = last.path if last else next(c.field_path for c in table.columns if c.unit == unit.name)
    label = (labels.question(last.version, last.path) if last else None) or path
    wanted = path if latest_path.get(path) == unit.name else f"{path} [{unit.name}]"
    lang = labels.language
    if unit.kind == "geopoint":
        return [
            LabelledColumn(
                names.take(f"{wanted} ({part})"),
                f"t.{q(unit.parts[part])}",
                f"{label} ({PART_LABELS[part].get(lang)})",
                path,
                unit.pii,
                "decimal",
            )
            for part in GEO_PARTS
            if part in unit.parts
        ]
    value = f"t.{q(unit.parts['value'])}"
    data_type = next(c.data_type for c in table.columns if c.name == unit.parts["value"])
    sql = value
    choices = labels.choice_labels(bindings)
    if unit.kind == "select_multiple":
        flags = [(key[len("choice:") :], col) for key, col in unit.parts.items() if key != "value"]
        if flags:
            parts = [
                f"CASE WHEN t.{q(col)} = 1 THEN {_literal(SEPARATOR + choices.get(code, code))} "
                "ELSE '' END"
                for code, col in flags
            ]
            joined = f"SUBSTR({_concat(parts)}, {len(SEPARATOR) + 1})"
            sql = (
                f"CASE WHEN {value} IS NULL THEN NULL "
                f"ELSE COALESCE(NULLIF({joined}, ''), {value}) END"
            )
    elif last is not None and last.field_type.startswith("select_one") and choices:
        cases = " ".join(
            f"WHEN {_literal(code)} THEN {_literal(text)}" for code, text in choices.items()
        )
        sql = f"CASE {value} {cases} ELSE {value} END"
    if sql != value:
        data_type = "text"
    return [LabelledColumn(names.take(wanted), sql, label, path, unit.pii, data_type)]


def plan_views(conn: Connection, layout: Layout, language: str) -> list[LabelledView]:
    """The labelled view of every table of the layout in `language`, main table first."""
    labels = _Labels(conn, layout, language)
    main = layout.tables[None].name
    views = []
    for table in layout.tables.values():
        names = _Names()
        columns = _key_columns(layout, table, labels, names)
        by_unit = _unit_bindings(layout, table)
        position = {v: i for i, v in enumerate(layout.versions)}
        latest_path: dict[str, str] = {}  # path → the unit of the latest version asking it
        for unit_name, bindings in sorted(
            by_unit.items(), key=lambda item: position.get(item[1][-1].version, -1)
        ):
            latest_path[bindings[-1].path] = unit_name
        for unit in table.units.values():
            columns += _unit_columns(
                conn, table, unit, by_unit.get(unit.name, []), latest_path, labels, names
            )
        views.append(
            LabelledView(view_name(layout, table, language), table, main, language, tuple(columns))
        )
    return views
