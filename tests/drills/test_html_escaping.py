"""Hostile text in the HTML pages htsd writes (issue 15, must-show 3), opened in headless
Chromium: the data-quality page (`htsd validate --html`) and the committee's report
(`htsd report`). `<script>`, `<img onerror>`, an attribute break-out `"><svg onload>`, SQL
and Vietnamese typed in NFD are put where outside text really reaches each page, through
the commands a user runs, and every page shows them as text: no script runs (no dialog,
`window.__pwned` stays undefined), no element of a payload is in the DOM, no event handler
attribute anywhere, every link is a web address. The PDF and the workbook are written too.

What reaches the data-quality page from outside, and how it gets there here:
- a stranger's asset on the local KoboToolbox, synced: its title (the form's name, shown
  in the header and linked in each row), a text answer failing the form's regex
  constraint (the finding's value, quoted in its message with the regex, which is the
  stranger's text too), an unknown choice code (value and message), a district code typed
  as text (the by-district table, the section heading and its `data-district`), the
  surveyor's `username` and, without one, `deviceid` (the by-surveyor table and headings);
- submissions imported from files with `htsd import --server URL --asset UID --form FILE`:
  the server and the asset uid, which build the links into KoboToolbox (an `https` server
  whose path breaks out of the attribute, a `javascript:` server, which gets no link;
  uids holding markup and SQL), and the asset title of the form file.
What reaches the committee's report from outside: the rubric files of HTSD_CRITERIA_DIR (a
data manager's edited copy): the class labels of the Community Learning Centre index
(the CLC table) and the ids of the rubric files (the caveat naming provisional criteria).
The rest of the report is aggregates over the reference data htsd ships: the units'
names, task names and targets; the submissions give only codes, counted by the units
they match, and the registry file (`htsd reference import`) gives counts, its commune names
being ignored, which the test checks with hostile names in both.

No text of a typed table reaches either page: finding values are quoted from the payload
the validation checked, so they are shown as the surveyor sent them (the test compares
NFD and NFC alike); the raw and typed tables themselves are tests/drills/test_payloads.py's.
Also checked without a browser: the Jinja environments of both pages (and the web app's)
escape every template, no template marks a text safe, no product code escapes HTML by
hand, and the one `Markup` (the report's Vega charts) wraps SVG in which Vega escapes
the unit names itself.

One SQLite warehouse for the module (the pages do not depend on the database; the payloads
are stored alike on PostgreSQL, tests/drills/test_payloads.py). Missing chromium or
Playwright fails the browser tests (never skips) with the command to run.
"""

from __future__ import annotations

import ast
import csv
import json
import re
import subprocess
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from xml.etree import ElementTree

import openpyxl
import pytest
from jinja2 import Environment
from pypdf import PdfReader

import etl.web.app
import validation.quality_page
import warehouse.report.html
from forms.reference import Reference
from forms.rubric_load import CRITERIA_DIR
from forms.text import Text
from localkobo.province import DEMO_USER, built_content
from tests.conftest import RunningKobo
from tests.drills.state import env, validation_errors
from tests.drills.test_payloads import _row
from tests.helpers import run_htsd
from warehouse.report.charts import rate_chart, trend_chart
from warehouse.report.data import COMMUNE, RateRow, TrendRow
from warehouse.report.messages import ReportError
from warehouse.report.pdf import chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
SVG = '"><svg onload="window.__pwned=1">'
SQL = "'; DROP TABLE x; --"
NFD = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung, Chợ Đồn")
PAYLOADS = (SCRIPT, IMG, SVG, SQL, NFD)
HOSTILE = " ".join(PAYLOADS)
# the stranger's regex: its own text, quoted in every message of the constraint
REGEX = '^[0-9]{3}$|^<iframe src="javascript:window.__pwned=1"></iframe>$'
TITLE = f"Khảo sát {SCRIPT} {SVG}"
REGISTRY_NAME = f"{SCRIPT} tên xã trong sổ {IMG} {SQL}"  # ignored by the import
YEAR = 2025  # the year the generated CLC assessments are made in (the server's clock: 2026)

