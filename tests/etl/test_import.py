"""`htsd import`: exported or saved files land like a sync, and bad files change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from tests.conftest import RunningKobo
from tests.etl.warehouse_state import raw_state
from tests.helpers import run_htsd


def _save_pages(kobo: RunningKobo, folder: Path) -> list[Path]:
    url: str | None = f"{kobo.url}/api/v2/assets/{kobo.asset_uid}/data/?limit=100"
    paths = []
    while url:
        page = requests.get(
            url, headers={"Authorization": f"Token {kobo.token}"}, timeout=10
        ).json()
        path = folder / f"page{len(paths) + 1}.json"
        path.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
        url = page["next"]
    return paths


def test_saved_pages_then_sync_adds_no_duplicates(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    pages = _save_pages(kobo, tmp_path)
    env = {"HTSD_DATABASE_URL": warehouse_url, "KOBOTOOLBOX_URL": kobo.url}
    result = run_htsd(["import", *map(str, pages), "--json"], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    files = json.loads(result.stdout)["files"]
    assert sum(f["counts"]["new"] for f in files) == 250
    assert {f["asset_uid"] for f in files} == {kobo.asset_uid}
    # no form content yet (only a sync reads it from the server): the typed tables wait
    assert json.loads(result.stdout)["load"] == {kobo.asset_uid: None}
    text = run_htsd(["--lang", "en", "import", str(pages[0]), "--partial"], cwd=tmp_path, env=env)
    assert f"typed tables wait for the form content (run htsd sync --asset {kobo.asset_uid})" in (
        text.stdout
    )
    env["KOBOTOOLBOX_TOKEN"] = kobo.token
    sync = run_htsd(
        ["sync", "--no-validate", "--asset", kobo.asset_uid, "--json"], cwd=tmp_path, env=env
    )
    manifest = json.loads(sync.stdout)["assets"][kobo.asset_uid]
    assert (manifest["new"], manifest["unchanged"]) == (0, 250)
    assert manifest["load"]["live"] == 250  # imported submissions are typed once content is in
    assert raw_state(warehouse_url).rows == 250
    again = run_htsd(["import", str(pages[0]), "--partial", "--json"], cwd=tmp_path, env=env)
    load = json.loads(again.stdout)["load"][kobo.asset_uid]
    assert (load["loaded"], load["unchanged"], load["live"]) == (0, 250, 250)


def test_export_list_and_bad_files(kobo: RunningKobo, warehouse_url: str, tmp_path: Path) -> None:
    pages = _save_pages(kobo, tmp_path)
    export = tmp_path / "export.json"
    export.write_text(json.dumps(json.loads(pages[0].read_text())["results"]), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"results": [', encoding="utf-8")
    env = {"HTSD_DATABASE_URL": warehouse_url}
    result = run_htsd(["import", str(export), str(broken)], cwd=tmp_path, env=env)
    assert result.returncode == 1 and "[IMP002]" in result.stderr and str(broken) in result.stderr
    assert "Traceback" not in result.stderr
    status = json.loads(run_htsd(["status", "--json"], cwd=tmp_path, env=env).stdout)
    assert status["assets"] == {}  # the good file was not landed either
    ok = run_htsd(["import", str(export)], cwd=tmp_path, env=env)
    assert ok.returncode == 0, ok.stderr
    assert raw_state(warehouse_url).rows == 100
