"""The programme's targets as data: which document sets which rate for which years.

`forms/reference/targets.csv` holds one row per document, title and area, with the document's
source, its scope and the period it covers (sources in forms/reference/SOURCES.md):
- QĐ 1150/QĐ-UBND (Bắc Kạn, 14/7/2014), 2014–2020: families 80%, clans 50%, communities
  60%, units 85%, association cadres trained 100%; in remote communes with extremely
  difficult conditions the first three "10% lower" (giảm 10%);
- the national scheme 281/QĐ-TTg (20/02/2014), 2014–2020: 70/50/60%, difficult areas
  60/40/50%, units 50%;
- 387/QĐ-TTg (25/3/2022), 2021–2025 (its targets for 2025): 70/65/65%, units 80%; no
  difficult-area variant, so remote communes have the general targets.

Columns: `document`, `document_title_vi`, `document_title_en`, `issued` (ISO date), `scope`
(`province` or `national`), `period_from`, `period_to` (years), `title` (`TITLES`), `area`
(`general`, or `remote`: QĐ 861 region III communes), `percent`, `lower_by` (a remote row the
document states as a reduction of the general target, instead of a percent), `source` (where
in the document) and `version` (of the row; the file's version is the highest).

Choosing a year's document (`Targets.for_year`): among the documents whose period covers the
year, the province's own wins over a national one, then the latest issued. A year no
document covers is reported against the latest earlier document (`covered` False, with a
note); a year before every document has no targets, said so.

"10% lower" is read as 10 percentage points (`points`, the default: 70/40/50%, as the national
scheme's own difficult-area targets are) or as relative (`relative`: 72/45/54%), a setting.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from forms.messages import FormsCode, FormsError
from forms.reference import REFERENCE_DIR
from forms.rubric_load import display_path
from forms.text import Text, format_number

TARGETS_FILE = REFERENCE_DIR / "targets.csv"
TARGET_COLUMNS = (
    "document",
    "document_title_vi",
    "document_title_en",
    "issued",
    "scope",
    "period_from",
    "period_to",
    "title",
    "area",
    "percent",
    "lower_by",
    "source",
    "version",
)

TITLES: tuple[str, ...] = ("gia_dinh", "dong_ho", "cong_dong", "don_vi", "training")
SCOPES = ("province", "national")  # in order of precedence
AREAS = ("general", "remote")

POINTS, RELATIVE = "points", "relative"
REMOTE_READINGS = (POINTS, RELATIVE)
"""How a remote target stated as "N% lower" is read: N percentage points, or N% of the
general target."""

# Which target a commune gets (the report's `target_kind`): the remote one for QĐ 861 region
# III, the general one for regions I and II, the general one too when its class is not known
# (the report says so).
GENERAL, REMOTE, UNRESOLVED = "general", "remote", "unresolved"
REMOTE_CLASS = "III"
GENERAL_CLASSES = ("I", "II", "I_or_II")


def remote_status(remote_class: str | None) -> str:
    """`REMOTE` for QĐ 861 region III, `GENERAL` for I, II or I_or_II, `UNRESOLVED` for
    `unknown` or no class (a commune not in the list)."""
    if remote_class == REMOTE_CLASS:
        return REMOTE
    if remote_class in GENERAL_CLASSES:
        return GENERAL
    return UNRESOLVED


@dataclass(frozen=True)
class TargetRow:
    """One row of targets.csv: a document's target for one title and area."""

    line: int
    title: str
    area: str
    percent: float | None
    lower_by: float | None
    source: str


