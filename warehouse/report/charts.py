"""The report's charts, drawn with Vega-Altair and rendered offline to SVG by vl-convert (its
own JavaScript engine; no browser, no network). Each chart is a standalone `<svg>` string,
inlined into the HTML page: it references no URL (no data, image or font to fetch; only
the SVG namespace is declared).

- `rate_chart`: one title's rate in each unit (district or commune) as horizontal bars,
  coloured by whether the unit reached its target, the target drawn as a line (one line
  when every unit has the same target, a mark on each bar otherwise).
- `trend_chart`: each title's rate over the years, one panel per title, one line per unit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import vl_convert as vlc

from forms.text import Text

from .data import RateRow, TrendRow
from .wording import percent, words

WIDTH = 520  # px of the plotting area: with the axis labels the chart fits A4's width
BAR_STEP = 20  # px per unit
FONT = "DejaVu Sans, sans-serif"  # the page's font: vl-convert measures the labels with it
COLOURS = {"achieved": "#2e7d32", "not_achieved": "#e65100", "no_target": "#9e9e9e"}

# d3-format locales, so that any number Vega writes reads as the page's numbers do.
LOCALES: dict[str, dict[str, Any]] = {
    "vi": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", " VND"]},
}
_XLINK = ' xmlns:xlink="http://www.w3.org/1999/xlink"'


def rate_chart(rows: Sequence[RateRow], title: str, lang: str = "vi") -> str:
    """One title's rate in each of `rows` (in their order) against its target, as SVG."""
    w = words(lang)
    records = [
        {
            "unit": row.name.get(lang),
            "rate": row.rate,
            "at": row.rate or 0,
            "label": (percent(row.rate, lang) if row.rate is not None else w["no_denominator"])
            + ("*" if row.provisional else ""),
            "target": row.target,
            "result": w.get(_result(row) or "", None),
        }
        for row in rows
    ]
    base = alt.Chart(alt.Data(values=records)).encode(
        y=alt.Y("unit:N", sort=None, title=None, axis=alt.Axis(labelLimit=220))
    )
    x = alt.X("rate:Q", title=w["rate_pct"], scale=alt.Scale(domain=[0, 100]))
    shown = [key for key in COLOURS if key in {_result(row) for row in rows}]
    colour = alt.Color(
        "result:N",
        scale=alt.Scale(domain=[w[k] for k in shown], range=[COLOURS[k] for k in shown]),
        legend=alt.Legend(orient="top", title=None),
    )
    layers: list[alt.Chart] = [
        base.mark_bar().encode(x=x, color=colour),
        base.mark_text(align="left", dx=3, fontSize=10).encode(x="at:Q", text="label:N"),
    ]
    targets = {row.target for row in rows}
    if len(targets) == 1 and (target := next(iter(targets))) is not None:
        line = alt.Chart(alt.Data(values=[{"target": target, "text": _target_text(target, lang)}]))
        layers += [
            line.mark_rule(color="#b71c1c", strokeWidth=2, strokeDash=[6, 3]).encode(x="target:Q"),
            line.mark_text(align="left", baseline="bottom", dx=3, y=-2, color="#b71c1c").encode(
                x="target:Q", text="text:N"
            ),
        ]
    elif targets - {None}:
        layers.append(
            base.mark_tick(color="#7f0000", thickness=3).encode(x=alt.X("target:Q", title=None))
        )
    chart = alt.layer(*layers).properties(
        width=WIDTH, height=alt.Step(BAR_STEP), title=alt.Title(title, anchor="start")
    )
    return _svg(chart, lang)


def trend_chart(
    rows: Sequence[TrendRow], title_labels: Mapping[str, Text], lang: str = "vi"
) -> str:
    """Each title's rate over the years (one panel a title, one line a unit), as SVG."""
    w = words(lang)
    records = [
        {
            "year": str(row.year),
            "unit": row.name.get(lang),
            "title": title_labels[row.title].get(lang),
            "rate": row.rate,
        }
        for row in rows
        if row.rate is not None
    ]
    order = [label.get(lang) for label in title_labels.values()]
    chart = (
        alt.Chart(alt.Data(values=records))
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=w["year"], axis=alt.Axis(labelAngle=0)),
            y=alt.Y("rate:Q", title=w["rate_pct"], scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "unit:N", title=w["unit"], sort=None, legend=alt.Legend(labelLimit=260)
            ),
        )
        .properties(width=WIDTH // 2 - 40, height=150)
        .facet(facet=alt.Facet("title:N", sort=order, title=None), columns=2)
    )
    return _svg(chart, lang)


def _result(row: RateRow) -> str | None:
    """The colour of the row's bar (None: no bar, the rate is missing)."""
    if row.rate is None:
        return None
    if row.target is None or row.achieved is None:
        return "no_target"
    return "achieved" if row.achieved else "not_achieved"


def _target_text(target: float, lang: str) -> str:
    return f"{words(lang)['target']} {percent(target, lang)}"


def _svg(chart: alt.TopLevelMixin, lang: str) -> str:
    """The chart as SVG, rendered offline with no URL allowed for data."""
    svg: str = vlc.vegalite_to_svg(
        chart.configure(font=FONT).to_dict(), format_locale=LOCALES[lang], allowed_base_urls=[]
    )
    if "xlink:" not in svg.replace(_XLINK, ""):
        svg = svg.replace(_XLINK, "", 1)
    if 'id="' not in svg:
        return svg
    # the page holds several charts: scope each element id (clip paths) to its chart
    prefix = "c" + hashlib.sha1(svg.encode()).hexdigest()[:8] + "-"
    return re.sub(r'(id="|url\(#|href="#)', rf"\1{prefix}", svg)
