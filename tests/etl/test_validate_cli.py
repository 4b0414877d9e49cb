"""`htsd validate` on SQLite and PostgreSQL: generated suites and domain rules on the stored
family evaluations, findings kept (a re-run adds nothing, a fix closes), exit 4 on new errors.

The local KoboToolbox's generator makes 40 sound family evaluations; three are then edited
on the "server" (landed again, as a sync lands an edit): an age of 130 in the roster, an
unknown choice code, and a second household head.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from localkobo.province import demo_kobo
from tests.helpers import run_htsd
from tests.warehouse.support import SERVER, land_payloads, land_store
from warehouse.runlog import start_run
from warehouse.schema import raw_submission, validation_finding

MEMBERS = "roster/members"
PERSON = f"{MEMBERS}/m_person"


@pytest.fixture
def family(engine: Engine) -> str:
    demo = demo_kobo(40, seed=3)
    land_store(engine, demo.kobo, demo.asset_uid, start_run(engine, "sync"))
    return demo.asset_uid


def _payload(engine: Engine, kobo_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        text = conn.execute(
            sa.select(raw_submission.c.payload).where(raw_submission.c.kobo_id == kobo_id)
        ).scalar_one()
    return dict(json.loads(text))


def _edit(engine: Engine, uid: str, payloads: list[dict[str, Any]]) -> None:
    land_payloads(engine, SERVER, uid, start_run(engine, "sync"), payloads)


def _validate(warehouse_url: str, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_htsd(
        ["validate", *args, "--json"], cwd=tmp_path, env={"HTSD_DATABASE_URL": warehouse_url}
    )
    assert result.returncode in (0, 4), result.stderr
    return result.returncode, json.loads(result.stdout)


def _seeded(found: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {
        (f["submission"], f["rule"], f["field"], f["row"], f["value"])
        for f in found["findings"]
        if f["severity"] == "error"
    }


def test_validate_finds_keeps_and_closes(
    engine: Engine, family: str, warehouse_url: str, tmp_path: Path
) -> None:
    originals = {i: _payload(engine, i) for i in (3, 5, 8)}
    old_age, wrong_code, two_heads = (json.loads(json.dumps(originals[i])) for i in (3, 5, 8))
    old_age[MEMBERS][0][f"{PERSON}/m_age"] = "130"
    wrong_code["household/hkh_member"] = "perhaps"
    two_heads[MEMBERS] = two_heads[MEMBERS] + [
        {f"{PERSON}/m_name": "Lò Văn B", f"{PERSON}/m_relation": "head", f"{PERSON}/m_age": "50"}
    ]
    _edit(engine, family, [old_age, wrong_code, two_heads])

    code, first = _validate(warehouse_url, tmp_path, "--asset", family)
    assert code == 4, "new errors: a scheduled run can alert"
    assert _seeded(first) >= {
        (3, "form.range", f"{PERSON}/m_age", "1", "130"),
        (5, "form.choice", "household/hkh_member", "", "perhaps"),
        (8, "roster.head_count", MEMBERS, "", f"{len(two_heads[MEMBERS])}/2"),
    }
    assert {f[0] for f in _seeded(first)} <= {3, 5, 8}, "the sound evaluations pass"
    summary = first["assets"][family]
    assert summary["checked"] == 40 and summary["new_errors"] == summary["errors"] >= 3
    districts = {_payload(engine, i)["location/district"] for i in (3, 5, 8)}
    assert districts <= set(summary["by_district"])
    assert sum(summary["by_district"].values()) == summary["findings"]
    assert sum(summary["by_surveyor"].values()) == summary["findings"]
    assert "?" not in summary["by_surveyor"], "every generated submission names its surveyor"

    code, again = _validate(warehouse_url, tmp_path)
    assert code == 0 and _seeded(again) == _seeded(first)
    assert again["assets"][family]["new"] == 0
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(validation_finding)).scalar()
    assert rows == len(first["findings"]), "kept once, whatever the runs"

    _edit(engine, family, [originals[5]])  # fixed on the server and synced
    code, fixed = _validate(warehouse_url, tmp_path, "--asset", family)
    assert code == 0 and fixed["assets"][family]["closed"] == 1
    assert 5 not in {f[0] for f in _seeded(fixed)}
    with engine.connect() as conn:
        status = conn.execute(
            sa.select(validation_finding.c.status).where(validation_finding.c.kobo_id == 5)
        ).scalar_one()
    assert status == "closed", "kept as the record of what was wrong"


def test_an_unknown_asset_is_one_coded_line(
    warehouse_url: str, engine: Engine, tmp_path: Path
) -> None:
    result = run_htsd(
        ["validate", "--asset", "nothere"], cwd=tmp_path, env={"HTSD_DATABASE_URL": warehouse_url}
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "[WH002]" in result.stderr and "nothere" in result.stderr


def test_the_data_quality_page_is_written_or_refused_in_one_line(
    engine: Engine, family: str, warehouse_url: str, tmp_path: Path
) -> None:
    wrong = _payload(engine, 4)
    wrong["household/hkh_member"] = "<b>perhaps</b>"
    _edit(engine, family, [wrong])
    env = {"HTSD_DATABASE_URL": warehouse_url}
    page = tmp_path / "quality.html"
    result = run_htsd(["validate", "--html", str(page)], cwd=tmp_path, env=env)
    assert result.returncode == 4, result.stderr
    assert str(page) in result.stdout
    text = page.read_text(encoding="utf-8")
    assert "&lt;b&gt;perhaps&lt;/b&gt;" in text and "<b>perhaps" not in text
    assert f"/api/v2/assets/{family}/data/4/" in text, "a link opens the submission"
    missing = run_htsd(
        ["validate", "--html", str(tmp_path / "nofolder" / "q.html"), "--lang", "en"],
        cwd=tmp_path,
        env=env,
    )
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "[VAL004]" in missing.stderr and "cannot write the data-quality page" in missing.stderr