@dataclass(frozen=True)
class Document:
    """A document that sets targets, with the rows it sets."""

    code: str
    title: Text
    issued: date
    scope: str
    period_from: int
    period_to: int
    rows: tuple[TargetRow, ...]

    @property
    def period(self) -> str:
        return f"{self.period_from}–{self.period_to}"

    def covers(self, year: int) -> bool:
        return self.period_from <= year <= self.period_to

    def precedence(self) -> tuple[int, date]:
        """Higher is preferred: the province's own document, then the latest issued."""
        return (len(SCOPES) - SCOPES.index(self.scope), self.issued)

    def general(self) -> dict[str, float]:
        return {
            r.title: r.percent for r in self.rows if r.area == "general" and r.percent is not None
        }

    def remote(self, reading: str) -> dict[str, float]:
        """The remote-commune target of every title: stated, reduced (by `reading`) or, when
        the document gives no remote variant, the general one."""
        values = self.general()
        for row in self.rows:
            if row.area != "remote":
                continue
            if row.percent is not None:
                values[row.title] = row.percent
            elif row.lower_by is not None and row.title in values:
                base = values[row.title]
                values[row.title] = (
                    base - row.lower_by if reading == POINTS else base * (1 - row.lower_by / 100)
                )
        return {title: round(value, 4) for title, value in values.items()}

    def reductions(self) -> tuple[float, ...]:
        return tuple(
            sorted({r.lower_by for r in self.rows if r.area == "remote" and r.lower_by is not None})
        )

    def has_remote_rows(self) -> bool:
        return any(r.area == "remote" for r in self.rows)


NO_DOCUMENT = Text("không có văn bản quy định chỉ tiêu", "no document sets targets")


def _reading_text(document: Document | None, reading: str) -> Text:
    """How the remote targets of `document` were read, for the report."""
    if document is None:
        return Text("", "")
    reductions = document.reductions()
    if reductions:
        amount = ", ".join(format_number(r, "vi") for r in reductions)
        amount_en = ", ".join(format_number(r, "en") for r in reductions)
        if reading == POINTS:
            return Text(
                f"xã đặc biệt khó khăn (khu vực III): chỉ tiêu thấp hơn {amount} điểm phần trăm"
                f' ("giảm {amount}%" của {document.code} được hiểu là điểm phần trăm, như chỉ'
                " tiêu vùng khó khăn của Đề án 281)",
                f"remote communes (region III): targets {amount_en} percentage points lower"
                f' ("{amount_en}% lower" in {document.code} read as percentage points, as the'
                " national scheme's difficult-area targets are)",
            )
        return Text(
            f"xã đặc biệt khó khăn (khu vực III): chỉ tiêu thấp hơn {amount}% so với chỉ tiêu"
            f' chung ("giảm {amount}%" của {document.code} được hiểu theo tỷ lệ)',
            f"remote communes (region III): targets {amount_en}% below the general ones"
            f' ("{amount_en}% lower" in {document.code} read as relative)',
        )
    if document.has_remote_rows():
        return Text(
            f"xã đặc biệt khó khăn (khu vực III): chỉ tiêu vùng khó khăn của {document.code}",
            f"remote communes (region III): the difficult-area targets of {document.code}",
        )
    return Text(
        f"{document.code} không đặt chỉ tiêu riêng cho vùng khó khăn: xã khu vực III dùng chỉ"
        " tiêu chung",
        f"{document.code} sets no difficult-area targets: region III communes have the general"
        " ones",
    )


@dataclass(frozen=True)
class TargetSet:
    """The targets a year is reported against, with the document they come from."""

    year: int
    document: str  # e.g. "1150/QĐ-UBND"; "" when no document applies
    document_title: Text
    covered: bool  # False: the latest earlier document's targets (or none) are used
    note: Text | None  # what the report says when not covered, or when there are none
    remote_reading: str
    remote_reading_text: Text
    period: str = ""  # the document's period, e.g. "2014–2020"
    general: Mapping[str, float] = field(default_factory=dict, hash=False)
    remote: Mapping[str, float] = field(default_factory=dict, hash=False)

    def target(self, title: str, remote: bool = False) -> float | None:
        """The target (percent) of `title` for a general or a remote commune; None when the
        document sets none for it (or no document applies)."""
        if title not in TITLES:
            raise ValueError(f"unknown title {title!r}; one of {', '.join(TITLES)}")
        return (self.remote if remote else self.general).get(title)


