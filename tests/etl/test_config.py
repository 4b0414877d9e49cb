"""Configuration precedence and errors that name the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.config import DEFAULT_DATABASE_URL, load_settings
from forms.errors import HtsdError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "htsd.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.language == "vi" and settings.kobo_token is None


def test_precedence_flag_env_file_default(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'database_url = "sqlite:///file.sqlite"\n[kobo]\nurl = "https://file.example"\n'
        '[kobo.assets]\ngia_dinh = "aFromFile"\n',
    )
    env = {"HTSD_DATABASE_URL": "sqlite:///env.sqlite", "KOBOTOOLBOX_TOKEN": "secret-token"}
    from_file = load_settings(str(path), env={})
    assert from_file.database_url == "sqlite:///file.sqlite"
    assert from_file.kobo_url == "https://file.example"
    assert from_file.assets == {"gia_dinh": "aFromFile"}
    from_env = load_settings(str(path), env=env)
    assert from_env.database_url == "sqlite:///env.sqlite"
    from_flag = load_settings(str(path), database_url="sqlite:///flag.sqlite", env=env)
    assert from_flag.database_url == "sqlite:///flag.sqlite"
    assert "secret-token" not in repr(from_flag)


def test_config_found_through_env(tmp_path: Path) -> None:
    path = _write(tmp_path, 'language = "en"\n')
    assert load_settings(env={"HTSD_CONFIG": str(path)}).language == "en"


@pytest.mark.parametrize(
    ("text", "code", "key"),
    [
        ("database_url = \n", "CFG002", ""),
        ('[kobo]\ntoken = "abc"\n', "CFG004", "kobo.token"),
        ('[kobo]\nurll = "x"\n', "CFG003", "kobo.urll"),
        ('language = "fr"\n', "CFG003", "language"),
        ("database_url = 5\n", "CFG003", "database_url"),
        ("[kobo]\nurl = 8765\n", "CFG003", "kobo.url"),
    ],
)
def test_errors_name_file_key_and_fix(tmp_path: Path, text: str, code: str, key: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(HtsdError) as caught:
        load_settings(str(path), env={})
    assert caught.value.code == code
    line = caught.value.render("en")
    assert str(path) in line and key in line and " — " in line


def test_missing_config_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(HtsdError) as caught:
        load_settings(str(tmp_path / "nope.toml"), env={})
    assert caught.value.code == "CFG001"


@pytest.mark.parametrize(
    ("name", "accepted"),
    [("gia_dinh", True), ("du_an_khac", True), ("gia_dinhh", False), ("Gia Dinh", False)],
)
def test_form_names_under_kobo_assets(tmp_path: Path, name: str, accepted: bool) -> None:
    path = _write(tmp_path, f'[kobo.assets]\n"{name}" = "aXyzXyzXyz1"\n')
    if accepted:
        assert load_settings(str(path), env={}).assets == {name: "aXyzXyzXyz1"}
        return
    with pytest.raises(HtsdError) as caught:
        load_settings(str(path), env={})
    line = caught.value.render("en")
    assert caught.value.code == "CFG003" and f"kobo.assets.{name}" in line
    assert ("did you mean gia_dinh?" in line) == (name == "gia_dinhh"), line
