"""Drills on bad command-line input: one clear line with the fix, a documented exit code
(README: 1 something to fix, 2 wrong usage), no traceback, the warehouse untouched.

Covered elsewhere and not repeated here: `--page-size 0`, negative or over 1000
(tests/etl/test_paging_guard.py), an unknown form name (tests/etl/test_sync_command.py),
a missing configuration file (tests/etl/test_config.py).
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from tests.conftest import RunningKobo
from tests.drills.state import env
from tests.drills.test_survivors import SECRET, UNKNOWN, _pieces
from tests.helpers import run_htsd


def _one_line(result: subprocess.CompletedProcess[str], code: str, exit_code: int = 1) -> str:
    assert result.returncode == exit_code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"[{code}]" in lines[0] and " — " in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("asset", "code"),
    [("not a uid!", "SYNC002"), ("aNoSuchAssetAtAll00000", "KOBO404")],
)
def test_an_asset_that_is_not_one(kobo: RunningKobo, tmp_path: Path, asset: str, code: str) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    result = run_htsd(["sync", "--asset", asset], cwd=tmp_path, env=env(kobo, url))
    line = _one_line(result, code)
    assert kobo.token not in result.stderr and kobo.token[:6] not in line


def test_a_report_year_that_has_not_come_is_a_usage_error(tmp_path: Path) -> None:
    this_year = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).year
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    for lang, words in (("en", "has not come yet"), ("vi", "chưa tới")):
        result = run_htsd(
            ["--lang", lang, "report", "--year", str(this_year + 1), "--no-pdf"],
            cwd=tmp_path,
            env={"HTSD_DATABASE_URL": url},
        )
        assert result.returncode == 2, result.stderr
        assert "--year" in result.stderr and words in result.stderr
        assert f"{this_year}" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.glob("bao-cao*")) and not (tmp_path / "w.sqlite").exists()


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"\xff\xfe language = 'vi'\n", "CFG005"), (b"language = [\n", "CFG002"), (None, "CFG001")],
    ids=["not-utf8", "not-toml", "a-folder"],
)
def test_a_configuration_file_that_cannot_be_read(
    tmp_path: Path, content: bytes | None, code: str
) -> None:
    path = tmp_path / "htsd.toml"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    result = run_htsd(["--config", str(path), "status"], cwd=tmp_path, env={})
    _one_line(result, code)


@pytest.mark.parametrize("code", ["KOBO401", "KOBO403", "KOBO404"])
def test_a_refused_token_leaves_no_piece_of_itself_anywhere(
    kobo: RunningKobo, tmp_path: Path, code: str
) -> None:
    """`htsd sync` refused by the server (a wrong token, a project not shared for data, a
    project the token cannot see): its output and the run log it leaves (read back by
    `htsd status --json`) hold no 6-character piece of the token."""
    store = kobo.kobo
    store.add_user("khach", token=SECRET)
    store.share(kobo.asset_uid, "khach")  # view_asset only: the data is 403
    token = UNKNOWN if code == "KOBO401" else SECRET
    asset = "aNoSuchAssetAtAll00000" if code == "KOBO404" else kobo.asset_uid
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    settings = {**env(kobo, url), "KOBOTOOLBOX_TOKEN": token}
    result = run_htsd(["sync", "--asset", asset], cwd=tmp_path, env=settings)
    _one_line(result, code)
    status = run_htsd(["status", "--json"], cwd=tmp_path, env=settings)
    assert code in status.stdout  # the run log keeps the error line
    shown = result.stdout + result.stderr + status.stdout + status.stderr
    assert not [piece for piece in _pieces(token) if piece in shown]
