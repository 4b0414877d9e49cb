"""The report printed to an A4 PDF by headless Chromium (Debian's `chromium`, driven by
Playwright for Python), from the HTML page `warehouse.report.html` wrote.

The page is opened from its file with scripts off, and every request but the page itself
(file:, data: and about: addresses) is refused, so printing never reaches the network.
Missing Chromium or Playwright is a coded `ReportError` saying what to install.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from .messages import ReportCode, ReportError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Route

LOCAL = ("file:", "data:", "about:")
TIMEOUT_MS = 60_000


def chromium_path() -> str:
    """The Debian `chromium` executable; ReportError RPT001 when it is not installed."""
    found = shutil.which("chromium")
    if found is None:
        raise ReportError(ReportCode.NO_CHROMIUM, "chromium")
    return found


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium, headless, driven by Playwright, closed on leaving; ReportError
    RPT001 or RPT003 when Chromium or Playwright is not installed."""
    executable = chromium_path()
    with _sync_api().sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


def write_pdf(html_path: Path, pdf_path: Path, browser: Browser | None = None) -> None:
    """Print the page at `html_path` to `pdf_path` (A4, backgrounds printed, the page's own
    @page margins). `browser`: an open browser to use (tests share one); otherwise
    Chromium is started for this page and closed after (ReportError RPT004 if it fails)."""
    if browser is not None:
        _print(browser, html_path, pdf_path)
        return
    failure = _sync_api().Error
    try:
        with chromium() as launched:
            _print(launched, html_path, pdf_path)
    except failure as error:
        raise ReportError(
            ReportCode.PDF_FAILED, str(html_path), {"detail": error.message.splitlines()[0]}
        ) from error


def _sync_api() -> ModuleType:
    """Playwright's synchronous API; ReportError RPT003 when Playwright is not installed."""
    try:
        from playwright import sync_api
    except ImportError as error:
        raise ReportError(ReportCode.NO_PLAYWRIGHT, "playwright") from error
    return sync_api


def _print(browser: Browser, html_path: Path, pdf_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False, offline=True)
    try:
        page = context.new_page()
        page.route("**/*", _local_only)
        page.goto(html_path.resolve().as_uri(), wait_until="load", timeout=TIMEOUT_MS)
        page.emulate_media(media="print")
        page.pdf(path=pdf_path, format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        context.close()


def _local_only(route: Route) -> None:
    """Let the page's own file through; refuse anything else (nothing must be fetched)."""
    if route.request.url.startswith(LOCAL):
        route.continue_()
    else:
        route.abort("blockedbyclient")
