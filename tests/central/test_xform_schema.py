"""FormSchema from the published XForm equals the one from the XLSForm it was built from:
paths, types, choice lists and filters, labels and hints in both languages, rules and
messages, groups and repeats, choices; and the PII tags htsd adds when it publishes."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.schema import FormSchema
from forms.xform import with_pii, with_version, xform_version
from forms.xlsform import read_xlsform

BUILT = Path(__file__).resolve().parents[2] / "forms" / "xlsform"
FORMS = ["gia_dinh", "dong_ho", "cong_dong", "don_vi", "clc_assessment", "hoat_dong"]


@pytest.mark.parametrize("form", FORMS)
def test_schema_from_xform_matches_the_xlsform(form: str) -> None:
    rows = read_xlsform(BUILT / f"{form}.xlsx")
    expected = FormSchema.from_rows(rows)
    xml = with_pii((BUILT / f"{form}.xml").read_text(encoding="utf-8"), rows)
    got = FormSchema.from_xform(xml)
    assert [f.path for f in got.fields] == [f.path for f in expected.fields]
    assert got.fields == expected.fields  # pii tags included
    assert got.groups == expected.groups
    assert got.choices == expected.choices
    assert got.languages == expected.languages
    assert (got.form_id, got.title, got.version) == (
        expected.form_id,
        expected.title,
        expected.version,
    )
    assert got.rubric_ids == expected.rubric_ids
    tagged = {f.path: f.pii for f in got.fields if f.pii}
    assert tagged == {f.path: f.pii for f in expected.fields if f.pii}
    assert tagged or form not in ("gia_dinh", "dong_ho")


def test_version_is_set_and_read() -> None:
    xml = (BUILT / "hoat_dong.xml").read_text(encoding="utf-8")
    assert xform_version(with_version(xml, "2026.1-abc")) == "2026.1-abc"
    assert FormSchema.from_xform(xml, version="v9").version == "v9"
