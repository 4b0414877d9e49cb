"""A submission edited before it was first pulled carries `meta/deprecatedID` (issue 9, item
9): it counts as edited, and the instance id it replaced is kept on its row."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.raw import RawRecord, land_records
from warehouse.runlog import start_run
from warehouse.schema import raw_submission
from warehouse.status import warehouse_status

SERVER, ASSET = "https://kf.kobotoolbox.org", "aPreEdited000000000001"


def _payload(kobo_id: int, uuid: str, **extra: Any) -> dict[str, Any]:
    return {
        "_id": kobo_id,
        "_uuid": uuid,
        "meta/instanceID": f"uuid:{uuid}",
        "meta/rootUuid": f"uuid:first-{kobo_id}",
        "__version__": "vOne",
        "_validation_status": {},
        **extra,
    }


def test_a_submission_edited_before_the_first_pull_counts_as_edited(engine: Engine) -> None:
    run = start_run(engine, "sync")
    pre_edited = _payload(1, "second", **{"meta/deprecatedID": "uuid:first-1"})
    records = [RawRecord.from_payload(p) for p in (pre_edited, _payload(2, "only"))]
    with engine.begin() as conn:
        counts = land_records(conn, SERVER, ASSET, run, records)
    assert counts.new == 2
    entry = warehouse_status(engine)["assets"][ASSET]
    assert (entry["submissions"], entry["edited"]) == (2, 1)
    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                sa.select(raw_submission.c.kobo_id, raw_submission.c.deprecated_id).order_by(
                    raw_submission.c.kobo_id
                )
            ).all()
        )
    assert rows == {1: "uuid:first-1", 2: None}

    edited = _payload(2, "edited", **{"meta/deprecatedID": "uuid:only"})
    with engine.begin() as conn:
        again = land_records(conn, SERVER, ASSET, run, [RawRecord.from_payload(edited)])
    assert again.edited == 1
    assert warehouse_status(engine)["assets"][ASSET]["edited"] == 2
