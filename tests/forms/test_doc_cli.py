"""`htsd forms doc` and the forms commands' help and options."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from etl.commands.forms import forms_group
from forms.definitions import FORM_IDS
from forms.messages import FormsError
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
    assert f"`gia_dinh` 2025.1 {PROVISIONAL_MARK}" in text
    assert f"`don_vi` 2025.1 {PROVISIONAL_MARK}" not in text
    second = tmp_path / "again.md"
    CliRunner().invoke(forms_group, ["doc", "--out", str(second)])
    assert second.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("name", ["build", "check", "doc"])
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(forms_group, [name, "--help"])
    assert result.exit_code == 0
    summary = result.output.split("\n\n")[1].strip()
    assert len(summary.splitlines()[0]) > 20
    assert "Example: htsd forms " in result.output
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