# the stranger's submissions, each with the answers that reach the page
ANSWERS: dict[str, dict[str, str]] = {
    "sql": {"code": SQL, "ok": "yes", "district": SVG, "username": SCRIPT},
    "script": {"code": IMG, "ok": SCRIPT, "district": NFD, "deviceid": IMG},
    "nfd": {"code": NFD, "ok": "no", "district": "058", "username": SVG},
    "clean": {"code": "123", "ok": "yes", "district": "058", "username": "dtv_01"},
}
# imported from files: (server, asset uid, title of the form file)
IMPORTED = (
    ("https://kobo.example.org/k" + SVG, "a" + IMG, f"Nhập {IMG}"),
    ("javascript:window.__pwned=1//", SQL, f"Nhập {SQL}"),
)


def stranger_content() -> dict[str, Any]:
    """A form no one here wrote: a regex constraint, a choice list, a district as text."""
    return {
        "schema": "1",
        "survey": [
            _row("text", "code", constraint=f"regex(., '{REGEX}')"),
            _row("select_one yn", "ok"),
            _row("text", "district"),
        ],
        "choices": [
            {"list_name": "yn", "name": n, "$autovalue": n, "label": [n]} for n in ("yes", "no")
        ],
        "settings": {},
        "translations": [None],
        "translated": ["label"],
    }


