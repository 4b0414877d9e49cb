"""FormSchema from an XLSForm and from KoboToolbox asset content: the same model either way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.definitions import FORM_IDS
from forms.kpi import xlsform_to_kpi_content
from forms.messages import FormsError
from forms.schema import FormSchema
from forms.text import EN, VI, column
from forms.xlsform import XLSFormData, write_xlsx

# A bilingual KPI asset content with a nested repeat and rows named only by $autoname,
# shaped as GET /api/v2/assets/{uid}/ returns it (docs/KOBO-API.md §2).
KPI_CONTENT: dict[str, Any] = {
    "schema": "1",
    "translations": ["Tiếng Việt (vi)", "English (en)"],
    "translated": ["hint", "label"],
    "settings": {"id_string": "demo", "version": "3 (2025-01-02 10:00:00)"},
    "survey": [
        {"type": "start", "name": "start", "$kuid": "k1", "$autoname": "start", "$xpath": "start"},
        {
            "type": "begin_group",
            "name": "demo",
            "$kuid": "k2",
            "$autoname": "demo",
            "$xpath": "demo",
            "label": ["Nhóm", "Group"],
        },
        {
            "type": "text",
            "$kuid": "k3",
            "$autoname": "full_name",
            "$xpath": "demo/full_name",
            "label": ["Họ tên", "Name"],
            "hint": [None, "Family name first"],
            "required": True,
            "pii": "name",
        },
        {
            "type": "begin_repeat",
            "name": "people",
            "$kuid": "k4",
            "$autoname": "people",
            "$xpath": "demo/people",
            "label": ["Người", "Person"],
        },
        {
            "type": "select_one",
            "select_from_list_name": "yn",
            "name": "adult",
            "$kuid": "k5",
            "$autoname": "adult",
            "$xpath": "demo/people/adult",
            "label": ["Người lớn", "Adult"],
            "required": False,
        },
        {
            "type": "begin_repeat",
            "name": "hobbies",
            "$kuid": "k6",
            "$autoname": "hobbies",
            "$xpath": "demo/people/hobbies",
            "label": ["Sở thích", "Hobby"],
        },
        {
            "type": "text",
            "name": "hobby",
            "$kuid": "k7",
            "$autoname": "hobby",
            "$xpath": "demo/people/hobbies/hobby",
            "label": ["Tên", "Name"],
        },
        {"type": "end_repeat", "$kuid": "k8"},
        {"type": "end_repeat", "$kuid": "k9"},
        {"type": "end_group", "$kuid": "k10"},
        {
            "type": "calculate",
            "name": "rubric_id",
            "calculation": "'demo_rubric'",
            "$kuid": "k11",
            "$autoname": "rubric_id",
            "$xpath": "rubric_id",
        },
    ],
    "choices": [
        {
            "list_name": "yn",
            "name": "yes",
            "label": ["Có", "Yes"],
            "$kuid": "c1",
            "$autovalue": "yes",
        },
        {
            "list_name": "yn",
            "name": "no",
            "label": ["Không", "No"],
            "$kuid": "c2",
            "$autovalue": "no",
        },
    ],
}


def test_schema_from_kpi_content() -> None:
    schema = FormSchema.from_kpi_content(KPI_CONTENT)
    assert (schema.form_id, schema.version, schema.default_language) == (
        "demo",
        "3 (2025-01-02 10:00:00)",
        "vi",
    )
    assert [f.path for f in schema.fields] == [
        "start",
        "demo/full_name",
        "demo/people/adult",
        "demo/people/hobbies/hobby",
        "rubric_id",
    ]
    name = schema.field("demo/full_name")
    assert (name.is_required, name.pii, name.kuid) == (True, "name", "k3")
    assert name.hints == {"en": "Family name first"}
    assert schema.label("demo/full_name", "en") == "Name"
    assert schema.label("demo/people") == "Người"
    assert [(r.path, r.parent) for r in schema.repeats] == [
        ("demo/people", "demo"),
        ("demo/people/hobbies", "demo/people"),
    ]
    assert schema.field("demo/people/hobbies/hobby").repeat == "demo/people/hobbies"
    assert [f.name for f in schema.fields_in("demo/people")] == ["adult"]
    assert [c.label("en") for c in schema.choices_for("demo/people/adult")] == ["Yes", "No"]
    assert schema.field("demo/people/adult").is_required is False
    assert schema.rubric_id == "demo_rubric"
    assert FormSchema.from_kpi_content(KPI_CONTENT, version="vABC").version == "vABC"


def test_kpi_content_must_have_a_survey() -> None:
    with pytest.raises(FormsError) as caught:
        FormSchema.from_kpi_content({"choices": []})
    assert caught.value.code == "FRM042"


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_xlsform_and_kpi_content_give_the_same_schema(built_dir: Path, form_id: str) -> None:
    path = built_dir / f"{form_id}.xlsx"
    from_file = FormSchema.from_xlsform(path)
    content = xlsform_to_kpi_content(path)
    assert content["translations"] == ["Tiếng Việt (vi)", "English (en)"]
    assert {"label", "hint", "constraint_message"} <= set(content["translated"])
    rows = {row.get("$xpath"): row for row in content["survey"]}
    assert rows["location/district"]["type"] == "select_one"
    assert rows["location/district"]["select_from_list_name"] == "district"
    assert len(rows["location/district"]["label"]) == 2
    assert all("$kuid" in row for row in content["survey"])
    from_kpi = FormSchema.from_kpi_content(content)
    assert from_kpi == from_file
    assert from_file.form_id == form_id and from_file.version == "2026.1"


def test_schema_lookup_on_a_built_form(built_dir: Path) -> None:
    schema = FormSchema.from_xlsform(built_dir / "clc_assessment.xlsx")
    assert [r.path for r in schema.repeats] == ["activities/classes"]
    assert schema.field("activities/classes/cl_female").type == "integer"
    assert "activities/classes/cl_female" in schema
    assert schema.by_name("score_total").path == "summary/score_total"
    assert (schema.rubric_id, schema.rubric_version) == ("clc", "2026.1")
    unit = FormSchema.from_xlsform(built_dir / "don_vi.xlsx")
    assert unit.rubric_ids == ("don_vi", "don_vi_xa")
    assert len(schema.choices_for(schema.field("location/commune_e1"))) == 122
    assert schema.choices["commune_e1"][0].extra == {"district": "058"}
    with pytest.raises(KeyError):
        schema.field("classes/cl_female")


_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_TEXT = (
    st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs")), min_size=1, max_size=20)
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=40, deadline=None)
@given(names=st.lists(_NAMES, min_size=1, max_size=6, unique=True), data=st.data())
def test_round_trip_through_kpi_content(names: list[str], data: st.DataObject) -> None:
    """Any bilingual form: xlsx → FormSchema equals xlsx → KPI content → FormSchema."""
    survey: list[dict[str, str]] = [
        {
            "type": "begin_group",
            "name": "g",
            column("label", VI): "Nhóm",
            column("label", EN): "Group",
        }
    ]
    for name in names:
        kind = data.draw(st.sampled_from(("text", "integer", "select_one yn", "calculate")))
        row = {"type": kind, "name": name}
        if kind == "calculate":
            row["calculation"] = "1 + 1"
        else:
            row |= {column("label", VI): data.draw(_TEXT), column("label", EN): data.draw(_TEXT)}
        if data.draw(st.booleans()):
            row["pii"] = "name"
        survey.append(row)
    survey.append({"type": "end_group"})
    choices = [
        {"list_name": "yn", "name": "yes", column("label", VI): "Có", column("label", EN): "Yes"}
    ]
    xlsx = write_xlsx(
        XLSFormData(
            tuple(survey), tuple(choices), {"form_id": "t", "default_language": VI.name or ""}
        )
    )
    assert FormSchema.from_kpi_content(xlsform_to_kpi_content(xlsx)) == FormSchema.from_xlsform(
        xlsx
    )
