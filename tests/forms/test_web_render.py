"""Every built form in a real web XForm engine, in headless Chromium: what a surveyor sees.

The six XForms are rendered by ODK Web Forms (`@getodk/web-forms`, its prebuilt dist, with
Vue; pinned in tests/js/package.json) on a small host page, tests/js/web_forms/, served with
the forms from 127.0.0.1 by the test. Playwright for Python drives the Debian `chromium`;
every request to anywhere but that server is refused, so nothing comes from the network.

- Each form loads without an engine error and shows its first questions in Vietnamese, the
  default language.
- The family form (gia_dinh) is filled through the page as a surveyor fills it: evaluation
  date, the location cascade (district → commune of that date → village), the household, a
  two-member roster and the criteria. Its score summary shows the total and maximum that
  `Rubric.score` gives for the same answers, and "Send" submits an instance whose answers
  score the same, the derived items as the device derived them.
- No visible text shows a raw number (0.8333333333333334, NaN) or English, apart from the
  engine's own interface words (`ENGINE_TEXT`, each checked to be in the engine's bundle).

Full-page screenshots of each form, and of the filled family form and its summary, go to
HTSD_ARTEFACTS (default: a pytest temporary folder); the folder is printed. Missing
chromium, Playwright or npm packages fail the tests (never skip) with the command to run.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from forms.build import BuildResult
from forms.definitions import FORM_IDS
from forms.rubric import Rubric
from forms.rubric_load import load_rubrics
from forms.rules import Answers
from forms.schema import Field, FormSchema

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Error, Locator, Page, Route

pytestmark = pytest.mark.browser

JS_DIR = Path(__file__).resolve().parents[1] / "js"
HOST_PAGE = "web_forms/index.html"
NPM_PACKAGES = ("@getodk/web-forms", "vue")
LOAD_TIMEOUT_MS = 60_000
ACTION_TIMEOUT_MS = 10_000
LANG = "vi"
NON_QUESTION_TYPES = {"note", "calculate", "start", "end", "today", "deviceid", "username"}

# What ODK Web Forms itself writes on the page, in English whatever the form's language
# (it has no translations yet). Each must occur in the engine's bundle (checked below).
ENGINE_TEXT = frozenset(
    {
        "Send",  # the submit button
        "Powered by",  # the footer, beside the ODK logo
        "Add",  # the button adding a repeat instance: "Add <repeat label>"
        "Remove",  # a repeat instance's menu
        "Repeat Item",  # the title of a repeat instance without a label
        "Condition not satisfied: required",  # a required question left empty, on "Send"
        "Choose image",  # an image question's button
        "Get location",  # a geopoint question's button
        "Okay",  # the box to tick of an acknowledge question
    }
)
# ... and its count of questions in error, on "Send" ("1 question with error.").
ENGINE_PATTERNS = (re.compile(r"\d+ questions? with errors?\."),)

# English detection. A visible text node is English when it holds a word of MARKERS, a run
# of 3+ consecutive ASCII words of the English vocabulary, or only such words (the
# engine's "Send"). The vocabulary: COMMON_ENGLISH and the ASCII words of the forms' own
# English labels, hints and messages, less those the Vietnamese texts use too (place names
# like "Minh" or "Thanh", "GPS", "internet").
MARKERS = re.compile(r"\b(provisional|score|scores|points?|class)\b", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]+")
COMMON_ENGLISH = frozenset(
    WORD.findall(
        """
        a about above add after all also an and any are as assessment at be been before being
        below between both but by can cancel centre change child children choose class clan
        clear community computed condition criteria date device each error errors evaluation
        every family file for from get group has have household if image is it item its
        language learning location mark member members more must next no not number of official
        on one only option or other pass passed per photo points powered previous province
        question questions recomputed remove repeat report required result rubric satisfied save
        score select send system take than that the their them then there these this those
        today total unit upload version was were when where which while who will with within
        without year yes you your
        """
    )
)
# A number as the engine computed it, unrounded ("0.8333333333333334", or "0,8333…" with the
# decimal comma), or not a number. Not one written with thousands separators ("1.500.000").
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
RAW_NUMBER = re.compile(r"\d+\.\d{3,}|\d+,\d{4,}")
THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d{1,3})?")
NOT_A_NUMBER = re.compile(r"\b(NaN|Infinity)\b")
SCORE_LINE = re.compile(r"Tổng điểm[^\n]*?(\d+(?:[.,]\d+)?)\s*/\s*(\d+(?:[.,]\d+)?)")

# The family form, filled: an evaluation date in the second era of communes (01/02/2020 –
# 30/06/2025), so the commune question is commune_e2, filtered by the district.
EVAL_DATE = date(2024, 11, 15)
COMMUNE_FIELD = "commune_e2"
VILLAGE_NAME = "Thôn Nà Pài"
HOUSEHOLD = {
    "hh_code": "BK-0042",
    "head_name": "Hoàng Văn Minh",
    "head_phone": "0912345678",
    "hkh_member": "yes",
    "registered": "yes",
}
MEMBERS = (
    # the head, 45: literate, in a class at the community learning centre
    {
        "m_name": "Minh",
        "m_relation": "head",
        "m_sex": "male",
        "m_age": "45",
        "m_literacy": "level2",
        "m_learning": "clc_class",
    },
    # a child of 10, at school
    {
        "m_name": "Lan",
        "m_relation": "child",
        "m_sex": "female",
        "m_age": "10",
        "m_school": "attending",
    },
)

# Each visible text node, with the text of the label, hint, title or button holding it.
VISIBLE_TEXT_JS = """
() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    const parent = node.parentElement;
    if (!text || !parent || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(parent.tagName))
      continue;
    if (!parent.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    const holder = parent.closest('label, .hint, h1, h2, button, li, p') || parent;
    texts.push([text, holder.innerText.replace(/\\s+/g, ' ').trim()]);
  }
  for (const input of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    const text = input.placeholder.trim();
    if (text && input.checkVisibility()) texts.push([text, `placeholder: ${text}`]);
  }
  return texts;
}
"""


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, driven by Playwright; one for the whole file."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "Debian chromium is not installed: run `make sysdeps` (apt-get install chromium)"
        )
    for package in NPM_PACKAGES:
        if not (JS_DIR / "node_modules" / package / "package.json").is_file():
            pytest.fail(f"npm package {package} missing in {JS_DIR}: run `make jsdeps`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright for Python is not installed: run `make install` "
            "(or .venv/bin/pip install -c constraints.txt -e '.[test]')"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(built: dict[str, BuildResult]) -> Iterator[str]:
    """http://127.0.0.1:<port>: tests/js (host page, node_modules) and /forms/<id>.xml."""
    forms = {f"/forms/{form_id}.xml": r.xform.encode("utf-8") for form_id, r in built.items()}

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            body = forms.get(self.path)
            if body is None:
                super().do_GET()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=JS_DIR))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: HTSD_ARTEFACTS, else a pytest temporary folder."""
    configured = os.environ.get("HTSD_ARTEFACTS")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("web_render")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"web render screenshots: {folder.resolve()}")
    return folder


@dataclass
class WebForm:
    """One form open in the engine, in its own browser context (Vietnamese locale)."""

    page: Page
    schema: FormSchema
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    # -- finding things, by the texts the form defines ------------------------------------
    def question(self, name: str, within: Locator | None = None) -> Locator:
        """The container of question `name`, found by its Vietnamese label."""
        label = self.schema.by_name(name).labels[LANG]
        scope = within if within is not None else self.page.locator("body")
        exact = _shown_as(label)
        found = scope.locator(".question-container").filter(
            has=self.page.locator(".control-text > label", has_text=exact)
        )
        assert found.count() == 1, f"question {name} ({label!r}): {found.count()} shown"
        return found

    def panel(self, group_path: str) -> Locator:
        """The innermost panel of a group, found by its Vietnamese title."""
        exact = _shown_as(self.schema.group(group_path).labels[LANG])
        return self.page.locator(".p-panel").filter(
            has=self.page.locator(".panel-title h2", has_text=exact)
        )

    def repeat_instances(self) -> Locator:
        return self.page.locator(".p-panel.is-repeat")

    # -- answering, as a surveyor -------------------------------------------------------
    def answer(self, name: str, value: str, within: Locator | None = None) -> None:
        question_field = self.schema.by_name(name)
        box = self.question(name, within)
        kind = question_field.type
        if kind in ("select_one", "select_multiple"):
            assert question_field.list_name is not None
            for choice_name in value.split() if kind == "select_multiple" else [value]:
                self._choose(question_field, box, choice_name)
        elif kind == "date":
            # The engine's date picker reads and shows mm/dd/yyyy (PrimeVue's default).
            typed = date.fromisoformat(value).strftime("%m/%d/%Y")
            entry = box.locator("input")
            entry.fill(typed)
            entry.press("Escape")
            assert entry.input_value() == typed, f"{name}: {entry.input_value()!r}"
        elif kind == "acknowledge":  # a box to tick: the answer is "OK"
            assert value == "OK", f"{name}: an acknowledge question takes 'OK'"
            box.locator("label.value-option").click()
            assert box.locator("input[type=checkbox]").is_checked(), f"{name} not ticked"
        elif kind in ("integer", "decimal"):
            entry = box.locator("input")
            entry.click()
            entry.press_sequentially(value)
            entry.press("Tab")
            assert entry.input_value() == value, f"{name}: {entry.input_value()!r}"
        else:
            box.locator("input, textarea").first.fill(value)

    def _choose(self, question_field: Field, box: Locator, choice_name: str) -> None:
        assert question_field.list_name is not None
        choices = {c.name: c for c in self.schema.choices[question_field.list_name]}
        label = choices[choice_name].label(LANG)
        exact = _shown_as(label)
        what = f"{question_field.name}: choice {choice_name} ({label!r})"
        dropdown = box.locator(".p-select")
        if dropdown.count() == 0:  # the options as radio buttons or checkboxes
            options = box.locator("label.value-option")
            self._offered(what, exact, options)
            options.filter(has_text=exact).click()
            checked = box.locator(f'input[value="{choice_name}"]')
            assert checked.is_checked(), f"{what} not checked"
            return
        # appearance minimal (autocomplete): a drop-down list, with a search box
        dropdown.click()
        overlay = self.page.locator(".p-select-overlay:visible")
        search = overlay.locator("input.p-select-filter:visible")
        if search.count():
            search.first.fill(label)
        options = overlay.locator("li.p-select-option")
        self._offered(what, exact, options)
        options.filter(has_text=exact).click()
        chosen = _norm(dropdown.locator(".p-select-label").inner_text())
        assert exact.match(chosen), f"{what}: {chosen!r} shown as chosen"

    def _offered(self, what: str, exact: re.Pattern[str], options: Locator) -> None:
        shown = [_norm(text) for text in options.all_inner_texts()]
        assert any(exact.match(text) for text in shown), (
            f"{what} is not offered: the list shows {shown or 'no options'}"
            f" (engine errors: {self.errors or 'none'})"
        )

    # -- reading ------------------------------------------------------------------------
    def visible_texts(self) -> list[tuple[str, str]]:
        """Each visible text node: (its text, the text of the label etc. holding it)."""
        return [(text, where) for text, where in self.page.evaluate(VISIBLE_TEXT_JS)]

    def host_state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.page.evaluate("window.htsdHost")
        return state


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _shown_as(label: str) -> re.Pattern[str]:
    """The whole text of a label as shown: its ${field} references replaced by values."""
    parts = [re.escape(_norm(part)) for part in re.split(r"\$\{[^}]*\}", label)]
    return re.compile(r"^\s*" + r"\s*.*?\s*".join(parts) + r"\s*$")


@pytest.fixture(scope="module")
def vocabulary(built: dict[str, BuildResult]) -> frozenset[str]:
    """The English words looked for in the Vietnamese pages (see MARKERS)."""
    return _vocabulary([result.schema for result in built.values()])


OpenForm = Callable[[str], WebForm]


@pytest.fixture
def open_form(browser: Browser, server: str, built: dict[str, BuildResult]) -> Iterator[OpenForm]:
    """open_form(form_id) → a WebForm: the page loaded, the engine ready, no error."""
    contexts = []

    def open_(form_id: str) -> WebForm:
        context = browser.new_context(
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        web = WebForm(page, built[form_id].schema)

        def local_only(route: Route) -> None:
            if route.request.url.startswith(server + "/"):
                route.continue_()
            else:
                web.blocked.append(route.request.url)
                route.abort()

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                web.errors.append(f"console: {message.text}")

        def on_page_error(error: Error) -> None:
            web.errors.append(f"page error: {error}")

        context.route("**/*", local_only)
        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        page.goto(f"{server}/{HOST_PAGE}?form=/forms/{form_id}.xml")
        page.wait_for_function(
            "window.htsdHost && window.htsdHost.status !== 'loading'", timeout=LOAD_TIMEOUT_MS
        )
        state = web.host_state()
        assert state["status"] == "ready", f"{form_id}: the engine failed: {state['error']}"
        assert page.locator(".form-load-failure-dialog").count() == 0
        assert not web.errors, f"{form_id}: {web.errors}"
        return web

    yield open_
    for context in contexts:
        context.close()


# -- what the page shows ------------------------------------------------------------------


def _vocabulary(schemas: Sequence[FormSchema]) -> frozenset[str]:
    """COMMON_ENGLISH and the ASCII words of the forms' English texts (see MARKERS)."""
    english: set[str] = set()
    vietnamese: set[str] = set()
    for schema in schemas:
        texts = [(t, lang) for f in schema.fields for t, lang in _field_texts(f)]
        texts += [(g.labels.get(lang, ""), lang) for g in schema.groups for lang in ("en", LANG)]
        texts += [
            (c.labels.get(lang, ""), lang)
            for choices in schema.choices.values()
            for c in choices
            for lang in ("en", LANG)
        ]
        for text, lang in texts:
            words = {w.lower() for w in WORD.findall(re.sub(r"\$\{[^}]*\}", "", text))}
            (english if lang == "en" else vietnamese).update(w for w in words if w.isascii())
    return frozenset(COMMON_ENGLISH | {w for w in english - vietnamese if len(w) >= 3})


