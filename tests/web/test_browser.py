"""A data manager's morning in headless Chromium (Debian `chromium`, Playwright): signs in,
filters the review queue by district, opens a held submission, accepts it with a reason and
sees it counted in the report page. On the way, a held submission whose household head's
name holds `<script>` shows it as text and runs nothing. Screenshots of each step go to
HTSD_ARTEFACTS (default: a pytest temporary folder, printed).

Missing chromium or Playwright fails the test (never skips) with the command to run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from tests.web.conftest import PASSWORD, SCRIPT_NAME, Site
from warehouse.report.messages import ReportError
from warehouse.report.pdf import chromium
from warehouse.schema import review_decision, web_audit

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser
REASON = "Đã gọi điện xác minh: hộ có hội viên, điều tra viên chọn nhầm"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with ExitStack() as stack:
        try:
            launched = stack.enter_context(chromium())
        except ReportError as error:  # fail, never skip: the message says what to install
            pytest.fail(error.render("en"))
        yield launched


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("HTSD_ARTEFACTS")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("web_browser")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"web app screenshots: {folder.resolve()}")
    return folder


def _evaluated(page: Page, site: Site) -> int:
    page.goto(f"{site.url}/reports?year=2020")
    frame = page.frame_locator("iframe#report")
    cell = frame.locator('span[data-title="gia_dinh"][data-kind="evaluated"]').first
    return int(cell.inner_text().replace(".", "").replace(",", ""))


def test_manager_filters_opens_accepts_and_sees_it_counted(
    site: Site, browser: Browser, artefacts: Path
) -> None:
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text))

    page.goto(f"{site.url}/queue")
    assert "/login" in page.url, "no page without signing in"
    page.fill('input[name="username"]', "qldl")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url("**/queue")
    assert page.locator("table[data-queue] tbody tr[data-submission]").count() == 3
    page.screenshot(path=artefacts / "1-queue.png", full_page=True)

    before = _evaluated(page, site)

    # <script> in an answer is text, and nothing runs
    page.goto(f"{site.url}/submissions/{site.asset_uid}/{site.script_058}")
    head = page.locator('tr[data-path="household/head_name"] td').nth(1)
    assert head.inner_text() == SCRIPT_NAME
    assert page.evaluate("typeof window.__htsd_xss") == "undefined"
    assert page.locator("main script").count() == 0
    page.screenshot(path=artefacts / "2-script-as-text.png", full_page=True)

    page.goto(f"{site.url}/queue")
    page.select_option('select[data-filter="district"]', "060")
    page.click("button[data-apply]")
    page.wait_for_url("**/queue?*district=060*")
    rows = page.locator("table[data-queue] tbody tr[data-submission]")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-submission") == str(site.held_060)
    district_count = page.locator('section[data-facet="district"] li', has_text="060")
    assert district_count.locator("[data-count]").inner_text() == "1"
    page.screenshot(path=artefacts / "3-queue-060.png", full_page=True)

    rows.first.locator("a").first.click()
    page.wait_for_url(f"**/submissions/{site.asset_uid}/{site.held_060}")
    assert page.locator('[data-state="error"]').count() == 1
    finding = page.locator('tr[data-path="household/hkh_member"] [data-finding="form.choice"]')
    assert finding.count() == 1, "the finding beside the field it concerns"
    edit = page.locator("a[data-edit]").get_attribute("href") or ""
    assert edit.endswith(f"/data/{site.held_060}/enketo/redirect/edit/?return_url=false")
    page.fill('input[name="reason"]', REASON)
    page.click("button[data-accept]")
    page.wait_for_selector('[data-done="accept"]')
    assert page.locator('[data-state="accepted"]').count() == 1
    assert page.locator("table[data-decisions]", has_text=REASON).count() == 1
    page.screenshot(path=artefacts / "4-accepted.png", full_page=True)

    after = _evaluated(page, site)
    assert after == before + 1, "the accepted family now counts in the report"
    page.screenshot(path=artefacts / "5-report.png", full_page=True)

    page.goto(f"{site.url}/queue?lang=en")
    assert page.locator("h1").inner_text() == "Review queue"
    assert page.locator("table[data-queue] tbody tr[data-submission]").count() == 2
    assert not dialogs, f"a script ran: {dialogs}"
    context.close()

    with site.engine.connect() as conn:
        decided = conn.execute(
            sa.select(review_decision.c.decided_by, review_decision.c.reason).where(
                review_decision.c.kobo_id == site.held_060
            )
        ).all()
        audited = conn.execute(
            sa.select(web_audit.c.action, web_audit.c.username, web_audit.c.target).where(
                web_audit.c.action.in_(["view_submission", "decision"])
            )
        ).all()
    assert [tuple(d) for d in decided] == [("qldl", REASON)]
    assert [tuple(a) for a in audited] == [
        ("view_submission", "qldl", f"{site.asset_uid}/{site.script_058}"),
        ("view_submission", "qldl", f"{site.asset_uid}/{site.held_060}"),
        ("decision", "qldl", f"{site.asset_uid}/{site.held_060}"),
        ("view_submission", "qldl", f"{site.asset_uid}/{site.held_060}"),
    ]
