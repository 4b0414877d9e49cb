"""The registry of denominators: what each title's rate is a share of, per commune and year.

The data manager keeps the counts in a workbook (`htsd reference template` writes one) and
imports it with `htsd reference import`. Measures (`MEASURES`) and the title each one is the
denominator of (`TITLE_MEASURE`):
- `families`: member families of the study-promotion association (Learning Family);
- `clans`: clans with a study-promotion fund (Learning Clan);
- `villages`: thôn, bản, tổ dân phố (Learning Community);
- `units`: agencies, organisations, schools and enterprises (Learning Unit);
- `cadres`: association cadres and members to be trained (training).

File layout, one row per commune and year (wide, as it is filled in Excel): `year`,
`commune_code` (the GSO code of a unit in force on some day of that year), `commune_name`
(optional, ignored: for reading), then one column per measure. A blank count is "not given":
it is not imported (it is not zero). The villages are a second table, with the columns of
forms/reference/villages.csv: `commune_code` (the commune's code in 2020-02-01..2025-06-30),
`village_code`, `village_name`, `commune_code_until_2020` (optional).

- `.xlsx`: the first sheet holds the counts, a sheet named `villages` the villages (optional);
  other sheets (`huong_dan`, `instructions`) are ignored.
- `.csv` (UTF-8; `,`, `;` or tab separated): counts or villages, told apart by the header.

A header is the column's code (`families`), its label in Vietnamese or English
(`Số gia đình hội viên`), or a label followed by the code in brackets, as the template writes
them (`Số gia đình hội viên (families)`); the code in brackets decides. The header is row 1
and rows are numbered as Excel shows them. A GSO code that lost its leading zeros in Excel
(`1834`) is read with them again (`01834`).

`read_registry` reads a file into a `RegistryFile` holding every problem found, one per bad
cell, naming the file (and sheet), the row, the column and the fix; a file that cannot be
read at all raises one `RegistryError`. Nothing here touches the warehouse.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from forms.errors import ErrorCode, HtsdError, Message

# the village-code pattern of forms/reference/villages.csv (forms.reference checks it there)
from forms.reference import _VILLAGE_CODE, ERA2, ERAS, Era, Reference, era_on
from forms.rubric_load import display_path
from forms.text import Text

MEASURES: dict[str, Text] = {
    "families": Text("Số gia đình hội viên", "Member families of the association"),
    "clans": Text("Số dòng họ có quỹ khuyến học", "Clans with a study-promotion fund"),
    "villages": Text("Số thôn, bản, tổ dân phố", "Villages, hamlets and residential groups"),
    "units": Text(
        "Số cơ quan, tổ chức, trường học, doanh nghiệp",
        "Agencies, organisations, schools and enterprises",
    ),
    "cadres": Text(
        "Số cán bộ, hội viên cần tập huấn", "Association cadres and members to be trained"
    ),
}
"""Measure → its label; the order of the template's columns."""

TITLE_MEASURE: dict[str, str] = {
    "gia_dinh": "families",
    "dong_ho": "clans",
    "cong_dong": "villages",
    "don_vi": "units",
    "training": "cadres",
}
"""Title (forms.targets.TITLES) → the measure its rate is a share of."""

TITLE_LABELS: dict[str, Text] = {
    "gia_dinh": Text("Gia đình học tập", "Learning Family"),
    "dong_ho": Text("Dòng họ học tập", "Learning Clan"),
    "cong_dong": Text("Cộng đồng học tập", "Learning Community"),
    "don_vi": Text("Đơn vị học tập", "Learning Unit"),
    "training": Text("cán bộ, hội viên được tập huấn", "cadres and members trained"),
}

FIRST_YEAR, LAST_YEAR = 2014, 2035

