"""XLSForm sheets as rows: writing a reproducible .xlsx and reading one back.

An XLSForm here is `XLSFormData`: the survey and choices rows as dicts keyed by column
header (`type`, `name`, `label::Tiếng Việt (vi)`, ...) with string values, and the settings
as one dict. The builder writes it; `FormSchema` and the checks read it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forms.messages import FormsCode, FormsError
from forms.text import LANGUAGES, Language, column, language_code

if TYPE_CHECKING:  # openpyxl is imported where a workbook is read or written
    from openpyxl import Workbook

TRANSLATED = ("label", "hint", "constraint_message", "required_message", "media::image")
SURVEY_COLUMNS: tuple[str, ...] = (
    "type",
    "name",
    *(column("label", lang) for lang in LANGUAGES),
    *(column("hint", lang) for lang in LANGUAGES),
    "required",
    *(column("required_message", lang) for lang in LANGUAGES),
    "relevant",
    "constraint",
    *(column("constraint_message", lang) for lang in LANGUAGES),
    "calculation",
    "default",
    "choice_filter",
    "appearance",
    "parameters",
    "read_only",
    "repeat_count",
    "pii",
)
CHOICE_COLUMNS: tuple[str, ...] = (
    "list_name",
    "name",
    *(column("label", lang) for lang in LANGUAGES),
)
SETTINGS_COLUMNS: tuple[str, ...] = (
    "form_title",
    "form_id",
    "version",
    "default_language",
    "instance_name",
    "name",
    "style",
)
# Fixed timestamp for reproducible .xlsx files (the plan's date).
_FIXED_TIME = datetime(2014, 7, 14, 0, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


@dataclass(frozen=True)
class XLSFormData:
    """The three sheets of an XLSForm as string rows."""

    survey: tuple[dict[str, str], ...]
    choices: tuple[dict[str, str], ...] = ()
    settings: dict[str, str] = field(default_factory=dict)

    def pyxform_dict(self) -> dict[str, Any]:
        """The form as pyxform's `convert()` accepts it (no file needed)."""
        return {
            "survey": [dict(r) for r in self.survey],
            "choices": [dict(r) for r in self.choices],
            "settings": [dict(self.settings)] if self.settings else [],
        }


def _columns(rows: Iterable[Mapping[str, str]], preferred: Sequence[str]) -> list[str]:
    """Preferred columns that are used, then any others in first-seen order."""
    used: dict[str, None] = {}
    for row in rows:
        for key, value in row.items():
            if value != "":
                used.setdefault(key, None)
    ordered = [c for c in preferred if c in used]
    return ordered + [c for c in used if c not in preferred]


def _sheet(
    workbook: Workbook, title: str, rows: Sequence[Mapping[str, str]], preferred: Sequence[str]
) -> None:
    sheet = workbook.create_sheet(title)
    headers = _columns(rows, preferred)
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") or None for h in headers])


def _reproducible(data: bytes) -> bytes:
    """The same zip with fixed entry timestamps, so identical forms give identical files."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = _MODIFIED.sub(rb"\g<1>2014-07-14T00:00:00Z\g<2>", content)
            target.writestr(fixed, content)
    return out.getvalue()


def write_xlsx(form: XLSFormData) -> bytes:
    """The form as .xlsx bytes (survey, choices, settings sheets); same input, same bytes."""
    from openpyxl import Workbook

    workbook = Workbook()
    for sheet in list(workbook.worksheets):
        workbook.remove(sheet)
    workbook.properties.created = _FIXED_TIME
    workbook.properties.modified = _FIXED_TIME
    workbook.properties.creator = "htsd forms build"
    _sheet(workbook, "survey", form.survey, SURVEY_COLUMNS)
    _sheet(workbook, "choices", form.choices, CHOICE_COLUMNS)
    _sheet(workbook, "settings", [form.settings], SETTINGS_COLUMNS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _reproducible(buffer.getvalue())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _rows(workbook: Any, name: str) -> list[dict[str, str]]:
    if name not in workbook.sheetnames:
        return []
    values = list(workbook[name].iter_rows(values_only=True))
    if not values:
        return []
    headers = [_cell(h) for h in values[0]]
    rows = []
    for raw in values[1:]:
        row = {h: _cell(v) for h, v in zip(headers, raw, strict=False) if h and _cell(v) != ""}
        if row:
            rows.append(row)
    return rows


def read_xlsform(source: str | PathLike[str] | bytes) -> XLSFormData:
    """Read an .xlsx XLSForm (a path or the file's bytes); FormsError FRM044 when the file
    does not exist, FRM040 when it cannot be read."""
    where = "<bytes>" if isinstance(source, bytes) else str(source)
    if not isinstance(source, bytes) and not Path(source).is_file():
        raise FormsError(FormsCode.FILE_MISSING, where, {"path": where, "cwd": str(Path.cwd())})
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        stream: Any = io.BytesIO(source) if isinstance(source, bytes) else Path(source)
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (OSError, InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise FormsError(FormsCode.XLSFORM_UNREADABLE, where, {"detail": str(exc)}) from exc
    try:
        if "survey" not in workbook.sheetnames:
            raise FormsError(FormsCode.XLSFORM_UNREADABLE, where, {"detail": "no 'survey' sheet"})
        settings = _rows(workbook, "settings")
        return XLSFormData(
            survey=tuple(_rows(workbook, "survey")),
            choices=tuple(_rows(workbook, "choices")),
            settings=settings[0] if settings else {},
        )
    finally:
        workbook.close()


SELECT_TYPES = (
    "select_one",
    "select_multiple",
    "select_one_from_file",
    "select_multiple_from_file",
    "rank",
)


def form_languages(form: XLSFormData) -> tuple[tuple[Language, ...], str]:
    """The form's languages, default first, and the default language's code."""
    names: dict[str | None, None] = {}
    for row in (*form.survey, *form.choices):
        for key in row:
            base, _, lang = key.partition("::")
            if base in TRANSLATED or key.startswith("media::"):
                names.setdefault(lang or None, None)
    if not names:
        names[None] = None
    default_name = form.settings.get("default_language") or None
    languages = [Language(language_code(n), n) for n in names]
    if default_name and default_name in names:
        languages.sort(key=lambda lang: lang.name != default_name)
    return tuple(languages), languages[0].code
