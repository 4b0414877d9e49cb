"""`htsd validate --push-status` on SQLite and PostgreSQL, against the local KoboToolbox over
HTTP: the validation outcome becomes validation statuses, one bulk request per status with
exactly the ids that differ; a second push sends nothing; a status set by hand on the server
stays (unless --force); an unknown status uid is refused before any request.

The local server records every validation-status request it receives
(`LocalKobo.status_requests`), so the tests check what was sent, not only what is there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from etl import pipeline, status_push
from etl.commands.common import App
from etl.commands.validate import validate_command
from etl.config import Settings
from etl.kobo.client import KoboClient
from etl.kobo.errors import KoboCode, KoboError
from etl.status_push import APPROVED, NOT_APPROVED, ON_HOLD, push_statuses
from localkobo.province import DEMO_USER, demo_kobo
from tests.conftest import RunningKobo, start_kobo
from tests.warehouse.support import SERVER, land_store
from warehouse.runlog import start_run
from warehouse.schema import status_push as status_push_table

SUBMISSIONS = 40
MANAGER = "quanly_du_lieu"  # a data manager setting statuses by hand on the server


@pytest.fixture
def kobo() -> Iterator[RunningKobo]:
    """A local KoboToolbox with 40 generated family evaluations (each test its own)."""
    yield from start_kobo(SUBMISSIONS, seed=5)


def _client(kobo: RunningKobo) -> KoboClient:
    return KoboClient(kobo.url, kobo.token, backoff=0.01)


def _sync(engine: Engine, kobo: RunningKobo) -> None:
    pipeline.sync(engine, _client(kobo), [kobo.asset_uid])


def _requests(kobo: RunningKobo) -> list[tuple[str, list[int], str | None, str, bool]]:
    return [
        (r.asset_uid, list(r.ids), r.status_uid, r.user, r.bulk) for r in kobo.kobo.status_requests
    ]


def _on_server(kobo: RunningKobo) -> dict[int, str | None]:
    asset = kobo.kobo.assets[kobo.asset_uid]
    return {i: asset.statuses.get(i, {}).get("uid") for i in asset.submissions}


def _pushed_rows(engine: Engine) -> dict[int, str]:
    t = status_push_table
    with engine.connect() as conn:
        return {
            int(r.kobo_id): r.status_uid
            for r in conn.execute(sa.select(t.c.kobo_id, t.c.status_uid))
        }


def _states() -> dict[int, str]:
    """Every fifth an error, every seventh only warnings, two decided on, the rest clean."""
    states = {i: "clean" for i in range(1, SUBMISSIONS + 1)}
    states.update({i: "warning" for i in range(7, SUBMISSIONS + 1, 7)})
    states.update({i: "error" for i in range(5, SUBMISSIONS + 1, 5)})
    states.update({3: "accepted", 4: "rejected"})
    return states


def _wanted(states: dict[int, str], hold: str = ON_HOLD) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for kobo_id, state in sorted(states.items()):
        out.setdefault(status_push.desired_status(state, hold), []).append(kobo_id)
    return out


def _push(engine: Engine, kobo: RunningKobo, states: dict[int, str], **kw: Any) -> Any:
    client = _client(kobo)
    return push_statuses(engine, client, client.server, kobo.asset_uid, states, **kw)


def test_three_statuses_in_bulk_then_nothing(
    engine: Engine, kobo: RunningKobo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sync(engine, kobo)
    monkeypatch.setattr(status_push, "_PAGE", 7)  # the listing is paged, every page read
    states = _states()
    wanted = _wanted(states)
    assert wanted[NOT_APPROVED] == [4, 5, 10, 15, 20, 25, 30, 35, 40]
    assert wanted[ON_HOLD] == [7, 14, 21, 28]
    assert set(wanted) == {NOT_APPROVED, ON_HOLD, APPROVED}

    result = _push(engine, kobo, states)
    assert result.as_dict() == {
        "sent": {s: len(ids) for s, ids in wanted.items()},
        "unchanged": 0,
        "kept": 0,
        "overridden": 0,
        "not_on_server": 0,
        "requests": 3,
    }
    uid = kobo.asset_uid
    assert _requests(kobo) == [
        (uid, wanted[NOT_APPROVED], NOT_APPROVED, DEMO_USER, True),
        (uid, wanted[ON_HOLD], ON_HOLD, DEMO_USER, True),
        (uid, wanted[APPROVED], APPROVED, DEMO_USER, True),
    ], "one bulk request per status, with exactly its ids"
    expected = {i: s for s, ids in wanted.items() for i in ids}
    assert _on_server(kobo) == expected
    assert _pushed_rows(engine) == expected, "what htsd pushed is kept, per submission"

    again = _push(engine, kobo, states)
    assert again.as_dict()["sent"] == {} and again.unchanged == SUBMISSIONS
    assert len(kobo.kobo.status_requests) == 3, "a second push sends nothing"

    states[7] = "clean"  # the warning was fixed: only that one is sent
    states[8] = "error"
    third = _push(engine, kobo, states)
    assert _requests(kobo)[3:] == [
        (uid, [8], NOT_APPROVED, DEMO_USER, True),
        (uid, [7], APPROVED, DEMO_USER, True),
    ]
    assert (third.as_dict()["sent"], third.unchanged) == (
        {NOT_APPROVED: 1, APPROVED: 1},
        SUBMISSIONS - 2,
    )
    assert _pushed_rows(engine)[7] == APPROVED and _pushed_rows(engine)[8] == NOT_APPROVED


def test_bulk_requests_hold_at_most_the_chunk(
    engine: Engine, kobo: RunningKobo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sync(engine, kobo)
    monkeypatch.setattr(status_push, "BULK_CHUNK", 15)
    result = _push(engine, kobo, {i: "clean" for i in range(1, SUBMISSIONS + 1)})
    assert [r[1] for r in _requests(kobo)] == [
        list(range(1, 16)),
        list(range(16, 31)),
        list(range(31, 41)),
    ]
    assert result.requests == 3 and result.sent == {APPROVED: SUBMISSIONS}
    assert set(_pushed_rows(engine).values()) == {APPROVED}


def test_a_status_set_by_hand_stays_unless_forced(engine: Engine, kobo: RunningKobo) -> None:
    _sync(engine, kobo)
    uid = kobo.asset_uid
    states = {i: "clean" for i in range(1, SUBMISSIONS + 1)}
    states[9] = "error"
    kobo.kobo.set_status(uid, [2], ON_HOLD, MANAGER)  # before htsd ever pushed
    kobo.kobo.set_status(uid, [9], NOT_APPROVED, MANAGER)  # by hand, as htsd would
    first = _push(engine, kobo, states)
    assert (first.kept, first.unchanged, first.sent) == (1, 1, {APPROVED: SUBMISSIONS - 2})
    assert 2 not in _requests(kobo)[0][1] and 9 not in _requests(kobo)[0][1]
    assert _on_server(kobo)[2] == ON_HOLD, "the manager's status stays"

    kobo.kobo.set_status(uid, [6], NOT_APPROVED, MANAGER)  # over the status htsd pushed
    kobo.kobo.set_status(uid, [9], APPROVED, MANAGER)  # a decision against the validation
    before = len(kobo.kobo.status_requests)
    second = _push(engine, kobo, states)
    assert (second.kept, second.sent, second.requests) == (3, {}, 0)
    assert len(kobo.kobo.status_requests) == before, "nothing is sent over a person's status"
    assert {i: _on_server(kobo)[i] for i in (2, 6, 9)} == {
        2: ON_HOLD,
        6: NOT_APPROVED,
        9: APPROVED,
    }

    forced = _push(engine, kobo, states, force=True)
    assert (forced.kept, forced.overridden) == (0, 3)
    assert _requests(kobo)[before:] == [
        (uid, [9], NOT_APPROVED, DEMO_USER, True),
        (uid, [2, 6], APPROVED, DEMO_USER, True),
    ]
    assert {i: _on_server(kobo)[i] for i in (2, 6, 9)} == {
        2: APPROVED,
        6: APPROVED,
        9: NOT_APPROVED,
    }
    after = _push(engine, kobo, states)
    assert (after.unchanged, after.kept, after.requests) == (SUBMISSIONS, 0, 0)


def test_a_cleared_status_is_set_again_and_a_deleted_one_is_not_on_server(
    engine: Engine, kobo: RunningKobo
) -> None:
    _sync(engine, kobo)
    uid = kobo.asset_uid
    states = {i: "clean" for i in range(1, SUBMISSIONS + 1)}
    _push(engine, kobo, states)
    kobo.kobo.assets[uid].statuses.pop(12)  # cleared on the server
    kobo.kobo.delete_submissions(uid, [13])  # deleted since the last sync
    before = len(kobo.kobo.status_requests)
    result = _push(engine, kobo, states)
    assert (result.not_on_server, result.unchanged, result.sent) == (
        1,
        SUBMISSIONS - 2,
        {APPROVED: 1},
    )
    assert _requests(kobo)[before:] == [(uid, [12], APPROVED, DEMO_USER, True)]


def test_an_unknown_status_uid_is_refused_before_any_request(
    engine: Engine, kobo: RunningKobo
) -> None:
    _sync(engine, kobo)
    client = _client(kobo)
    before = client.stats.requests
    with pytest.raises(KoboError) as refused:
        push_statuses(
            engine,
            client,
            client.server,
            kobo.asset_uid,
            {1: "warning", 2: "clean"},
            hold_status="validation_status_maybe",
        )
    assert refused.value.code == KoboCode.UNKNOWN_STATUS
    assert client.stats.requests == before, "not even the listing"
    assert kobo.kobo.status_requests == [] and _pushed_rows(engine) == {}
    assert _on_server(kobo)[1] is None

    with pytest.raises(ValueError, match="unknown validation state"):
        push_statuses(engine, client, client.server, kobo.asset_uid, {1: "fine"})
    assert client.stats.requests == before


# -- the command line -----------------------------------------------------------------------


def _app(kobo: RunningKobo, warehouse_url: str, lang: str = "vi") -> App:
    settings = Settings(
        database_url=warehouse_url, kobo_url=kobo.url, kobo_token=kobo.token, language=lang
    )
    return App(settings=settings)


def _run(app: App, *args: str) -> Any:
    try:
        return CliRunner().invoke(validate_command, list(args), obj=app)
    finally:
        if app._engine is not None:
            app._engine.dispose()


def _seed_findings(kobo: RunningKobo) -> None:
    """On the server: an unknown choice code in #3 (an error), an interview ending as it
    starts in #4 (too short: a warning only)."""
    kobo.kobo.edit_submission(kobo.asset_uid, 3, {"household/hkh_member": "perhaps"})
    start = kobo.kobo.assets[kobo.asset_uid].submissions[4]["start"]
    kobo.kobo.edit_submission(kobo.asset_uid, 4, {"end": start})


