"""The committee's report rendered from a hand-made `ReportData` (tests/warehouse/report_sample.py):
HTML, PDF and Excel show the figures of the data, formatted per language, and nothing else.

- The page in headless Chromium (Debian `chromium`, Playwright; one launch for the file, which
  also prints the PDF): the only request is the page's own file; the headline rate, target and
  counts of each title, read through the `data-title`/`data-kind` hooks, are the data's,
  formatted in Vietnamese; remote and unresolved communes are flagged. A full-page screenshot
  goes to HTSD_ARTEFACTS (default: a pytest temporary folder).
- The PDF: every page is A4, its text holds the same headline figures.
- The workbook: headline numbers are numbers, district sums equal the province's row, header
  rows frozen, headers in Vietnamese by default and in English with lang="en".
- English: English headings and figures, none of the Vietnamese fixed words (and the reverse).
- The charts are Vega SVG with no URL; files are written atomically; missing Chromium and an
  unwritable folder are coded errors saying what to do.

Missing chromium or Playwright fails the browser tests (never skips) with the command to run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import ExitStack
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import pytest
from pypdf import PdfReader

from forms.text import format_number
from tests.warehouse.report_sample import sample
from warehouse.report import pdf as pdf_module
from warehouse.report import render as render_module
from warehouse.report.data import REMOTE, UNRESOLVED, RateRow
from warehouse.report.html import render_html
from warehouse.report.messages import ReportCode, ReportError
from warehouse.report.pdf import chromium, write_pdf
from warehouse.report.render import ReportFiles, write_report
from warehouse.report.wording import WORDS
from warehouse.report.xlsx import write_xlsx

if TYPE_CHECKING:
    from playwright.sync_api import Browser

DATA = sample()
A4_POINTS = (595.28, 841.89)
NO_DENOMINATOR = {"vi": "không có mẫu số", "en": "no denominator"}
NUMERIC = ("evaluated", "recognised", "denominator", "rate", "target")


def _percent(value: float, lang: str) -> str:
    text = f"{value:,.1f}"
    return (text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text) + "%"


def expected(row: RateRow, lang: str) -> dict[str, str]:
    """The headline figures of `row` as the report must write them."""
    return {
        "evaluated": format_number(row.evaluated, lang),
        "recognised": format_number(row.recognised, lang),
        "denominator": "—" if row.denominator is None else format_number(row.denominator, lang),
        "rate": NO_DENOMINATOR[lang] if row.rate is None else _percent(row.rate, lang),
        "target": _percent(row.target, lang) if row.target is not None else "",
    }


def hooks(html: str) -> dict[tuple[str, str], str]:
    """The text of each numeric hook `<span data-title=… data-kind=…>` of a page."""
    found = re.findall(r'<span data-title="(\w+)" data-kind="(\w+)"[^>]*>([^<]*)<', html)
    return {(title, kind): text for title, kind, text in found}


class _Text(HTMLParser):
    """The text of a page, without its style sheet and tags (charts' text included)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._skip = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._skip = False

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, as the report prints with it; one for the whole file."""
    with ExitStack() as stack:
        try:
            launched = stack.enter_context(chromium())
        except ReportError as error:  # fail, never skip: the message says what to install
            pytest.fail(error.render("en"))
        yield launched


@pytest.fixture(scope="module")
def written(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    """The Vietnamese report, HTML, PDF (printed by the shared browser) and workbook."""
    return write_report(DATA, tmp_path_factory.mktemp("report") / "out", browser=browser)


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("HTSD_ARTEFACTS")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("report_render")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"report screenshots: {folder.resolve()}")
    return folder


@pytest.fixture(scope="module")
def english() -> str:
    return render_html(DATA, "en")


# -- the page and the PDF, in Chromium ----------------------------------------------------


@pytest.mark.browser
def test_page_fetches_nothing_and_shows_the_data(
    browser: Browser, written: ReportFiles, artefacts: Path
) -> None:
    assert written.html.name == "bao-cao-2024.html"
    context = browser.new_context(locale="vi-VN")
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(written.html.as_uri(), wait_until="load")
        page.wait_for_load_state("networkidle")
        assert requests == [written.html.as_uri()], "the page fetched something"
        page.screenshot(path=artefacts / "report-vi.png", full_page=True)

        for row in DATA.headline:
            for kind, text in expected(row, "vi").items():
                hook = page.locator(f'[data-title="{row.title}"][data-kind="{kind}"]')
                assert hook.inner_text() == text, (row.title, kind)
            result = page.locator(f'[data-title="{row.title}"][data-kind="result"]').inner_text()
            assert result == {True: "✓ Đạt", False: "✗ Chưa đạt", None: "—"}[row.achieved]
        body = page.locator("body").inner_text()
        assert "* Số liệu tạm tính" in body and "Quyết định 1150/QĐ-UBND" in body
        assert "2024-12-02 23:06 (giờ Việt Nam)" in body  # data as of, in Vietnam time

        for kind in (REMOTE, UNRESOLVED):
            communes = {r.code for r in DATA.communes if r.target_kind == kind}
            flagged = page.locator(f"#communes tr[data-{kind}]")
            assert flagged.count() == len(communes) > 0
        assert (
            "tính theo chỉ tiêu chung"
            in page.locator("#communes tr[data-unresolved]").first.inner_text()
        )
        # a chart a title with rates (the units have no denominator), and the trend
        assert page.locator("#charts figure svg").count() == 3
        assert page.locator("#trend figure svg").count() == 1
    finally:
        context.close()


@pytest.mark.browser
def test_pdf_is_a4_and_shows_the_headline(written: ReportFiles) -> None:
    assert written.pdf is not None and written.pdf.name == "bao-cao-2024.pdf"
    reader = PdfReader(written.pdf)
    assert len(reader.pages) > 1
    for page in reader.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_POINTS, abs=1)
    text = " ".join(page.extract_text() for page in reader.pages)
    for row in DATA.headline:
        for kind, value in expected(row, "vi").items():
            assert value in text, (row.title, kind, value)


# -- the workbook --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_workbook_holds_the_numbers(lang: str, tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    write_xlsx(DATA, path, lang)
    book = openpyxl.load_workbook(path)
    names = {
        "vi": [
            "Thông tin",
            "Toàn tỉnh",
            "Theo huyện",
            "Theo xã",
            "TTHTCĐ",
            "Hoạt động",
            "Tập huấn",
            "Diễn biến",
            "Lưu ý",
        ],
        "en": [
            "About",
            "Province",
            "Districts",
            "Communes",
            "CLC",
            "Activities",
            "Training",
            "Trend",
            "Caveats",
        ],
    }[lang]
    assert book.sheetnames == names
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
    headline = book[names[1]]
    header = [c.value for c in headline[1]]
    assert (
        header[:5]
        == {
            "vi": ["Danh hiệu", "Đã đánh giá", "Đạt danh hiệu", "Tổng số (mẫu số)", "Tỷ lệ (%)"],
            "en": ["Title", "Evaluated", "Recognised", "Denominator", "Rate (%)"],
        }[lang]
    )
    for row, cells in zip(DATA.headline, headline.iter_rows(min_row=2), strict=True):
        values = [c.value for c in cells]
        assert values[0] == DATA.title_labels[row.title].get(lang)
        assert values[1:6] == [row.evaluated, row.recognised, row.denominator, row.rate, row.target]
        assert cells[4].number_format == "0.0" or row.rate is None

    districts = book[names[2]]
    column = {c.value: i for i, c in enumerate(districts[1])}
    recognised, denominator = header[2], header[3]
    for row in DATA.headline:
        label = DATA.title_labels[row.title].get(lang)
        lines = [
            r
            for r in districts.iter_rows(min_row=2, values_only=True)
            if r[column[header[0]]] == label
        ]
        assert len(lines) == 8
        assert sum(r[column[recognised]] for r in lines) == row.recognised
        counts = [r[column[denominator]] for r in lines if r[column[denominator]] is not None]
        assert (sum(counts) if counts else None) == row.denominator
    about = {r[0]: r[1] for r in book[names[0]].iter_rows(min_row=2, values_only=True)}
    assert about[{"vi": "Năm", "en": "Year"}[lang]] == 2024
    assert DATA.targets_source.get(lang) in about.values()


# -- languages, charts ---------------------------------------------------------------------


def test_english_page_has_english_words_and_figures(english: str) -> None:
    text = page_text(english)
    for heading in (
        "Province results",
        "Results by district",
        "Results by commune",
        "Progress of the plan's activities",
        "Data-quality caveats",
        "Rate (%)",
    ):
        assert heading in text
    for key, word in WORDS.items():
        if word.vi != word.en:
            assert word.vi.split("{")[0] not in text, f"Vietnamese {key!r} in the English page"
    found = hooks(english)
    for row in DATA.headline:
        for kind in NUMERIC:
            want = expected(row, "en")[kind]
            assert found[(row.title, kind)] == want, (row.title, kind)
    assert found[("gia_dinh", "evaluated")] == "13,992"  # thousands grouped the English way


def test_vietnamese_page_has_no_english_words_and_charts_fetch_nothing() -> None:
    html = render_html(DATA)
    text = page_text(html)
    for key, word in WORDS.items():
        if word.vi != word.en and len(word.en) > 3:
            assert not re.search(rf"\b{re.escape(word.en)}\b", text), f"English {key!r}"
    assert hooks(html)[("gia_dinh", "evaluated")] == "13.992"
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 4 and all('class="marks"' in svg for svg in svgs)  # drawn by Vega
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) == {"http://www.w3.org/2000/svg"}
    assert "@font-face" not in html and "<script" not in html and "<img" not in html
    assert not re.search(r"url\((?!#)", html)


# -- files and errors -----------------------------------------------------------------------


def test_a_failed_write_leaves_no_half_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tmp_path / "bao-cao-2024.xlsx"
    before.write_bytes(b"previous report")

    def half(data: object, path: Path, lang: str) -> None:
        path.write_bytes(b"PK half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render_module, "render_html", lambda data, lang: "<p>page</p>")
    monkeypatch.setattr(render_module, "write_xlsx", half)
    with pytest.raises(ReportError) as raised:
        write_report(DATA, tmp_path, pdf=False)
    assert raised.value.code is ReportCode.OUTPUT_UNWRITABLE
    assert str(before) in raised.value.render("vi") and "No space left" in str(raised.value)
    assert before.read_bytes() == b"previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bao-cao-2024.html", before.name]


def test_an_unwritable_folder_and_a_missing_chromium_say_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    occupied = tmp_path / "a-file"
    occupied.write_text("")
    with pytest.raises(ReportError) as raised:
        write_report(DATA, occupied / "out", pdf=False)
    assert raised.value.code is ReportCode.OUTPUT_UNWRITABLE
    assert str(occupied / "out") in raised.value.render("en")

    monkeypatch.setattr(pdf_module.shutil, "which", lambda name: None)
    with pytest.raises(ReportError) as missing:
        write_pdf(tmp_path / "page.html", tmp_path / "page.pdf")
    assert missing.value.code is ReportCode.NO_CHROMIUM
    assert "make sysdeps" in missing.value.render("vi")
    assert "chromium" in missing.value.render("en")
