"""Tests that kill the nine mutations that survived the suite (issue 15): each one, applied
alone to today's code, makes a test here fail (the note on the issue says how each was
checked). In-process against the real local KoboToolbox and the real databases, so
`make mutation` can run them; the command-line versions are in the other drills.

1. the watermark committed apart from the page it covers (`etl/sync.py` `_land_page`);
2. a sweep whose last page fails for good taken as complete;
3. a payload changed on the server without a new `_uuid` overwriting the raw row with no
   history (`warehouse/raw.py`);
4. paging ended at the first page shorter than the `limit` asked (a server that clamps);
5. `Retry-After` ignored for the client's own, shorter backoff;
6. 400-class answers other than 401/403/404 retried;
7. the typed load blind to a changed content hash (`warehouse/load.py`);
8. the raw table's unique key on (server, asset, `_id`) dropped;
9. the token, or part of it, in an error message.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl.kobo.client import KoboClient
from etl.kobo.errors import KoboError, KoboUnavailable
from etl.pipeline import import_files, load_typed
from etl.sync import SyncManifest, sync_asset
from tests.conftest import RunningKobo, start_kobo
from tests.warehouse.support import snapshot
from warehouse.assets import known_versions
from warehouse.catalog import form_table
from warehouse.load import rebuild
from warehouse.runlog import start_run
from warehouse.schema import (
    kobo_asset,
    kobo_asset_version,
    raw_submission,
    raw_submission_history,
    sync_state,
)

PAGE = 100  # 250 submissions: pages of 100, 100 and 50


def _client(kobo: RunningKobo, token: str | None = None, **options: Any) -> KoboClient:
    return KoboClient(kobo.url, token or kobo.token, **{"backoff": 0.01, **options})


def _sync(
    engine: Engine, kobo: RunningKobo, client: KoboClient | None = None, *, sweep: bool = True
) -> SyncManifest:
    client = client or _client(kobo)
    run_id = start_run(engine, "sync")
    manifest = sync_asset(engine, client, kobo.asset_uid, run_id, page_size=PAGE, sweep=sweep)
    load_typed(engine, client.server, [kobo.asset_uid], run_id)
    return manifest


def _scalar(engine: Engine, query: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def _raw_ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(raw_submission.c.kobo_id)).scalars())


def _deleted(engine: Engine) -> int:
    t = raw_submission
    return int(_scalar(engine, sa.select(sa.func.count()).where(t.c.deleted_run.is_not(None))))


def _main_table(engine: Engine) -> sa.Table:
    with engine.connect() as conn:
        names = list(conn.execute(sa.select(form_table.c.table_name)).scalars())
        return sa.Table(min(names, key=len), sa.MetaData(), autoload_with=conn)


# -- 1. the watermark and its page: one transaction ------------------------------------------


def _refuse_insert_of(engine: Engine, kobo_id: int) -> None:
    """A database fault: the warehouse refuses to store submission `kobo_id` (a trigger)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER drill_refuse BEFORE INSERT ON raw_submission"
                f" WHEN NEW.kobo_id = {kobo_id} BEGIN SELECT RAISE(ABORT, 'drill refusal'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION drill_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
                f" BEGIN IF NEW.kobo_id = {kobo_id} THEN RAISE EXCEPTION 'drill refusal';"
                " END IF; RETURN NEW; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER drill_refuse BEFORE INSERT ON raw_submission"
                " FOR EACH ROW EXECUTE FUNCTION drill_refuse()"
            )