COUNT_LABELS: dict[str, Text] = {
    "year": Text("Năm", "Year"),
    "commune_code": Text("Mã xã", "Commune code"),
    "commune_name": Text("Tên xã", "Commune name"),
    **MEASURES,
}
COUNT_REQUIRED = ("year", "commune_code")
VILLAGE_LABELS: dict[str, Text] = {
    "commune_code": Text("Mã xã 2020–2025", "Commune code 2020–2025"),
    "village_code": Text("Mã thôn", "Village code"),
    "village_name": Text("Tên thôn, bản, tổ dân phố", "Village name"),
    "commune_code_until_2020": Text("Mã xã trước 01/02/2020", "Commune code before 1 Feb 2020"),
}
VILLAGE_REQUIRED = ("commune_code", "village_code", "village_name")

VILLAGES_SHEET = "villages"
INSTRUCTIONS_SHEETS = {"vi": "huong_dan", "en": "instructions"}
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv",)
RESERVED_VILLAGE = "other"  # the forms' "another village" choice


# -- coded errors ---------------------------------------------------------------------------


class RegistryError(HtsdError):
    """A registry file that cannot be imported as it is: the data manager fixes it."""


class RegistryCode(ErrorCode):
    """Codes of the registry (`htsd reference import|template`)."""

    REJECTED = (
        "REG000",
        Message(
            "tệp có {count} lỗi nên chưa nhập gì",
            "{count} problem(s) in the file: nothing was imported",
            "sửa từng dòng đã liệt kê ở trên rồi nhập lại cả tệp",
            "fix each row listed above, then import the whole file again",
        ),
    )
    FILE_MISSING = (
        "REG001",
        Message(
            "không có tệp {path}",
            "there is no file {path}",
            "kiểm tra tên và thư mục của tệp (lệnh chạy trong thư mục {cwd})",
            "check the file's name and folder (the command runs in {cwd})",
        ),
    )
    UNKNOWN_FORMAT = (
        "REG002",
        Message(
            "tệp '{name}' không phải bảng tính .xlsx hay .csv",
            "'{name}' is not an .xlsx or .csv spreadsheet",
            "mở tệp bằng Excel rồi lưu lại dạng Excel Workbook (.xlsx) hoặc CSV UTF-8",
            "in Excel use Save As with the type Excel Workbook (.xlsx) or CSV UTF-8",
        ),
    )
    UNREADABLE = (
        "REG003",
        Message(
            "không đọc được tệp: {detail}",
            "the file cannot be read: {detail}",
            "mở tệp bằng Excel xem còn nguyên không, rồi lưu lại dạng .xlsx hoặc CSV UTF-8",
            "open it in Excel to check it is whole, then save it again as .xlsx or CSV UTF-8",
        ),
    )
    UNKNOWN_COLUMN = (
        "REG004",
        Message(
            "dòng {row}, cột {column}: tiêu đề '{header}' không phải cột nào của sổ số liệu",
            "row {row}, column {column}: the header '{header}' is not a column of the registry",
            "sửa tiêu đề thành một trong: {allowed}; hoặc xóa cột này",
            "change the header to one of: {allowed}; or delete the column",
        ),
    )
    DUPLICATE_COLUMN = (
        "REG005",
        Message(
            "dòng {row}, cột {column}: cột '{name}' đã có ở cột {first}",
            "row {row}, column {column}: the column '{name}' is already column {first}",
            "giữ một cột '{name}' và xóa cột còn lại",
            "keep one '{name}' column and delete the other",
        ),
    )
    MISSING_COLUMN = (
        "REG006",
        Message(
            "dòng {row}: thiếu cột '{name}' ({label})",
            "row {row}: the column '{name}' ({label}) is missing",
            "thêm cột có tiêu đề '{header}' ở dòng tiêu đề; tệp mẫu: htsd reference template",
            "add a column headed '{header}' to the header row; a template: htsd reference template",
        ),
    )
    MISSING_VALUE = (
        "REG007",
        Message(
            "dòng {row}, cột {column}: chưa ghi {label}",
            "row {row}, column {column}: the {label} is missing",
            "ghi {label} vào ô này, hoặc xóa cả dòng",
            "fill in the {label}, or delete the whole row",
        ),
    )
    BAD_YEAR = (
        "REG008",
        Message(
            "dòng {row}, cột {column}: năm '{value}' không hợp lệ",
            "row {row}, column {column}: the year '{value}' is not valid",
            "ghi năm bằng 4 chữ số, từ {first} đến {last}",
            "write the year with 4 digits, from {first} to {last}",
        ),
    )
    UNKNOWN_COMMUNE = (
        "REG009",
        Message(
            "dòng {row}, cột {column}: mã xã '{value}' không phải đơn vị hành chính nào của"
            " năm {year}",
            "row {row}, column {column}: the commune code '{value}' is not a unit of {year}",
            "dùng mã GSO 5 chữ số của một xã, phường, thị trấn trong năm {year}, theo danh mục"
            " {units};"
            " tệp mẫu có sẵn các mã: htsd reference template --year {year}",
            "use the 5-digit GSO code of a commune, ward or township of {year}, in the list"
            " {units};"
            " the template lists them: htsd reference template --year {year}",
        ),
    )
    BAD_COUNT = (
        "REG010",
        Message(
            "dòng {row}, cột {column}: '{value}' không phải số nguyên từ 0 trở lên",
            "row {row}, column {column}: '{value}' is not a whole number of 0 or more",
            "ghi số nguyên, không có dấu chấm, dấu phẩy hay chữ; để trống nếu chưa có số liệu",
            "write a whole number, without dots, commas or words; leave it blank when not known",
        ),
    )
    DUPLICATE_ROW = (
        "REG011",
        Message(
            "dòng {row}, cột {column}: xã {commune} năm {year} đã có ở dòng {first}",
            "row {row}, column {column}: commune {commune} in {year} is already on row {first}",
            "gộp hai dòng thành một (mỗi xã, mỗi năm một dòng) rồi xóa dòng thừa",
            "merge the two rows into one (one row per commune and year), then delete the other",
        ),
    )
    BAD_VILLAGE_CODE = (
        "REG012",
        Message(
            "dòng {row}, cột {column}: mã thôn '{value}' không hợp lệ",
            "row {row}, column {column}: the village code '{value}' is not valid",
            "chỉ dùng chữ cái không dấu, chữ số và các dấu _ - . (vd. {example})",
            "use only letters without accents, digits and _ - . (e.g. {example})",
        ),
    )
    DUPLICATE_VILLAGE = (
        "REG013",
        Message(
            "dòng {row}, cột {column}: mã thôn '{value}' {reason}",
            "row {row}, column {column}: the village code '{value}' {reason}",
            "đặt cho mỗi thôn, bản, tổ dân phố một mã riêng",
            "give each village its own code",
        ),
    )
    VILLAGE_COMMUNE = (
        "REG014",
        Message(
            "dòng {row}, cột {column}: mã xã '{value}' không có trong danh mục {era}",
            "row {row}, column {column}: the commune code '{value}' is not in the list {era}",
            "dùng mã GSO 5 chữ số của xã trong giai đoạn {era} (forms/reference)",
            "use the 5-digit GSO code the commune had in {era} (forms/reference)",
        ),
    )
    TEMPLATE_UNWRITABLE = (
        "REG015",
        Message(
            "không ghi được tệp mẫu: {detail}",
            "cannot write the template: {detail}",
            "kiểm tra thư mục có tồn tại và ghi được, đuôi tệp là .xlsx hoặc .csv, hoặc chọn"
            " chỗ khác bằng --out",
            "check that the folder exists and is writable and the name ends in .xlsx or .csv,"
            " or choose another place with --out",
        ),
    )
    TEMPLATE_EXISTS = (
        "REG016",
        Message(
            "tệp {path} đã có, không ghi đè",
            "{path} already exists and is not overwritten",
            "chọn tên khác bằng --out, hoặc thêm --force để ghi đè tệp",
            "choose another name with --out, or add --force to overwrite it",
        ),
    )


