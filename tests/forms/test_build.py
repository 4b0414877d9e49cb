"""`htsd forms build`: six validated forms, reproducible, with what every form must carry."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from forms.build import DEFAULT_OUT, BuildResult, build_forms, compile_xlsform, convert
from forms.definitions import FORMS
from forms.doc import DEFAULT_DOC, render_markdown
from forms.form_ids import FORM_IDS
from forms.messages import FormsError
from forms.reference import REFERENCE_DIR, Reference
from forms.rubric_load import load_rubrics
from forms.text import EN, PROVISIONAL_EN, PROVISIONAL_MARK, PROVISIONAL_VI, VI, column
from forms.xlsform import XLSFormData

NS = {
    "h": "http://www.w3.org/1999/xhtml",
    "xf": "http://www.w3.org/2002/xforms",
    "jr": "http://openrosa.org/javarosa",
}
JR_PRELOAD = "{http://openrosa.org/javarosa}preload"
METADATA = {
    "start": "timestamp",
    "end": "timestamp",
    "today": "date",
    "deviceid": "property",
    "username": "property",
}


def _xml(built_dir: Path, form_id: str) -> ET.Element:
    return ET.parse(built_dir / f"{form_id}.xml").getroot()


def _bind(root: ET.Element, form_id: str, path: str) -> ET.Element:
    binds = root.findall(f".//xf:bind[@nodeset='/{form_id}/{path}']", NS)
    assert len(binds) == 1, path
    return binds[0]


def _texts(root: ET.Element, text_id: str) -> dict[str, str]:
    found = {}
    for translation in root.findall(".//xf:itext/xf:translation", NS):
        for text in translation.findall(f"xf:text[@id='{text_id}']", NS):
            found[translation.get("lang", "")] = "".join(text.itertext())
    return found


def test_build_writes_six_xlsx_and_six_xml(built_dir: Path) -> None:
    """The session fixture ran `htsd forms build --out DIR` with ODK Validate."""
    assert sorted(p.name for p in built_dir.glob("*.xlsx")) == sorted(f"{f}.xlsx" for f in FORM_IDS)
    assert sorted(p.name for p in built_dir.glob("*.xml")) == sorted(f"{f}.xml" for f in FORM_IDS)


def test_building_twice_gives_identical_files(built_dir: Path) -> None:
    again = build_forms(validate=False)
    for result in again:
        assert result.xform == (built_dir / f"{result.form_id}.xml").read_text(encoding="utf-8")
        assert result.xlsx == (built_dir / f"{result.form_id}.xlsx").read_bytes()


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_form_has_metadata_instance_name_and_reference(built_dir: Path, form_id: str) -> None:
    root = _xml(built_dir, form_id)
    for name, preload in METADATA.items():
        assert _bind(root, form_id, name).get(JR_PRELOAD) == preload
    assert _bind(root, form_id, "meta/instanceName").get("calculate")
    assert _bind(root, form_id, "eval_year").get("type") == "int"
    assert _bind(root, form_id, "eval_date").get("constraint")
    names = {b.get("nodeset", "").rsplit("/", 1)[-1] for b in root.findall(".//xf:bind", NS)}
    assert not {n for n in names if n.strip("_").startswith("version")}, "KPI strips __version__"
    if form_id == "hoat_dong":
        assert _bind(root, form_id, "task_list_id").get("calculate") == "'ke_hoach_1150'"
    else:
        rubric = load_rubrics()["clc" if form_id == "clc_assessment" else form_id]
        chosen = _bind(root, form_id, "rubric_id").get("calculate") or ""
        version = _bind(root, form_id, "rubric_version").get("calculate") or ""
        start = rubric.valid_from.isoformat() if rubric.valid_from else ""
        assert f"eval_date  >= date('{start}')" in chosen  # chosen by the evaluation date
        for each in (rubric, *rubric.variants):
            assert f"'{each.id}'" in chosen and f"'{each.version}'" in version


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_form_has_constraints_with_messages(built_dir: Path, form_id: str) -> None:
    root = _xml(built_dir, form_id)
    constrained = [b for b in root.findall(".//xf:bind", NS) if b.get("constraint")]
    assert len(constrained) >= 3
    for bind in constrained:
        message = bind.get("{http://openrosa.org/javarosa}constraintMsg", "")
        text_id = message.removeprefix("jr:itext('").removesuffix("')")
        assert set(_texts(root, text_id)) == {"Tiếng Việt (vi)", "English (en)"}


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_location_cascade_follows_the_era_of_the_evaluation_date(
    built_dir: Path, form_id: str
) -> None:
    root = _xml(built_dir, form_id)
    era = _bind(root, form_id, "era").get("calculate", "")
    assert "date('2020-02-01')" in era and "date('2025-07-01')" in era
    # Era 2 lists Vân Tùng twice: as a xã until 9/4/2023 and a thị trấn from 10/4/2023.
    counts = {1: 122, 2: 109, 3: 37}
    for number, count in counts.items():
        bind = _bind(root, form_id, f"location/commune_e{number}")
        assert f"/{form_id}/era  = {number}" in bind.get("relevant", "")
        items = root.findall(f".//xf:instance[@id='commune_e{number}']/xf:root/xf:item", NS)
        assert len(items) == count
    select = root.find(f".//h:body//xf:select1[@ref='/{form_id}/location/commune_e2']", NS)
    assert select is not None
    itemset = select.find("xf:itemset", NS)
    assert itemset is not None and "district = " in itemset.get("nodeset", "")
    village = root.find(f".//h:body//xf:select1[@ref='/{form_id}/location/village']", NS)
    assert village is not None


def test_villages_come_from_the_data_managers_file(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    reference.mkdir()
    for path in REFERENCE_DIR.iterdir():
        (reference / path.name).write_bytes(path.read_bytes())
    (reference / "villages.csv").write_text(
        "commune_code,village_code,village_name,commune_code_until_2020\n"
        "01834,nmk_1,Tổ 1,\n"
        "01840,dx_2,Tổ 2,\n",
        encoding="utf-8",
    )
    result = convert("gia_dinh", reference=Reference.load(reference))
    rows = {r["name"]: r for r in result.xlsform.choices if r["list_name"] == "village"}
    assert set(rows) == {"nmk_1", "dx_2", "other"}
    # Nguyễn Thị Minh Khai (01834) became part of Đức Xuân (01840) on 1 July 2025.
    assert (rows["nmk_1"]["c1"], rows["nmk_1"]["c2"], rows["nmk_1"]["c3"]) == (
        "01834",
        "01834",
        "01840",
    )
    village = result.schema.field("location/village")
    assert "c3 = ${commune}" in (village.choice_filter or "")


def test_personal_data_is_tagged(built: dict[str, BuildResult]) -> None:
    family = built["gia_dinh"].schema
    tags = {f.path: f.pii for f in family.pii_fields}
    assert tags["household/head_name"] == "name"
    assert tags["household/head_phone"] == "phone"
    assert tags["roster/members/m_person/m_name"] == "name"
    for form_id in ("dong_ho", "cong_dong", "don_vi"):
        assert {f.pii for f in built[form_id].schema.pii_fields} == {"name", "phone"}


def test_family_form_derives_1a_2a_2b_from_the_roster(built: dict[str, BuildResult]) -> None:
    schema = built["gia_dinh"].schema
    assert [r.path for r in schema.repeats] == ["roster/members"]
    for item in ("1a", "2a", "2b"):
        field = schema.by_name(f"c{item}")
        assert field.type == "calculate", "derived, not asked"
        counts = schema.by_name(f"c{item}_ne").calculation or ""
        assert counts == f"sum(${{c{item}_e}})"
        flag = schema.by_name(f"c{item}_e")
        assert flag.repeat == "roster/members"
        note = schema.by_name(f"n{item}")
        assert f"${{c{item}_nm}}/${{c{item}_ne}}" in note.labels["vi"]
        assert f"${{c{item}_nm}}/${{c{item}_ne}}" in note.labels["en"]
    school = schema.field("roster/members/m_study/m_school")
    assert school.relevant == "(${m_age} >= 6 and ${m_age} <= 14)"


@pytest.mark.parametrize("form_id", [f for f in FORM_IDS if f != "hoat_dong"])
def test_summary_marks_what_is_provisional(built: dict[str, BuildResult], form_id: str) -> None:
    """The Vietnamese view says "(tạm thời)" once, in the summary, with what it means, shown
    when the rubric that applies is provisional; no item repeats it."""
    result = built[form_id]
    rubric = result.rubric
    assert rubric is not None
    schema = result.schema
    note = schema.by_name("score_provisional")
    assert note.labels["vi"].startswith(PROVISIONAL_VI) and "Hội Khuyến học" in note.labels["vi"]
    assert note.labels["en"].startswith(PROVISIONAL_EN)
    flagged = {r.id for r in (rubric, *rubric.variants) if r.provisional}
    for rubric_id in flagged:
        assert f"${{rubric_id}} = '{rubric_id}'" in (note.relevant or "")
    shown = [f for f in schema.fields if PROVISIONAL_VI in f.labels.get("vi", "")]
    shown += [f for f in schema.fields if PROVISIONAL_VI in f.hints.get("vi", "")]
    assert [f.name for f in shown] == ["score_provisional"]
    if form_id == "don_vi":
        assert not rubric.pass_provisional, "TT 22/2020's pass mark and classes are known"
        assert rubric.score_provisional, "its items are maxima: how to score them is not"
        assert {v.id for v in rubric.variants} == {"don_vi_xa"}
    else:
        assert rubric.pass_provisional


def test_no_english_provisional_mark_in_the_built_forms(built_dir: Path) -> None:
    for form_id in FORM_IDS:
        assert PROVISIONAL_MARK not in (built_dir / f"{form_id}.xml").read_text(encoding="utf-8")


def test_unknown_form_is_a_coded_error() -> None:
    with pytest.raises(FormsError) as caught:
        convert("gia_dinh_2")
    assert caught.value.code == "FRM030"
    assert "clc_assessment" in caught.value.render("en")


def test_committed_forms_are_current(built: dict[str, BuildResult]) -> None:
    """forms/xlsform holds the forms surveyors get: after a rubric or form change, rebuild."""
    for form_id, result in built.items():
        xml = DEFAULT_OUT / f"{form_id}.xml"
        assert xml.exists(), "run `htsd forms build --out forms/xlsform`"
        assert xml.read_text(encoding="utf-8") == result.xform, (
            f"{xml} is out of date: run `htsd forms build --out forms/xlsform`"
        )
        assert (DEFAULT_OUT / f"{form_id}.xlsx").read_bytes() == result.xlsx
    assert DEFAULT_DOC.read_text(encoding="utf-8") == render_markdown(list(built.values())), (
        "forms/xlsform/FORMS.md is out of date: run `htsd forms doc --out forms/xlsform/FORMS.md`"
    )


def test_odk_validate_really_runs() -> None:
    """A form pyxform accepts but ODK Validate rejects (an unknown XPath function)."""
    form = XLSFormData(
        survey=(
            {
                "type": "integer",
                "name": "age",
                column("label", VI): "Tuổi",
                column("label", EN): "Age",
            },
            {"type": "calculate", "name": "bad", "calculation": "no_such_function(${age})"},
        ),
        settings={"form_id": "broken"},
    )
    compile_xlsform("broken", form, validate=False)
    with pytest.raises(FormsError) as caught:
        compile_xlsform("broken", form, validate=True)
    assert caught.value.code == "FRM032"
    assert "no_such_function" in caught.value.render("en")


def test_the_light_list_of_form_names_is_the_builders() -> None:
    assert tuple(FORMS) == FORM_IDS
