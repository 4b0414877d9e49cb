"""Targets as data (forms/reference/targets.csv): each document's numbers, the remote-commune
variants in both readings of "10% lower", precedence and years no document covers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from forms.messages import FormsCode, FormsError
from forms.reference import Reference
from forms.targets import (
    GENERAL,
    REMOTE,
    REMOTE_READINGS,
    TARGET_COLUMNS,
    TARGETS_FILE,
    TITLES,
    UNRESOLVED,
    Targets,
    check_targets,
    load_targets,
    remote_status,
)


@pytest.fixture(scope="module")
def targets() -> Targets:
    return load_targets()


def _all(targets: Targets, year: int, *, remote: bool = False, reading: str = "points") -> dict:
    chosen = targets.for_year(year, reading)
    return {title: chosen.target(title, remote) for title in TITLES}


def test_the_shipped_file_has_no_problem() -> None:
    loaded, problems = check_targets()
    assert problems == [] and loaded is not None
    assert loaded.version and {d.code for d in loaded.documents} == {
        "1150/QĐ-UBND",
        "281/QĐ-TTg",
        "387/QĐ-TTg",
    }


def test_1150_the_province_plan_for_2014_to_2020(targets: Targets) -> None:
    chosen = targets.for_year(2016)
    assert (chosen.document, chosen.covered, chosen.note) == ("1150/QĐ-UBND", True, None)
    assert chosen.period == "2014–2020" and "1150/QĐ-UBND" in chosen.document_title.vi
    assert _all(targets, 2016) == {
        "gia_dinh": 80,
        "dong_ho": 50,
        "cong_dong": 60,
        "don_vi": 85,
        "training": 100,
    }


def test_1150_remote_communes_ten_points_lower_by_default(targets: Targets) -> None:
    assert targets.for_year(2019).remote_reading == "points"
    assert _all(targets, 2019, remote=True) == {
        "gia_dinh": 70,
        "dong_ho": 40,
        "cong_dong": 50,
        "don_vi": 85,  # the plan lowers only the first three
        "training": 100,
    }
    text = targets.for_year(2019).remote_reading_text
    assert "10 percentage points" in text.en and "10 điểm phần trăm" in text.vi


def test_1150_remote_communes_relative_reading_is_a_setting(targets: Targets) -> None:
    assert REMOTE_READINGS == ("points", "relative")
    assert _all(targets, 2019, remote=True, reading="relative") == {
        "gia_dinh": 72,
        "dong_ho": 45,
        "cong_dong": 54,
        "don_vi": 85,
        "training": 100,
    }
    chosen = targets.for_year(2019, "relative")
    assert chosen.remote_reading == "relative" and "relative" in chosen.remote_reading_text.en
    assert chosen.target("gia_dinh") == 80  # the general targets do not move


def test_an_unknown_reading_is_refused(targets: Targets) -> None:
    with pytest.raises(FormsError) as caught:
        targets.for_year(2019, "percent")
    assert caught.value.code == FormsCode.BAD_VALUE


def test_the_province_wins_over_the_national_scheme_in_2018(targets: Targets) -> None:
    assert targets.for_year(2018).document == "1150/QĐ-UBND"
    # without the province's rows, 281 would apply: its own numbers and difficult areas
    national = Targets(tuple(d for d in targets.documents if d.scope == "national"), "x")
    chosen = national.for_year(2018)
    assert (chosen.document, chosen.covered) == ("281/QĐ-TTg", True)
    assert _all(national, 2018) == {
        "gia_dinh": 70,
        "dong_ho": 50,
        "cong_dong": 60,
        "don_vi": 50,
        "training": None,
    }
    for reading in REMOTE_READINGS:  # stated by the scheme: no reading to apply
        remote = _all(national, 2018, remote=True, reading=reading)
        assert remote == {**_all(national, 2018), "gia_dinh": 60, "dong_ho": 40, "cong_dong": 50}
    assert "difficult-area targets of 281/QĐ-TTg" in chosen.remote_reading_text.en


def test_2024_is_covered_by_387(targets: Targets) -> None:
    chosen = targets.for_year(2024)
    assert (chosen.document, chosen.covered, chosen.note) == ("387/QĐ-TTg", True, None)
    assert _all(targets, 2024) == {
        "gia_dinh": 70,
        "dong_ho": 65,
        "cong_dong": 65,
        "don_vi": 80,
        "training": None,
    }
    assert _all(targets, 2024, remote=True) == _all(targets, 2024)  # no variant given
    assert "no difficult-area targets" in chosen.remote_reading_text.en


def test_2026_uses_387_and_says_it_is_not_covered(targets: Targets) -> None:
    chosen = targets.for_year(2026)
    assert (chosen.document, chosen.covered) == ("387/QĐ-TTg", False)
    assert chosen.note is not None
    assert "not covered" in chosen.note.en and "latest earlier targets" in chosen.note.en
    assert "2026" in chosen.note.vi and "387/QĐ-TTg" in chosen.note.vi
    assert chosen.target("gia_dinh") == 70 and chosen.target("don_vi", remote=True) == 80


def test_2013_has_no_targets_and_says_so(targets: Targets) -> None:
    chosen = targets.for_year(2013)
    assert (chosen.document, chosen.covered) == ("", False)
    assert chosen.note is not None and "no targets" in chosen.note.en
    assert all(chosen.target(t, r) is None for t in TITLES for r in (False, True))


def test_an_unknown_title_is_a_programming_error(targets: Targets) -> None:
    with pytest.raises(ValueError):
        targets.for_year(2016).target("gia-dinh")


def test_remote_status_of_each_qd861_class() -> None:
    assert (GENERAL, REMOTE, UNRESOLVED) == ("general", "remote", "unresolved")
    expected = {
        "III": REMOTE,
        "I": GENERAL,
        "II": GENERAL,
        "I_or_II": GENERAL,
        "unknown": UNRESOLVED,
        None: UNRESOLVED,
    }
    for remote_class, status in expected.items():
        assert remote_status(remote_class) == status
    reference = Reference.load()
    classes = {remote_status(reference.remote_class(u.code)) for u in reference.communes(2)}
    assert REMOTE in classes and remote_status(reference.remote_class("99999")) == UNRESOLVED


# -- a bad file -----------------------------------------------------------------------------


def _rows() -> list[dict[str, str]]:
    with TARGETS_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, TARGET_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(
    ("index", "column", "value"),
    [(3, "percent", "85%"), (0, "period_from", ""), (16, "percent", "tám mươi")],
)
def test_a_bad_value_names_its_row_and_column(
    index: int, column: str, value: str, tmp_path: Path
) -> None:
    rows = _rows()
    rows[index][column] = value
    path = _write(tmp_path / "targets.csv", rows)
    with pytest.raises(FormsError) as caught:
        load_targets(path)
    error = caught.value
    assert error.code == FormsCode.BAD_VALUE
    assert error.where.endswith(f"targets.csv: row {index + 2}")
    assert error.params["column"] == column and error.params["value"] == value
    line = error.render("en")
    assert f"row {index + 2}" in line and f"column {column}" in line


def test_a_missing_period_on_a_later_row_of_a_document(tmp_path: Path) -> None:
    rows = _rows()
    rows[1]["period_to"] = ""  # differs from the document's first row
    _, problems = check_targets(_write(tmp_path / "t.csv", rows))
    assert [(p.where.rsplit(" ", 1)[-1], p.params["column"]) for p in problems] == [
        ("3", "period_to")
    ]


def test_a_remote_row_with_nothing_to_lower(tmp_path: Path) -> None:
    rows = [r for r in _rows() if not (r["document"] == "1150/QĐ-UBND" and r["title"] == "dong_ho")]
    rows.append({**_rows()[6]})  # 1150 dong_ho remote, lower_by 10, its general row gone
    _, problems = check_targets(_write(tmp_path / "t.csv", rows))
    assert [p.params["column"] for p in problems] == ["lower_by"]
    assert problems[0].where.endswith(f"row {len(rows) + 1}")


def test_a_file_missing_a_column_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("document,percent\n1150/QĐ-UBND,80\n", encoding="utf-8")
    with pytest.raises(FormsError) as caught:
        load_targets(path)
    assert caught.value.code == FormsCode.REFERENCE_UNREADABLE
    assert "period_from" in caught.value.render("en")