# -- what a file holds ----------------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    """One row of counts: the commune and year, and the counts given (blank ones left out)."""

    row: int
    year: int
    commune_code: str
    counts: Mapping[str, int]


@dataclass(frozen=True)
class VillageRow:
    row: int
    village_code: str
    commune_code: str
    village_name: str
    commune_code_until_2020: str | None


@dataclass(frozen=True)
class RegistryFile:
    """A registry file as read: its rows and every problem found (import only when none)."""

    path: Path
    counts: tuple[CountRow, ...] = ()
    villages: tuple[VillageRow, ...] = ()
    problems: tuple[RegistryError, ...] = ()
    tables: tuple[str, ...] = ()  # where each table was read from ("f.xlsx [counts]", ...)

    @property
    def source(self) -> str:
        """The file's name, as recorded with every row it gives."""
        return self.path.name

    @property
    def display(self) -> str:
        return display_path(self.path)

    def values(self) -> list[tuple[str, int, str, int]]:
        """(commune code, year, measure, count) of every count given."""
        return [
            (row.commune_code, row.year, measure, count)
            for row in self.counts
            for measure, count in row.counts.items()
        ]


# -- reading cells --------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


_BRACKETED = re.compile(r"\(([a-z0-9_]+)\)$")


def column_of(header: str, labels: Mapping[str, Text]) -> str | None:
    """The column a header names: the code in brackets at its end, else the code itself, else
    a label in either language; None when it names none."""
    text = _norm(header)
    bracketed = _BRACKETED.search(text)
    if bracketed:
        return bracketed.group(1) if bracketed.group(1) in labels else None
    if text in labels:
        return text
    for code, label in labels.items():
        if text in (_norm(label.vi), _norm(label.en)):
            return code
    return None


