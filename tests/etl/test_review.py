"""The quarantine end to end, on SQLite and PostgreSQL: `htsd sync` validates what it loaded,
a submission with an error is held until it is fixed on the server (the next sync closes
its finding and releases it) or a data manager accepts it; a rejection holds a submission
for good; decisions are kept through `htsd rebuild`; a bad decision is one coded line.

The local KoboToolbox serves 250 generated family evaluations, sound by construction; two
are edited on the server to carry an unknown choice code before the first sync.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.conftest import RunningKobo
from tests.helpers import run_htsd
from warehouse.schema import review_decision, validation_finding

FIELD = "household/hkh_member"


def _env(kobo: RunningKobo, warehouse_url: str) -> dict[str, str]:
    return {
        "KOBOTOOLBOX_URL": kobo.url,
        "KOBOTOOLBOX_TOKEN": kobo.token,
        "HTSD_DATABASE_URL": warehouse_url,
    }


def _htsd(
    args: list[str], tmp_path: Path, env: dict[str, str], codes: tuple[int, ...] = (0,)
) -> Any:
    result = run_htsd([*args, "--json"], cwd=tmp_path, env=env)
    assert result.returncode in codes, result.stderr
    return json.loads(result.stdout)


def _held(tmp_path: Path, env: dict[str, str], uid: str) -> dict[int, str]:
    listed = _htsd(["review", "list"], tmp_path, env)["assets"][uid]
    return {item["submission"]: item["state"] for item in listed}


def _statuses(warehouse_url: str, kobo_id: int) -> list[str]:
    engine = sa.create_engine(warehouse_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(validation_finding.c.status).where(validation_finding.c.kobo_id == kobo_id)
        ).scalars()
        statuses = sorted(rows)
    engine.dispose()
    return statuses


def test_held_until_fixed_or_accepted_and_kept_through_rebuild(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    uid = kobo.asset_uid
    env = _env(kobo, warehouse_url)
    originals = {i: kobo.kobo.assets[uid].submissions[i].get(FIELD) for i in (3, 5)}
    for kobo_id in (3, 5):
        kobo.kobo.edit_submission(uid, kobo_id, {FIELD: "perhaps"})

    synced = _htsd(["sync", "--asset", uid], tmp_path, env)
    checked = synced["assets"][uid]["validation"]
    assert checked["checked"] == 250 and checked["new_errors"] == 2
    assert checked["errors"] == 2 and checked["by_rule"]["form.choice"] == 2
    assert _held(tmp_path, env, uid) == {3: "error", 5: "error"}

    kobo.kobo.edit_submission(uid, 3, {FIELD: originals[3]})  # fixed where surveyors work
    synced = _htsd(["sync", "--asset", uid], tmp_path, env)
    checked = synced["assets"][uid]["validation"]
    assert checked["checked"] == 1, "only what changed since the last validation"
    assert checked["closed"] == 1
    assert _held(tmp_path, env, uid) == {5: "error"}
    assert _statuses(warehouse_url, 3) == ["closed"], "the record of what was wrong stays"

    accepted = _htsd(
        ["review", "accept", "5", "--reason", "hộ khai đúng, đã gọi xác minh", "--by", "Hà Thị B"],
        tmp_path,
        env,
    )
    assert (accepted["decision"], accepted["by"], accepted["findings_accepted"]) == (
        "accept",
        "Hà Thị B",
        1,
    )
    rejected = _htsd(["review", "reject", "7", "--reason", "phiếu thử"], tmp_path, env)
    assert rejected["decision"] == "reject" and rejected["by"]
    assert _held(tmp_path, env, uid) == {7: "rejected"}

    rebuilt = run_htsd(["rebuild"], cwd=tmp_path, env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    again = _htsd(["validate", "--all"], tmp_path, env)
    assert again["assets"][uid]["checked"] == 250 and again["new_errors"] == 0
    assert _held(tmp_path, env, uid) == {7: "rejected"}, "decisions survive the rebuild"
    errors = {
        (f["submission"], f["rule"]): f["status"]
        for f in again["findings"]
        if f["severity"] == "error"
    }
    assert errors == {(5, "form.choice"): "accepted"}, "an accepted finding stays visible"

    engine = sa.create_engine(warehouse_url)
    with engine.connect() as conn:
        kept = conn.execute(
            sa.select(review_decision.c.kobo_id, review_decision.c.decision).order_by(
                review_decision.c.id
            )
        ).all()
    engine.dispose()
    assert [tuple(row) for row in kept] == [(5, "accept"), (7, "reject")]


def test_sync_without_validation_and_bad_decisions(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    uid = kobo.asset_uid
    env = _env(kobo, warehouse_url)
    synced = _htsd(["sync", "--asset", uid, "--no-validate"], tmp_path, env)
    assert synced["assets"][uid]["validation"] is None
    assert _htsd(["validate"], tmp_path, env)["assets"][uid]["checked"] == 250

    for args, code in (
        (["review", "accept", "99999", "--reason", "x"], "[VAL001]"),
        (["review", "reject", "4", "--reason", "   "], "[VAL003]"),
    ):
        result = run_htsd(args, cwd=tmp_path, env=env)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert code in result.stderr, result.stderr
    english = run_htsd(
        ["review", "accept", "99999", "--reason", "x", "--lang", "en"], cwd=tmp_path, env=env
    )
    assert "holds no current submission with _id 99999" in english.stderr
    assert _held(tmp_path, env, uid) == {}, "a refused decision changes nothing"
