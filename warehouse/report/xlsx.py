"""The committee's report as an Excel workbook (openpyxl), for those who recompute or chart
the figures themselves: an "about" sheet (year, units, data as of, target document), then
one sheet per table (headline, districts, communes, CLC, activities, training, trend,
caveats; empty ones left out, the headline always there). Headers are in the report's
language, frozen; counts, rates and targets are numbers (rates in percent, one decimal
shown), dates are dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from forms.text import Text, local_time

from .data import RateRow, ReportData
from .wording import region, words

# Number formats by column kind (Excel shows the separators of its own locale).
FORMATS = {"int": "#,##0", "pct": "0.0", "date": "DD/MM/YYYY"}
RATE = "title evaluated:int recognised:int denominator:int rate_pct:pct target_pct:pct result"
# Each sheet's columns: the word of the header, and its kind after a colon (default text).
COLUMNS = {
    "about": "item value",
    "sheet_headline": f"{RATE} provisional",
    "sheet_districts": f"code district {RATE} provisional",
    "sheet_communes": f"code district code commune region target_kind {RATE} provisional",
    "sheet_clc": "code commune district result score_pct:int class provisional",
    "sheet_activities": "code task activity period status reports:int participants:int "
    "last_date:date",
    "sheet_training": "code unit cadres:int trained:int rate_pct:pct target_pct:pct",
    "sheet_trend": "year code unit title recognised:int denominator:int rate_pct:pct",
    "sheet_caveats": "kind note count:int",
}
ALWAYS = ("about", "sheet_headline")  # written even when empty
HEADER_FILL = PatternFill("solid", fgColor="E8EEF5")
MIN_WIDTH, MAX_WIDTH = 8, 60


def write_xlsx(data: ReportData, path: Path, lang: str = "vi") -> None:
    """Write the workbook of `data` in `lang` to `path`."""
    tables = _Tables(data, lang)
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, spec in COLUMNS.items():
        rows = getattr(tables, name.removeprefix("sheet_"))()
        if rows or name in ALWAYS:
            _fill(book.create_sheet(tables.w[name]), tables.w, spec.split(), rows)
    book.save(path)


@dataclass
class _Tables:
    """The rows of each sheet, in the order of its COLUMNS."""

    data: ReportData
    lang: str

    @cached_property
    def w(self) -> dict[str, str]:
        return words(self.lang)

    def text(self, value: Text | None) -> str:
        return value.get(self.lang) if value else ""

    def label(self, title: str) -> str:
        return self.text(self.data.title_labels.get(title)) or title

    def rate(self, row: RateRow) -> list[Any]:
        result = (
            None if row.achieved is None else self.w["achieved" if row.achieved else "not_achieved"]
        )
        return [
            self.label(row.title),
            row.evaluated,
            row.recognised,
            row.denominator,
            row.rate,
            row.target,
            result,
            self.w["yes"] if row.provisional else None,
        ]

    def about(self) -> list[list[Any]]:
        d, w, text = self.data, self.w, self.text
        facts = [
            (w["committee"], w["report"].format(year=d.year)),
            (w["province"], text(d.province)),
            (w["year"], d.year),
            (w["units"], text(d.units)),
            (w["data_as_of"], local_time(d.data_as_of, self.lang)),
            (w["document"], text(d.targets_source)),
            (w["note"], text(d.targets_note)),
            (w["remote_reading"], text(d.remote_reading)),
            (w["trend_units"], text(d.trend_units)),
            (w["provisional"], w["provisional_legend"]),
        ]
        return [list(fact) for fact in facts if fact[1]]

    def headline(self) -> list[list[Any]]:
        return [self.rate(r) for r in self.data.headline]

    def districts(self) -> list[list[Any]]:
        return [[r.code, self.text(r.name), *self.rate(r)] for r in self.data.districts]

    def communes(self) -> list[list[Any]]:
        names = {row.code: row.name for row in self.data.districts}
        return [
            [
                r.district_code,
                self.text(names.get(r.district_code or "")),
                r.code,
                self.text(r.name),
                region(r.remote_class, self.lang),
                self.w.get(r.target_kind, r.target_kind),
                *self.rate(r),
            ]
            for r in self.data.communes
        ]

    def clc(self) -> list[list[Any]]:
        return [
            [
                r.commune_code,
                self.text(r.commune_name),
                self.text(r.district_name),
                self.w["assessed" if r.assessed else "not_assessed"],
                r.percent,
                self.text(r.class_label),
                self.w["yes"] if r.provisional else None,
            ]
            for r in self.data.clc
        ]

    def activities(self) -> list[list[Any]]:
        return [
            [
                r.task_code,
                self.text(r.task),
                self.text(r.activity),
                r.period,
                self.w.get(r.status, r.status),
                r.reports,
                r.participants,
                r.last_date,
            ]
            for r in self.data.activities
        ]

    def training(self) -> list[list[Any]]:
        return [
            [r.code, self.text(r.name), r.cadres, r.trained, r.rate, r.target]
            for r in self.data.training
        ]

    def trend(self) -> list[list[Any]]:
        return [
            [
                r.year,
                r.code,
                self.text(r.name),
                self.label(r.title),
                r.recognised,
                r.denominator,
                r.rate,
            ]
            for r in self.data.trend
        ]

    def caveats(self) -> list[list[Any]]:
        d = self.data
        return (
            [[c.kind, self.text(c.text), c.count] for c in d.caveats]
            + ([["held", self.w["held"], d.held]] if d.held else [])
            + [[self.w["rule"], rule, count] for rule, count in d.held_by_rule.items()]
        )


def _fill(
    sheet: Worksheet, w: dict[str, str], columns: Sequence[str], rows: list[list[Any]]
) -> None:
    """Header row (bold, frozen), then the rows; number formats and widths by column."""
    keys = [column.partition(":")[0] for column in columns]
    formats = [FORMATS.get(column.partition(":")[2]) for column in columns]
    sheet.append([w[key] for key in keys])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [len(w[key]) for key in keys]
    for values in rows:
        sheet.append(values)
        for position, cell in enumerate(sheet[sheet.max_row]):
            if cell.value is None:
                continue
            number_format = (
                FORMATS["date"] if isinstance(cell.value, dt.date) else formats[position]
            )
            if number_format:
                cell.number_format = number_format
            widths[position] = max(widths[position], len(str(cell.value)))
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = min(
            max(width + 2, MIN_WIDTH), MAX_WIDTH
        )
    sheet.freeze_panes = "A2"