def header(code: str, labels: Mapping[str, Text], lang: str) -> str:
    """The header the template writes: `Số gia đình hội viên (families)`."""
    return f"{labels[code].get(lang)} ({code})"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _whole(value: object) -> int | None:
    """A whole number from a cell (an int, an integral float, or digits); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _text(value)
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    return None


def _gso(value: object) -> str:
    """A commune code as written, with the leading zeros Excel drops put back (`1834`)."""
    text = _text(value)
    return text.zfill(5) if text.isdigit() and len(text) < 5 else text


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def eras_of_year(year: int) -> tuple[Era, ...]:
    """The eras with units in force on some day of `year` (2020 and 2025 have two)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return tuple(
        era
        for era in ERAS
        if (era.valid_from is None or era.valid_from <= last)
        and (era.valid_to is None or era.valid_to >= first)
    )


def commune_codes(reference: Reference, year: int) -> set[str]:
    """The GSO codes valid in `year`: of a unit in force on some day of it."""
    return {unit.code for era in eras_of_year(year) for unit in reference.communes(era.id)}


# -- tables ---------------------------------------------------------------------------------


@dataclass
class _Table:
    """Rows of one sheet or CSV file: (row number as Excel shows it, cells)."""

    where: str
    rows: list[tuple[int, tuple[object, ...]]]


def _unreadable(path: Path, detail: str) -> RegistryError:
    return RegistryError(RegistryCode.UNREADABLE, display_path(path), {"detail": detail})


def _xlsx_tables(path: Path) -> tuple[_Table | None, _Table | None]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise _unreadable(path, f"{type(exc).__name__}: {exc}") from exc
    counts: _Table | None = None
    villages: _Table | None = None
    skipped = {name.casefold() for name in INSTRUCTIONS_SHEETS.values()}
    try:
        for sheet in workbook.worksheets:
            name = sheet.title.strip().casefold()
            if name in skipped:
                continue
            kind = "villages" if name == VILLAGES_SHEET else "counts"
            if (villages if kind == "villages" else counts) is not None:
                continue
            table = _Table(
                f"{display_path(path)} [{sheet.title}]",
                [
                    (number, tuple(cells))
                    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
                ],
            )
            if kind == "villages":
                villages = table
            else:
                counts = table
    finally:
        workbook.close()
    return counts, villages