def _field_texts(f: Field) -> list[tuple[str, str]]:
    return [
        (texts.get(lang, ""), lang)
        for texts in (f.labels, f.hints, f.constraint_messages)
        for lang in ("en", LANG)
    ]


def _is_english(text: str, vocabulary: frozenset[str]) -> bool:
    if MARKERS.search(text):
        return True
    words = WORD.findall(text)
    english = [w.isascii() and w.lower() in vocabulary for w in words]
    run = longest = 0
    for is_english in english:
        run = run + 1 if is_english else 0
        longest = max(longest, run)
    return longest >= 3 or (bool(words) and all(english))


def _problems(
    texts: Sequence[tuple[str, str]], schema: FormSchema, vocabulary: frozenset[str]
) -> list[str]:
    """Visible texts showing a raw number or English (the engine's own words aside), each
    once, with how many times it is shown when more than once."""
    engine_version = f"v{_engine_version()}"
    problems: Counter[str] = Counter()
    for text, where in texts:
        checked = text
        engine_own = checked in ENGINE_TEXT or checked == engine_version
        engine_own = engine_own or any(p.fullmatch(checked) for p in ENGINE_PATTERNS)
        if _shows_raw_number(text):
            problems[f"raw number: {text!r} in {where!r}"] += 1
        elif not engine_own and _is_english(checked, vocabulary):
            problems[f"English: {text!r}" + (f" in {where!r}" if where != text else "")] += 1
    return [f"{problem} (×{n})" if n > 1 else problem for problem, n in problems.items()]


