"""`htsd forms deploy` against the local KoboToolbox: create, then redeploy only what changed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl

from etl.kobo.client import KoboClient
from etl.kobo.deploy import content_digest, deploy_form
from forms.build import FORM_IDS, build_forms
from tests.conftest import RunningKobo
from tests.helpers import run_htsd


def _server_state(kobo: RunningKobo) -> dict[str, tuple[str | None, str | None, int]]:
    return {
        uid: (asset.version_id, asset.deployed_version_id, len(asset.versions))
        for uid, asset in kobo.kobo.assets.items()
    }


def test_deploy_six_forms_then_nothing_changes(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    env = {
        "KOBOTOOLBOX_URL": kobo.url,
        "KOBOTOOLBOX_TOKEN": kobo.token,
        "HTSD_DATABASE_URL": warehouse_url,
    }
    first = run_htsd(["forms", "deploy", "--no-validate", "--json"], cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    forms = json.loads(first.stdout)["forms"]
    assert [f["form"] for f in forms] == list(FORM_IDS)
    assert {f["action"] for f in forms} == {"created"}
    for f in forms:
        asset = kobo.kobo.assets[f["asset_uid"]]
        assert asset.asset_type == "survey" and asset.deployed and asset.active
        assert asset.deployed_version_id == f["version_id"]
    before = _server_state(kobo)

    again = run_htsd(["forms", "deploy", "--no-validate", "--json"], cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert {f["action"] for f in json.loads(again.stdout)["forms"]} == {"unchanged"}
    assert _server_state(kobo) == before


def test_changed_form_is_replaced_and_redeployed(kobo: RunningKobo) -> None:
    client = KoboClient(kobo.url, kobo.token)
    built = build_forms(["hoat_dong"], validate=False)[0]
    digest = content_digest(built.xform)
    created = deploy_form(client, "hoat_dong", built.xlsx, digest)
    assert created.action == "created"
    same = deploy_form(client, "hoat_dong", built.xlsx, digest, asset_uid=created.asset_uid)
    assert same.action == "unchanged" and same.version_id == created.version_id

    book = openpyxl.load_workbook(io.BytesIO(built.xlsx))
    sheet = book["survey"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("label::English (en)") + 1
    sheet.cell(row=2, column=column, value="Changed label")
    changed = io.BytesIO()
    book.save(changed)
    updated = deploy_form(
        client, "hoat_dong", changed.getvalue(), "other", asset_uid=created.asset_uid
    )
    assert updated.action == "updated" and updated.version_id != created.version_id
    asset = kobo.kobo.assets[created.asset_uid]
    assert asset.deployed_version_id == updated.version_id and len(asset.versions) == 2
