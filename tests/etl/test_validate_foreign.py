"""Validation of an asset htsd has never seen, end to end on SQLite and PostgreSQL.

The local KoboToolbox serves a health-post survey written here as KoboToolbox content
(English and French, a repeat of patients, constraints, a question shown only sometimes);
`htsd sync --asset UID` pulls it knowing only its uid, and the suites generated from the
pulled content find each seeded problem under its `_id`: a missing required answer, an
unknown choice code, numbers out of range (one in a repeat row) and a duplicate instance id.
A required question that was not relevant is not missing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from localkobo.province import DEMO_USER
from tests.conftest import RunningKobo
from tests.foreign_assets import health_post_content
from tests.helpers import run_htsd


def _answers(number: int, **changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "post": f"Trạm {number}",
        "beds": str(5 + 3 * number),
        "code": f"HP-{number:03d}",
        "has_lab": "yes" if number % 2 else "no",
        "patients": [
            {"patients/age": str(20 + number), "patients/symptoms": "fever cough"},
            {"patients/age": str(number)},
        ],
    }
    if number % 2:
        answers["lab_staff"] = "2"
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not None}


def test_suites_from_a_foreign_asset_find_each_problem_under_its_id(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    store = kobo.kobo
    asset = store.create_asset(DEMO_USER, "Health posts (not ours)", health_post_content())
    store.deploy(asset.uid)
    ids = [store.add_submission(asset.uid, _answers(n))["_id"] for n in range(1, 11)]
    seeded = {
        "missing": _answers(11, post=None),
        "code": _answers(12, has_lab="maybe"),
        "beds": _answers(13, beds="250"),
        "age": _answers(14, patients=[{"patients/age": "40"}, {"patients/age": "130"}]),
        "twice": _answers(15),
    }
    made = {kind: store.add_submission(asset.uid, a)["_id"] for kind, a in seeded.items()}
    first = store.assets[asset.uid].submissions[ids[0]]
    store.assets[asset.uid].submissions[made["twice"]]["meta/instanceID"] = first["meta/instanceID"]

    env = {
        "KOBOTOOLBOX_URL": kobo.url,
        "KOBOTOOLBOX_TOKEN": kobo.token,
        "HTSD_DATABASE_URL": warehouse_url,
    }
    synced = run_htsd(["sync", "--asset", asset.uid, "--json"], cwd=tmp_path, env=env)
    assert synced.returncode == 0, synced.stderr
    assert json.loads(synced.stdout)["assets"][asset.uid]["validation"]["checked"] == 15

    result = run_htsd(["validate", "--asset", asset.uid, "--json"], cwd=tmp_path, env=env)
    assert result.returncode == 0, "sync validated already: nothing new"
    findings = json.loads(result.stdout)["findings"]
    errors = {
        (f["submission"], f["rule"], f["field"], f["row"])
        for f in findings
        if f["severity"] == "error"
    }
    assert errors == {
        (made["missing"], "form.required", "post", ""),
        (made["code"], "form.choice", "has_lab", ""),
        (made["beds"], "form.range", "beds", ""),
        (made["age"], "form.range", "patients/age", "2"),
        (made["twice"], "duplicate.instance_id", "meta/instanceID", ""),
    }
    warnings = {(f["submission"], f["rule"]) for f in findings if f["severity"] == "warning"}
    assert warnings <= {(made["beds"], "outlier.robust")}, "250 beds is an outlier too"
    assert all(f["asset"] == asset.uid and f["status"] == "open" for f in findings)
    by_id = {f["submission"]: f for f in findings if f["rule"] == "form.choice"}
    assert "'maybe'" in by_id[made["code"]]["message_en"]
    assert "yes, no" in by_id[made["code"]]["message_en"]
