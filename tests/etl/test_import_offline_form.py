"""An offline team imports saved data with the XLSForm it deployed and gets the typed tables
without reaching the server (issue 10, item 6)."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from forms.build import build_forms
from localkobo import LocalKoboServer
from localkobo.province import demo_kobo
from tests.helpers import run_htsd


def _saved_page(tmp_path: Path) -> tuple[Path, str]:
    demo = demo_kobo(30, seed=4)
    with LocalKoboServer(demo.kobo) as server:
        page = requests.get(
            f"{server.url}/api/v2/assets/{demo.asset_uid}/data/",
            params={"format": "json", "limit": 100},
            headers={"Authorization": f"Token {demo.token}"},
            timeout=30,
        )
    page.raise_for_status()
    path = tmp_path / "trang-1.json"
    path.write_bytes(page.content)
    return path, demo.asset_uid


def test_import_with_the_xlsform_makes_the_typed_tables(tmp_path: Path) -> None:
    saved, uid = _saved_page(tmp_path)
    (built,) = build_forms(["gia_dinh"], validate=False)
    form = tmp_path / "gia_dinh.xlsx"
    form.write_bytes(built.xlsx)

    result = run_htsd(["import", str(saved), "--form", str(form), "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    load = json.loads(result.stdout)["load"][uid]
    assert load is not None and (load["loaded"], load["live"]) == (30, 30), load

    typed = json.loads(run_htsd(["status", "--json"], cwd=tmp_path).stdout)["assets"][uid]
    assert typed["form"] is None and typed["typed"]["current"] == 30
    assert typed["typed"]["tables"][0] == "gia_dinh"
    assert any("members" in table for table in typed["typed"]["tables"][1:])
    exported = run_htsd(["export", "gia_dinh", "--format", "csv", "--out", "csv"], cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr


def test_without_the_form_the_data_is_landed_and_waits(tmp_path: Path) -> None:
    saved, uid = _saved_page(tmp_path)
    result = run_htsd(["import", str(saved), "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["load"] == {uid: None}


def test_an_unreadable_form_file_is_one_line_and_nothing_is_landed(tmp_path: Path) -> None:
    saved, _uid = _saved_page(tmp_path)
    bad = tmp_path / "form.json"
    bad.write_text('{"name": "x"}', encoding="utf-8")
    result = run_htsd(["--lang", "en", "import", str(saved), "--form", str(bad)], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"Error [IMP009] {bad}: the form cannot be read")
    assert not (tmp_path / "htsd.sqlite").exists()