def _shows_raw_number(text: str) -> bool:
    if NOT_A_NUMBER.search(text):
        return True
    numbers = (m.group() for m in NUMBER.finditer(text))
    return any(RAW_NUMBER.search(n) and not THOUSANDS.fullmatch(n) for n in numbers)


@functools.cache
def _engine_version() -> str:
    package = JS_DIR / "node_modules" / "@getodk" / "web-forms" / "package.json"
    version: str = json.loads(package.read_text(encoding="utf-8"))["version"]
    return version


def _gated(schema: FormSchema, f: Field) -> bool:
    """True when a question's relevance, or that of a group holding it, is conditional."""
    if f.relevant:
        return True
    group = f.group
    while group:
        found = schema.group(group)
        if found.relevant:
            return True
        group = found.parent
    return False


def _first_questions(schema: FormSchema, count: int = 3) -> list[str]:
    """The Vietnamese labels of the form's first questions shown whatever the answers."""
    labels = [
        f.labels[LANG]
        for f in schema.fields
        if f.type not in NON_QUESTION_TYPES and LANG in f.labels and not _gated(schema, f)
    ]
    return labels[:count]


def _shown_questions(web: WebForm) -> list[str]:
    """The labels of the questions on the page, in order: notes and the questions shown
    only on some answers aside."""
    gated = [
        _shown_as(f.labels[LANG])
        for f in web.schema.fields
        if LANG in f.labels and f.type not in NON_QUESTION_TYPES and _gated(web.schema, f)
    ]
    labels: list[str] = web.page.locator(
        ".question-container:not(:has(.note-control)) .control-text > label"
    ).all_inner_texts()
    return [label for label in labels if not any(g.match(label) for g in gated)]


