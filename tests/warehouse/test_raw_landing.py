"""Raw landing on both databases: every payload kept, edits keep history, deletions marked."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.migrate import upgrade
from warehouse.raw import RawRecord, land_records, mark_deleted
from warehouse.runlog import finish_run, last_run, start_run
from warehouse.schema import raw_submission, raw_submission_history, run_log
from warehouse.status import warehouse_status

SERVER = "http://kobo.test"
ASSET = "aTestAsset"


def _payload(kobo_id: int, uuid: str, **answers: Any) -> dict[str, Any]:
    return {
        "_id": kobo_id,
        "_uuid": uuid,
        "meta/instanceID": f"uuid:{uuid}",
        "meta/rootUuid": f"uuid:root-{kobo_id}",
        "__version__": "vOne",
        "_submission_time": f"2026-03-01T10:00:{kobo_id:02d}",
        "_validation_status": {},
        "household/head_name": "Hoàng Thị Hoa",
        **answers,
    }


def _land(engine: Engine, run_id: int, payloads: list[dict[str, Any]]) -> Any:
    with engine.begin() as conn:
        return land_records(
            conn, SERVER, ASSET, run_id, [RawRecord.from_payload(p) for p in payloads]
        )


def test_migrations_are_idempotent(engine: Engine) -> None:
    assert upgrade(engine) is False
    names = set(sa.inspect(engine).get_table_names())
    assert {"run_log", "raw_submission", "raw_submission_history", "sync_state"} <= names


def test_new_then_unchanged(engine: Engine) -> None:
    run = start_run(engine, "sync")
    counts = _land(engine, run, [_payload(i, f"u{i}") for i in range(1, 6)])
    assert (counts.new, counts.unchanged) == (5, 0)
    run2 = start_run(engine, "sync")
    counts = _land(engine, run2, [_payload(i, f"u{i}") for i in range(1, 6)])
    assert (counts.new, counts.unchanged, counts.edited) == (0, 5, 0)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(raw_submission).order_by(raw_submission.c.kobo_id)).all()
    assert len(rows) == 5
    assert {r.first_seen_run for r in rows} == {run}
    assert {r.last_seen_run for r in rows} == {run2}
    assert json.loads(rows[0].payload)["household/head_name"] == "Hoàng Thị Hoa"


def test_edit_keeps_earlier_version(engine: Engine) -> None:
    run = start_run(engine, "sync")
    _land(engine, run, [_payload(1, "u1", **{"household/year": "2025"})])
    run2 = start_run(engine, "sync")
    counts = _land(engine, run2, [_payload(1, "u1-edit", **{"household/year": "2026"})])
    assert counts.edited == 1
    with engine.connect() as conn:
        current = conn.execute(sa.select(raw_submission)).one()
        history = conn.execute(sa.select(raw_submission_history)).one()
    assert current.uuid == "u1-edit" and current.edits == 1
    assert json.loads(current.payload)["household/year"] == "2026"
    assert history.uuid == "u1" and history.superseded_run == run2
    assert json.loads(history.payload)["household/year"] == "2025"


def test_validation_status_change_is_not_an_edit(engine: Engine) -> None:
    run = start_run(engine, "sync")
    _land(engine, run, [_payload(1, "u1")])
    approved = _payload(1, "u1", _validation_status={"uid": "validation_status_approved"})
    counts = _land(engine, run, [approved])
    assert (counts.edited, counts.unchanged) == (0, 1)
    with engine.connect() as conn:
        assert conn.execute(sa.select(raw_submission.c.validation_status)).scalar_one() == (
            "validation_status_approved"
        )
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(raw_submission_history)).scalar()
            == 0
        )


def test_deletion_is_marked_not_erased_and_can_come_back(engine: Engine) -> None:
    run = start_run(engine, "sync")
    _land(engine, run, [_payload(i, f"u{i}") for i in range(1, 4)])
    with engine.begin() as conn:
        assert mark_deleted(conn, SERVER, ASSET, run, live_ids=[1, 3]) == 1
    status = warehouse_status(engine)["assets"][ASSET]
    assert (status["submissions"], status["deleted"]) == (2, 1)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(raw_submission)).scalar() == 3
    counts = _land(engine, run, [_payload(2, "u2")])
    assert counts.restored == 1
    assert warehouse_status(engine)["assets"][ASSET]["deleted"] == 0


def test_run_log_records_status_and_counts(engine: Engine) -> None:
    run = start_run(engine, "sync", {"assets": [ASSET]})
    finish_run(engine, run, "ok", counts={"new": 3})
    last = last_run(engine)
    assert last is not None
    assert (last["id"], last["status"], last["counts"]) == (run, "ok", {"new": 3})
    assert last["ended_at"] is not None


def test_a_run_whose_process_died_is_marked_interrupted(engine: Engine, warehouse_url: str) -> None:
    code = (
        "import os, sys\n"
        "from warehouse.db import make_engine\n"
        "from warehouse.runlog import start_run\n"
        "start_run(make_engine(sys.argv[1]), 'sync')\n"
        "os._exit(0)  # gone without finishing, as after a SIGKILL\n"
    )
    subprocess.run([sys.executable, "-c", code, warehouse_url], check=True, timeout=60)
    dead = last_run(engine)
    assert dead is not None and dead["status"] == "running"
    alive = start_run(engine, "sync")  # this process is alive: its row stays running
    later = start_run(engine, "status")
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.select(run_log.c.id, run_log.c.status)).all())
    assert rows[dead["id"]] == "interrupted"
    assert rows[alive] == "running" and rows[later] == "running"
