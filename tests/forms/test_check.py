"""`htsd forms check` rejects each kind of bad rubric, reference or XLSForm with its code."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from etl.commands.forms import forms_group
from forms.check import check_all
from forms.messages import FormsError
from forms.reference import REFERENCE_DIR
from forms.rubric_load import CRITERIA_DIR
from forms.text import EN, column
from forms.xlsform import read_xlsform, write_xlsx

Edit = Callable[[dict[str, Any]], None]


def _points_do_not_add_up(data: dict[str, Any]) -> None:
    data["groups"][1]["items"][0]["max_points"] = 12


def _duplicate_id(data: dict[str, Any]) -> None:
    data["groups"][2]["items"][1]["id"] = "3a"


def _unknown_answer_type(data: dict[str, Any]) -> None:
    data["groups"][0]["items"][1]["answer"] = "yes_or_no"


def _class_label_missing_english(data: dict[str, Any]) -> None:
    data["classes"][0]["label"] = {"vi": "Đạt"}


def _unmarked_item(data: dict[str, Any]) -> None:
    del data["groups"][3]["items"][0]["provisional"]


@pytest.fixture
def criteria(tmp_path: Path) -> Callable[[Edit], Path]:
    """A copy of forms/criteria with gia_dinh.yaml edited."""

    def make(edit: Edit) -> Path:
        folder = tmp_path / "criteria"
        shutil.copytree(CRITERIA_DIR, folder)
        path = folder / "gia_dinh.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        edit(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return folder

    return make


@pytest.mark.parametrize(
    ("edit", "code", "item", "words"),
    [
        (_points_do_not_add_up, "FRM001", "group g2", ["32", "30"]),
        (_duplicate_id, "FRM002", "item 3a", ["duplicate id '3a'"]),
        (_unknown_answer_type, "FRM003", "item 1b", ["yes_or_no", "graded_na"]),
        (_class_label_missing_english, "FRM004", "class dat", ["no label in en"]),
        (_unmarked_item, "FRM006", "item 4a", ["verified", "provisional"]),
    ],
)
def test_bad_rubric_is_rejected_with_its_code(
    criteria: Callable[[Edit], Path], edit: Edit, code: str, item: str, words: list[str]
) -> None:
    folder = criteria(edit)
    result = CliRunner().invoke(
        forms_group, ["check", "--criteria", str(folder)], obj=type("App", (), {"lang": "en"})()
    )
    assert isinstance(result.exception, FormsError), result.output
    assert result.exception.code == "FRM000"
    lines = [line for line in result.output.splitlines() if f"[{code}]" in line]
    assert lines, result.output
    line = lines[0]
    assert "gia_dinh.yaml" in line and item in line
    assert " — " in line, "the message says how to fix it"
    for word in words:
        assert word in line


def test_choice_without_english_label_in_an_xlsform(built_dir: Path, tmp_path: Path) -> None:
    form = read_xlsform(built_dir / "gia_dinh.xlsx")
    choices = list(form.choices)
    broken = dict(choices[3])
    del broken[column("label", EN)]
    choices[3] = broken
    path = tmp_path / "gia_dinh_edited.xlsx"
    path.write_bytes(write_xlsx(type(form)(form.survey, tuple(choices), form.settings)))
    report = check_all(xlsforms=[path])
    assert [p.code for p in report.problems] == ["FRM004"]
    problem = report.problems[0]
    assert "gia_dinh_edited.xlsx" in problem.where and "choices row 5" in problem.where
    assert "has no label in en" in problem.render("en")


def test_reference_problems(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    units = reference / "bac_kan_admin_units_2025-03-01.csv"
    units.chmod(0o644)
    lines = units.read_text(encoding="utf-8").splitlines()
    units.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    villages = reference / "villages.csv"
    villages.write_text(
        villages.read_text(encoding="utf-8") + "09999,x1,Bản X,\n", encoding="utf-8"
    )
    codes = sorted(p.code for p in check_all(reference_dir=reference).problems)
    assert codes == ["FRM020", "FRM021", "FRM021"]


def test_the_shipped_files_pass() -> None:
    report = check_all()
    assert report.ok, [p.render("en") for p in report.problems]
    assert len(report.checked) == 13  # five rubric files and don_vi_xa.yaml, ...
    result = CliRunner().invoke(forms_group, ["check"])
    assert result.exit_code == 0 and result.output.startswith("OK")


def test_rubric_using_a_field_the_form_lacks(criteria: Callable[[Edit], Path]) -> None:
    def rename(data: dict[str, Any]) -> None:
        data["groups"][0]["items"][0]["derive"]["meets"][0]["field"] = "m_schooling"

    report = check_all(criteria_dir=criteria(rename))
    assert [p.code for p in report.problems] == ["FRM033"]
    assert "m_schooling" in report.problems[0].render("vi")


# The rubric files as they were before the titles were quoted: a YAML flow mapping splits an
# unquoted text at its commas, silently, into a shorter text and extra keys.
AS_THEY_WERE = {
    "gia_dinh": (
        '    title: {vi: "Tác động, hiệu quả của học tập", en: Impact of learning}',
        "    title: {vi: Tác động, hiệu quả của học tập, en: Impact of learning}",
    ),
    "cong_dong": (
        'title: {vi: "Cộng đồng học tập (thôn, bản, tổ dân phố)", '
        'en: "Learning Community (village level)"}',
        "title: {vi: Cộng đồng học tập (thôn, bản, tổ dân phố), "
        "en: Learning Community (village level)}",
    ),
}


def _edited_copy(tmp_path: Path, rubric_id: str, old: str, new: str) -> tuple[Path, int]:
    """A copy of forms/criteria with one line of a rubric file replaced; and that line."""
    folder = tmp_path / "criteria"
    shutil.copytree(CRITERIA_DIR, folder)
    path = folder / f"{rubric_id}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    return folder, line


def _check_lines(folder: Path) -> list[str]:
    result = CliRunner().invoke(
        forms_group, ["check", "--criteria", str(folder)], obj=type("App", (), {"lang": "en"})()
    )
    assert isinstance(result.exception, FormsError), result.output
    return [line for line in result.output.splitlines() if "[FRM" in line and "FRM000" not in line]


@pytest.mark.parametrize("rubric_id", sorted(AS_THEY_WERE))
def test_a_title_cut_short_by_yaml_is_rejected(tmp_path: Path, rubric_id: str) -> None:
    folder, line = _edited_copy(tmp_path, rubric_id, *AS_THEY_WERE[rubric_id])
    (problem,) = _check_lines(folder)
    assert problem.startswith("[FRM014]")
    assert f"{rubric_id}.yaml:{line}:" in problem, "names the file and the line"
    assert "exactly two texts, vi and en" in problem
    assert "put a text containing commas" in problem and "double quotes" in problem


def test_an_unknown_key_in_an_item_is_rejected(tmp_path: Path) -> None:
    old = '        answer: graded_na\n        verified: "QĐ 448 phần A, chỉ tiêu 1b: 10 điểm"'
    new = old.replace("answer:", "anwser: graded_na\n        answer:")
    folder, line = _edited_copy(tmp_path, "gia_dinh", old, new)
    (problem,) = _check_lines(folder)
    assert problem.startswith("[FRM012]")
    assert f"gia_dinh.yaml:{line}: item 1b:" in problem
    assert "unknown key 'anwser' in this item" in problem
    assert "answer" in problem.split(" — ")[1], "the fix lists the keys allowed"


def test_a_text_with_a_third_language_is_rejected(tmp_path: Path) -> None:
    old = "title: {vi: Gia đình học tập, en: Learning Family}"
    new = "title: {vi: Gia đình học tập, en: Learning Family, fr: Famille apprenante}"
    folder, line = _edited_copy(tmp_path, "gia_dinh", old, new)
    (problem,) = _check_lines(folder)
    assert problem.startswith("[FRM014]") and f"gia_dinh.yaml:{line}: title:" in problem
    assert "fr: 'Famille apprenante'" in problem


def test_a_key_written_twice_is_rejected(tmp_path: Path) -> None:
    old = '        answer: graded_na\n        verified: "QĐ 448 phần A, chỉ tiêu 1b: 10 điểm"'
    new = old.replace("answer: graded_na", "answer: graded_na\n        answer: graded")
    folder, line = _edited_copy(tmp_path, "gia_dinh", old, new)
    (problem,) = _check_lines(folder)
    assert problem.startswith("[FRM013]") and f"gia_dinh.yaml:{line + 1}:" in problem