def _screenshot(page: Page, artefacts: Path, name: str) -> Path:
    path = artefacts / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _number(text: str) -> float:
    return float(text.replace(",", "."))


# -- the family form, filled --------------------------------------------------------------


def _location(schema: FormSchema) -> tuple[str, str]:
    """A district and a commune of the evaluation date's era in it (the first listed)."""
    commune_list = schema.by_name(COMMUNE_FIELD).list_name
    assert commune_list is not None
    commune = schema.choices[commune_list][0]
    return commune.extra["district"], commune.name


def _criteria_answers(rubric: Rubric) -> dict[str, str]:
    """An answer to each item asked (not derived), by field: the items cycle through their
    answers from the second, so answers are mixed and 'partly' gives a half point."""
    return {
        item.field: item.answers[(index + 1) % len(item.answers)]
        for index, item in enumerate(i for i in rubric.items if i.derive is None)
    }


def _fill_family(web: WebForm, rubric: Rubric) -> dict[str, Any]:
    """Fill gia_dinh through the page; the answers entered, shaped as KoboToolbox's."""
    schema = web.schema
    district, commune = _location(schema)
    answers: dict[str, Any] = {}

    def enter(name: str, value: str) -> None:
        web.answer(name, value)
        answers[schema.by_name(name).path] = value

    enter("eval_date", EVAL_DATE.isoformat())
    enter("eval_year", str(EVAL_DATE.year))
    enter("district", district)
    enter(COMMUNE_FIELD, commune)
    enter("village", "other")
    enter("village_other", VILLAGE_NAME)
    for name, value in HOUSEHOLD.items():
        enter(name, value)

    add = web.page.locator("button.button-add-instance")
    rows: list[dict[str, str]] = []
    for index, member in enumerate(MEMBERS):
        if web.repeat_instances().count() <= index:
            add.click()
        instance = web.repeat_instances().nth(index)
        row = {}
        for name, value in member.items():
            web.answer(name, value, within=instance)
            row[schema.by_name(name).path] = value
        rows.append(row)
    assert web.repeat_instances().count() == len(MEMBERS)
    roster = schema.by_name("m_name").repeat
    assert roster is not None
    answers[roster] = rows
    for confirmation in (f for f in schema.fields if f.type == "acknowledge" and not f.repeat):
        enter(confirmation.name, "OK")  # "the list is complete and right", etc.

    for name, value in _criteria_answers(rubric).items():
        enter(name, value)
    return answers