@dataclass(frozen=True)
class Targets:
    """Every target document of targets.csv (load with `load_targets`)."""

    documents: tuple[Document, ...]
    version: str
    path: Path = TARGETS_FILE

    def for_year(self, year: int, remote_reading: str = POINTS) -> TargetSet:
        """The targets `year` is reported against (see the module's docstring)."""
        if remote_reading not in REMOTE_READINGS:
            raise FormsError(
                FormsCode.BAD_VALUE,
                "remote_reading",
                {
                    "value": remote_reading,
                    "column": "remote_reading",
                    "allowed": ", ".join(REMOTE_READINGS),
                },
            )
        covering = [d for d in self.documents if d.covers(year)]
        if covering:
            return _target_set(year, max(covering, key=Document.precedence), remote_reading)
        earlier = [d for d in self.documents if d.period_to < year]
        if earlier:
            latest = max(earlier, key=lambda d: (d.period_to, *d.precedence()))
            return _target_set(year, latest, remote_reading, covered=False)
        first = min((d.period_from for d in self.documents), default=year + 1)
        return TargetSet(
            year=year,
            document="",
            document_title=NO_DOCUMENT,
            covered=False,
            note=Text(
                f"năm {year} trước mọi văn bản chỉ tiêu (sớm nhất từ năm {first}): không có chỉ"
                " tiêu",
                f"{year} is before every targets document (the first from {first}): no targets",
            ),
            remote_reading=remote_reading,
            remote_reading_text=_reading_text(None, remote_reading),
        )


def _target_set(year: int, document: Document, reading: str, *, covered: bool = True) -> TargetSet:
    note = None
    if not covered:
        note = Text(
            f"năm {year} ngoài thời kỳ của mọi văn bản chỉ tiêu: dùng chỉ tiêu gần nhất trước"
            f" đó ({document.code}, giai đoạn {document.period})",
            f"{year} is not covered by any targets document: latest earlier targets"
            f" ({document.code}, {document.period})",
        )
    return TargetSet(
        year=year,
        document=document.code,
        document_title=document.title,
        covered=covered,
        note=note,
        remote_reading=reading,
        remote_reading_text=_reading_text(document, reading),
        period=document.period,
        general=document.general(),
        remote=document.remote(reading),
    )


# -- reading targets.csv ----------------------------------------------------------------------


class _Row:
    """One CSV row being read: each bad value becomes a FormsError naming row and column."""

    def __init__(self, where: str, row: Mapping[str, str], problems: list[FormsError]) -> None:
        self.where = where
        self.row = row
        self.problems = problems

    def bad(self, column: str, allowed: Text) -> None:
        self.problems.append(
            FormsError(
                FormsCode.BAD_VALUE,
                self.where,
                {"value": self.row.get(column, ""), "column": column, "allowed": allowed},
            )
        )

    def text(self, column: str) -> str:
        value = self.row.get(column, "")
        if not value:
            self.bad(column, Text("một nội dung (không để trống)", "a non-empty text"))
        return value

    def choice(self, column: str, allowed: tuple[str, ...]) -> str:
        value = self.row.get(column, "")
        if value not in allowed:
            self.bad(column, Text.same(", ".join(allowed)))
        return value

    def year(self, column: str) -> int | None:
        value = self.row.get(column, "")
        if value.isdigit() and len(value) == 4:
            return int(value)
        self.bad(column, Text("một năm, vd. 2014", "a year, e.g. 2014"))
        return None

    def day(self, column: str) -> date | None:
        try:
            return date.fromisoformat(self.row.get(column, ""))
        except ValueError:
            self.bad(column, Text("một ngày dạng YYYY-MM-DD", "a date YYYY-MM-DD"))
            return None

    def percent(self, column: str) -> float | None:
        """An optional number 0–100 (empty: None)."""
        value = self.row.get(column, "")
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not 0 <= number <= 100:
            self.bad(
                column,
                Text(
                    "một số từ 0 đến 100 (dấu chấm thập phân), hoặc để trống",
                    "a number from 0 to 100 (a dot for decimals), or empty",
                ),
            )
            return None
        return number


