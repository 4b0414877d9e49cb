"""The data-quality page (`validation.quality_page`) on a warehouse the real validation filled.

The local KoboToolbox's generator makes 40 family evaluations; some are then edited on the
"server" (landed again, as a sync lands an edit): an age of 130 in the roster, a choice code
holding a `<script>`, a phone number in the wrong form (a personal answer), a district code
the reference does not know, a district left out, another surveyor, a surveyor known only by
the device. `etl.pipeline.validate` records the findings; the page is rendered in Vietnamese
and English, parsed with `html.parser` and compared with the findings table, the run's
summary and the review's held submissions.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl import pipeline
from forms.findings import Finding
from forms.reference import Reference, english_name
from forms.schema import FormSchema
from forms.text import Text
from localkobo.province import demo_kobo
from tests.warehouse.support import SERVER, land_payloads, land_store
from validation.messages import ValidationCode, ValidationError
from validation.quality_page import (
    RULE_NAMES,
    data_table_url,
    quality_page,
    submission_url,
    write_quality_page,
)
from validation.review import decide, held
from validation.run import AssetValidation
from validation.store import record
from warehouse.db import make_engine
from warehouse.migrate import upgrade
from warehouse.runlog import start_run
from warehouse.schema import kobo_asset_version, raw_submission, validation_finding

MEMBERS = "roster/members"
PERSON = f"{MEMBERS}/m_person"
SCRIPT = "<script>alert('htsd')</script>"
BAD_PHONE = "09 1234 56"
WHEN = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 08:30 in Vietnam
VOID = {"meta", "br", "col", "img", "input", "link", "hr", "wbr", "source"}


@dataclass
class Row:
    attrs: dict[str, str]
    context: dict[str, str]  # data-* of the enclosing sections
    cells: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)


class PageParser(HTMLParser):
    """Checks that every element closes in order; keeps the rows, links and tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.rows: list[Row] = []
        self.tags: Counter[str] = Counter()
        self.links: list[str] = []
        self.text: list[str] = []
        self.html_lang = ""
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags[tag] += 1
        if tag == "html":
            self.html_lang = values.get("lang", "")
        for key in ("href", "src"):
            if key in values:
                self.links.append(values[key])
        if tag == "tr":
            context: dict[str, str] = {}
            for name, section in self.stack:
                if name == "section":
                    context.update({k: v for k, v in section.items() if k.startswith("data-")})
                    if "id" in section:
                        context["section"] = section["id"]
            self.rows.append(Row(values, context))
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a" and self.rows and "href" in values:
            self.rows[-1].hrefs.append(values["href"])
        if tag not in VOID:
            self.stack.append((tag, values))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"</{tag}> closes nothing"
        opened, _ = self.stack.pop()
        assert opened == tag, f"</{tag}> closes <{opened}>"
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].cells.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


@dataclass
class Page:
    html: str
    parser: PageParser

    @property
    def text(self) -> str:
        return "".join(self.parser.text)

    def totals(self) -> dict[str, int]:
        return {
            r.attrs["id"].removeprefix("total-"): int(r.cells[1])
            for r in self.parser.rows
            if r.attrs.get("id", "").startswith("total-")
        }

    def counts(self, section: str, key: str) -> dict[str, list[int]]:
        """Rows of a counts table: the row's key → its numbers."""
        return {
            r.attrs[key]: [int(c) for c in r.cells[1:]]
            for r in self.parser.rows
            if r.context.get("section") == section and key in r.attrs
        }

    def names(self, section: str, key: str) -> dict[str, str]:
        return {
            r.attrs[key]: r.cells[0]
            for r in self.parser.rows
            if r.context.get("section") == section and key in r.attrs
        }

    def findings(self) -> list[Row]:
        return [r for r in self.parser.rows if "data-submission" in r.attrs]


def parse(html: str) -> Page:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    assert not parser.stack, f"left open: {[t for t, _ in parser.stack]}"
    return Page(html, parser)