def _criteria(folder: Path) -> tuple[Path, dict[str, str], str]:
    """A copy of the shipped rubric files as a data manager may edit it: the CLC classes
    labelled with every payload, and a variant of the Learning Family rubric whose file
    (and id) is named with markup. Returns the folder, the labels by class id and that id."""
    folder.mkdir()
    for path in CRITERIA_DIR.glob("*.yaml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    clc = folder / "clc.yaml"
    text = clc.read_text(encoding="utf-8")
    labels: dict[str, str] = {}
    for class_id in ("tot", "kha", "trung_binh", "chua_dat"):
        labels[class_id] = f"{HOSTILE} {class_id}"
        label = json.dumps(labels[class_id], ensure_ascii=False)  # a YAML string
        text, found = re.subn(
            rf"(id: {class_id}\n\s+label: )\{{vi: [^,]+, en: [^}}]+\}}",
            lambda match, label=label: f"{match.group(1)}{{vi: {label}, en: {label}}}",
            text,
        )
        assert found == 1, class_id
    clc.write_text(text, encoding="utf-8")
    variant = "gia_dinh" + SVG
    source = (folder / "gia_dinh.yaml").read_text(encoding="utf-8")
    renamed, found = re.subn(r"(?m)^id: gia_dinh$", f"id: {json.dumps(variant)}", source)
    assert found == 1
    (folder / f"{variant}.yaml").write_text(renamed, encoding="utf-8")
    return folder, labels, variant


def _ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


@dataclass(frozen=True)
class Written:
    """The pages the commands wrote, and what was put where."""

    quality: Path
    report: Path
    pdf: Path
    xlsx: Path
    asset_uid: str
    ids: dict[str, int]  # ANSWERS key → its `_id`
    labels: dict[str, str]  # CLC class id → its hostile label
    variant: str  # the hostile rubric id
    url: str  # the warehouse


@pytest.fixture(scope="module")
def written(_module_kobo: RunningKobo, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """One warehouse for the module: the stranger's asset and generated CLC assessments
    synced, two files of hostile origin imported, a registry imported, validated with
    `--html`, and the report of YEAR written (HTML, PDF, Excel). The assets added to the
    module's server stay on it: every test here reads the same state."""
    kobo = _module_kobo
    store = kobo.kobo
    folder = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{folder / 'warehouse.sqlite'}"
    criteria, labels, variant = _criteria(folder / "criteria")
    environment = env(kobo, url, HTSD_CRITERIA_DIR=str(criteria))

    asset = store.create_asset(DEMO_USER, TITLE, stranger_content())
    store.deploy(asset.uid)
    ids = {key: store.add_submission(asset.uid, a)["_id"] for key, a in ANSWERS.items()}
    clc = store.create_asset(DEMO_USER, "Đánh giá TTHTCĐ", built_content("clc_assessment"))
    store.deploy(clc.uid)
    store.generate(clc.uid, 8, seed=3)
    args = ["sync", "--asset", asset.uid, "--asset", clc.uid]
    _ok(run_htsd(args, cwd=folder, env=environment, timeout=300))

    for number, (server, uid, title) in enumerate(IMPORTED):
        page = folder / f"page{number}.json"
        docs = [
            {"_id": 1, "_uuid": f"u{number}-1", **ANSWERS["sql"]},
            {"_id": 2, "_uuid": f"u{number}-2", **ANSWERS["script"]},
        ]
        page.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
        form = folder / f"form{number}.json"
        form.write_text(
            json.dumps({"name": title, "content": stranger_content()}, ensure_ascii=False),
            encoding="utf-8",
        )
        args = ["import", "--server", server, "--asset", uid, "--form", str(form), str(page)]
        _ok(run_htsd(args, cwd=folder, env=environment))

    commune = next(iter(Reference.load().communes(3))).code
    registry = folder / "registry.csv"
    with registry.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(["year", "commune_code", "commune_name", "families"])
        writer.writerow([YEAR, commune, REGISTRY_NAME, 40])
    _ok(run_htsd(["reference", "import", str(registry)], cwd=folder, env=environment))

    quality = folder / "quality.html"
    validated = run_htsd(["validate", "--html", str(quality)], cwd=folder, env=environment)
    assert validated.returncode == 4, validated.stderr  # the imported files' new errors
    assert "Traceback" not in validated.stderr
    out = folder / "report"
    args = ["report", "--year", str(YEAR), "--out", str(out)]
    _ok(run_htsd(args, cwd=folder, env=environment))
    return Written(
        quality,
        out / f"bao-cao-{YEAR}.html",
        out / f"bao-cao-{YEAR}.pdf",
        out / f"bao-cao-{YEAR}.xlsx",
        asset.uid,
        ids,
        labels,
        variant,
        url,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, as the report prints with it; one for the whole file."""
    with ExitStack() as stack:
        try:
            launched = stack.enter_context(chromium())
        except ReportError as error:  # fail, never skip: the message says what to install
            pytest.fail(error.render("en"))
        yield launched


# What a page holds that a payload would have made: every event-handler attribute, every
# element that runs or loads something (an SVG but the report's charts, each alone in its
# figure), every link.
_SCAN = """() => ({
  handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
      .filter(a => a.name.toLowerCase().startsWith('on')).map(a => e.tagName + ' ' + a.name)),
  active: [...document.querySelectorAll(
      'script, img, iframe, frame, object, embed, math, form, svg:not(figure > svg)')]
      .map(e => e.outerHTML.slice(0, 80)),
  links: [...document.querySelectorAll('[href], [src], [action]')]
      .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action')),
})"""
# Each row of a table: its attributes and the text of its cells.
_ROWS = """(selector) => [...document.querySelectorAll(selector)].map(row => ({
  attrs: Object.fromEntries([...row.attributes].map(a => [a.name, a.value])),
  cells: [...row.children].map(cell => cell.innerText),
  links: [...row.querySelectorAll('a')].map(a => a.getAttribute('href')),
}))"""


@dataclass
class Opened:
    page: Page
    dialogs: list[str]
    console: list[str]
    errors: list[str]

    def body(self) -> str:
        return self.page.inner_text("body")

    def rows(self, selector: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.page.evaluate(_ROWS, selector)
        return found

    def assert_inert(self) -> dict[str, list[str]]:
        """Nothing ran and no payload became an element; the page's links."""
        assert self.page.evaluate("typeof window.__pwned") == "undefined", "a payload ran"
        scan: dict[str, list[str]] = self.page.evaluate(_SCAN)
        assert not self.dialogs, f"a script opened a dialog: {self.dialogs}"
        assert not self.errors, f"a script failed: {self.errors}"
        assert not self.console, f"a script wrote to the console: {self.console}"
        assert scan["handlers"] == [], scan["handlers"]
        assert scan["active"] == [], scan["active"]
        return scan


Open = Callable[[Path], "Opened"]


@pytest.fixture
def opened(browser: Browser) -> Iterator[Open]:
    """Opens a written file in a fresh context, scripts on, watching dialogs and console."""
    context = browser.new_context(locale="vi-VN")

    def open_file(path: Path) -> Opened:
        page = context.new_page()
        seen = Opened(page, [], [], [])
        page.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda message: seen.console.append(message.text))
        page.on("pageerror", lambda error: seen.errors.append(str(error)))
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_load_state("networkidle")
        return seen

    try:
        yield open_file
    finally:
        context.close()


def _same(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# -- the data-quality page -------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_the_quality_page_shows_hostile_answers_as_text(written: Written, opened: Open) -> None:
    errors = validation_errors(written.url, written.asset_uid)
    ids = written.ids
    assert {(ids[k], "form.pattern", "code") for k in ("sql", "script", "nfd")} <= errors
    assert (ids["script"], "form.choice", "ok") in errors
    assert not [e for e in errors if e[0] == ids["clean"]]

    seen = opened(written.quality)
    scan = seen.assert_inert()
    body = _same(seen.body())
    for payload in PAYLOADS:
        assert _same(payload) in body, payload
    assert _same(TITLE) in body and REGEX in body

    rows = seen.rows("#details tr[data-submission]")
    synced = {  # the form's cell: the asset's title, as text
        (int(r["attrs"]["data-submission"]), r["attrs"]["data-rule"]): r
        for r in rows
        if r["cells"][1] == TITLE
    }
    for key in ("sql", "script", "nfd"):
        row, answer = synced[(ids[key], "form.pattern")], ANSWERS[key]["code"]
        assert row["cells"][4] == "code" and _same(row["cells"][5]) == _same(answer), key
        assert _same(answer) in _same(row["cells"][6]) and REGEX in row["cells"][6], key
    choice = synced[(ids["script"], "form.choice")]
    assert choice["cells"][5] == SCRIPT and SCRIPT in choice["cells"][6]

    districts = {
        r["attrs"]["data-district"]: r["cells"][0] for r in seen.rows("#by-district tbody tr")
    }
    assert districts[SVG] == SVG, "an attribute holds the break-out as its value"
    assert _same(districts[NFD]) == _same(NFD)
    surveyors = {
        r["attrs"]["data-surveyor"]: r["cells"][0] for r in seen.rows("#by-surveyor tbody tr")
    }
    assert surveyors[SCRIPT] == SCRIPT and surveyors[IMG] == IMG and surveyors[SVG] == SVG
    headings = seen.page.evaluate(
        "[...document.querySelectorAll('section.surveyor')].map(s => s.dataset.surveyor)"
    )
    assert {SCRIPT, IMG, SVG} <= set(headings)

    # the links: web addresses only, each the server's own, the break-out kept inside it
    assert scan["links"] and all(link.startswith(("http://", "https://")) for link in scan["links"])
    (hostile_server, hostile_uid, title), (script_server, _, sql_title) = IMPORTED
    imported = [r for r in rows if r["cells"][1] == title]
    assert len(imported) >= 2
    for row in imported:
        kobo_id = int(row["attrs"]["data-submission"])
        assert row["links"] == [
            f"{hostile_server}/api/v2/assets/{quote(hostile_uid, safe='')}/data/{kobo_id}"
            "/enketo/redirect/view/",
            f"{hostile_server}/#/forms/{quote(hostile_uid, safe='')}/data/table",
        ]
    unlinked = [r for r in rows if r["cells"][1] == sql_title]
    assert len(unlinked) >= 2 and all(r["links"] == [] for r in unlinked), "javascript: server"
    assert script_server.rstrip("/") in body and hostile_server in body, "the servers, as text"


# -- the committee's report ----------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_the_report_shows_hostile_rubric_texts_as_text(written: Written, opened: Open) -> None:
    seen = opened(written.report)
    scan = seen.assert_inert()
    assert all(link.startswith("#") for link in scan["links"]), scan["links"]  # SVG only
    clc = seen.rows("#clc tbody tr")
    shown = [row["cells"][4] for row in clc if row["cells"][4].strip()]
    assert shown, "some centre was assessed in the year"
    hostile = [cell for cell in shown if HOSTILE in cell]
    assert hostile, f"no class label from the rubric files shown: {shown}"
    assert all(cell.removesuffix("*") in written.labels.values() for cell in hostile), hostile
    caveat = seen.page.inner_text('#caveats li[data-kind="provisional"]')
    assert written.variant in caveat, "the rubric file's id, as text"
    body = seen.body()
    assert "tên xã trong sổ" not in body, "the registry's names are not shown"
    assert TITLE not in body and "Nhập" not in body, "nor the forms' titles"

    # the PDF and the workbook are written with the same texts
    pdf = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(written.pdf).pages)
    assert all(" ".join(p.split()) in pdf for p in (SCRIPT, IMG, SVG, SQL)), "printed as text"
    book = openpyxl.load_workbook(written.xlsx, read_only=True)
    cells = {str(c) for s in book.worksheets for r in s.iter_rows(values_only=True) for c in r}
    assert set(written.labels.values()) & cells and REGISTRY_NAME not in cells


# -- autoescape, without a browser --------------------------------------------------------

TEMPLATE_DIRS = ("warehouse/report/templates", "validation/templates", "etl/web/templates")
PRODUCT = ("forms", "etl", "validation", "warehouse")


@pytest.mark.parametrize(
    "environment",
    [
        warehouse.report.html._environment,
        validation.quality_page._environment,
        etl.web.app._environment,
    ],
    ids=["report", "quality_page", "web"],
)
def test_every_template_is_autoescaped(environment: Callable[[], Environment]) -> None:
    env = environment()
    names = env.list_templates()
    assert names
    for name in names:
        escaping = env.autoescape(name) if callable(env.autoescape) else env.autoescape
        assert escaping is True, name
    escaped = "&#34;&gt;&lt;svg onload=&#34;window.__pwned=1&#34;&gt;"
    assert env.from_string("<p title='{{ x }}'>{{ x }}</p>").render(x=SVG) == (
        f"<p title='{escaped}'>{escaped}</p>"
    )


def _called(call: ast.Call) -> str:
    """The name a call calls: `Markup` of `Markup(…)` and of `markupsafe.Markup(…)`."""
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def test_no_template_marks_text_safe_and_no_code_escapes_html_by_hand() -> None:
    templates = [p for d in TEMPLATE_DIRS for p in (ROOT / d).glob("*.j2")]
    assert len(templates) >= 3
    for path in templates:
        source = path.read_text(encoding="utf-8")
        for marker in (r"\|\s*safe\b", r"\bMarkup\b", r"autoescape\s+false"):
            assert not re.search(marker, source), (path.name, marker)
    markups = []
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            where = path.relative_to(ROOT)
            hand = r"\bfrom html import\b|\bhtml\.escape\b|\bmarkupsafe\.escape\b"
            assert not re.search(hand, source), where
            tree = ast.parse(source)
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "markupsafe":
                    assert {a.name for a in node.names} <= {"Markup"}, where
                if isinstance(node, ast.Call) and _called(node) == "Markup":
                    markups.append((str(where), ast.unparse(node.args[0])))
    # the one markup trusted: the report's charts, SVG that Vega drew from typed rows
    assert markups and all(
        where == "warehouse/report/html.py" and arg.startswith(("rate_chart(", "trend_chart("))
        for where, arg in markups
    ), markups


def test_the_charts_escape_the_names_they_draw() -> None:
    name = Text(HOSTILE, HOSTILE)
    rows = [RateRow(COMMUNE, "x", name, "gia_dinh", 4, 2, 4, 50.0, 80.0, achieved=False)]
    trend = [TrendRow(YEAR, "x", name, "gia_dinh", 2, 4, 50.0)]
    for svg in (
        rate_chart(rows, HOSTILE),
        trend_chart(trend, {"gia_dinh": Text(HOSTILE, HOSTILE)}),
    ):
        root = ElementTree.fromstring(svg)  # one SVG element, well formed
        tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
        assert tags.isdisjoint({"script", "img", "iframe", "foreignObject"}), tags
        handlers = [k for e in root.iter() for k in e.attrib if k.lower().startswith("on")]
        assert not handlers, handlers
        assert HOSTILE in "".join(root.itertext()), "the names are the text drawn"
