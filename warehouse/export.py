"""Exporting a form's current answers with their labels: one workbook, or one CSV per table.

`export_form(engine, form, ...)` writes the answers of the submissions not deleted on the
server, each as last edited, exactly as the labelled views show them (warehouse/labelled.py:
same rows, same columns, same choice labels), in the language asked (`vi` or `en`).

- FORM is a form name (`gia_dinh`: the name in [kobo.assets], the form `htsd forms deploy`
  last put in the asset, or the asset's table name) or an asset uid, looked up among the
  assets with typed tables (warehouse/catalog.py `typed_asset`).
- `xlsx` (default `./<form>-<YYYY-MM-DD>.xlsx`; an existing folder as `out` gets that name
  inside): one sheet per table, the main table first, named after the form (`gia_dinh`), then
  one per repeat, named after the repeat (`members`), cut to Excel's 31 characters and made
  unique. Row 1 is the header, frozen; every answer is written as a value, never a formula.
- `csv` (default folder `./<form>-<YYYY-MM-DD>/`, created when missing): one UTF-8 file per
  table, with a byte-order mark so that Excel reads Vietnamese, named after the typed table
  (`gia_dinh.csv`, `gia_dinh__roster__members.csv`); existing files of those names are
  replaced.
- Header: `<question label> (<path>)` in the chosen language (`Mã hộ hoặc số nhà (nếu có)
  (household/hh_code)`); the path alone for a question without a label (calculations). Keys
  first: `_id`, then `_submission_time`, `_version`, `_validation_status` in the main sheet,
  `_i1` … in a repeat sheet (a repeat row belongs to the main row of its `_id`). Date-times
  are in UTC (Excel cannot store an offset).
- Personal data (questions tagged `pii` in the form, `form_column.pii`) is left out unless
  `with_pii`. Every export is a run-log entry (`export`, arguments `form`, `lang`, `format`,
  `out`, `with_pii`), so an export with personal data is on record. Nothing here prints.

An unknown form is WH005, a name shared by several assets WH006, a form with no current
submission WH007, a path that cannot be written WH008.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from forms.text import Text
from warehouse.catalog import read_layout, typed_asset
from warehouse.labelled import LabelledColumn, LabelledView, plan_views
from warehouse.messages import WarehouseCode, WarehouseError
from warehouse.runlog import logged_run
from warehouse.schema import form_deployment, kobo_asset, raw_submission
from warehouse.typed import SQL_TYPES

FORMATS = ("xlsx", "csv")
SHEET_NAME_MAX = 31
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what an .xlsx cannot hold
NONE_YET = Text("chưa có", "none yet")
MISSING_FOLDER = Text("thư mục chứa không tồn tại", "the folder does not exist")


@dataclass(frozen=True)
class ExportedTable:
    """One sheet (or CSV file): its name, the typed table, rows and columns written."""

    name: str
    table: str
    repeat: str | None
    rows: int
    columns: int


@dataclass
class ExportResult:
    run_id: int
    server: str
    asset_uid: str
    form: str
    path: Path
    format: str
    language: str
    with_pii: bool
    tables: list[ExportedTable] = field(default_factory=list)
    pii_left_out: list[str] = field(default_factory=list)  # question paths, never values

    @property
    def submissions(self) -> int:
        return self.tables[0].rows if self.tables else 0

    @property
    def repeat_rows(self) -> int:
        return sum(t.rows for t in self.tables[1:])

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


# -- finding the form -----------------------------------------------------------------------


def resolve_form(
    conn: Connection, form: str, assets: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """(server, asset uid) of the typed asset FORM names: an asset uid, else a form name
    ([kobo.assets] `assets`, form → uid; the form last deployed to the asset; its tables'
    name). WH005 when nothing is known by that name, WH006 when several assets are, WH007
    when the asset has no typed tables yet."""
    wanted = form.strip()
    typed = [(r.server, r.asset_uid, r.prefix) for r in conn.execute(sa.select(typed_asset))]
    d = form_deployment
    deployed: dict[tuple[str, str], str] = {}
    for r in conn.execute(sa.select(d.c.server, d.c.asset_uid, d.c.form_name).order_by(d.c.id)):
        deployed[(r.server, r.asset_uid)] = r.form_name  # the latest deployment wins
    configured = (assets or {}).get(wanted)
    found = [(s, uid) for s, uid, _ in typed if uid == wanted]
    if not found and configured:
        found = [(s, uid) for s, uid, _ in typed if uid == configured]
    if not found and not configured:
        found = [(s, uid) for s, uid, prefix in typed if wanted in (prefix, deployed.get((s, uid)))]
    if len(found) == 1:
        return found[0]
    if found:
        listed = ", ".join(f"{uid} ({server})" for server, uid in sorted(found))
        raise WarehouseError(
            WarehouseCode.AMBIGUOUS_FORM, where=wanted, params={"form": wanted, "assets": listed}
        )
    if configured or _known_elsewhere(conn, wanted):
        raise WarehouseError(WarehouseCode.NO_ANSWERS, where=wanted, params={"form": wanted})
    names = sorted({f"{prefix} ({uid})" for _, uid, prefix in typed})
    raise WarehouseError(
        WarehouseCode.UNKNOWN_FORM,
        where=wanted,
        params={"form": wanted, "known": ", ".join(names) if names else NONE_YET},
    )


def _known_elsewhere(conn: Connection, wanted: str) -> bool:
    """Whether the warehouse knows `wanted` as an asset or a deployed form, untyped yet."""
    checks = (
        sa.select(raw_submission.c.id).where(raw_submission.c.asset_uid == wanted),
        sa.select(kobo_asset.c.asset_uid).where(kobo_asset.c.asset_uid == wanted),
        sa.select(form_deployment.c.id).where(form_deployment.c.form_name == wanted),
    )
    return any(conn.execute(check.limit(1)).first() is not None for check in checks)


# -- reading --------------------------------------------------------------------------------


def _select(view: LabelledView, columns: Sequence[LabelledColumn]) -> sa.Select[Any]:
    """The view's rows as a SQLAlchemy query (typed results on SQLite too), in key order."""
    items = [sa.literal_column(c.sql, SQL_TYPES[c.data_type]()).label(c.name) for c in columns]
    t = sa.table(view.table.name).alias("t")
    deleted: sa.ColumnClause[Any] = sa.literal_column("t._deleted_run")
    source: Any = t
    if view.table.repeat is not None:
        m = sa.table(view.main_table).alias("m")
        source = t.join(m, sa.literal_column("m._id") == sa.literal_column("t._id"))
        deleted = sa.literal_column("m._deleted_run")
    order: list[sa.ColumnClause[Any]] = [sa.literal_column(f"t.{k}") for k in view.order_by]
    return sa.select(*items).select_from(source).where(deleted.is_(None)).order_by(*order)


