"""The committee's report as one self-contained HTML page (`render_html`), in Vietnamese
(default) or English: a Jinja2 template (templates/report.html.j2, autoescaped) with inline
CSS and inline SVG charts (`warehouse.report.charts`); no script, font, image or link to
fetch. It prints on A4 (`warehouse.report.pdf`).

The headline figures carry stable hooks for tests and tools: each is a
`<span data-title="gia_dinh" data-kind="rate">` (kinds: evaluated, recognised, denominator,
rate, target, result). Provisional figures are marked with an asterisk, explained at the
top of the page.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from forms.text import Text, local_time

from .charts import rate_chart, trend_chart
from .data import GENERAL, TITLES, RateRow, ReportData, TrendRow
from .wording import STATUSES, number, percent, region, words

TEMPLATE = "report.html.j2"
T = TypeVar("T")
K = TypeVar("K")


@dataclass
class Unit:
    """One table row of a district or commune: its rate row of each title."""

    code: str
    name: Text
    cells: dict[str, RateRow] = field(default_factory=dict)
    district_code: str | None = None
    district: Text | None = None
    remote_class: str | None = None
    kinds: list[str] = field(default_factory=list)  # its non-general target kinds


@dataclass
class TrendLine:
    """One unit's rate of one title over the years."""

    name: Text
    title: str
    years: dict[int, TrendRow] = field(default_factory=dict)


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("warehouse.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(data: ReportData, lang: str = "vi") -> str:
    """The report of `data` as an HTML page in `lang` ("vi" or "en")."""
    return _environment().get_template(TEMPLATE).render(_context(data, lang))


def _context(data: ReportData, lang: str) -> dict[str, Any]:
    titles = [row.title for row in data.headline]
    district_names = {row.code: row.name for row in data.districts}
    charted = data.districts or data.communes

    def label(title: str) -> str:
        text = data.title_labels.get(title)
        return text.get(lang) if text else title

    def text(value: Text | None) -> str:
        return value.get(lang) if value else ""

    return {
        "lang": lang,
        "w": words(lang),
        "data": data,
        "titles": titles,
        "label": label,
        "t": text,
        "num": lambda value: number(value, lang),
        "pct": lambda value: percent(value, lang),
        "region": lambda value: region(value, lang),
        "day": lambda value: _day(value, lang),
        "as_of": local_time(data.data_as_of, lang),
        "targets": {row.title: row.target for row in data.headline},
        "provisional": any(r.provisional for r in (*data.headline, *data.districts, *data.communes))
        or any(r.provisional for r in data.clc),
        "charts": [
            (label(title), Markup(rate_chart(rows, label(title), lang)))
            for title, rows in _groups(charted, lambda r: r.title)
            if any(r.rate is not None for r in rows)
        ],
        "districts": _units(data.districts),
        "communes": sorted(
            _units(data.communes, district_names), key=lambda unit: unit.district_code or ""
        ),
        "tasks": _groups(data.activities, lambda a: (a.task_code.split(".")[0], a.task)),
        "statuses": {s: sum(a.status == s for a in data.activities) for s in STATUSES},
        "years": sorted({row.year for row in data.trend}),
        "trend": _trend(data.trend),
        "trend_chart": Markup(trend_chart(data.trend, data.title_labels, lang))
        if any(r.rate is not None for r in data.trend)
        else None,
    }


def _units(rows: Sequence[RateRow], districts: dict[str, Text] | None = None) -> list[Unit]:
    """The rows by unit, in their order, each unit's cells by title."""
    units: dict[str, Unit] = {}
    for row in rows:
        unit = units.setdefault(
            row.code,
            Unit(
                row.code,
                row.name,
                district_code=row.district_code,
                district=(districts or {}).get(row.district_code or ""),
                remote_class=row.remote_class,
            ),
        )
        unit.cells[row.title] = row
        if row.target_kind != GENERAL and row.target_kind not in unit.kinds:
            unit.kinds.append(row.target_kind)
    return list(units.values())


def _groups(rows: Iterable[T], key: Callable[[T], K]) -> list[tuple[K, list[T]]]:
    """The rows grouped by `key`, groups in order of first appearance."""
    groups: dict[K, list[T]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return list(groups.items())


def _trend(rows: Sequence[TrendRow]) -> list[TrendLine]:
    """The trend by title then unit (in the order of the rows)."""
    return [
        TrendLine(line[0].name, title, {row.year: row for row in line})
        for (title, _code), line in sorted(
            _groups(rows, lambda r: (r.title, r.code)),
            key=lambda group: TITLES.index(group[0][0]) if group[0][0] in TITLES else 99,
        )
    ]


def _day(value: dt.date | None, lang: str) -> str:
    if value is None:
        return ""
    return value.isoformat() if lang == "en" else f"{value:%d/%m/%Y}"