def _read(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in TARGET_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise FormsError(
                    FormsCode.REFERENCE_UNREADABLE,
                    display_path(path),
                    {
                        "detail": "missing column(s) " + ", ".join(missing),
                        "columns": ", ".join(TARGET_COLUMNS),
                    },
                )
            return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FormsError(
            FormsCode.REFERENCE_UNREADABLE,
            display_path(path),
            {"detail": str(exc), "columns": ", ".join(TARGET_COLUMNS)},
        ) from exc


_DOCUMENT_COLUMNS = (
    "document_title_vi",
    "document_title_en",
    "issued",
    "scope",
    "period_from",
    "period_to",
)


def check_targets(path: Path = TARGETS_FILE) -> tuple[Targets | None, list[FormsError]]:
    """The targets of `path` and every problem found in it (the targets are None when there
    is any); an unreadable file is one problem."""
    try:
        rows = _read(path)
    except FormsError as error:
        return None, [error]
    problems: list[FormsError] = []
    file = display_path(path)
    documents: dict[str, tuple[dict[str, str], list[TargetRow]]] = {}
    seen: dict[tuple[str, str, str], int] = {}
    versions: list[str] = []
    for line, row in enumerate(rows, start=2):
        read = _Row(f"{file}: row {line}", row, problems)
        code = read.text("document")
        first = documents.get(code)
        if first is None:
            read.text("document_title_vi")
            read.text("document_title_en")
            read.choice("scope", SCOPES)
            read.day("issued")
            start, end = read.year("period_from"), read.year("period_to")
            if start is not None and end is not None and end < start:
                read.bad("period_to", Text(f"một năm từ {start} trở đi", f"a year from {start} on"))
            first = documents[code] = (row, [])
        else:
            for column in _DOCUMENT_COLUMNS:
                if row.get(column, "") != first[0].get(column, ""):
                    read.bad(
                        column,
                        Text(
                            f"giá trị như ở dòng đầu của văn bản {code}",
                            f"the value on the first row of {code}",
                        ),
                    )
        title = read.choice("title", TITLES)
        area = read.choice("area", AREAS)
        percent, lower_by = read.percent("percent"), read.percent("lower_by")
        given = {c for c in ("percent", "lower_by") if row.get(c, "")}
        if area == "general" and "percent" not in given:
            read.bad("percent", Text("chỉ tiêu chung cần một số", "a number (a general target)"))
        elif area == "general" and "lower_by" in given:
            read.bad("lower_by", Text("để trống ở dòng chỉ tiêu chung", "empty on a general row"))
        elif area == "remote" and len(given) != 1:
            column = "lower_by" if given else "percent"
            read.bad(
                column,
                Text(
                    "dòng vùng khó khăn có đúng một trong percent và lower_by",
                    "exactly one of percent and lower_by on a remote row",
                ),
            )
        key = (code, title, area)
        if key in seen:
            read.bad(
                "area",
                Text(
                    f"mỗi văn bản, danh hiệu và vùng một dòng (đã có ở dòng {seen[key]})",
                    f"one row per document, title and area (row {seen[key]} has it)",
                ),
            )
        seen.setdefault(key, line)
        versions.append(read.text("version"))
        source = read.text("source")
        first[1].append(TargetRow(line, title, area, percent, lower_by, source))
    for code, (_, target_rows) in documents.items():
        general = {r.title for r in target_rows if r.area == "general"}
        for target in target_rows:
            if target.lower_by is not None and target.title not in general:
                lowered = {"lower_by": format_number(target.lower_by, "en")}
                _Row(f"{file}: row {target.line}", lowered, problems).bad(
                    "lower_by",
                    Text(
                        f"chỉ tiêu chung của {target.title} trong {code} để giảm",
                        f"a general target of {target.title} in {code} to lower",
                    ),
                )
    if problems:
        return None, problems
    built = tuple(
        Document(
            code=code,
            title=Text(first["document_title_vi"], first["document_title_en"]),
            issued=date.fromisoformat(first["issued"]),
            scope=first["scope"],
            period_from=int(first["period_from"]),
            period_to=int(first["period_to"]),
            rows=tuple(target_rows),
        )
        for code, (first, target_rows) in documents.items()
    )
    version = max(versions, key=_version_key, default="")
    return Targets(built, version, path), []


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in version.split("."))


def load_targets(path: Path = TARGETS_FILE) -> Targets:
    """The targets of `path` (default forms/reference/targets.csv); FormsError naming the row
    and column of the first problem (FRM022), or FRM023 when the file cannot be read."""
    targets, problems = check_targets(path)
    if problems:
        raise problems[0]
    assert targets is not None
    return targets