def _submitted(xml: str, schema: FormSchema) -> dict[str, Any]:
    """The instance the engine submits, shaped as KoboToolbox returns it."""
    repeats = {g.path for g in schema.repeats}

    def walk(element: ET.Element, prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for child in element:
            name = child.tag.rsplit("}", 1)[-1]
            path = f"{prefix}{name}"
            if name == "meta" and not prefix:
                continue
            if path in repeats:
                out.setdefault(path, []).append(walk(child, f"{path}/"))
            elif len(child):
                out.update(walk(child, f"{path}/"))
            elif child.text:
                out[path] = child.text
        return out

    return walk(ET.fromstring(xml), "")


def _send(web: WebForm) -> dict[str, Any]:
    """Press "Send": the instance submitted, or a failure naming the questions in error."""
    web.page.get_by_role("button", name="Send", exact=True).click()
    web.page.wait_for_function(
        "window.htsdHost.submissions.length > 0 || document.querySelector('.form-error-message')",
        timeout=10_000,
    )
    submissions = web.host_state()["submissions"]
    if not submissions:
        banner = _norm(web.page.locator(".form-error-message").inner_text())
        in_error = web.page.locator(".question-container.highlight .control-text > label")
        labels = [_norm(label) for label in in_error.all_inner_texts()]
        pytest.fail(f"'Send' refused the filled form ({banner!r}); in error: {labels}")
    (submission,) = submissions
    assert submission["status"] == "ready", submission
    found: dict[str, Any] = submission
    return found


# -- the tests ----------------------------------------------------------------------------


def test_engine_text_is_the_engines() -> None:
    """Each allowed English text is one the engine's bundle writes, not a form's."""
    dist = JS_DIR / "node_modules" / "@getodk" / "web-forms" / "dist"
    if not dist.is_dir():
        pytest.fail(f"npm package @getodk/web-forms missing in {JS_DIR}: run `make jsdeps`")
    bundle = "\n".join(p.read_text(encoding="utf-8") for p in dist.glob("*.js"))
    for text in ENGINE_TEXT:
        assert f'"{text}"' in bundle or f'" {text} "' in bundle, text
    assert '"1 question with error."' in bundle and " questions with errors.`" in bundle
    assert f'"v{_engine_version()}"' in bundle


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_form_renders_in_vietnamese(
    form_id: str,
    open_form: OpenForm,
    built: dict[str, BuildResult],
    artefacts: Path,
    vocabulary: frozenset[str],
) -> None:
    """The form loads in the engine, in Vietnamese: its first questions, no English."""
    web = open_form(form_id)
    schema = built[form_id].schema
    shot = _screenshot(web.page, artefacts, form_id)
    language = web.page.locator(".language-changer:visible")
    default = next(lang.name or lang.code for lang in schema.languages if lang.code == LANG)
    assert default in language.inner_text(), f"language shown: {language.inner_text()!r}"
    expected = _first_questions(schema)
    shown = _shown_questions(web)
    assert len(expected) == 3
    first = shown[: len(expected)]
    assert len(first) == len(expected) and all(
        _shown_as(label).match(text) for label, text in zip(expected, first, strict=True)
    ), f"{form_id}: first questions {first}, expected {expected} ({shot})"
    problems = _problems(web.visible_texts(), schema, vocabulary)
    assert not problems, f"{form_id} ({shot}):\n" + "\n".join(problems)
    assert not web.errors, web.errors
    assert not web.blocked, f"requests off the local server: {web.blocked}"


def test_family_form_filled_shows_the_python_score(
    open_form: OpenForm, artefacts: Path, vocabulary: frozenset[str]
) -> None:
    """gia_dinh filled as a surveyor fills it: the summary shows Python's total and maximum,
    the page no English or raw number, and "Send" submits what Python scores the same."""
    rubric = load_rubrics()["gia_dinh"]
    web = open_form("gia_dinh")
    try:
        answers = _fill_family(web, rubric)
    finally:  # as far as it got
        _screenshot(web.page, artefacts, "gia_dinh_filled")
    expected = rubric.score(answers)
    assert not expected.missing, f"items left unanswered: {expected.missing}"

    summary = web.panel("summary").last
    summary.scroll_into_view_if_needed()
    summary.screenshot(path=str(artefacts / "gia_dinh_summary.png"))
    text = summary.inner_text()
    found = SCORE_LINE.search(text)
    assert found, f"no 'Tổng điểm X/Y' line in the summary:\n{text}"
    assert _number(found.group(1)) == pytest.approx(expected.total), text
    # The maximum shown is that of the items that apply, where the rubric has one.
    maximum = getattr(expected, "applicable_max", None) or expected.max_total
    assert _number(found.group(2)) == pytest.approx(maximum), text

    problems = _problems(web.visible_texts(), web.schema, vocabulary)
    assert not problems, "filled gia_dinh:\n" + "\n".join(problems)

    submission = _send(web)
    submitted = _submitted(submission["xml"], web.schema)
    for path, value in answers.items():
        if isinstance(value, list):  # the roster: the rows entered, with their calculations
            rows = submitted.get(path, [])
            assert len(rows) == len(value), path
            for row, entered in zip(rows, value, strict=True):
                assert entered.items() <= row.items(), (entered, row)
        else:
            assert submitted.get(path) == value, path
    scored = rubric.score(submitted)
    assert scored.total == pytest.approx(expected.total)
    assert scored.mismatches == (), "the device derived an item otherwise than Python"
    device_total = Answers(submitted).get("score_total")
    assert device_total is not None and _number(device_total) == pytest.approx(expected.total)
    assert not web.errors, web.errors
    assert not web.blocked, f"requests off the local server: {web.blocked}"