# -- the warehouse ------------------------------------------------------------------------


@dataclass
class Validated:
    engine: Engine
    uid: str
    run: AssetValidation
    payloads: dict[int, dict[str, Any]]  # every current submission, after the edits

    @property
    def where(self) -> dict[tuple[str, int], tuple[str, str]]:
        return {(self.uid, k): v for k, v in self.run.where.items()}

    def page(self, lang: str = "vi", **options: Any) -> Page:
        options.setdefault("where", self.where)
        options.setdefault("checked", self.run.checked)
        options.setdefault("generated_at", WHEN)
        return parse(quality_page(self.engine, [(SERVER, self.uid)], lang=lang, **options))

    def listed(self) -> list[Any]:
        """The open and accepted findings of current submissions, from the table itself."""
        t = validation_finding
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t).where(t.c.asset_uid == self.uid, t.c.status.in_(("open", "accepted")))
            ).all()
        return [r for r in rows if int(r.kobo_id) in self.payloads]


def _payloads(engine: Engine) -> dict[int, dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(raw_submission.c.kobo_id, raw_submission.c.payload).where(
                raw_submission.c.deleted_run.is_(None)
            )
        ).all()
    return {int(r.kobo_id): json.loads(r.payload) for r in rows}


def _build(engine: Engine) -> Validated:
    """The generated evaluations landed, edited, validated."""
    demo = demo_kobo(40, seed=3)
    uid = demo.asset_uid
    land_store(engine, demo.kobo, uid, start_run(engine, "sync"))
    stored = _payloads(engine)
    edits = {i: json.loads(json.dumps(stored[i])) for i in (3, 5, 8, 13, 17)}
    edits[3][MEMBERS][0][f"{PERSON}/m_age"] = "130"
    edits[5]["household/hkh_member"] = SCRIPT
    edits[5]["username"] = "dtv_02"
    edits[8]["household/head_phone"] = BAD_PHONE
    del edits[8]["username"]  # the surveyor is then the device
    edits[13]["location/district"] = "999"
    del edits[17]["location/district"]
    land_payloads(engine, SERVER, uid, start_run(engine, "sync"), list(edits.values()))
    run = pipeline.validate(engine, [(SERVER, uid)])
    return Validated(engine, uid, run.assets[0], _payloads(engine))


