"""Ordinary mistakes on a data manager's first day give one coded line, never a traceback
(issue 10, item 1: the warehouse URL and the server address)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.helpers import run_htsd


@pytest.mark.parametrize(
    ("env", "args", "code"),
    [
        ({"HTSD_DATABASE_URL": "sqlite:///nofolder/x.sqlite"}, ["status"], "[DB004]"),
        ({"HTSD_DATABASE_URL": "sqlite://x.sqlite"}, ["status"], "[DB001]"),
        (
            {"KOBOTOOLBOX_URL": "kf.kobotoolbox.org", "KOBOTOOLBOX_TOKEN": "s3cr3t"},
            ["sync", "--asset", "aX"],
            "[KOBO424]",
        ),
        (
            {"KOBOTOOLBOX_URL": "127.0.0.1:8765", "KOBOTOOLBOX_TOKEN": "s3cr3t"},
            ["sync", "--asset", "aX"],
            "[KOBO424]",
        ),
    ],
    ids=["sqlite-no-folder", "sqlite-two-slashes", "url-no-scheme", "host-port-no-scheme"],
)
def test_one_coded_line(env: dict[str, str], args: list[str], code: str, tmp_path: Path) -> None:
    result = run_htsd(args, cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and code in lines[0] and " — " in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "s3cr3t" not in result.stderr
    assert not (tmp_path / "nofolder").exists()


def test_serve_kobo_on_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_htsd(
            ["--lang", "en", "serve-kobo", "--port", str(port), "--submissions", "1"],
            cwd=tmp_path,
            timeout=120,
        )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error [SRV001] --port {port}: "), lines
    assert "--port 0" in lines[0] and "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["status"], ["rebuild"], ["forms", "drift", "aX"]])
def test_a_command_that_reads_creates_no_warehouse(args: list[str], tmp_path: Path) -> None:
    """Run in the wrong folder, a command that only reads what is stored says there is no
    warehouse there instead of creating an empty htsd.sqlite and reporting "no data"."""
    result = run_htsd(["--lang", "en", *args], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error [DB006] sqlite:///htsd.sqlite: "), lines
    assert str(tmp_path / "htsd.sqlite") in lines[0] and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_missing_xlsform_is_named_as_missing(tmp_path: Path) -> None:
    result = run_htsd(["--lang", "en", "forms", "check", "nothere.xlsx"], cwd=tmp_path)
    assert result.returncode == 1
    (first,) = result.stdout.strip().splitlines()
    assert first.startswith("[FRM044] nothere.xlsx: there is no file nothere.xlsx — ")
    assert str(tmp_path) in first and "Excel" not in result.stdout + result.stderr


def test_a_mistyped_form_is_refused_before_the_server_is_asked(tmp_path: Path) -> None:
    env = {"KOBOTOOLBOX_URL": "http://127.0.0.1:9", "KOBOTOOLBOX_TOKEN": "s3cr3t"}
    result = run_htsd(["--lang", "en", "forms", "deploy", "gia_dinhh"], cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error [FRM030] gia_dinhh: there is no form 'gia_dinhh' — use one of: gia_dinh, "
        "clc_assessment, dong_ho, cong_dong, don_vi, hoat_dong"
    )


@pytest.mark.parametrize(
    ("toml", "key"), [("database_url = 5\n", "database_url"), ("[kobo]\nurl = 8765\n", "kobo.url")]
)
def test_a_number_where_htsd_toml_needs_a_text(toml: str, key: str, tmp_path: Path) -> None:
    (tmp_path / "htsd.toml").write_text(toml, encoding="utf-8")
    result = run_htsd(["--lang", "en", "sync", "--asset", "aX"], cwd=tmp_path)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error [CFG003] htsd.toml: ") and f"key '{key}' is invalid" in line
    assert "Traceback" not in result.stderr and sorted(p.name for p in tmp_path.iterdir()) == [
        "htsd.toml"
    ]