def _csv_table(path: Path) -> tuple[_Table | None, _Table | None]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _unreadable(path, f"not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise _unreadable(path, exc.strerror or type(exc).__name__) from exc
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        rows: list[tuple[int, tuple[object, ...]]] = [
            (number, tuple(cells))
            for number, cells in enumerate(
                csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1
            )
        ]
    except csv.Error as exc:
        raise _unreadable(path, str(exc)) from exc
    table = _Table(display_path(path), rows)
    headers = rows[0][1] if rows else ()
    if any(column_of(_text(h), VILLAGE_LABELS) == "village_code" for h in headers):
        return None, table
    return table, None


def _tables(path: Path) -> tuple[_Table | None, _Table | None]:
    """The counts and villages tables of a file; RegistryError when it cannot be read."""
    where = display_path(path)
    if not path.exists():
        raise RegistryError(
            RegistryCode.FILE_MISSING, where, {"path": where, "cwd": str(Path.cwd())}
        )
    suffix = path.suffix.casefold()
    if suffix not in XLSX_SUFFIXES + CSV_SUFFIXES:
        raise RegistryError(RegistryCode.UNKNOWN_FORMAT, where, {"name": path.name})
    if path.is_dir():
        raise _unreadable(path, "a folder, not a file")
    if suffix in XLSX_SUFFIXES:
        if not zipfile.is_zipfile(path):
            raise _unreadable(path, "not an Excel workbook (.xlsx)")
        return _xlsx_tables(path)
    return _csv_table(path)


# -- checking -------------------------------------------------------------------------------


@dataclass
class _Checker:
    """Reads one table's rows, each bad cell a problem naming its row and column."""

    table: _Table
    labels: Mapping[str, Text]
    required: tuple[str, ...]
    problems: list[RegistryError] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)  # code → index

    def problem(self, code: RegistryCode, *, row: int, column: int | None, **params: Any) -> None:
        """A problem at a row and column (the column's index: None for the whole row)."""
        given: dict[str, Any] = {"row": row, **params}
        if column is not None:
            given["column"] = self._column_name(column)
        self.problems.append(RegistryError(code, self.table.where, given))

    def _column_name(self, index: int) -> str:
        codes = {i: c for c, i in self.columns.items()}
        return f"{_letter(index)} ({codes[index]})" if index in codes else _letter(index)

    def allowed(self) -> Text:
        return Text(
            ", ".join(header(c, self.labels, "vi") for c in self.labels),
            ", ".join(header(c, self.labels, "en") for c in self.labels),
        )

    def read_header(self) -> bool:
        """Map the header row to columns; False when a required column is missing."""
        if not self.table.rows:
            return False
        number, cells = self.table.rows[0]
        used = {i for _, row in self.table.rows[1:] for i, v in enumerate(row) if _text(v)}
        for index in sorted(set(range(len(cells))) | used):
            text = _text(cells[index]) if index < len(cells) else ""
            if not text:
                if index in used:
                    self.problem(
                        RegistryCode.UNKNOWN_COLUMN,
                        row=number,
                        column=index,
                        header=Text("(trống)", "(blank)"),
                        allowed=self.allowed(),
                    )
                continue
            code = column_of(text, self.labels)
            if code is None:
                self.problem(
                    RegistryCode.UNKNOWN_COLUMN,
                    row=number,
                    column=index,
                    header=text,
                    allowed=self.allowed(),
                )
            elif code in self.columns:
                self.problem(
                    RegistryCode.DUPLICATE_COLUMN,
                    row=number,
                    column=index,
                    name=code,
                    first=_letter(self.columns[code]),
                )
            else:
                self.columns[code] = index
        missing = [c for c in self.required if c not in self.columns]
        for code in missing:
            self.problem(
                RegistryCode.MISSING_COLUMN,
                row=number,
                column=None,
                name=code,
                label=self.labels[code],
                header=Text(header(code, self.labels, "vi"), header(code, self.labels, "en")),
            )
        return not missing

    def data(self) -> list[tuple[int, dict[str, object]]]:
        """(row number, code → raw cell) of each row holding anything."""
        found = []
        for number, cells in self.table.rows[1:]:
            values = {
                code: cells[index] if index < len(cells) else None
                for code, index in self.columns.items()
            }
            if any(_text(v) for v in cells):
                found.append((number, values))
        return found

    def missing(self, row: int, code: str) -> None:
        label = self.labels[code]
        lowered = Text(label.vi[:1].lower() + label.vi[1:], label.en[:1].lower() + label.en[1:])
        self.problem(RegistryCode.MISSING_VALUE, row=row, column=self.columns[code], label=lowered)