@pytest.fixture
def validated(engine: Engine) -> Validated:
    """A warehouse of its own on SQLite and PostgreSQL, for the tests that change it."""
    return _build(engine)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Validated]:
    """One SQLite warehouse for the tests that only read it."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('quality') / 'warehouse.sqlite'}")
    upgrade(engine)
    yield _build(engine)
    engine.dispose()


def _district(payload: dict[str, Any]) -> str:
    return str(payload.get("location/district") or "")


def _surveyor(payload: dict[str, Any]) -> str:
    return str(payload.get("username") or payload.get("deviceid") or "")


def _personal_answers(engine: Engine, payloads: dict[int, dict[str, Any]]) -> set[str]:
    """Every answer of a question the form tags as personal (names, phone numbers)."""
    with engine.connect() as conn:
        contents = conn.execute(sa.select(kobo_asset_version.c.content)).scalars().all()
    names = {
        f.path.rsplit("/", 1)[-1]
        for content in contents
        for f in FormSchema.from_kpi_content(json.loads(content)).pii_fields
    }
    assert {"head_name", "head_phone", "m_name"} <= names

    def walk(data: dict[str, Any]) -> set[str]:
        found: set[str] = set()
        for key, value in data.items():
            if isinstance(value, list):
                for row in value:
                    if isinstance(row, dict):
                        found |= walk(row)
            elif key.rsplit("/", 1)[-1] in names and value:
                found.add(str(value))
        return found

    return set().union(*(walk(p) for p in payloads.values()))


# -- the tests -----------------------------------------------------------------------------


def test_counts_match_the_findings_the_run_and_the_review(validated: Validated) -> None:
    page = validated.page("vi")
    listed = validated.listed()
    summary = validated.run.as_dict()
    with validated.engine.connect() as conn:
        held_ids = held(conn, SERVER, validated.uid)
    assert {3, 5, 8, 13, 17} <= held_ids, "each seeded edit is an error"
    assert page.totals() == {
        "current": 40,
        "checked": 40,
        "findings": len(listed),
        "errors": sum(r.severity == "error" and r.status == "open" for r in listed),
        "warnings": sum(r.severity == "warning" and r.status == "open" for r in listed),
        "accepted": 0,
        "held": len(held_ids),
    }
    totals = page.totals()
    assert (totals["findings"], totals["errors"], totals["warnings"]) == (
        summary["findings"],
        summary["errors"],
        summary["warnings"],
    ), "the page and the command's summary count alike"

    by_rule = page.counts("by-rule", "data-rule")
    assert {rule: numbers[0] for rule, numbers in by_rule.items()} == summary["by_rule"]
    for rule, (findings, errors, warnings, accepted, submissions, held_here) in by_rule.items():
        mine = [r for r in listed if r.rule == rule]
        assert findings == len(mine) == errors + warnings + accepted
        assert submissions == len({r.kobo_id for r in mine})
        assert held_here == len({r.kobo_id for r in mine} & held_ids)
    names = page.names("by-rule", "data-rule")
    assert names["form.range"].startswith(RULE_NAMES["form.range"].vi)
    assert names["form.choice"].startswith("Mã lựa chọn không có trong danh sách")

    payloads = validated.payloads
    district_of = Counter(_district(payloads[int(r.kobo_id)]) for r in listed)
    by_district = page.counts("by-district", "data-district")
    assert {k: v[0] for k, v in by_district.items()} == dict(district_of)
    assert {k or "?": v[0] for k, v in by_district.items()} == summary["by_district"]
    surveyor_of = Counter(_surveyor(payloads[int(r.kobo_id)]) for r in listed)
    by_surveyor = page.counts("by-surveyor", "data-surveyor")
    assert {k: v[0] for k, v in by_surveyor.items()} == dict(surveyor_of)
    assert {"dieutravien", "dtv_02", payloads[8]["deviceid"]} <= set(by_surveyor)

    rows = page.findings()
    assert len(rows) == len(listed)
    for row in rows:  # grouped under the district and surveyor of its own submission
        payload = payloads[int(row.attrs["data-submission"])]
        assert row.context["data-district"] == _district(payload)
        assert row.context["data-surveyor"] == _surveyor(payload)
    order = [r.context["data-district"] for r in rows]
    assert order == sorted(order, key=lambda d: (d == "", d)), "by district, the unknown last"


def test_districts_are_named_in_each_language(shared: Validated) -> None:
    reference = {d.code: d.name for d in Reference.load().districts}
    vi, en = shared.page("vi"), shared.page("en")
    codes = {_district(shared.payloads[int(r.kobo_id)]) for r in shared.listed()}
    assert {"999", ""} < codes
    for code in codes - {"999", ""}:
        name = reference[code]
        assert vi.names("by-district", "data-district")[code] == f"{name} ({code})"
        assert en.names("by-district", "data-district")[code] == f"{english_name(name)} ({code})"
    for page, unknown in ((vi, "chưa rõ"), (en, "unknown")):
        names = page.names("by-district", "data-district")
        assert names["999"] == "999", "a code the reference does not know is shown as it is"
        assert names[""] == unknown
        assert list(names)[-1] == "", "the submissions naming no district come last"
    assert vi.parser.html_lang == "vi" and en.parser.html_lang == "en"


def test_each_finding_links_to_its_submission_in_kobotoolbox(shared: Validated) -> None:
    page = shared.page("en")
    uid = shared.uid
    listed_ids = {int(r.kobo_id) for r in shared.listed()}
    linked = set()
    for row in page.findings():
        kobo_id = int(row.attrs["data-submission"])
        view = f"{SERVER}/api/v2/assets/{uid}/data/{kobo_id}/enketo/redirect/view/"
        assert row.hrefs == [view, f"{SERVER}/#/forms/{uid}/data/table"]
        assert row.cells[0] == str(kobo_id)
        linked.add(kobo_id)
    assert linked == listed_ids
    assert all(link.startswith(SERVER + "/") for link in page.parser.links), "nothing else"
    assert submission_url("https://kf.kobotoolbox.org/", "aB1", 7) == (
        "https://kf.kobotoolbox.org/api/v2/assets/aB1/data/7/enketo/redirect/view/"
    )
    assert data_table_url("http://127.0.0.1:8765", "aB1") == (
        "http://127.0.0.1:8765/#/forms/aB1/data/table"
    )
    assert submission_url("javascript:alert(1)", "aB1", 7) is None, "only web addresses"


def test_values_and_messages_are_escaped(shared: Validated) -> None:
    for lang in ("vi", "en"):
        page = shared.page(lang)
        assert "<script" not in page.html.lower()
        assert page.parser.tags["script"] == 0
        assert "&lt;script&gt;alert(" in page.html
        row = next(
            r
            for r in page.findings()
            if r.attrs["data-submission"] == "5" and r.attrs["data-rule"] == "form.choice"
        )
        assert SCRIPT in row.cells, "the value is shown as the text it is"
        assert any(SCRIPT in cell for cell in row.cells[6:7]), "and in the message"
    page = shared.page("vi", form_names={shared.uid: "<b>gia_dinh</b>"})
    assert "<b>" not in page.html and "&lt;b&gt;gia_dinh&lt;/b&gt;" in page.html


def test_no_name_or_phone_number_of_the_submissions_is_shown(shared: Validated) -> None:
    personal = _personal_answers(shared.engine, shared.payloads)
    assert BAD_PHONE in personal and len(personal) > 40
    for lang, masked in (("vi", "[dữ liệu cá nhân]"), ("en", "[personal data]")):
        page = shared.page(lang)
        for text in (page.html, unescape(page.html)):
            shown = sorted(value for value in personal if value in text)
            assert not shown, f"personal answers in the {lang} page: {shown}"
        row = next(
            r
            for r in page.findings()
            if r.attrs["data-submission"] == "8" and r.attrs["data-rule"] == "form.pattern"
        )
        assert row.cells[4] == "household/head_phone" and row.cells[5] == masked
        assert masked in row.cells[6], "the message quoting the value is masked too"


def test_english_and_vietnamese_texts(shared: Validated) -> None:
    listed = {(int(r.kobo_id), r.rule, r.field_path): r for r in shared.listed()}
    for lang, error, warning, status in (
        ("vi", "lỗi", "cảnh báo", "chưa xử lý"),
        ("en", "error", "warning", "open"),
    ):
        page = shared.page(lang)
        assert page.text.count("08:30") >= 1, "the time in Vietnam"
        for row in page.findings():
            kobo_id = int(row.attrs["data-submission"])
            rule = row.attrs["data-rule"]
            field_path = row.cells[4].split(" ")[0]
            stored = listed[(kobo_id, rule, field_path)]
            assert row.cells[3] == (error if stored.severity == "error" else warning)
            assert row.cells[7] == status
            message = stored.message_en if lang == "en" else stored.message_vi
            if kobo_id != 8:  # the masked one is tested above
                assert row.cells[6] == " ".join(message.split())
        title = {"vi": "Chất lượng dữ liệu", "en": "Data quality"}[lang]
        assert page.text.count(title) >= 1
    with pytest.raises(ValueError, match="lang"):
        shared.page("fr")


def test_accepted_findings_stay_listed_and_release_the_submission(
    validated: Validated,
) -> None:
    before = validated.page("vi").totals()
    with validated.engine.begin() as conn:
        decided = decide(
            conn,
            server=SERVER,
            asset_uid=validated.uid,
            kobo_id=3,
            decision="accept",
            reason="tuổi đã xác minh",
            decided_by="quan_ly",
        )
    assert decided.findings_accepted >= 1
    vi, en = validated.page("vi"), validated.page("en")
    after = vi.totals()
    assert after["findings"] == before["findings"], "accepted findings are still shown"
    assert after["accepted"] == decided.findings_accepted
    assert after["held"] == before["held"] - 1
    assert after["errors"] + after["warnings"] + after["accepted"] == after["findings"]
    for page, accepted in ((vi, "đã chấp nhận"), (en, "accepted")):
        rows = [r for r in page.findings() if r.attrs["data-submission"] == "3"]
        assert rows and all(r.cells[7] == accepted for r in rows)
        assert all(r.attrs.get("class") == "accepted" for r in rows)


def test_without_where_the_places_are_read_from_the_submissions(shared: Validated) -> None:
    given = shared.page("vi")
    read = shared.page("vi", where=None, checked=None)
    assert [r.context for r in read.findings()] == [r.context for r in given.findings()]
    assert "checked" not in read.totals() and read.totals()["current"] == 40


def test_closed_and_deleted_submissions_are_left_out(validated: Validated) -> None:
    uid = validated.uid
    with validated.engine.begin() as conn:
        conn.execute(
            raw_submission.update()
            .where(raw_submission.c.kobo_id == 13)
            .values(deleted_run=start_run(validated.engine, "sync"))
        )
        record(
            conn,
            server=SERVER,
            asset_uid=uid,
            run_id=None,
            checked=[17],
            findings=[Finding("time.too_short", "end", "1", Text("x", "x"), submission=99)],
        )
    page = validated.page("en")
    shown = {int(r.attrs["data-submission"]) for r in page.findings()}
    assert 13 not in shown, "deleted on the server: nothing to fix"
    assert 17 not in shown, "fixed: its findings closed"
    assert 99 not in shown, "not a current submission"
    assert page.totals()["current"] == 39


def test_a_warehouse_without_findings(engine: Engine) -> None:
    page = parse(quality_page(engine, [(SERVER, "nothing")], lang="en", generated_at=WHEN))
    assert page.totals() == {
        "current": 0,
        "findings": 0,
        "errors": 0,
        "warnings": 0,
        "accepted": 0,
        "held": 0,
    }
    assert "No open findings." in page.text and not page.findings()


def test_the_page_is_self_contained(shared: Validated) -> None:
    page = shared.page("vi")
    assert page.html.startswith("<!DOCTYPE html>")
    assert page.parser.tags["style"] == 1 and page.parser.tags["link"] == 0
    assert page.parser.tags["img"] == 0 and page.parser.tags["script"] == 0
    assert "@import" not in page.html and "url(" not in page.html
    assert '<meta charset="utf-8">' in page.html
    assert "@page { size: A4" in page.html


def test_write_quality_page(tmp_path: Path) -> None:
    target = tmp_path / "quality.html"
    assert write_quality_page(target, "<p>một</p>") == target
    assert write_quality_page(str(target), "<p>hai</p>") == target
    assert target.read_text(encoding="utf-8") == "<p>hai</p>"
    assert [p.name for p in tmp_path.iterdir()] == ["quality.html"], "no partial file left"

    with pytest.raises(ValidationError) as missing:
        write_quality_page(tmp_path / "no_folder" / "quality.html", "<p/>")
    assert missing.value.code == ValidationCode.PAGE_UNWRITABLE
    assert "VAL004" in missing.value.render("vi") and "không tồn tại" in missing.value.render("vi")
    assert "the folder does not exist" in missing.value.render("en")

    (tmp_path / "folder.html").mkdir()
    with pytest.raises(ValidationError) as directory:
        write_quality_page(tmp_path / "folder.html", "<p/>")
    assert directory.value.code == ValidationCode.PAGE_UNWRITABLE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.html", "quality.html"]
