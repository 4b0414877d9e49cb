"""The sync summary names every kind of change it found, then what its validation checked."""

from __future__ import annotations

from pathlib import Path

from etl.commands import render
from tests.conftest import RunningKobo
from tests.helpers import run_htsd
from warehouse.load import LoadResult


def test_status_only_changes_are_shown(kobo: RunningKobo, tmp_path: Path) -> None:
    env = {"KOBOTOOLBOX_URL": kobo.url, "KOBOTOOLBOX_TOKEN": kobo.token}
    first = run_htsd(["sync", "--no-validate", "--asset", kobo.asset_uid], cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    kobo.kobo.set_status(kobo.asset_uid, [1, 2, 3, 4, 5], "validation_status_approved", "qa")
    second = run_htsd(
        ["--lang", "en", "sync", "--no-validate", "--asset", kobo.asset_uid], cwd=tmp_path, env=env
    )
    assert second.returncode == 0, second.stderr
    line = second.stdout.splitlines()[0]
    assert (
        ": 0 new, 0 edited, 0 changed otherwise, 5 validation status changed, 0 deleted, "
        "250 with unchanged answers" in line
    )
    vi = run_htsd(["sync", "--asset", kobo.asset_uid], cwd=tmp_path, env=env)
    assert (
        ": 0 mới, 0 sửa, 0 thay đổi khác, 0 đổi trạng thái kiểm duyệt, 0 xóa, "
        "250 không đổi câu trả lời" in vi.stdout
    )
    # never validated yet (--no-validate above): this sync checks all of them
    assert ": đã kiểm tra 250/250 bản ghi; đang mở " in vi.stdout.splitlines()[2]


def test_the_load_line_says_where_the_findings_are() -> None:
    result = LoadResult("https://kf.kobotoolbox.org", "aXyz", loaded=3, live=3, findings=25)
    line = render.load_line("gia_dinh (aXyz)", "aXyz", result, "en")
    assert line.endswith(
        "25 findings (0.0 s) — see table load_finding (asset_uid = 'aXyz') in the warehouse"
    )
    clean = LoadResult("https://kf.kobotoolbox.org", "aXyz", loaded=3, live=3)
    assert "load_finding" not in render.load_line("aXyz", "aXyz", clean, "vi")
