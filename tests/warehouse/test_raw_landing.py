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


# -- what `make mutation` found surviving in the landing (docs/MUTATION.md) -------------------

OTHER = "http://other.test"
HOLD = "validation_status_on_hold"
STORED = (
    "uuid",
    "root_uuid",
    "form_version",
    "submission_time",
    "validation_status",
    "edits",
    "deprecated_id",
    "first_seen_run",
    "last_seen_run",
    "deleted_run",
)


def _stored(engine: Engine, server: str = SERVER) -> dict[int, tuple[Any, ...]]:
    t = raw_submission
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t).where(t.c.server == server)).all()
    return {r.kobo_id: tuple(getattr(r, c) for c in STORED) for r in rows}


def test_every_identity_field_is_stored_and_replaced_by_an_edit(engine: Engine) -> None:
    run = start_run(engine, "sync")
    first = _payload(1, "u1", _validation_status={"uid": HOLD})
    first["meta/deprecatedID"] = ""  # empty: no earlier instance
    no_uuid = {k: v for k, v in _payload(2, "u2").items() if k != "_uuid"}
    odd_status = _payload(3, "u3", _validation_status=["not", "a", "dict"])
    odd_status["meta/deprecatedID"] = 42  # not text
    _land(engine, run, [first, no_uuid, odd_status])
    assert _stored(engine) == {
        1: ("u1", "uuid:root-1", "vOne", "2026-03-01T10:00:01", HOLD, 0, None, run, run, None),
        2: ("uuid:u2", "uuid:root-2", "vOne", "2026-03-01T10:00:02", None, 0, None, run, run, None),
        3: ("u3", "uuid:root-3", "vOne", "2026-03-01T10:00:03", None, 0, None, run, run, None),
    }
    with engine.begin() as conn:
        mark_deleted(conn, SERVER, ASSET, run, live_ids=[2, 3])
    edit = start_run(engine, "sync")
    edited = {
        **_payload(1, "u1b", _validation_status={"uid": "validation_status_approved"}),
        "meta/rootUuid": "uuid:root-1b",
        "__version__": "vTwo",
        "_submission_time": "2026-03-02T08:00:00",
        "meta/deprecatedID": "uuid:u1",
    }
    _land(engine, edit, [edited])
    assert _stored(engine)[1] == (
        "u1b",
        "uuid:root-1b",
        "vTwo",
        "2026-03-02T08:00:00",
        "validation_status_approved",
        1,
        "uuid:u1",
        run,
        edit,
        None,  # seen again: no longer deleted
    )
    with engine.connect() as conn:
        history = conn.execute(sa.select(raw_submission_history)).one()
    assert (history.uuid, history.form_version, history.superseded_run) == ("u1", "vOne", edit)


def test_a_status_change_is_kept_in_the_stored_payload(engine: Engine) -> None:
    run = start_run(engine, "sync")
    _land(engine, run, [_payload(1, "u1")])
    approved = {"uid": "validation_status_approved"}
    _land(engine, run, [_payload(1, "u1", _validation_status=approved)])
    with engine.connect() as conn:
        payload = conn.execute(sa.select(raw_submission.c.payload)).scalar_one()
    assert json.loads(payload)["_validation_status"] == approved


def test_each_kind_of_change_is_counted_in_one_batch(engine: Engine) -> None:
    run = start_run(engine, "sync")
    _land(engine, run, [_payload(i, f"u{i}") for i in range(1, 9)])
    with engine.begin() as conn:
        mark_deleted(conn, SERVER, ASSET, run, live_ids=[3, 4, 5, 6, 7, 8])
    approved = {"uid": "validation_status_approved"}
    batch = [
        _payload(1, "u1"),  # restored, unchanged
        _payload(2, "u2"),  # restored, unchanged
        _payload(3, "u3", _validation_status=approved),
        _payload(4, "u4", _validation_status=approved),
        _payload(5, "u5-sua"),  # edits
        _payload(6, "u6-sua"),
        _payload(7, "u7", _attachments=[{"uid": "a"}]),  # changed without a new uuid
        _payload(8, "u8", _attachments=[{"uid": "b"}]),
    ]
    counts = _land(engine, start_run(engine, "sync"), batch)
    assert (counts.restored, counts.status_changed, counts.edited, counts.changed) == (2, 2, 2, 2)
    assert (counts.new, counts.unchanged) == (0, 4)


def test_the_same_ids_on_two_servers_are_two_submissions(engine: Engine) -> None:
    run = start_run(engine, "sync")
    _land(engine, run, [_payload(i, f"u{i}") for i in range(1, 4)])
    with engine.begin() as conn:
        counts = land_records(
            conn, OTHER, ASSET, run, [RawRecord.from_payload(_payload(i, f"o{i}")) for i in (1, 2)]
        )
        assert mark_deleted(conn, OTHER, ASSET, run, live_ids=[1]) == 1
    assert (counts.new, counts.edited) == (2, 0)
    assert [v[0] for v in _stored(engine).values()] == ["u1", "u2", "u3"]
    assert {k: (v[0], v[-1]) for k, v in _stored(engine, OTHER).items()} == {
        1: ("o1", None),
        2: ("o2", run),
    }


def test_a_new_submission_keeps_its_deprecated_id_and_one_without_ids_an_empty_uuid(
    engine: Engine,
) -> None:
    run = start_run(engine, "sync")
    edited_before = {**_payload(1, "u1"), "meta/deprecatedID": "uuid:u0"}  # edited on Kobo first
    bare = {k: v for k, v in _payload(2, "u2").items() if k not in ("_uuid", "meta/instanceID")}
    _land(engine, run, [edited_before, bare])
    stored = _stored(engine)
    assert (stored[1][0], stored[1][6]) == ("u1", "uuid:u0")
    assert stored[2][0] == ""