def _current_count(conn: Connection, view: LabelledView) -> int:
    quote = conn.dialect.identifier_preparer.quote
    sql = f"SELECT count(*) FROM {quote(view.table.name)} WHERE _deleted_run IS NULL"
    return int(conn.exec_driver_sql(sql).scalar_one())


def header(column: LabelledColumn) -> str:
    """`<label> (<name>)`, or the name alone when the column has no label of its own."""
    return column.name if column.label == column.name else f"{column.label} ({column.name})"


def sheet_names(views: Sequence[LabelledView], form: str) -> list[str]:
    """Excel sheet names: the form for the main table, the repeat's name for a repeat;
    at most 31 characters, without []:*?/\\, unique regardless of case."""
    taken: set[str] = set()
    out = []
    for view in views:
        base = form if view.table.repeat is None else view.table.repeat.rsplit("/", 1)[-1]
        base = _SHEET_BAD.sub("_", base).strip("'") or "sheet"
        name = base[:SHEET_NAME_MAX]
        counter = 1
        while name.lower() in taken:
            counter += 1
            mark = f"_{counter}"
            name = base[: SHEET_NAME_MAX - len(mark)] + mark
        taken.add(name.lower())
        out.append(name)
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, str):
        return _ILLEGAL.sub("", value)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# -- writing --------------------------------------------------------------------------------


def _default_path(form: str, fmt: str, today: date) -> Path:
    name = f"{form}-{today.isoformat()}"
    return Path.cwd() / (f"{name}.xlsx" if fmt == "xlsx" else name)


def _unwritable(path: Path, error: OSError | None = None) -> WarehouseError:
    detail: Text | str = (
        MISSING_FOLDER if error is None else (error.strerror or type(error).__name__)
    )
    return WarehouseError(
        WarehouseCode.EXPORT_UNWRITABLE, where=str(path), params={"detail": detail}
    )


