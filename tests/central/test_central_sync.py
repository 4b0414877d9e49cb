"""Sync from a local ODK Central over real HTTP: 20,000 family evaluations, then edits,
deletions, new submissions and review changes counted exactly; a session that expires
mid-sync; a stale skiptoken that must not end a sync early."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.central.support import RunningCentral, mutate, start_central
from tests.etl.warehouse_state import raw_state
from warehouse.db import make_engine
from warehouse.schema import raw_submission, raw_submission_history


@pytest.fixture(scope="module")
def _central_20k() -> Iterator[RunningCentral]:
    yield from start_central(20_000, seed=5)  # generated once for the module


@pytest.fixture
def central_20k(_central_20k: RunningCentral) -> Iterator[RunningCentral]:
    """The 20,000-submission Central as generated: each test's changes are undone after."""
    central, form = _central_20k.central, _central_20k.demo.form
    # an edit or review replaces a submission's fields, never changes them in place
    saved = (
        {k: dataclasses.replace(v) for k, v in form.submissions.items()},
        central.clock,
        central.serial,
    )
    rng = central.rng.getstate()
    yield _central_20k
    form.submissions, central.clock, central.serial = saved
    central.rng.setstate(rng)


@pytest.mark.slow
def test_20000_then_edits_deletions_new_and_reviews(
    central_20k: RunningCentral, warehouse_url: str, tmp_path: Path
) -> None:
    first = central_20k.sync(warehouse_url, tmp_path)
    assert (first["new"], first["on_server"]) == (20_000, 20_000)
    assert raw_state(warehouse_url).rows == 20_000
    changed = mutate(central_20k, edits=100, deletes=50, new=200, reviews=30, seed=1)
    second = central_20k.sync(warehouse_url, tmp_path)
    counts = (second["new"], second["edited"], second["deleted"], second["status_changed"])
    assert counts == (200, 100, 50, 30)
    assert second["changed"] == 0 and second["restored"] == 0
    assert second["load"]["deleted"] == 50

    status = central_20k.htsd(warehouse_url, tmp_path, "status", "--json")
    assert status.returncode == 0, status.stderr
    entry = json.loads(status.stdout)["assets"][central_20k.ref]
    assert (entry["submissions"], entry["edited"], entry["deleted"], entry["history"]) == (
        20_150,
        100,
        50,
        100,
    )
    # edits keep the earlier version: the history holds the first instanceID of each
    engine = make_engine(warehouse_url)
    with engine.connect() as conn:
        h, r = raw_submission_history, raw_submission
        earlier = {
            row.uuid
            for row in conn.execute(sa.select(h.c.uuid).where(h.c.asset_uid == central_20k.ref))
        }
        roots = set(conn.execute(sa.select(r.c.root_uuid).where(r.c.edits == 1)).scalars())
        states = dict(
            conn.execute(
                sa.select(r.c.root_uuid, r.c.validation_status).where(
                    r.c.root_uuid.in_(changed["reviewed"])
                )
            ).all()
        )
    engine.dispose()
    assert {f"uuid:{u}" for u in earlier} == set(changed["edited"]) == roots
    assert sorted(states.values()) == sorted(["approved", "hasIssues", "rejected"] * 10)


def test_session_expiring_mid_sync_is_renewed(warehouse_url: str, tmp_path: Path) -> None:
    for running in start_central(1200, seed=3):
        running.central.expire_sessions_at = running.central.data_requests + 4
        logins = running.central.logins
        first = running.sync(warehouse_url, tmp_path, "--page-size", "100")
        assert first["new"] == 1200 and first["on_server"] == 1200
        assert running.central.logins == logins + 2  # the first session, then a new one
        assert raw_state(warehouse_url).rows == 1200
        again = running.sync(warehouse_url, tmp_path, "--page-size", "100")  # idempotent
        assert (again["new"], again["edited"], again["deleted"], again["status_changed"]) == (
            0,
            0,
            0,
            0,
        )
        assert again["unchanged"] == 1200


def test_stale_skiptoken_does_not_end_the_sync_early(warehouse_url: str, tmp_path: Path) -> None:
    """A deletion between two pages makes the next page's skiptoken stale: Central answers
    an empty page. The sync sees fewer rows than @odata.count and reads the listing again."""
    for running in start_central(600, seed=4):
        central, form = running.central, running.demo.form
        newest_first = sorted(
            form.submissions.values(), key=lambda s: (s.created_at, s.serial), reverse=True
        )
        # the last row of the third page goes to the trash as the sync asks for page four
        victim = newest_first[299].iid
        start = central.data_requests

        original = central.count_data_request

        def counted(  # type: ignore[no-untyped-def]
            central=central, form=form, start=start, victim=victim, original=original
        ) -> None:
            original()
            if central.data_requests == start + 4:
                central.delete(form, [victim])

        central.count_data_request = counted  # type: ignore[method-assign]
        first = running.sync(warehouse_url, tmp_path, "--page-size", "100")
        assert first["new"] == 600  # 599 live ones and the deleted one, read before
        assert first["deleted"] == 1
        assert first["on_server"] == 599
        assert first["pages"] > 7  # the listing was read again
