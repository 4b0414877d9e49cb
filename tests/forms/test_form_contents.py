"""What the built forms collect, read from their FormSchema: the CLC assessment's classes and
evidence, the activity report's fields and task codes, and the date fields' messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.definitions import FORM_IDS
from forms.schema import Field, FormSchema

# The numbered activities of the plan's five task tables (QĐ 1150/QĐ-UBND Bắc Kạn, 2014,
# section II.3, "Nội dung chi tiết"; checked against the plan's text).
PLAN_TASK_CODES = (
    *(f"1.{n}" for n in range(1, 7)),
    *(f"2.{n}" for n in range(1, 9)),
    *(f"3.{n}" for n in range(1, 7)),
    *(f"4.{n}" for n in range(1, 5)),
    *(f"5.{n}" for n in range(1, 4)),
)
TRAINING = "${activity_type} = 'training' or ${activity_type} = 'workshop'"


def _schema(built_dir: Path, form_id: str) -> FormSchema:
    return FormSchema.from_xlsform(built_dir / f"{form_id}.xlsx")


def _bilingual(item: Field) -> None:
    assert item.labels.get("vi") and item.labels.get("en"), item.path


def test_clc_classes_repeat_records_each_class(built_dir: Path) -> None:
    schema = _schema(built_dir, "clc_assessment")
    classes = schema.group("activities/classes")
    assert classes.repeat and classes.labels["en"] == "Class or topic session"
    expected = {
        "cl_topic": "select_one",
        "cl_title": "text",
        "cl_start": "date",
        "cl_end": "date",
        "cl_hours": "decimal",
        "cl_learners": "integer",
        "cl_female": "integer",
        "cl_ethnic": "integer",
        "cl_partner": "select_one",
    }
    fields = {f.name: f for f in schema.fields_in("activities/classes") if f.type != "calculate"}
    assert {name: f.type for name, f in fields.items() if f.has_data} == expected
    counts = ("cl_learners", "cl_female", "cl_ethnic")  # may be unknown: left blank
    for item in fields.values():
        _bilingual(item)
        assert item.is_required != (item.name in counts), item.name
    topics = {c.name for c in schema.choices_for(fields["cl_topic"])}
    assert {"literacy", "law", "agriculture", "health", "ict", "vocational"} <= topics
    partners = {c.name for c in schema.choices_for(fields["cl_partner"])}
    assert {"hkh", "women", "farmers", "youth", "none", "other"} <= partners
    assert (fields["cl_end"].constraint or "").startswith(". >= ${cl_start} and . <= today()")
    assert "${eval_year}" in (fields["cl_start"].constraint or "")
    assert fields["cl_hours"].constraint == ". > 0 and . <= 1000"
    for name in ("cl_female", "cl_ethnic"):
        assert (fields[name].constraint or "").endswith("not(. > ${cl_learners})"), name
    assert fields["cl_female"].labels["en"] == "Of whom women"
    assert fields["cl_ethnic"].labels["en"] == "Of whom ethnic-minority people"
    assert fields["cl_partner"].labels["en"] == "Partner organisation"
    # The index counts the classes, sums their learners and the women among them.
    assert schema.by_name("c3b_v").calculation == "count(${classes})"
    assert schema.by_name("c3c_v").calculation == "sum(${cl_learners})"
    assert "sum(${cl_female})" in (schema.by_name("c3d_v").calculation or "")


def test_clc_has_photo_and_gps_evidence(built_dir: Path) -> None:
    schema = _schema(built_dir, "clc_assessment")
    photo, gps = schema.field("evidence/photo"), schema.field("evidence/gps")
    assert (photo.type, photo.parameters, photo.repeat) == ("image", "max-pixels=1024", None)
    assert (gps.type, gps.repeat) == ("geopoint", None)
    for item in (photo, gps):
        _bilingual(item)
        assert not item.is_required and item.relevant is None


def test_activity_report_fields(built_dir: Path) -> None:
    schema = _schema(built_dir, "hoat_dong")
    kinds = {
        "activity/task_code": "select_one",
        "activity/activity_type": "select_one",
        "activity/act_title": "text",
        "eval_date": "date",
        "activity/act_end": "date",
        "activity/level": "select_one",
        "place_group/place": "text",
        "participants/n_participants": "integer",
        "participants/n_female": "integer",
        "participants/n_ethnic": "integer",
        "participants/n_cadres_trained": "integer",
        "evidence/photo": "image",
        "evidence/gps": "geopoint",
    }
    for path, kind in kinds.items():
        item = schema.field(path)
        assert item.type == kind, path
        _bilingual(item)
    counts = [p for p in kinds if p.startswith("participants/")]  # may be unknown
    for path in list(kinds)[:-2]:
        assert schema.field(path).is_required != (path in counts), path
    start = schema.field("eval_date")
    assert start.labels == {"vi": "Ngày bắt đầu hoạt động", "en": "Start date of the activity"}
    assert schema.field("activity/act_end").constraint == ". >= ${eval_date} and . <= today()"
    for name in ("n_female", "n_ethnic", "n_cadres_trained"):
        constraint = schema.field(f"participants/{name}").constraint or ""
        assert constraint.endswith("not(. > ${n_participants})"), name
    cadres = schema.field("participants/n_cadres_trained")
    assert (cadres.relevant or "").startswith(TRAINING)
    assert schema.by_name("cadres_trained").calculation == (
        f"if({cadres.relevant}, ${{n_cadres_trained}}, 0)"
    )
    types = {c.name for c in schema.choices_for("activity/activity_type")}
    assert {"training", "workshop", "conference", "supervision", "communication"} <= types
    assert schema.by_name("task_group").calculation == "substring-before(${task_code}, '.')"


def test_activity_task_codes_are_the_plans(built_dir: Path) -> None:
    schema = _schema(built_dir, "hoat_dong")
    choices = schema.choices_for("activity/task_code")
    assert tuple(c.name for c in choices) == PLAN_TASK_CODES
    assert len(PLAN_TASK_CODES) == 27
    for choice in choices:
        assert choice.labels["vi"].startswith(f"{choice.name} — ")
        assert choice.labels["en"].startswith(f"{choice.name} — ")
    labels = {c.name: c.labels for c in choices}
    assert labels["4.1"]["vi"].startswith("4.1 — Khảo sát thực trạng các TTHTCĐ")
    assert labels["5.1"]["vi"].startswith("5.1 — Tập huấn đánh giá, công nhận các danh hiệu")
    assert labels["5.3"]["en"].startswith("5.3 — ")


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_date_messages_name_their_field(built_dir: Path, form_id: str) -> None:
    """A date's constraint message says which date it is about, in both languages."""
    schema = _schema(built_dir, form_id)
    dated = [f for f in schema.fields if f.type == "date" and f.constraint]
    assert dated
    for item in dated:
        for lang in ("vi", "en"):
            label = item.labels[lang].lower()
            assert label in item.constraint_messages[lang].lower(), (item.path, lang)


def test_activity_dates_do_not_speak_of_an_evaluation(built_dir: Path) -> None:
    schema = _schema(built_dir, "hoat_dong")
    for item in (schema.field("eval_date"), schema.field("eval_year")):
        messages = item.constraint_messages
        assert "đánh giá" not in messages["vi"] and "evaluation" not in messages["en"]
        assert "ngày bắt đầu hoạt động" in messages["vi"].lower()
        assert "start date of the activity" in messages["en"]
