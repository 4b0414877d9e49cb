"""`htsd forms deploy` against the local KoboToolbox: create, then redeploy only what changed."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import openpyxl

from etl.kobo.client import KoboClient
from etl.kobo.deploy import content_digest, deploy_form
from forms.build import FORM_IDS, build_forms
from forms.rubric_load import CRITERIA_DIR
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


def test_changed_forms_are_redeployed_and_the_unchanged_one_left_alone(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    """Through the command line, with ODK Validate: the six forms are created; then a new
    version of every rubric changes the five scored forms, which are replaced and redeployed,
    while the activity report, unchanged, is left as it is on the server."""
    criteria = tmp_path / "criteria"
    shutil.copytree(CRITERIA_DIR, criteria)
    env = {
        "KOBOTOOLBOX_URL": kobo.url,
        "KOBOTOOLBOX_TOKEN": kobo.token,
        "HTSD_DATABASE_URL": warehouse_url,
    }
    args = ["forms", "deploy", "--criteria-dir", str(criteria), "--json"]
    first = run_htsd(args, cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    created = {f["form"]: f for f in json.loads(first.stdout)["forms"]}
    assert {f["action"] for f in created.values()} == {"created"}
    before = _server_state(kobo)

    for rubric in criteria.glob("*.yaml"):
        text = rubric.read_text(encoding="utf-8")
        rubric.write_text(
            re.sub(r'^version: "[^"]+"', 'version: "2099.1"', text, count=1, flags=re.M),
            encoding="utf-8",
        )
    second = run_htsd(args, cwd=tmp_path, env=env)
    assert second.returncode == 0, second.stderr
    actions = {f["form"]: f for f in json.loads(second.stdout)["forms"]}
    assert {form: f["action"] for form, f in actions.items()} == {
        form: "unchanged" if form == "hoat_dong" else "updated" for form in FORM_IDS
    }
    after = _server_state(kobo)
    for form, f in actions.items():
        uid = f["asset_uid"]
        assert uid == created[form]["asset_uid"]  # the same project, not a new one
        if form == "hoat_dong":
            assert after[uid] == before[uid]
        else:
            version, deployed, count = after[uid]
            assert version == deployed == f["version_id"] != created[form]["version_id"]
            assert count == before[uid][2] + 1
