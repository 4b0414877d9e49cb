"""Reference data: three eras of administrative units, the crosswalk, remote classes, tasks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from forms.messages import FormsError
from forms.reference import (
    ERAS,
    REFERENCE_DIR,
    Reference,
    UnitName,
    english_name,
    era_on,
    unit_code,
)


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference.load()


def test_three_eras_with_their_unit_counts(reference: Reference) -> None:
    assert [len(reference.communes(era.id)) for era in ERAS] == [122, 108, 37]
    assert len(reference.districts) == 8
    assert reference.problems() == []


@pytest.mark.parametrize(
    ("day", "era"),
    [
        (date(2014, 7, 14), 1),
        (date(2020, 1, 31), 1),
        (date(2020, 2, 1), 2),
        (date(2025, 6, 30), 2),
        (date(2025, 7, 1), 3),
        (date(2030, 1, 1), 3),
    ],
)
def test_era_of_a_date(day: date, era: int) -> None:
    assert era_on(day).id == era


def test_crosswalk_and_former_districts(reference: Reference) -> None:
    assert reference.successor("01834").name == "Phường Đức Xuân"
    assert reference.successor("01834").province_code == "19"
    spanning = {u.code: u.former_districts for u in reference.communes(3)}
    assert spanning["01849"] == ("058", "063")  # Xã Phong Quang took land from two districts
    assert all(reference.crosswalk[u.code] for u in reference.communes(2))


def test_remote_classes(reference: Reference) -> None:
    classes = [reference.remote_class(u.code) for u in reference.communes(2)]
    assert classes.count("III") == 39
    assert set(classes) <= {"I", "II", "III", "I_or_II", "unknown"}
    assert reference.remote_class("99999") is None


def test_plan_tasks(reference: Reference) -> None:
    codes = [t.code for t in reference.tasks]
    assert codes[0] == "1.1" and codes[-1] == "5.3" and len(codes) == 27
    assert {t.task for t in reference.tasks} == {1, 2, 3, 4, 5}
    survey = next(t for t in reference.tasks if t.code == "4.1")
    assert survey.activity.en.startswith("Survey the state of the CLCs")


def test_english_names() -> None:
    assert english_name("Huyện Ba Bể") == "Ba Bể district"
    assert english_name("Thành phố Bắc Kạn") == "Bắc Kạn city"
    assert english_name("Thị trấn Vân Tùng") == "Vân Tùng township"
    assert english_name("Phường Đức Xuân") == "Đức Xuân ward"


def test_unreadable_reference_file(tmp_path: Path) -> None:
    for path in REFERENCE_DIR.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "villages.csv").write_text("commune,name\n", encoding="utf-8")
    with pytest.raises(FormsError) as caught:
        Reference.load(tmp_path)
    assert caught.value.code == "FRM023"
    assert "villages.csv" in caught.value.where


def test_van_tung_became_a_town_within_era_2(reference: Reference) -> None:
    """NQ 722/NQ-UBTVQH15: xã Vân Tùng is thị trấn Vân Tùng from 10 April 2023, same code."""
    unit = reference.unit("01954", 2)
    assert [(n.name, n.valid_from, n.valid_to) for n in unit.names] == [
        ("Xã Vân Tùng", date(2020, 2, 1), date(2023, 4, 9)),
        ("Thị trấn Vân Tùng", date(2023, 4, 10), date(2025, 6, 30)),
    ]
    assert unit.name == "Thị trấn Vân Tùng"
    assert (unit.name_on(date(2023, 4, 9)), unit.name_on(date(2023, 4, 10))) == (
        "Xã Vân Tùng",
        "Thị trấn Vân Tùng",
    )
    assert [value for value, _ in unit.choices()] == ["01954_20230409", "01954"]
    assert unit_code("01954_20230409") == "01954" == reference.unit("01954_20230409", 2).code
    assert reference.unit("01951", 2).choices() == (("01951", UnitName("Xã Đức Vân")),)
    assert reference.unit("01954", 1).name == "Xã Vân Tùng"
    assert reference.successor("01954").name == "Xã Ngân Sơn"


def _copy(tmp_path: Path) -> Path:
    for path in REFERENCE_DIR.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "column", "value"),
    [
        ("058,Thành phố Bắc Kạn,01834", "058,Thành Phố Bắc Kạn,01834", "district_name", ""),
        ("01837,Phường Sông Cầu", "01837,phường Sông Cầu", "commune_name", "phường Sông Cầu"),
        (",2023-04-10,,", ",2023-04-12,,", "valid_from", "2023-04-12"),  # a gap of two days
        (",,2023-04-09,", ",,2023-04-31,", "valid_to", "2023-04-31"),  # not a date
        (",,2023-04-09,", ",,2025-07-01,", "valid_to", "2025-07-01"),  # past the era
    ],
)
def test_unit_names_and_their_periods_are_checked(
    tmp_path: Path, old: str, new: str, column: str, value: str
) -> None:
    folder = _copy(tmp_path)
    path = folder / "bac_kan_admin_units_2025-03-01.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    problems = Reference.load(folder).problems()
    assert problems and {p.code for p in problems} == {"FRM022"}
    assert column in {p.params["column"] for p in problems}
    if value:
        assert value in {p.params["value"] for p in problems}
    assert "bac_kan_admin_units_2025-03-01.csv" in problems[0].where