def _allow_inserts(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER drill_refuse")
        else:
            conn.exec_driver_sql("DROP TRIGGER drill_refuse ON raw_submission")
            conn.exec_driver_sql("DROP FUNCTION drill_refuse()")


def test_a_page_that_fails_to_land_does_not_move_the_watermark(
    kobo: RunningKobo, engine: Engine
) -> None:
    """The second page fails inside its transaction (the warehouse refuses one of its
    rows): the watermark must still be the first page's last `_id`, so the next sync, even
    without the sweep that would find the gap, lands that page. A watermark committed in a
    transaction of its own before the page would already say 200 and skip 101–200 for ever."""
    _refuse_insert_of(engine, 150)
    with pytest.raises(sa.exc.DBAPIError):
        _sync(engine, kobo)
    assert _raw_ids(engine) == list(range(1, 101))
    assert _scalar(engine, sa.select(sync_state.c.last_id)) == 100
    _allow_inserts(engine)
    manifest = _sync(engine, kobo, sweep=False)
    assert manifest.new == 150
    assert _raw_ids(engine) == list(range(1, 251))


# -- 2. a sweep that fails on its last page ----------------------------------------------------


def test_a_sweep_failing_on_its_last_page_fails_and_marks_nothing_deleted(
    kobo: RunningKobo, engine: Engine
) -> None:
    """After a full sync the server deletes three submissions; the next sync's sweep gets
    its first two pages and then only 502s for the third: the sync fails (retryable) and
    nothing is marked deleted — neither the three nor the 50 it never read. The next sync
    that reads every page marks exactly the three."""
    _sync(engine, kobo)
    kobo.kobo.delete_submissions(kobo.asset_uid, [3, 4, 5])
    faults = kobo.kobo.faults
    # data requests: new (one empty page), sweep pages 1 and 2, then page 3 fails 3 times
    faults.script = ["ok", "ok", "ok", "502", "502", "502"]
    with pytest.raises(KoboUnavailable) as caught:
        _sync(engine, kobo, _client(kobo, max_retries=2))
    assert caught.value.code == "KOBO500" and caught.value.retryable
    assert faults.script == [] and _deleted(engine) == 0
    manifest = _sync(engine, kobo)
    assert (manifest.deleted, _deleted(engine), manifest.on_server) == (3, 3, 247)


# -- 3 and 7. a payload changed on the server without a new `_uuid` ---------------------------


def test_a_change_without_a_new_uuid_keeps_the_earlier_payload_and_reloads_the_typed_row(
    kobo: RunningKobo, engine: Engine, tmp_path: Path
) -> None:
    """An answer corrected on the server without a new `_uuid` (same edit count, same
    validation status), carried to the warehouse as a saved data page (`htsd import` lands
    exactly as sync does): the earlier payload moves to the history (3), and the typed row
    is written again with the new answer (7: the load compares the content hash)."""
    _sync(engine, kobo)
    asset = kobo.kobo.assets[kobo.asset_uid]
    before = dict(asset.submissions[7])
    asset.submissions[7] = {**before, "household/head_name": "Nông Văn Mới"}
    client = _client(kobo)
    page = next(client.iter_data_pages(kobo.asset_uid, query={"_id": 7}))
    saved = tmp_path / "page.json"
    saved.write_text(json.dumps({"count": 1, "next": None, "results": page.results}), "utf-8")
    run = import_files(engine, client.server, [saved], kobo.asset_uid)
    counts = run.files[0].counts
    assert (counts.changed, counts.edited, counts.new) == (1, 0, 0), counts

    t, h = raw_submission, raw_submission_history
    with engine.connect() as conn:
        current = conn.execute(sa.select(t.c.payload, t.c.edits).where(t.c.kobo_id == 7)).one()
        history = conn.execute(sa.select(h.c.payload, h.c.uuid).where(h.c.kobo_id == 7)).all()
    assert json.loads(current.payload)["household/head_name"] == "Nông Văn Mới"
    assert current.edits == 0
    assert len(history) == 1 and history[0].uuid == before["_uuid"]
    assert json.loads(history[0].payload)["household/head_name"] == before["household/head_name"]

    main = _main_table(engine)
    with engine.connect() as conn:
        typed = conn.execute(sa.select(main.c.household__head_name).where(main.c._id == 7))
        assert typed.scalar_one() == "Nông Văn Mới"


def test_a_status_only_change_keeps_the_answers(kobo: RunningKobo, engine: Engine) -> None:
    """A validation status set on the server changes no answer: no history, no edit, the
    status recorded in raw and typed rows alike, the answers as they were."""
    _sync(engine, kobo)
    answers = dict(kobo.kobo.assets[kobo.asset_uid].submissions[8])
    kobo.kobo.set_status(kobo.asset_uid, [8], "validation_status_on_hold", "hoikhuyenhoc")
    manifest = _sync(engine, kobo)
    assert (manifest.status_changed, manifest.changed, manifest.edited) == (1, 0, 0)
    t = raw_submission
    with engine.connect() as conn:
        row = conn.execute(sa.select(t).where(t.c.kobo_id == 8)).one()
        history = conn.execute(sa.select(sa.func.count()).select_from(raw_submission_history))
        assert history.scalar_one() == 0
    stored = json.loads(row.payload)
    assert (row.validation_status, row.edits) == ("validation_status_on_hold", 0)
    assert {k: stored[k] for k in answers} == answers
    main = _main_table(engine)
    with engine.connect() as conn:
        status = conn.execute(sa.select(main.c._validation_status).where(main.c._id == 8))
        assert status.scalar_one() == "validation_status_on_hold"


# -- 4. a server that clamps `limit` ---------------------------------------------------------


def test_a_server_clamping_limit_is_paged_to_the_end(kobo: RunningKobo, engine: Engine) -> None:
    """The server gives 30 per page whatever `limit` asks: every page is followed by its
    `next` link, nothing is cut at the first page shorter than the 100 asked."""
    kobo.kobo.faults.page_cap = 30
    client = _client(kobo)
    pages = list(client.iter_data_pages(kobo.asset_uid, limit=PAGE))
    assert [len(p.results) for p in pages] == [30] * 8 + [10]
    assert sorted(d["_id"] for p in pages for d in p.results) == list(range(1, 251))
    manifest = _sync(engine, kobo, sweep=False)  # no sweep to make up for a cut
    assert manifest.new == 250 and _raw_ids(engine) == list(range(1, 251))


# -- 5. Retry-After ----------------------------------------------------------------------------


def test_retry_after_longer_than_the_backoff_is_honoured(kobo: RunningKobo) -> None:
    faults = kobo.kobo.faults
    faults.retry_after, faults.script = 1, ["429", "429"]
    client = _client(kobo)  # its own backoff: 0.01 s, then 0.02 s
    started = time.monotonic()
    pages = list(client.iter_data_pages(kobo.asset_uid, limit=1000))
    waited = time.monotonic() - started
    assert len(pages[0].results) == 250 and client.stats.retries == 2
    assert waited >= 2.0, waited


# -- 6. a 400-class answer is not retried ------------------------------------------------------


@pytest.mark.parametrize("status", ["400", "405", "409", "410", "422"])
def test_a_client_error_is_not_retried(kobo: RunningKobo, status: str) -> None:
    """A 4xx other than 401/403/404 says the request itself is wrong: asking again gives
    the same answer. One request, no retry, a coded error (the server would answer the
    second try, so a retry would hide the error)."""
    faults = kobo.kobo.faults
    faults.script = [status]
    client = _client(kobo)
    with pytest.raises(KoboError) as caught:
        list(client.iter_data_pages(kobo.asset_uid))
    assert not caught.value.retryable
    assert (client.stats.requests, client.stats.retries, faults.data_requests) == (1, 0, 1)


def test_a_bad_limit_is_refused_at_once(kobo: RunningKobo) -> None:
    client = _client(kobo)
    with pytest.raises(KoboError) as caught:
        list(client.iter_data_pages(kobo.asset_uid, limit=0))
    assert caught.value.code == "KOBO400" and "positive integer" in caught.value.render("en")
    assert (client.stats.requests, client.stats.retries) == (1, 0)


# -- 8. the raw table's unique key ---------------------------------------------------------------


def test_a_duplicate_id_landing_is_refused_by_the_unique_key(
    kobo: RunningKobo, engine: Engine
) -> None:
    _sync(engine, kobo)
    t = raw_submission
    with engine.connect() as conn:
        row = dict(conn.execute(sa.select(t).where(t.c.kobo_id == 9)).one()._mapping)
    row.pop("id")
    row["uuid"] = "another-uuid"
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(t.insert(), row)
    assert _raw_ids(engine) == list(range(1, 251))
    keys = sa.inspect(engine).get_unique_constraints("raw_submission")
    assert {"server", "asset_uid", "kobo_id"} in [set(k["column_names"]) for k in keys]


# -- 9. the token in no error --------------------------------------------------------------------

SECRET = "Qz7XwKvJ3pLm8RtYhN6bGf4DcS5eAuWqZxJkMnBv"  # a token no message may show a piece of
UNKNOWN = "Vb9NmQkZ2xWrT5yHjP8cLd3FgS6aEuRtYqXzKwMn"  # a token the server does not know


def _pieces(token: str, size: int = 6) -> set[str]:
    return {token[i : i + size] for i in range(len(token) - size + 1)}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _error_paths(kobo: RunningKobo) -> dict[str, tuple[str, KoboClient, Any]]:
    """Every error the client can raise, each provoked for real: name → (token, client, call)."""
    store = kobo.kobo
    store.add_user("khach", token=SECRET)
    shared = kobo.asset_uid
    store.share(shared, "khach")  # view_asset only: data is 403
    mine = store.create_asset("khach", "Chưa triển khai", {"survey": []}).uid
    client = _client(kobo, SECRET, max_retries=1)
    stranger = _client(kobo, UNKNOWN)
    away = KoboClient(f"http://127.0.0.1:{_closed_port()}", SECRET, max_retries=1, backoff=0.01)

    def data(c: KoboClient, uid: str, **kw: Any) -> Any:
        return lambda: list(c.iter_data_pages(uid, **kw))

    def scripted(kind: str, call: Any) -> Any:
        def run() -> Any:
            store.faults.script = [kind] * 3
            try:
                return call()
            finally:
                store.faults.script = []

        return run

    return {
        "KOBO401": (UNKNOWN, stranger, lambda: stranger.get_asset(shared)),
        "KOBO403": (SECRET, client, data(client, shared)),
        "KOBO404": (SECRET, client, lambda: client.get_asset("aNoSuchAssetAtAll00000")),
        "KOBO409": (SECRET, client, lambda: sync_asset_call(client, mine)),
        "KOBO400": (SECRET, client, scripted("400", data(client, shared))),
        "KOBO500": (SECRET, client, scripted("502", data(client, shared))),
        "KOBO422": (SECRET, client, scripted("html", data(client, shared))),
        "KOBO502": (SECRET, away, lambda: away.get_asset(shared)),
    }


def sync_asset_call(client: KoboClient, uid: str) -> Any:
    from warehouse.db import make_engine
    from warehouse.migrate import upgrade

    engine = make_engine("sqlite://")
    upgrade(engine)
    try:
        return sync_asset(engine, client, uid, start_run(engine, "sync"))
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "code", ["KOBO401", "KOBO403", "KOBO404", "KOBO409", "KOBO400", "KOBO500", "KOBO422", "KOBO502"]
)
def test_no_error_shows_any_piece_of_the_token(
    kobo: RunningKobo, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Each error path, provoked for real, in both languages, as text, repr and its
    parameters, and the log lines written on the way: no 6-character piece of the token."""
    token, client, call = _error_paths(kobo)[code]
    caplog.set_level(logging.DEBUG)
    with pytest.raises(KoboError) as caught:
        call()
    error = caught.value
    assert error.code == code
    shown = " ".join(
        [
            error.render("vi"),
            error.render("en"),
            str(error),
            repr(error),
            json.dumps(error.params, default=str, ensure_ascii=False),
            repr(client),
            caplog.text,
        ]
    )
    leaked = sorted(p for p in _pieces(token) if p in shown)
    assert not leaked, (code, leaked)


# -- beyond the nine: what `make mutation` found surviving in the sync -----------------------


def test_an_incremental_sync_asks_only_for_what_is_new(kobo: RunningKobo, engine: Engine) -> None:
    """The watermark is read back: a second sync asks for the 30 new submissions in one page,
    then sweeps; the watermark holds the last `_id` and the latest submission time."""
    _sync(engine, kobo)
    kobo.kobo.generate(kobo.asset_uid, 30)
    before = kobo.kobo.faults.data_requests
    manifest = _sync(engine, kobo)
    assert (manifest.new, manifest.unchanged) == (30, 250)
    assert kobo.kobo.faults.data_requests - before == 1 + 3  # one page of new, three of sweep
    docs = kobo.kobo.assets[kobo.asset_uid].submissions.values()
    with engine.connect() as conn:
        row = conn.execute(sa.select(sync_state)).one()
    assert row.last_id == 280
    assert row.last_submission_time == max(d["_submission_time"] for d in docs)


def test_two_assets_in_one_warehouse_are_kept_apart(kobo: RunningKobo, engine: Engine) -> None:
    """A second asset beside the first: syncing one never marks, fetches or counts the
    other's submissions, and deletions on one server asset mark only its own."""
    store = kobo.kobo
    first = store.assets[kobo.asset_uid]
    other = store.create_asset(first.owner, "Bản sao", first.versions[-1].content)
    store.deploy(other.uid)
    store.generate(other.uid, 20)
    client = _client(kobo)
    _sync(engine, kobo, client)
    run_id = start_run(engine, "sync")
    theirs = sync_asset(engine, client, other.uid, run_id, page_size=PAGE)
    assert (theirs.new, theirs.deleted, theirs.on_server) == (20, 0, 20)
    store.delete_submissions(other.uid, sorted(other.submissions)[:5])
    again = sync_asset(engine, client, other.uid, start_run(engine, "sync"), page_size=PAGE)
    assert (again.new, again.deleted, again.unchanged) == (0, 5, 15)
    mine = _sync(engine, kobo, client)
    assert (mine.new, mine.deleted, mine.unchanged) == (0, 0, 250)
    t = raw_submission
    with engine.connect() as conn:
        deleted = dict(
            conn.execute(
                sa.select(t.c.asset_uid, sa.func.count())
                .where(t.c.deleted_run.is_not(None))
                .group_by(t.c.asset_uid)
            ).all()
        )
    assert deleted == {other.uid: 5}


def test_counts_add_up_over_the_pages_of_one_sync(kobo: RunningKobo, engine: Engine) -> None:
    """What one sync finds is counted over all its pages, not the last page's: 150 back on
    the server after being marked deleted (two pages of 100), then 80 edits, 80 answers
    changed without a new `_uuid` (with a new status, which the sweep sees) and 80 new
    statuses alone, spread over three pages."""
    _sync(engine, kobo)
    store, uid = kobo.kobo, kobo.asset_uid
    docs = store.assets[uid].submissions
    kept = {i: dict(docs[i]) for i in range(1, 151)}
    store.delete_submissions(uid, list(kept))
    assert _sync(engine, kobo).deleted == 150
    docs.update(kept)  # back on the server, as they were
    back = _sync(engine, kobo)
    assert (back.restored, back.new, back.unchanged, _deleted(engine)) == (150, 0, 100, 0)

    for kobo_id in range(1, 241):
        if kobo_id % 3 == 0:
            store.edit_submission(uid, kobo_id, {"household/head_name": "Vàng Seo Mỷ"})
        elif kobo_id % 3 == 1:
            store.set_status(uid, [kobo_id], "validation_status_approved", "hoikhuyenhoc")
        else:  # an answer changed without a new `_uuid`, found by its new status
            docs[kobo_id] = {**docs[kobo_id], "household/head_name": "Lò Thị Xuân"}
            store.set_status(uid, [kobo_id], "validation_status_on_hold", "hoikhuyenhoc")
    manifest = _sync(engine, kobo)
    counts = (manifest.edited, manifest.changed, manifest.status_changed, manifest.unchanged)
    assert counts == (80, 80, 80, 90)


def _stages_ok(manifest: SyncManifest) -> bool:
    return (
        set(manifest.stages) == {"fetch", "land", "sweep", "versions"}
        and all(seconds >= 0 for seconds in manifest.stages.values())
        and sum(manifest.stages.values()) <= manifest.duration_s + 0.01
    )


def test_the_manifest_counts_pages_requests_retries_and_stages(
    kobo: RunningKobo, engine: Engine
) -> None:
    """Pages of 40: the first sync reads 7 pages of new submissions and 7 of the sweep (one
    request retried); the next, after 120 new statuses, one empty page of new, 7 of the
    sweep and 3 of changes, without moving the watermark; one without the sweep says so."""
    store, uid = kobo.kobo, kobo.asset_uid
    client = _client(kobo)
    store.faults.script = ["502"]
    first = sync_asset(engine, client, uid, start_run(engine, "sync"), page_size=40)
    assert (first.new, first.pages, first.retries, first.swept) == (250, 14, 1, True)
    assert first.requests == 1 + 14 + 1 + 1  # the asset, the pages, the retry, the version
    assert first.versions == [store.assets[uid].versions[-1].uid] and _stages_ok(first)
    store.set_status(uid, list(range(1, 121)), "validation_status_approved", "hoikhuyenhoc")
    second = sync_asset(engine, client, uid, start_run(engine, "sync"), page_size=40)
    assert (second.status_changed, second.pages, second.requests, second.retries) == (
        120,
        1 + 7 + 3,
        1 + 11,
        0,
    )
    assert _stages_ok(second) and _scalar(engine, sa.select(sync_state.c.last_id)) == 250
    third = sync_asset(engine, client, uid, start_run(engine, "sync"), sweep=False)
    assert (third.swept, third.on_server, third.pages) == (False, 0, 1)


def test_new_submissions_are_asked_in_id_order(kobo: RunningKobo, engine: Engine) -> None:
    """The server holds 1–150 after 151–250 (restored late): a sync that fails on its
    second page has landed 1–40 and says so in its watermark, not 151–190."""
    docs = kobo.kobo.assets[kobo.asset_uid].submissions
    early = {i: docs.pop(i) for i in range(1, 151)}
    docs.update(early)
    kobo.kobo.faults.script = ["ok", "502"]
    client = _client(kobo, max_retries=0)
    with pytest.raises(KoboUnavailable):
        sync_asset(engine, client, kobo.asset_uid, start_run(engine, "sync"), page_size=40)
    assert _raw_ids(engine) == list(range(1, 41))
    assert _scalar(engine, sa.select(sync_state.c.last_id)) == 40


def test_an_asset_not_deployed_is_refused_with_its_server_and_uid(
    kobo: RunningKobo, engine: Engine
) -> None:
    store = kobo.kobo
    draft = store.create_asset(store.assets[kobo.asset_uid].owner, "Nháp", {"survey": []}).uid
    client = _client(kobo)
    with pytest.raises(KoboError) as caught:
        sync_asset(engine, client, draft, start_run(engine, "sync"))
    error = caught.value
    assert (error.code, error.where) == ("KOBO409", client.server)
    assert error.params == {"server": client.server, "asset": draft}


def test_the_versions_seen_in_the_data_are_stored(kobo: RunningKobo, engine: Engine) -> None:
    """Submissions of an earlier version and of a redeployed one: the sync stores the
    content of both (the earlier one fetched by its uid) with the run that fetched it."""
    store, uid = kobo.kobo, kobo.asset_uid
    asset = store.assets[uid]
    first = asset.versions[-1].uid
    note = {"type": "note", "name": "loi_chao", "label": ["Xin chào"]}
    store.replace_content(uid, {**asset.content, "survey": [note, *asset.content["survey"]]})
    store.deploy(uid)
    second = asset.versions[-1].uid
    store.generate(uid, 3)
    run_id = start_run(engine, "sync")
    manifest = sync_asset(engine, _client(kobo), uid, run_id, page_size=PAGE)
    assert manifest.versions == sorted([first, second])
    server = _client(kobo).server
    assert known_versions(engine, server, uid) == {first, second}
    with engine.connect() as conn:
        runs = conn.execute(sa.select(kobo_asset_version.c.fetched_run)).scalars().all()
        asset_run = conn.execute(sa.select(kobo_asset.c.fetched_run)).scalar_one()
    assert runs and set(runs) == {run_id} and asset_run == run_id


def _second_server() -> Iterator[RunningKobo]:
    """Another local KoboToolbox generated from the same seed: the same asset uid and
    submissions, under another address (another server identity)."""
    yield from start_kobo(250)


def test_one_asset_uid_on_two_servers_is_kept_apart(kobo: RunningKobo, engine: Engine) -> None:
    """The same asset uid and `_id`s on two servers: each keeps its own watermark, its
    own sweep state and its own typed tables; rebuilding one leaves the other as it was."""
    servers = _second_server()
    other = next(servers)
    try:
        assert other.asset_uid == kobo.asset_uid and other.url != kobo.url
        uid = kobo.asset_uid
        _sync(engine, kobo)
        assert _sync(engine, other, sweep=False).new == 250  # not the first one's watermark
        for running in (kobo, other):  # a submission back after being marked deleted
            docs = running.kobo.assets[uid].submissions
            kept = dict(docs[5])
            running.kobo.delete_submissions(uid, [5])
            assert _sync(engine, running).deleted == 1
            docs[5] = kept
            assert _sync(engine, running).restored == 1, running.url
        assert _deleted(engine) == 0

        a, b = _client(kobo).server, _client(other).server
        before = {s: (snapshot(engine, s, uid), _table_names(engine, s)) for s in (a, b)}
        run_id = start_run(engine, "rebuild")
        results = rebuild(engine, b, run_id=run_id)
        assert [(r.server, r.asset_uid, r.loaded) for r in results] == [(b, uid, 250)]
        after = {s: (snapshot(engine, s, uid), _table_names(engine, s)) for s in (a, b)}
        assert after == before
    finally:
        servers.close()


def test_a_second_asset_on_the_server_has_its_own_watermark(
    kobo: RunningKobo, engine: Engine
) -> None:
    store = kobo.kobo
    first = store.assets[kobo.asset_uid]
    other = store.create_asset(first.owner, "Bản sao", first.versions[-1].content)
    store.deploy(other.uid)
    store.generate(other.uid, 20)  # _ids 251–270: numbered server-wide
    store.generate(kobo.asset_uid, 30)  # 271–300: the first asset's watermark is above them
    client = _client(kobo)
    _sync(engine, kobo, client)
    run_id = start_run(engine, "sync")
    theirs = sync_asset(engine, client, other.uid, run_id, page_size=PAGE, sweep=False)
    assert theirs.new == 20


def _table_names(engine: Engine, server: str) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(form_table.c.table_name, form_table.c.view_name).where(
                form_table.c.server == server
            )
        )
        return sorted((r.table_name, r.view_name) for r in rows)


def test_a_page_without_submission_times_keeps_the_watermark_time_empty(
    kobo: RunningKobo, engine: Engine
) -> None:
    for doc in kobo.kobo.assets[kobo.asset_uid].submissions.values():
        doc.pop("_submission_time", None)
    manifest = _sync(engine, kobo, sweep=False)
    with engine.connect() as conn:
        row = conn.execute(sa.select(sync_state)).one()
    assert (manifest.new, row.last_id, row.last_submission_time) == (250, 250, None)
