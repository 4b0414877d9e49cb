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
