"""Reference data: three eras of administrative units, the crosswalk, remote classes, tasks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from forms.messages import FormsError
from forms.reference import ERAS, REFERENCE_DIR, Reference, english_name, era_on


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
    assert english_name("Thành Phố Bắc Kạn") == "Bắc Kạn city"
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