def _check_counts(
    table: _Table, reference: Reference
) -> tuple[list[CountRow], list[RegistryError]]:
    checker = _Checker(table, COUNT_LABELS, COUNT_REQUIRED)
    if not checker.read_header():
        return [], checker.problems
    col = checker.columns
    valid: dict[int, set[str]] = {}
    seen: dict[tuple[str, int], int] = {}
    rows: list[CountRow] = []
    for number, values in checker.data():
        good = True
        raw_year = values["year"]
        year = _whole(raw_year)
        if not _text(raw_year):
            checker.missing(number, "year")
            year, good = None, False
        elif year is None or not FIRST_YEAR <= year <= LAST_YEAR:
            checker.problem(
                RegistryCode.BAD_YEAR,
                row=number,
                column=col["year"],
                value=_text(raw_year),
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
            year, good = None, False
        code = _gso(values["commune_code"])
        if not code:
            checker.missing(number, "commune_code")
            good = False
        elif year is not None:
            if year not in valid:
                valid[year] = commune_codes(reference, year)
            if code not in valid[year]:
                eras = eras_of_year(year)
                checker.problem(
                    RegistryCode.UNKNOWN_COMMUNE,
                    row=number,
                    column=col["commune_code"],
                    value=code,
                    year=year,
                    units=Text(
                        " và ".join(e.label.vi for e in eras),
                        " and ".join(e.label.en for e in eras),
                    ),
                )
                good = False
        counts: dict[str, int] = {}
        for measure in MEASURES:
            if measure not in col or not _text(values[measure]):
                continue
            count = _whole(values[measure])
            if count is None or count < 0:
                checker.problem(
                    RegistryCode.BAD_COUNT,
                    row=number,
                    column=col[measure],
                    value=_text(values[measure]),
                )
                good = False
            else:
                counts[measure] = count
        if year is not None and code:
            first = seen.setdefault((code, year), number)
            if first != number:
                checker.problem(
                    RegistryCode.DUPLICATE_ROW,
                    row=number,
                    column=col["commune_code"],
                    commune=code,
                    year=year,
                    first=first,
                )
                good = False
        if good and year is not None:
            rows.append(CountRow(number, year, code, counts))
    return rows, checker.problems


_EXAMPLE_VILLAGE = "na_ri_ban_1"


def _check_villages(
    table: _Table, reference: Reference
) -> tuple[list[VillageRow], list[RegistryError]]:
    checker = _Checker(table, VILLAGE_LABELS, VILLAGE_REQUIRED)
    if not checker.read_header():
        return [], checker.problems
    col = checker.columns
    era1 = {u.code for u in reference.communes(1)}
    era2 = {u.code for u in reference.communes(2)}
    seen: dict[str, int] = {}
    rows: list[VillageRow] = []
    for number, values in checker.data():
        before = len(checker.problems)
        code = _text(values["village_code"])
        name = _text(values["village_name"])
        commune = _gso(values["commune_code"])
        until_2020 = _gso(values.get("commune_code_until_2020")) or None
        if not code:
            checker.missing(number, "village_code")
        elif not _VILLAGE_CODE.match(code):
            checker.problem(
                RegistryCode.BAD_VILLAGE_CODE,
                row=number,
                column=col["village_code"],
                value=code,
                example=_EXAMPLE_VILLAGE,
            )
        elif code == RESERVED_VILLAGE or code in seen:
            reason = (
                Text(
                    f"dành cho lựa chọn 'thôn khác' của biểu mẫu ({RESERVED_VILLAGE})",
                    f"is kept for the forms' 'another village' choice ({RESERVED_VILLAGE})",
                )
                if code == RESERVED_VILLAGE
                else Text(f"đã có ở dòng {seen[code]}", f"is already on row {seen[code]}")
            )
            checker.problem(
                RegistryCode.DUPLICATE_VILLAGE,
                row=number,
                column=col["village_code"],
                value=code,
                reason=reason,
            )
        if code:
            seen.setdefault(code, number)
        if not name:
            checker.missing(number, "village_name")
        if not commune:
            checker.missing(number, "commune_code")
        elif commune not in era2:
            checker.problem(
                RegistryCode.VILLAGE_COMMUNE,
                row=number,
                column=col["commune_code"],
                value=commune,
                era=Text.same(ERA2.period),
            )
        if until_2020 is not None and until_2020 not in era1:
            checker.problem(
                RegistryCode.VILLAGE_COMMUNE,
                row=number,
                column=col["commune_code_until_2020"],
                value=until_2020,
                era=Text.same(ERAS[0].period),
            )
        if len(checker.problems) == before:
            rows.append(VillageRow(number, code, commune, name, until_2020))
    return rows, checker.problems


def read_registry(path: Path, reference: Reference | None = None) -> RegistryFile:
    """Read and check a registry file (.xlsx or .csv). Every bad cell is a problem of the
    result; RegistryError (REG001–REG003) when the file cannot be read at all."""
    counts_table, villages_table = _tables(path)
    reference = reference or Reference.load()
    problems: list[RegistryError] = []
    counts: list[CountRow] = []
    villages: list[VillageRow] = []
    tables = []
    if counts_table is not None and counts_table.rows:
        counts, found = _check_counts(counts_table, reference)
        problems += found
        tables.append(counts_table.where)
    if villages_table is not None and villages_table.rows:
        villages, found = _check_villages(villages_table, reference)
        problems += found
        tables.append(villages_table.where)
    if not tables:
        raise _unreadable(path, "the file is empty (no header row)")
    return RegistryFile(path, tuple(counts), tuple(villages), tuple(problems), tuple(tables))


# -- the template ---------------------------------------------------------------------------


def template_year_units(reference: Reference, year: int) -> list[tuple[str, str]]:
    """(GSO code, name) of the units a year's template lists: those in force on 31 December
    of the year (the units of the year's evaluations and of its report)."""
    last = date(year, 12, 31)
    era = era_on(last)
    return [(unit.code, unit.name_on(last)) for unit in reference.communes(era.id)]


INSTRUCTIONS: tuple[Text, ...] = (
    Text(
        "Sổ số liệu nền của chương trình học tập suốt đời: mẫu số của tỷ lệ từng danh hiệu.",
        "The registry of the lifelong-learning programme: the denominator of each title's rate.",
    ),
    Text(
        "Trang đầu: mỗi dòng một xã, phường, thị trấn trong một năm. Mã xã là mã GSO 5 chữ số,"
        " giữ nguyên như trong mẫu; cột Tên xã chỉ để đọc.",
        "First sheet: one row per commune, ward or township and year. The commune code is the"
        " 5-digit GSO code, kept as in the template; the name column is only for reading.",
    ),
    Text(
        "Để trống ô chưa có số liệu: ô trống không được nhập (không phải số 0). Chỉ ghi số"
        " nguyên, không có dấu chấm hay dấu phẩy.",
        "Leave a count blank when it is not known: a blank is not imported (it is not zero)."
        " Write whole numbers only, without dots or commas.",
    ),
    *(
        Text(
            f"{MEASURES[m].vi} ({m}): mẫu số của tỷ lệ {TITLE_LABELS[t].vi}",
            f"{MEASURES[m].en} ({m}): the denominator of the {TITLE_LABELS[t].en} rate",
        )
        for t, m in TITLE_MEASURE.items()
    ),
    Text(
        "Trang villages: mỗi dòng một thôn, bản, tổ dân phố. Mã xã là mã của xã trong giai"
        " đoạn 01/02/2020 – 30/06/2025; mã thôn do cán bộ quản lý dữ liệu đặt (chữ không dấu,"
        " chữ số, _ - .); ghi mã xã trước 01/02/2020 khi xã cũ đã sáp nhập năm 2020.",
        "Sheet villages: one row per village. The commune code is the commune's code in 1"
        " February 2020 – 30 June 2025; the village code is the data manager's (letters"
        " without accents, digits, _ - .); give the commune code before 1 February 2020 when"
        " the old commune was merged in 2020.",
    ),
    Text(
        "Nhập: htsd reference import <tệp>. Tệp có lỗi thì không nhập gì; mỗi lỗi ghi rõ"
        " dòng, cột và cách sửa. Nhập lại cùng tệp không làm thay đổi gì; số liệu nhập sau"
        " thay cho số liệu trước của cùng xã, năm.",
        "Import: htsd reference import <file>. A file with an error imports nothing; each"
        " error names the row, the column and the fix. Importing the same file again changes"
        " nothing; a later import replaces the earlier counts of the same commune and year.",
    ),
)


def _count_rows(reference: Reference, year: int) -> list[list[object]]:
    return [
        [year, code, name, *([None] * len(MEASURES))]
        for code, name in template_year_units(reference, year)
    ]


def _write_xlsx_template(path: Path, year: int, lang: str, reference: Reference) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    bold = Font(bold=True)
    workbook = Workbook()
    counts = workbook.active
    assert counts is not None
    counts.title = "counts"
    codes = list(COUNT_LABELS)
    counts.append([header(c, COUNT_LABELS, lang) for c in codes])
    for row in _count_rows(reference, year):
        counts.append(row)
    last = counts.max_row
    for index, code in enumerate(codes):
        letter = _letter(index)
        counts.column_dimensions[letter].width = 12 if code in ("year", "commune_code") else 24
        counts[f"{letter}1"].font = bold
    for cell in counts["B"][1:]:
        cell.number_format = "@"  # a code stays text: its leading zero is kept
    first_count, last_count = _letter(3), _letter(len(codes) - 1)
    whole = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        error=Text(
            "Ghi số nguyên từ 0 trở lên, hoặc để trống.", "A whole number of 0 or more, or blank."
        ).get(lang),
    )
    whole.add(f"{first_count}2:{last_count}{max(last, 2) + 200}")
    counts.add_data_validation(whole)
    counts.freeze_panes = "D2"
    villages = workbook.create_sheet(VILLAGES_SHEET)
    villages.append([header(c, VILLAGE_LABELS, lang) for c in VILLAGE_LABELS])
    for village in reference.villages:
        until = village.commune_code_until_2020
        villages.append(
            [
                village.commune_code,
                village.code,
                village.name,
                until if until != village.commune_code else None,
            ]
        )
    for index in range(len(VILLAGE_LABELS)):
        letter = _letter(index)
        villages.column_dimensions[letter].width = 28
        villages[f"{letter}1"].font = bold
        if index != 2:
            for cell in villages[letter][1:]:
                cell.number_format = "@"
    villages.freeze_panes = "A2"
    notes = workbook.create_sheet(
        INSTRUCTIONS_SHEETS[lang if lang in INSTRUCTIONS_SHEETS else "vi"]
    )
    notes.column_dimensions["A"].width = 120
    for line in INSTRUCTIONS:
        notes.append([line.get(lang)])
    workbook.save(path)