def _expected(found: dict[str, Any], hold: str = ON_HOLD) -> dict[str, list[int]]:
    """The statuses the validation's own findings call for."""
    states = {i: "clean" for i in range(1, SUBMISSIONS + 1)}
    for f in found["findings"]:
        if f.get("status", "open") != "open":
            continue
        if f["severity"] == "error":
            states[f["submission"]] = "error"
        elif states[f["submission"]] == "clean":
            states[f["submission"]] = "warning"
    return _wanted(states, hold)


def test_validate_push_status_command(
    engine: Engine, kobo: RunningKobo, warehouse_url: str
) -> None:
    _seed_findings(kobo)
    _sync(engine, kobo)
    uid = kobo.asset_uid

    result = _run(_app(kobo, warehouse_url), "--push-status", "--json")
    assert result.exit_code in (0, 4), result.output  # 4: new errors (unless sync validated)
    found = json.loads(result.output)
    wanted = _expected(found)
    assert 3 in wanted[NOT_APPROVED] and 4 in wanted[ON_HOLD]
    assert found["assets"][uid]["push"] == {
        "sent": {s: len(ids) for s, ids in wanted.items()},
        "unchanged": 0,
        "kept": 0,
        "overridden": 0,
        "not_on_server": 0,
        "requests": len(wanted),
    }
    assert _requests(kobo) == [
        (uid, wanted[s], s, DEMO_USER, True)
        for s in (NOT_APPROVED, ON_HOLD, APPROVED)
        if s in wanted
    ]

    kobo.kobo.set_status(uid, [1], NOT_APPROVED, MANAGER)  # a data manager disagrees
    before = len(kobo.kobo.status_requests)
    text = _run(_app(kobo, warehouse_url, "en"), "--push-status")
    assert text.exit_code == 0, text.output
    assert (
        f"{uid}: validation statuses sent to KoboToolbox: 0 not approved, 0 on hold, "
        f"0 approved; {SUBMISSIONS - 1} unchanged, 1 set by hand kept, 0 no longer on the server"
    ) in text.output
    assert len(kobo.kobo.status_requests) == before, "a second run sends nothing"

    held = _run(_app(kobo, warehouse_url), "--push-status", "--hold-status", "not_approved")
    assert held.exit_code == 0, held.output
    assert (
        f"{uid}: trạng thái kiểm duyệt đã gửi lên KoboToolbox: {len(wanted[ON_HOLD])} không "
        f"duyệt, 0 tạm giữ, 0 đã duyệt; {SUBMISSIONS - 1 - len(wanted[ON_HOLD])} không đổi, "
        "1 do người đặt được giữ nguyên, 0 không còn trên máy chủ"
    ) in held.output
    assert _requests(kobo)[before:] == [(uid, wanted[ON_HOLD], NOT_APPROVED, DEMO_USER, True)]

    forced = _run(_app(kobo, warehouse_url), "--push-status", "--force", "--json")
    assert forced.exit_code == 0, forced.output
    push = json.loads(forced.output)["assets"][uid]["push"]
    assert (push["overridden"], push["kept"]) == (1, 0)
    assert push["sent"] == {ON_HOLD: len(wanted[ON_HOLD]), APPROVED: 1}, "back to on hold"
    assert _on_server(kobo)[1] == APPROVED