Sheet = tuple[ExportedTable, list[str], Iterable[Sequence[Any]]]


def _write_xlsx(path: Path, sheets: Iterator[Sheet]) -> list[ExportedTable]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    written = []
    for table, headers, rows in sheets:
        sheet = workbook.create_sheet(table.name)
        sheet.freeze_panes = "A2"
        for index, text in enumerate(headers):
            letter = _column_letter(index)
            sheet.column_dimensions[letter].width = min(max(len(text) * 0.9, 10), 50)
        head = []
        for text in headers:
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = bold
            head.append(cell)
        sheet.append(head)
        count = 0
        for row in rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=_cell(value))
                if cell.data_type == "f":  # an answer starting with "=" stays text
                    cell.data_type = "s"
                cells.append(cell)
            sheet.append(cells)
            count += 1
        written.append(ExportedTable(table.name, table.table, table.repeat, count, len(headers)))
    partial = path.with_name(path.name + ".part")
    try:
        workbook.save(partial)
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise _unwritable(path, error) from error
    return written


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def _write_csv(folder: Path, sheets: Iterator[Sheet]) -> list[ExportedTable]:
    try:
        folder.mkdir(exist_ok=True)
    except OSError as error:
        raise _unwritable(folder, error) from error
    written = []
    for table, headers, rows in sheets:
        target = folder / f"{table.table}.csv"
        try:
            with target.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(headers)
                count = 0
                for row in rows:
                    writer.writerow([_text(v) for v in row])
                    count += 1
        except OSError as error:
            raise _unwritable(target, error) from error
        written.append(ExportedTable(target.name, table.table, table.repeat, count, len(headers)))
    return written


def export_form(
    engine: Engine,
    form: str,
    *,
    language: str = "vi",
    fmt: str = "xlsx",
    out: Path | None = None,
    with_pii: bool = False,
    assets: Mapping[str, str] | None = None,
    today: date | None = None,
) -> ExportResult:
    """Write FORM's current answers with labels in `language` as `fmt` (xlsx or csv) to
    `out` (default in the current folder), without personal data unless `with_pii`; one
    run-log entry. `assets`: [kobo.assets] (form → uid)."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {FORMATS}")
    arguments = {
        "form": form,
        "lang": language,
        "format": fmt,
        "out": str(out) if out else None,
        "with_pii": with_pii,
    }
    with logged_run(engine, "export", arguments) as run, engine.connect() as conn:
        server, uid = resolve_form(conn, form, assets)
        stored = read_layout(conn, server, uid)
        assert stored is not None  # resolve_form only returns typed assets
        layout = stored[0]
        views = plan_views(conn, layout, language)
        if _current_count(conn, views[0]) == 0:
            raise WarehouseError(WarehouseCode.NO_ANSWERS, where=form, params={"form": form})
        path = _target(out, layout.prefix, fmt, today or date.today())
        result = ExportResult(run.id, server, uid, layout.prefix, path, fmt, language, with_pii)
        names = sheet_names(views, layout.prefix)

        def sheets() -> Iterator[Sheet]:
            for view, name in zip(views, names, strict=True):
                kept = [c for c in view.columns if with_pii or c.pii is None]
                result.pii_left_out += [
                    c.name for c in view.columns if c not in kept and c.path is not None
                ]
                rows = conn.execution_options(yield_per=1000).execute(_select(view, kept))
                table = ExportedTable(name, view.table.name, view.table.repeat, 0, len(kept))
                yield table, [header(c) for c in kept], rows

        writer = _write_xlsx if fmt == "xlsx" else _write_csv
        result.tables = writer(path, sheets())
        run.counts = {k: v for k, v in result.as_dict().items() if k != "run_id"}
    return result


def _target(out: Path | None, form: str, fmt: str, today: date) -> Path:
    """Where to write: `out`, or the default name in `out` (an existing folder, for xlsx) or
    in the current folder; its folder must exist."""
    if out is None:
        path = _default_path(form, fmt, today)
    elif fmt == "xlsx" and out.is_dir():
        path = out / _default_path(form, fmt, today).name
    else:
        path = out
    if not path.parent.is_dir():
        raise _unwritable(path)
    return path
