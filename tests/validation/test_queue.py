"""The review queue's filters, counts and pages (validation/queue.py), a pure function of
its items: counts of one filter are taken with the other filters applied, a scope hides
other districts entirely, pages clamp to what exists."""

from __future__ import annotations

import datetime as dt

from validation.queue import QueueFilters, QueueItem, queue_page


def _item(
    kobo_id: int, district: str, rule: str, severity: str = "error", day: int = 1
) -> QueueItem:
    return QueueItem(
        server="http://kobo.test",
        asset_uid="aUid",
        form="gia_dinh",
        kobo_id=kobo_id,
        state="error",
        district=district,
        commune=f"{district}-c",
        surveyor="dtv",
        day=dt.date(2024, 3, day),
        findings=({"rule": rule, "severity": severity},),
    )


ITEMS = [
    _item(1, "058", "form.choice"),
    _item(2, "058", "time.too_short", "warning", day=5),
    _item(3, "060", "form.choice", day=9),
    _item(4, "061", "geo.outside_province"),
]


def test_counts_of_a_filter_apply_the_others() -> None:
    page = queue_page(ITEMS, QueueFilters(rule="form.choice"))
    assert page.total == 2 and [i.kobo_id for i in page.items] == [1, 3]
    assert page.counts["district"] == {"058": 1, "060": 1}
    assert page.counts["rule"] == {"form.choice": 2, "geo.outside_province": 1, "time.too_short": 1}
    dated = queue_page(
        ITEMS, QueueFilters(date_from=dt.date(2024, 3, 2), date_to=dt.date(2024, 3, 8))
    )
    assert [i.kobo_id for i in dated.items] == [2]


def test_scope_hides_other_districts_and_pages_clamp() -> None:
    page = queue_page(ITEMS, QueueFilters(district="060"), scope=("058",))
    assert page.total == 0 and page.counts["district"] == {"058": 2}
    paged = queue_page(ITEMS, QueueFilters(), page=9, per_page=3)
    assert (paged.page, paged.pages, [i.kobo_id for i in paged.items]) == (2, 2, [4])
