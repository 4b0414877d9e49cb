"""`htsd import` of files a data manager may carry: empty ones refused, uids trimmed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_htsd


@pytest.mark.parametrize("body", [[], {"count": 0, "next": None, "results": []}])
def test_an_empty_file_says_it_holds_no_submissions(body: object, tmp_path: Path) -> None:
    empty = tmp_path / "trang-rong.json"
    empty.write_text(json.dumps(body), encoding="utf-8")
    result = run_htsd(["--lang", "en", "import", str(empty)], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error [IMP006] {empty}: the file holds no submissions — check that the right data "
        "page or export was saved (a non-empty 'results')"
    )
    status = json.loads(run_htsd(["status", "--json"], cwd=tmp_path).stdout)
    assert status["assets"] == {}


def test_an_asset_uid_with_spaces_around_is_trimmed(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    rows = [{"_id": 1, "_uuid": "u1", "name": "A"}, {"_id": 2, "_uuid": "u2", "name": "B"}]
    export.write_text(json.dumps(rows), encoding="utf-8")
    result = run_htsd(["import", str(export), "--asset", " aTrimMe ", "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {f["asset_uid"] for f in json.loads(result.stdout)["files"]} == {"aTrimMe"}


def _submission(kobo_id: int, asset: str) -> dict[str, object]:
    return {
        "_id": kobo_id,
        "_uuid": f"u{kobo_id}",
        "_xform_id_string": asset,
        "_attachments": [
            {
                "download_url": f"https://kf.kobotoolbox.org/api/v2/assets/{asset}/data/"
                f"{kobo_id}/attachments/att{kobo_id}/",
                "filename": f"hoikhuyenhoc/attachments/x/{kobo_id}/anh.jpg",
            }
        ],
    }


def test_a_file_of_another_asset_is_refused_naming_both(tmp_path: Path) -> None:
    export = tmp_path / "dong_ho.json"
    export.write_text(json.dumps([_submission(1, "aDongHo"), _submission(2, "aDongHo")]))
    result = run_htsd(["--lang", "en", "import", str(export), "--asset", "aGiaDinh"], cwd=tmp_path)
    assert result.returncode == 1
    line = result.stderr.strip()
    assert line.startswith(f"Error [IMP007] {export}: ") and "aDongHo" in line
    assert "aGiaDinh" in line and "Traceback" not in line
    assert json.loads(run_htsd(["status", "--json"], cwd=tmp_path).stdout)["assets"] == {}


def test_an_attachment_url_of_another_asset_is_refused(tmp_path: Path) -> None:
    row = _submission(1, "aDongHo")
    row.pop("_xform_id_string")
    export = tmp_path / "export.json"
    export.write_text(json.dumps([row]))
    result = run_htsd(["import", str(export), "--asset", "aGiaDinh"], cwd=tmp_path)
    assert result.returncode == 1 and "[IMP007]" in result.stderr


def test_a_saved_first_page_is_refused_unless_partial(tmp_path: Path) -> None:
    page = tmp_path / "page1.json"
    page.write_text(
        json.dumps(
            {
                "count": 2,
                "next": "https://kf.kobotoolbox.org/api/v2/assets/aGiaDinh/data/?start=1",
                "previous": None,
                "results": [_submission(1, "aGiaDinh")],
            }
        )
    )
    refused = run_htsd(["--lang", "en", "import", str(page)], cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip().startswith(f"Error [IMP008] {page}: ")
    assert "1 of its 2 submissions" in refused.stderr and "--partial" in refused.stderr
    assert json.loads(run_htsd(["status", "--json"], cwd=tmp_path).stdout)["assets"] == {}

    landed = run_htsd(["--lang", "en", "import", str(page), "--partial"], cwd=tmp_path)
    assert landed.returncode == 0, landed.stderr
    assert "aGiaDinh: partial import — 1 of the asset's 2 submissions" in landed.stdout

    second = tmp_path / "page2.json"
    second.write_text(
        json.dumps(
            {"count": 2, "next": None, "previous": None, "results": [_submission(2, "aGiaDinh")]}
        )
    )
    both = run_htsd(["--lang", "en", "import", str(page), str(second)], cwd=tmp_path)
    assert both.returncode == 0, both.stderr
    assert "partial" not in both.stdout
