"""`htsd forms doc` and the forms commands' help and options."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from etl.commands.forms import forms_group
from forms.definitions import FORM_IDS
from forms.messages import FormsError
from forms.rubric_load import load_rubrics
from forms.text import PROVISIONAL_MARK


def test_doc_lists_every_form_in_both_languages(tmp_path: Path) -> None:
    out = tmp_path / "docs" / "forms.md"
    result = CliRunner().invoke(forms_group, ["doc", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    for form_id in FORM_IDS:
        assert f'<a id="{form_id}"></a>' in text
    assert (
        "| `household/head_name` | text | Họ và tên chủ hộ | Name of the household head |" in text
    )
    assert "**dữ liệu cá nhân / personal data: phone**" in text
    assert "| `attending` | Đang đi học | Attending school |" in text
    assert "| `4.1` | 4.1 — Khảo sát thực trạng các TTHTCĐ" in text
    assert "more, see forms/reference/bac_kan_admin_units_until_2020-01-31.csv" in text
    rubrics = load_rubrics()
    assert f"`gia_dinh` {rubrics['gia_dinh'].version} {PROVISIONAL_MARK}" in text
    # Every rubric with its period of validity (and scope), as the form chooses it.
    unit = _section(text, "don_vi")
    assert (
        "- Hiệu lực / valid: từ 21/9/2020 / from 21 Sep 2020 (đã xác minh / verified: TT 22" in unit
    )
    assert "- Phạm vi / scope: `unit_level` ∈ {district, province}" in unit
    assert f"`don_vi_xa` {rubrics['don_vi'].variants[0].version} {PROVISIONAL_MARK}" in unit
    assert "- Phạm vi / scope: `unit_level` ∈ {commune}" in unit
    for form_id in ("gia_dinh", "dong_ho", "cong_dong", "clc_assessment"):
        assert "- Hiệu lực / valid: từ 14/7/2014 / from 14 Jul 2014" in _section(text, form_id)
    # Editorial notes go to the doc, not to the labels.
    family = _section(text, "gia_dinh")
    assert "editorial note: 2c: nội dung chưa tìm thấy trong văn bản gốc" in family
    assert "(nội dung chưa tìm thấy" not in _row(family, "criteria/g2/c2c")[2]
    second = tmp_path / "again.md"
    CliRunner().invoke(forms_group, ["doc", "--out", str(second)])
    assert second.read_text(encoding="utf-8") == text


def _section(text: str, form_id: str) -> str:
    return text.split(f'<a id="{form_id}"></a>')[1].split('<a id="')[0]


def _row(section: str, path: str) -> list[str]:
    """The cells of the table row of `path` (a question, group or repeat)."""
    (line,) = [x for x in section.splitlines() if x.startswith(f"| `{path}` |")]
    return [cell.strip() for cell in line.strip("|").split(" | ")]


def test_doc_shows_when_a_group_is_shown(tmp_path: Path) -> None:
    """hoat_dong's location group only appears below province level: the doc says so, on
    the group and on its questions, which are required only when shown."""
    out = tmp_path / "forms.md"
    assert CliRunner().invoke(forms_group, ["doc", "--out", str(out)]).exit_code == 0
    text = out.read_text(encoding="utf-8")
    report = _section(text, "hoat_dong")
    condition = "`${level} != 'province'`"
    group = _row(report, "location")
    assert group[1:4] == ["group", "Địa bàn", "Location"]
    assert group[5] == f"hiện khi / shown if: {condition}"
    district = _row(report, "location/district")
    assert district[4] == "có, khi được hiện / yes, when shown"
    assert f"nhóm / group `location` hiện khi / shown if: {condition}" in district[5]
    commune = _row(report, "location/commune_e3")
    assert f"nhóm / group `location` hiện khi / shown if: {condition}" in commune[5]
    assert "hiện khi / shown if: `${era} = 3 and (${level} = 'commune')`" in commune[5]
    assert _row(report, "participants")[5] == "", "an unconditional group has no condition"
    assert _row(report, "activity/task_code")[4] == "có / yes"
    assert _row(report, "participants/n_participants")[4] == "", "a count may be unknown"
    family = _section(text, "gia_dinh")
    assert _row(family, "roster/members")[1] == "repeat"
    assert _row(family, "location/district")[4] == "có / yes"
    assert "nhóm / group" not in _row(family, "location/district")[5]
    school = _row(family, "roster/members/m_study/m_school")
    assert school[4] == "có, khi được hiện / yes, when shown"


@pytest.mark.parametrize("name", ["build", "check", "doc"])
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(forms_group, [name, "--help"])
    assert result.exit_code == 0
    summary = result.output.split("\n\n")[1].strip()
    assert len(summary.splitlines()[0]) > 20
    assert "Ví dụ: htsd forms " in result.output  # Vietnamese by default
    english = CliRunner(env={"HTSD_LANG": "en"}).invoke(forms_group, [name, "--help"])
    assert "Example: htsd forms " in english.output
    assert isinstance(forms_group, click.Group) and forms_group.name == "forms"


def test_build_one_form_without_validation(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        forms_group, ["build", "--out", str(tmp_path), "--form", "don_vi", "--no-validate"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["don_vi.xlsx", "don_vi.xml"]


def test_build_with_a_missing_rubric_is_a_coded_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        forms_group, ["build", "--criteria", str(tmp_path), "--out", str(tmp_path / "out")]
    )
    assert isinstance(result.exception, FormsError)
    assert result.exception.code == "FRM011"
    assert "gia_dinh.yaml" in result.exception.render("vi")
