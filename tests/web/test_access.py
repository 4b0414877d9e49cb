"""Who sees what, on SQLite and PostgreSQL: a viewer gets 403 on every queue, status and
submission URL (and on a decision) and never a name or phone number in any page or download
it may open; a data manager scoped to Bắc Kạn city (058) gets 404 on a Pác Nặm (060)
submission, cannot decide on it, and counts only their district in the queue.
"""

from __future__ import annotations

import io
import zipfile

import sqlalchemy as sa
from pypdf import PdfReader

from tests.web.conftest import Site, csrf_of
from warehouse.schema import review_decision


def _urls(site: Site) -> list[str]:
    held = (site.held_060, site.held_058, site.script_058)
    return [
        "/queue",
        "/queue?district=058",
        "/status",
        *(f"/submissions/{site.asset_uid}/{kobo_id}" for kobo_id in held),
        f"/submissions/{site.asset_uid}/1",
    ]


def _xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return " ".join(
            book.read(name).decode("utf-8") for name in book.namelist() if name.endswith(".xml")
        )


def test_viewer_sees_aggregates_only(any_site: Site) -> None:
    site = any_site
    viewer = site.client("bcd")
    for url in _urls(site):
        response = viewer.get(site.url + url, allow_redirects=False)
        assert response.status_code == 403, url
    reports = viewer.get(f"{site.url}/reports?year=2020")
    csrf = csrf_of(reports.text)
    decided = viewer.post(
        f"{site.url}/submissions/{site.asset_uid}/{site.held_060}/decision",
        data={"csrf": csrf, "decision": "accept", "reason": "xem thử"},
        allow_redirects=False,
    )
    assert decided.status_code == 403
    with site.engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(review_decision)).scalar()
    assert count == 0, "a viewer's decision is never recorded"

    pages = [reports.text]
    for lang in ("vi", "en"):
        page = viewer.get(f"{site.url}/reports/view?year=2020&report_lang={lang}")
        assert page.status_code == 200 and 'data-kind="evaluated"' in page.text
        pages.append(page.text)
    workbook = viewer.get(f"{site.url}/reports/download/xlsx?year=2020")
    assert workbook.status_code == 200
    assert "attachment" in workbook.headers["Content-Disposition"]
    pages.append(_xlsx_text(workbook.content))
    if site.engine.dialect.name == "sqlite":  # the PDF is printed by chromium: once is enough
        printed = viewer.get(f"{site.url}/reports/download/pdf?year=2020&report_lang=en")
        assert printed.status_code == 200 and printed.content.startswith(b"%PDF")
        reader = PdfReader(io.BytesIO(printed.content))
        pages.append(" ".join(page.extract_text() for page in reader.pages))
        assert "Learning Family" in pages[-1]
    for text in pages:
        leaked = {value for value in site.personal if value in text}
        assert not leaked, f"personal data reached a viewer: {sorted(leaked)[:3]}"


def test_district_manager_sees_only_their_district(any_site: Site) -> None:
    site = any_site
    scoped = site.client("qldl_bk")
    other = f"/submissions/{site.asset_uid}/{site.held_060}"
    assert scoped.get(site.url + other).status_code == 404
    own = scoped.get(f"{site.url}/submissions/{site.asset_uid}/{site.held_058}")
    assert own.status_code == 200 and 'data-state="error"' in own.text

    csrf = csrf_of(own.text)
    refused = scoped.post(
        f"{site.url}{other}/decision",
        data={"csrf": csrf, "decision": "accept", "reason": "không phải huyện của tôi"},
        allow_redirects=False,
    )
    assert refused.status_code == 404
    with site.engine.connect() as conn:
        decided = conn.execute(sa.select(review_decision.c.kobo_id)).scalars().all()
    assert site.held_060 not in decided

    queue = scoped.get(f"{site.url}/queue")
    assert queue.status_code == 200
    assert 'data-total="2"' in queue.text, "the two held in 058 only"
    assert 'data-value="058"' in queue.text and 'data-value="060"' not in queue.text
    assert f'data-submission="{site.held_060}"' not in queue.text
    # asking for another district's queue shows nothing of it
    asked = scoped.get(f"{site.url}/queue?district=060")
    assert 'data-total="0"' in asked.text and f'data-submission="{site.held_060}"' not in asked.text

    province = site.client("qldl").get(f"{site.url}/queue")
    assert 'data-total="3"' in province.text
    assert 'data-value="058"' in province.text and 'data-value="060"' in province.text