def _write_csv_template(path: Path, year: int, lang: str, reference: Reference) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([header(c, COUNT_LABELS, lang) for c in COUNT_LABELS])
        for row in _count_rows(reference, year):
            writer.writerow(["" if v is None else v for v in row])


def write_template(
    path: Path, year: int, lang: str = "vi", reference: Reference | None = None
) -> Path:
    """Write the template of `year` at `path` (.xlsx: counts, villages and instructions
    sheets; .csv: the counts): the year's units with their codes and names, counts empty,
    headers in `lang`. RegistryError REG015 when it cannot be written."""
    reference = reference or Reference.load()
    suffix = path.suffix.casefold()
    if suffix not in XLSX_SUFFIXES + CSV_SUFFIXES:
        raise RegistryError(
            RegistryCode.TEMPLATE_UNWRITABLE,
            display_path(path),
            {"detail": Text(f"đuôi tệp '{path.suffix}'", f"the file ending '{path.suffix}'")},
        )
    partial = path.with_name(path.name + ".part")
    try:
        if suffix in XLSX_SUFFIXES:
            _write_xlsx_template(partial, year, lang, reference)
        else:
            _write_csv_template(partial, year, lang, reference)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise RegistryError(
            RegistryCode.TEMPLATE_UNWRITABLE,
            display_path(path),
            {"detail": exc.strerror or type(exc).__name__},
        ) from exc
    return path
