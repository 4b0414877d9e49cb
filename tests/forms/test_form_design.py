"""What the surveyor meets outside the criteria: messages for required questions, the
household roster's checks, instance names, phone numbers, bounds and their messages, years
named, ages spelled out, unknown counts left blank, and the commune list of the evaluation
date (Vân Tùng a xã, then a thị trấn).

Expressions are evaluated as a device does: the instance name by Enketo's engine (the
`xform_engine` fixture), constraints and choice filters by `localkobo.xpath`, the XPath
subset the local KoboToolbox answers forms with.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from forms.build import BuildResult
from forms.definitions import FORM_IDS
from forms.definitions.common import MAX_MONEY, PHONE_CONSTRAINT, scored_fields
from forms.schema import FormSchema
from forms.text import LANGUAGES, column, format_number
from localkobo import xpath
from tests.forms.conftest import Engine

TODAY = date(2026, 3, 1)


class _Values:
    """Answers by field name, `.`, and the columns of the choice being filtered."""

    def __init__(self, refs: dict[str, Any], dot: str = "", choice: dict[str, str] | None = None):
        self.refs, self.dot, self.choice = refs, dot, choice or {}

    def ref(self, name: str) -> Any:
        return self.refs.get(name, "")

    def current(self) -> str:
        return self.dot

    def column(self, name: str) -> str:
        return self.choice.get(name, "")

    def today(self) -> date:
        return TODAY


def _holds(expression: str, dot: str = "", **refs: Any) -> bool:
    return xpath.boolean(xpath.parse(expression)(_Values(refs, dot)))


def _row(result: BuildResult, name: str) -> dict[str, str]:
    (row,) = [r for r in result.xlsform.survey if r.get("name") == name]
    return row


# -- required questions ---------------------------------------------------------------


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_required_question_says_so_in_both_languages(
    built: dict[str, BuildResult], form_id: str
) -> None:
    required = [r for r in built[form_id].xlsform.survey if r.get("required") == "yes"]
    assert required
    for row in required:
        messages = [row.get(column("required_message", lang), "") for lang in LANGUAGES]
        assert all(messages), row["name"]
        if row["type"].startswith("select_one"):
            assert messages == ["Hãy chọn một câu trả lời", "Please choose an answer"]


# -- the household roster -------------------------------------------------------------


def test_a_second_household_head_is_refused(built: dict[str, BuildResult]) -> None:
    constraint = _row(built["gia_dinh"], "m_relation")["constraint"]
    # the count of heads and this member's flag are both read before or after the answer
    # is stored: either way their difference is the number of other heads
    assert _holds(constraint, "head", n_heads="0", m_is_head="0")  # the first head
    assert _holds(constraint, "head", n_heads="1", m_is_head="1")  # the head, stored
    assert not _holds(constraint, "head", n_heads="1", m_is_head="0")  # a second head
    assert not _holds(constraint, "head", n_heads="2", m_is_head="1")
    assert _holds(constraint, "child", n_heads="1", m_is_head="0")


def test_the_roster_needs_a_member_and_exactly_one_head(built: dict[str, BuildResult]) -> None:
    result = built["gia_dinh"]
    row = _row(result, "roster_ok")
    assert (row["type"], row["required"]) == ("acknowledge", "yes")
    for members, heads, ok in (("0", "0", False), ("3", "0", False), ("3", "2", False)):
        assert _holds(row["constraint"], "OK", n_members=members, n_heads=heads) == ok
    assert _holds(row["constraint"], "OK", n_members="3", n_heads="1")
    for lang in LANGUAGES:
        assert "${n_members}" in row[column("label", lang)]
        assert "${n_heads}" in row[column("constraint_message", lang)]
    schema = result.schema
    assert schema.by_name("n_heads").calculation == "sum(${m_is_head})"
    assert schema.by_name("m_is_head").repeat == "roster/members"


def test_roster_questions_name_the_member(built: dict[str, BuildResult]) -> None:
    schema = built["gia_dinh"].schema
    for name in ("m_relation", "m_sex", "m_age", "m_school", "m_literacy", "m_learning"):
        item = schema.by_name(name)
        assert all("${m_name}" in item.labels[lang] for lang in ("vi", "en")), name
    assert schema.by_name("m_age").labels["vi"].startswith("Tuổi của ${m_name}")
    assert schema.by_name("m_literacy").hints["vi"] == (
        "Chỉ hỏi thành viên từ 19 đến 60 tuổi (chỉ tiêu 2a, 2b)"
    )


def test_the_device_counts_heads(built_dir: Path, xform_engine: Engine) -> None:
    def member(relation: str) -> dict[str, str]:
        person = "roster/members/m_person"
        return {f"{person}/m_name": "A", f"{person}/m_relation": relation}

    cases = [
        {"roster/members": [member("head"), member("child")]},
        {"roster/members": [member("head"), member("head"), member("spouse")]},
    ]
    (results,) = xform_engine([(built_dir / "gia_dinh.xml", cases)])
    counts = [(r["values"]["roster/n_members"], r["values"]["roster/n_heads"]) for r in results]
    assert counts == [("2", "1"), ("3", "2")]


# -- instance names -------------------------------------------------------------------


def test_instance_names_tell_submissions_apart(built_dir: Path, xform_engine: Engine) -> None:
    family = {
        "eval_date": "2024-05-10",
        "household/head_name": "Hoàng Văn Thắng",
        "location/village": "other",
        "location/village_other": "Thôn Nà Đăng",
    }
    community = {
        "eval_year": "2024",
        "location/village": "other",
        "location/village_other": "Bản Chiếng",
    }
    forms = [
        (built_dir / "gia_dinh.xml", [family, family | {"household/hh_code": "17"}]),
        (built_dir / "cong_dong.xml", [community]),
    ]
    families, communities = xform_engine(forms)
    names = [r["values"]["meta/instanceName"] for r in families]
    assert names == [
        "GĐHT Hoàng Văn Thắng, Thôn Nà Đăng, 10/05/2024",
        "GĐHT Hoàng Văn Thắng (17), Thôn Nà Đăng, 10/05/2024",
    ]
    assert communities[0]["values"]["meta/instanceName"].endswith("-Bản Chiếng")


# -- phone numbers --------------------------------------------------------------------

PHONES_OK = ("0912345678", "0209387654", "02093876543", "+84912345678", "+842093876543")
PHONES_REFUSED = (
    "912345678",  # no leading 0
    "091234567",  # 9 digits
    "091234567890",  # 12 digits
    "0012345678",  # 00 is no Vietnamese number
    "+840912345678",  # +84 and the 0
    "+8491234567",  # +84 and 8 digits
    "0912 345 678",  # spaces
    "84912345678",  # 84 without +
)


def test_phone_numbers() -> None:
    pattern = re.search(r"regex\(\., '(.*)'\)$", PHONE_CONSTRAINT)
    assert pattern
    regex = re.compile(pattern.group(1))
    assert all(regex.search(p) for p in PHONES_OK)
    assert not any(regex.search(p) for p in PHONES_REFUSED)
    for phone in (*PHONES_OK, *PHONES_REFUSED):
        assert _holds(PHONE_CONSTRAINT, phone) == (phone in PHONES_OK), phone


@pytest.mark.parametrize(
    ("form_id", "name"),
    [
        ("gia_dinh", "head_phone"),
        ("dong_ho", "head_phone"),
        ("cong_dong", "leader_phone"),
        ("don_vi", "contact_phone"),
    ],
)
def test_phone_questions_carry_the_check(
    built: dict[str, BuildResult], form_id: str, name: str
) -> None:
    row = _row(built[form_id], name)
    assert row["constraint"] == PHONE_CONSTRAINT and row["pii"] == "phone"
    assert "+84" in row[column("constraint_message", LANGUAGES[0])]
    assert "0 và 9 chữ số" in row[column("constraint_message", LANGUAGES[0])]
    assert "0 and 9 digits" in row[column("constraint_message", LANGUAGES[1])]


# -- numbers: bounds, messages, unknown counts -----------------------------------------


def test_numbers_as_people_write_them() -> None:
    assert format_number(100_000_000) == "100.000.000"
    assert format_number(100_000_000, "en") == "100,000,000"
    assert format_number(1000.5) == "1.000,5"
    assert format_number(0.25, "en") == "0.25"
    assert format_number(12) == "12"


def test_money_and_counts_have_upper_bounds_in_their_messages(
    built: dict[str, BuildResult],
) -> None:
    money = {("dong_ho", "fund_balance")} | {
        ("clc_assessment", n) for n in ("fin_state", "fin_programme", "fin_contrib", "fin_spent")
    }
    for form_id, name in money:
        item = built[form_id].schema.by_name(name)
        assert f". <= {MAX_MONEY}" in (item.constraint or "")
        assert item.constraint_messages["vi"] == "Từ 0 đến 999.999.999 đồng"
        assert item.constraint_messages["en"] == "From 0 to 999,999,999 đồng"
        assert item.appearance == "thousands-sep"
    for form_id in FORM_IDS:
        for item in built[form_id].schema.fields:
            if item.type == "integer" and item.name not in ("eval_year",):
                assert re.search(r"\. <= \d", item.constraint or ""), (form_id, item.name)
                vi = item.constraint_messages["vi"]
                assert not re.search(r"\d{4}", vi), (form_id, item.name, vi)  # 1.000, not 1000


def test_a_part_is_bounded_by_its_total_only_when_that_is_known() -> None:
    assert _holds("not(. > ${n})", "5", n="7")
    assert not _holds("not(. > ${n})", "8", n="7")
    assert _holds("not(. > ${n})", "8", n="")  # the total is not known
    assert _holds("not(. > ${n})", "8", n="NaN")  # a sum with an unknown part


@pytest.mark.parametrize(
    ("form_id", "names"),
    [
        ("dong_ho", ("n_families", "n_learning_families", "n_children_school_age")),
        ("cong_dong", ("n_households", "n_learning_families", "n_adults", "n_adults_learning")),
        ("don_vi", ("n_members", "n_self_study", "n_learning_citizen")),
        ("clc_assessment", ("n_staff", "cl_learners", "n_completed", "n_families_recognised")),
        ("hoat_dong", ("n_participants", "n_female", "n_cadres_trained")),
    ],
)
def test_counts_a_surveyor_may_not_know_can_be_left_blank(
    built: dict[str, BuildResult], form_id: str, names: tuple[str, ...]
) -> None:
    schema = built[form_id].schema
    rubric = built[form_id].rubric
    scored = scored_fields(rubric) if rubric else set()
    for name in names:
        item = schema.by_name(name)
        assert not item.is_required, name
        assert item.hints["vi"].startswith("Để trống nếu không rõ"), name
        assert item.hints["en"].startswith("Leave blank if unknown"), name
        assert ("chưa đạt" in item.hints["vi"]) == (name in scored), name
    assert schema.by_name("m_age").is_required if form_id == "gia_dinh" else True


def test_class_and_activity_dates(built: dict[str, BuildResult]) -> None:
    clc = built["clc_assessment"]
    start, end = (_row(clc, n)["constraint"] for n in ("cl_start", "cl_end"))
    assert _holds(start, "2024-03-01", eval_year="2024")
    assert _holds(start, "2023-11-20", eval_year="2024")  # a class begun the year before
    assert not _holds(start, "2022-12-01", eval_year="2024")
    assert not _holds(start, "2025-01-05", eval_year="2024")
    assert not _holds(start, "2026-03-02", eval_year="2026")  # after today
    assert _holds(end, "2025-01-10", cl_start="2024-11-01", eval_year="2024")
    assert not _holds(end, "2024-10-01", cl_start="2024-11-01", eval_year="2024")
    assert not _holds(end, "2023-12-20", cl_start="2023-11-01", eval_year="2024")
    activity = built["hoat_dong"]
    act_end = _row(activity, "act_end")["constraint"]
    assert _holds(act_end, "2025-05-02", eval_date="2025-05-01")
    assert not _holds(act_end, "2025-04-30", eval_date="2025-05-01")
    assert not _holds(act_end, "2026-03-02", eval_date="2026-02-01")  # after today
    plan_year = _row(activity, "eval_year")["constraint"]
    assert _holds(plan_year, "2024", eval_date="2025-01-15")
    assert not _holds(plan_year, "2023", eval_date="2025-01-15")
    assert not _holds(plan_year, "2026", eval_date="2025-01-15")


# -- years and ages named -------------------------------------------------------------

# "trong năm" alone, not "trong năm ${eval_year}"
RELATIVE_YEARS = re.compile(
    r"năm trước|trong năm(?! \$\{eval_year\})|this year|last year|during the year", re.I
)


def _outside_criteria(schema: FormSchema) -> list[Any]:
    items = [*schema.fields, *schema.groups]
    return [i for i in items if not i.path.startswith(("criteria", "summary"))]


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_labels_name_the_year(built: dict[str, BuildResult], form_id: str) -> None:
    for item in _outside_criteria(built[form_id].schema):
        texts = [*item.labels.values(), *getattr(item, "hints", {}).values()]
        for text in texts:
            if item.name == "eval_year":
                continue
            assert not RELATIVE_YEARS.search(text), (item.path, text)
    hint = built[form_id].schema.by_name("eval_year").hints["vi"]
    assert form_id == "hoat_dong" or "quý I năm 2025 thì thường là năm 2024" in hint


@pytest.mark.parametrize("form_id", ["dong_ho", "cong_dong", "don_vi", "gia_dinh"])
def test_ages_are_spelled_out(built: dict[str, BuildResult], form_id: str) -> None:
    for item in _outside_criteria(built[form_id].schema):
        vi = item.labels.get("vi", "")
        if re.search(r"người lớn|trẻ em", vi, re.I):
            assert re.search(r"\d+ (đến \d+ )?tuổi", vi), (item.path, vi)
    labels = {f.name: f.labels.get("vi", "") for f in built[form_id].schema.fields}
    if form_id == "dong_ho":
        assert "từ 6 đến 14 tuổi" in labels["n_children_school_age"]
    if form_id == "cong_dong":
        assert "từ 15 tuổi" in labels["n_adults_learning"]


# -- the commune list of the evaluation date ------------------------------------------


def _communes(result: BuildResult, era: int, day: str, district: str) -> dict[str, str]:
    """The commune choices the device offers on `day` in `district`: value → label."""
    schema = result.schema
    item = schema.by_name(f"commune_e{era}")
    expression = xpath.parse(item.choice_filter or "true()")
    refs = {"district": district, "eval_date": day}
    refs["eval_day"] = xpath.parse(schema.by_name("eval_day").calculation or "")(_Values(refs))
    kept = {}
    for choice in schema.choices_for(item):
        values = _Values(refs, choice=dict(choice.extra))
        if xpath.boolean(expression(values)):
            kept[choice.name] = choice.labels["vi"]
    return kept


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_van_tung_is_named_as_on_the_evaluation_date(
    built: dict[str, BuildResult], form_id: str
) -> None:
    result = built[form_id]
    before = _communes(result, 2, "2023-04-09", "062")
    after = _communes(result, 2, "2023-04-10", "062")
    assert before["01954_20230409"] == "Xã Vân Tùng" and "01954" not in before
    assert after["01954"] == "Thị trấn Vân Tùng" and "01954_20230409" not in after
    assert len(before) == len(after) == 10  # Ngân Sơn's ten units
    commune = result.schema.by_name("commune").calculation or ""
    for value in ("01954_20230409", "01954"):
        refs = {"era": "2", "commune_e2": value}
        assert xpath.string(xpath.parse(commune)(_Values(refs))) == "01954"
    district = {c.name: c.labels["vi"] for c in result.schema.choices["district"]}
    assert district["058"] == "Thành phố Bắc Kạn"


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_long_lists_are_searchable_drop_downs(built: dict[str, BuildResult], form_id: str) -> None:
    schema = built[form_id].schema
    for name in ("commune_e1", "commune_e2", "commune_e3", "village"):
        assert schema.field(f"location/{name}").appearance == "minimal autocomplete", name