def test_push_options_are_checked_before_anything_is_sent(
    engine: Engine, kobo: RunningKobo, warehouse_url: str
) -> None:
    _sync(engine, kobo)
    unknown = _run(_app(kobo, warehouse_url), "--push-status", "--hold-status", "maybe")
    assert unknown.exit_code == 2 and "maybe" in unknown.output
    alone = _run(_app(kobo, warehouse_url, "en"), "--force")
    assert alone.exit_code == 2
    assert "--force and --hold-status go with --push-status only" in alone.output
    plain = _run(_app(kobo, warehouse_url), "--json")
    assert (
        plain.exit_code in (0, 4)
        and "push" not in json.loads(plain.output)["assets"][kobo.asset_uid]
    )
    assert kobo.kobo.status_requests == [] and _pushed_rows(engine) == {}


def test_an_asset_of_another_server_is_not_pushed(
    engine: Engine, kobo: RunningKobo, warehouse_url: str
) -> None:
    _sync(engine, kobo)
    other = demo_kobo(5, seed=9)  # stored from another server (as `htsd import` would)
    land_store(engine, other.kobo, other.asset_uid, start_run(engine, "sync"))
    assert other.asset_uid != kobo.asset_uid

    result = _run(_app(kobo, warehouse_url), "--push-status", "--json")
    assert result.exit_code in (0, 4), result.output
    assets = json.loads(result.output)["assets"]
    assert assets[other.asset_uid]["push"] is None
    assert assets[kobo.asset_uid]["push"]["unchanged"] == 0
    assert {r.asset_uid for r in kobo.kobo.status_requests} == {kobo.asset_uid}
    assert other.kobo.status_requests == []

    text = _run(_app(kobo, warehouse_url, "en"), "--push-status")
    assert (
        f"{other.asset_uid}: no validation statuses sent: its data is from {SERVER}, not the "
        "server in use"
    ) in text.output
