"""Vietnamese (default) and English on every label, hint, constraint message and choice."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from forms.build import BuildResult
from forms.check import NO_LABEL_TYPES, check_xlsform
from forms.definitions import FORM_IDS
from forms.text import LANGUAGES, column
from forms.xlsform import read_xlsform

XF = "{http://www.w3.org/2002/xforms}"
TRANSLATED = ("label", "hint", "constraint_message", "required_message")


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_row_has_both_languages(built_dir: Path, form_id: str) -> None:
    form = read_xlsform(built_dir / f"{form_id}.xlsx")
    checked = 0
    for row in form.survey:
        kind = row["type"].split(" ")[0]
        for base in TRANSLATED:
            values = [row.get(column(base, lang), "") for lang in LANGUAGES]
            if any(values) or (base == "label" and kind not in NO_LABEL_TYPES):
                assert all(values), f"{form_id}: {row.get('name')} lacks a {base} translation"
                checked += 1
        assert "label" not in row and "hint" not in row, "untranslated column"
    for row in form.choices:
        assert all(row.get(column("label", lang)) for lang in LANGUAGES), row
    assert checked > 20
    assert check_xlsform(form, form_id) == []


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_xform_translations_match(built_dir: Path, form_id: str) -> None:
    root = ET.parse(built_dir / f"{form_id}.xml").getroot()
    translations = root.findall(f".//{XF}itext/{XF}translation")
    by_lang = {t.get("lang"): t for t in translations}
    assert list(by_lang) == ["Tiếng Việt (vi)", "English (en)"]
    assert by_lang["Tiếng Việt (vi)"].get("default") == "true()"
    texts = {
        lang: {t.get("id"): "".join(t.itertext()).strip() for t in element.findall(f"{XF}text")}
        for lang, element in by_lang.items()
    }
    assert texts["Tiếng Việt (vi)"].keys() == texts["English (en)"].keys()
    for lang, values in texts.items():
        empty = [text_id for text_id, value in values.items() if not value]
        assert not empty, f"{form_id} {lang}: empty {empty[:5]}"


def test_schema_labels_in_both_languages(built: dict[str, BuildResult]) -> None:
    schema = built["gia_dinh"].schema
    assert [lang.code for lang in schema.languages] == ["vi", "en"]
    assert schema.default_language == "vi"
    head = schema.field("household/head_name")
    assert schema.label(head) == "Họ và tên chủ hộ"
    assert schema.label(head, "en") == "Name of the household head"
    sex = "roster/members/m_person/m_sex"
    assert schema.choice_label(sex, "female", "en") == "Female"
    assert schema.choice_label(sex, "female") == "Nữ"
