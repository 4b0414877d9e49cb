"""The review queue: the held submissions (validation.review) with where they come from, so
a data manager can filter them by district, commune, rule, severity, surveyor, form and date,
see how many each filter value holds, and page through them.

`queue_items` reads the held submissions of some assets with their district, commune,
surveyor (`username`, else `deviceid`) and submission date from each payload; `queue_page`
is a pure function of those items, a scope (district codes; () for the whole province),
the filters and a page. The counts of one filter are taken with every other filter applied,
so they say what choosing one value would show.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from forms.rules import Answers
from validation.review import REJECTED, held_submissions
from warehouse.schema import kobo_asset, raw_submission

UNKNOWN = "?"  # a submission that names no district, commune or surveyor
FACETS = ("district", "commune", "rule", "severity", "surveyor", "form")


@dataclass(frozen=True)
class QueueItem:
    """One held submission in the queue."""

    server: str
    asset_uid: str
    form: str
    kobo_id: int
    state: str  # error | rejected
    district: str
    commune: str
    surveyor: str
    day: dt.date | None  # the date it reached the server
    findings: tuple[dict[str, Any], ...]

    @property
    def rules(self) -> frozenset[str]:
        return frozenset(f["rule"] for f in self.findings)

    @property
    def severities(self) -> frozenset[str]:
        found = {str(f["severity"]) for f in self.findings}
        return frozenset(found or {REJECTED})

    def values(self, facet: str) -> frozenset[str]:
        """The item's values of one filter (several for rules and severities)."""
        if facet == "rule":
            return self.rules or frozenset({UNKNOWN})
        if facet == "severity":
            return self.severities
        return frozenset({str(getattr(self, facet))})


@dataclass(frozen=True)
class QueueFilters:
    """What the data manager chose; None is no filter."""

    district: str | None = None
    commune: str | None = None
    rule: str | None = None
    severity: str | None = None
    surveyor: str | None = None
    form: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def matches(self, item: QueueItem, *, but: str | None = None) -> bool:
        for facet in FACETS:
            wanted = getattr(self, facet)
            if facet != but and wanted is not None and wanted not in item.values(facet):
                return False
        if self.date_from and (item.day is None or item.day < self.date_from):
            return False
        return not (self.date_to and (item.day is None or item.day > self.date_to))

    def as_dict(self) -> dict[str, str]:
        return {
            f.name: str(getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name) is not None
        }


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, with the counts of each filter's values."""

    total: int  # held submissions matching the filters
    page: int
    pages: int
    items: tuple[QueueItem, ...]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def _form_names(conn: Connection) -> dict[tuple[str, str], str]:
    """(server, uid) → the form an asset holds: its recorded form name, else its form id,
    else its uid."""
    a = kobo_asset
    names = {}
    for row in conn.execute(sa.select(a.c.server, a.c.asset_uid, a.c.form_name, a.c.content)):
        settings = (json.loads(row.content) or {}).get("settings") or {} if row.content else {}
        form_id = settings.get("id_string") or settings.get("form_id")
        names[(row.server, row.asset_uid)] = str(row.form_name or form_id or row.asset_uid)
    return names


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def queue_items(conn: Connection, assets: Sequence[tuple[str, str]]) -> list[QueueItem]:
    """Every held submission of `assets`, newest `_id` first within each asset."""
    names = _form_names(conn)
    r = raw_submission
    items: list[QueueItem] = []
    for server, uid in assets:
        held = held_submissions(conn, server, uid)
        ids = [int(h["submission"]) for h in held]
        payloads: dict[int, Any] = {}
        for start in range(0, len(ids), 500):
            rows = conn.execute(
                sa.select(r.c.kobo_id, r.c.payload, r.c.submission_time).where(
                    r.c.server == server,
                    r.c.asset_uid == uid,
                    r.c.kobo_id.in_(ids[start : start + 500]),
                )
            )
            payloads.update({int(row.kobo_id): row for row in rows})
        for entry in reversed(held):
            kobo_id = int(entry["submission"])
            row = payloads.get(kobo_id)
            answers = Answers(json.loads(row.payload) if row is not None else {})
            surveyor = answers.get("username") or answers.get("deviceid")
            items.append(
                QueueItem(
                    server=server,
                    asset_uid=uid,
                    form=names.get((server, uid), uid),
                    kobo_id=kobo_id,
                    state=str(entry["state"]),
                    district=answers.get("district") or UNKNOWN,
                    commune=answers.get("commune") or UNKNOWN,
                    surveyor=surveyor or UNKNOWN,
                    day=_day(row.submission_time if row is not None else None),
                    findings=tuple(entry["findings"]),
                )
            )
    return items


def in_scope(item: QueueItem, districts: Iterable[str]) -> bool:
    """Whether a data manager scoped to `districts` (empty: everywhere) may see the item."""
    scope = set(districts)
    return not scope or item.district in scope


def queue_page(
    items: Sequence[QueueItem],
    filters: QueueFilters,
    *,
    scope: Sequence[str] = (),
    page: int = 1,
    per_page: int = 50,
) -> QueuePage:
    """The page `page` (from 1) of the items in `scope` matching `filters`, and the counts
    of every filter's values (each with the other filters applied)."""
    visible = [item for item in items if in_scope(item, scope)]
    chosen = [item for item in visible if filters.matches(item)]
    counts: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        tally: Counter[str] = Counter()
        for item in visible:
            if filters.matches(item, but=facet):
                tally.update(item.values(facet))
        counts[facet] = dict(sorted(tally.items()))
    per_page = max(1, per_page)
    pages = max(1, -(-len(chosen) // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    return QueuePage(len(chosen), page, pages, tuple(chosen[start : start + per_page]), counts)


def without(filters: QueueFilters, name: str) -> QueueFilters:
    """The same filters with one of them cleared."""
    return replace(filters, **{name: None})
