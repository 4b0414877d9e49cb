"""Must show 2 and 3, on SQLite and PostgreSQL: loads are idempotent, an edit replaces its
repeat rows, a deletion leaves the current views and stays in the tables and the raw
history, and `htsd rebuild` reproduces dropped typed tables row for row."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from etl.commands.common import App
from etl.commands.warehouse import rebuild_command
from etl.config import Settings
from localkobo import LocalKobo
from tests.warehouse.support import (
    SERVER,
    choices,
    content,
    end,
    land_payloads,
    land_store,
    row,
    save_versions,
    snapshot,
)
from warehouse.assets import record_deployment
from warehouse.catalog import form_table, form_version, load_finding, submission_attachment
from warehouse.layout import default_prefix
from warehouse.load import drop_asset, load_asset, rebuild
from warehouse.raw import RawRecord, land_records, mark_deleted
from warehouse.runlog import start_run
from warehouse.schema import raw_submission, raw_submission_history

FORM = content(
    [
        row("today", "today"),
        row("begin_group", "dia_ban", "Địa bàn", "Location"),
        row("text", "dia_ban/thon", "Thôn", "Village"),
        row("geopoint", "dia_ban/gps", "Vị trí", "GPS"),
        end("group"),
        row("text", "chu_ho", "Chủ hộ", "Head", pii="name"),
        row("begin_repeat", "tv", "Thành viên", "Member"),
        row("text", "tv/ten", "Tên", "Name", pii="name"),
        row("integer", "tv/tuoi", "Tuổi", "Age", required=True),
        row("select_multiple", "tv/hoc", "Học", "Learns", select_from_list_name="hd"),
        row("begin_repeat", "tv/lop", "Lớp", "Class"),
        row("text", "tv/lop/ten_lop", "Tên lớp", "Class"),
        end("repeat"),
        end("repeat"),
    ],
    choices("hd", ("doc", "Đọc sách", "Reading"), ("nghe", "Học nghề", "Vocational")),
)


@pytest.fixture
def store() -> tuple[LocalKobo, str]:
    kobo = LocalKobo(seed=11)
    kobo.add_user("hoi")
    asset = kobo.create_asset("hoi", "Hộ gia đình", FORM)
    kobo.deploy(asset.uid)
    kobo.generate(asset.uid, 40, seed=3)
    return kobo, asset.uid


def _sync(engine: Engine, kobo: LocalKobo, uid: str) -> Any:
    run = start_run(engine, "sync")
    land_store(engine, kobo, uid, run)
    return load_asset(engine, SERVER, uid, run)


def _tables(engine: Engine, uid: str) -> dict[str, tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(form_table).where(form_table.c.asset_uid == uid))
        return {r.repeat_path: (r.table_name, r.view_name) for r in rows}


def _count(engine: Engine, name: str, where: str = "") -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f'SELECT count(*) FROM "{name}" {where}')).scalar_one())


def test_loading_twice_changes_nothing(engine: Engine, store: tuple[LocalKobo, str]) -> None:
    kobo, uid = store
    first = _sync(engine, kobo, uid)
    assert (first.loaded, first.live) == (40, 40)
    before = snapshot(engine, SERVER, uid)
    again = _sync(engine, kobo, uid)
    assert (again.loaded, again.unchanged, again.columns_added) == (0, 40, 0)
    assert snapshot(engine, SERVER, uid) == before
    members = sum(len(d.get("tv", [])) for d in kobo.assets[uid].submissions.values())
    assert _count(engine, _tables(engine, uid)["tv"][0]) == members


def _with_classes(kobo: LocalKobo, uid: str) -> int:
    for kobo_id, doc in kobo.assets[uid].submissions.items():
        if len(doc.get("tv", [])) >= 2 and any("tv/lop" in m for m in doc["tv"]):
            return kobo_id
    raise AssertionError("no submission with two members and a class")


def test_edit_replaces_repeat_rows_and_deletion_leaves_current_views(
    engine: Engine, store: tuple[LocalKobo, str]
) -> None:
    kobo, uid = store
    _sync(engine, kobo, uid)
    tables = _tables(engine, uid)
    (main, main_view), (members, members_view) = tables[""], tables["tv"]
    classes, classes_view = tables["tv/lop"]
    edited = _with_classes(kobo, uid)
    kobo.edit_submission(uid, edited, {"tv": [{"tv/ten": "Lường Thị Mai", "tv/tuoi": "41"}]})
    result = _sync(engine, kobo, uid)
    assert (result.loaded, result.unchanged) == (1, 39)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(f'SELECT _i1, ten, tuoi FROM "{members}" WHERE _id = :i'), {"i": edited}
        ).all()
        edits = conn.execute(
            sa.text(f'SELECT _edits FROM "{main}" WHERE _id = :i'), {"i": edited}
        ).scalar_one()
    assert [tuple(r) for r in rows] == [(1, "Lường Thị Mai", 41)]
    assert _count(engine, classes, f"WHERE _id = {edited}") == 0
    assert edits == 1

    gone = [edited, 1 if edited != 1 else 2]
    kobo.delete_submissions(uid, gone)
    result = _sync(engine, kobo, uid)
    assert (result.loaded, result.live, result.deleted) == (2, 38, 2)
    ids = ",".join(map(str, gone))
    assert _count(engine, main, f"WHERE _id IN ({ids}) AND _deleted_run IS NOT NULL") == 2
    assert _count(engine, main_view) == 38
    assert _count(engine, main_view, f"WHERE _id IN ({ids})") == 0
    assert _count(engine, members_view, f"WHERE _id IN ({ids})") == 0
    assert _count(engine, members, f"WHERE _id IN ({ids})") >= 1  # still in the tables
    assert _count(engine, classes_view) == _count(engine, classes, f"WHERE _id NOT IN ({ids})")
    with engine.connect() as conn:  # and in the raw landing with the earlier version
        raw = conn.execute(
            sa.select(raw_submission.c.deleted_run).where(raw_submission.c.kobo_id.in_(gone))
        ).scalars()
        assert all(run is not None for run in raw)
        history = conn.execute(sa.select(raw_submission_history.c.kobo_id)).scalars().all()
        assert history == [edited]
    assert _sync(engine, kobo, uid).loaded == 0


@pytest.fixture
def app(warehouse_url: str) -> Iterator[App]:
    application = App(settings=Settings(database_url=warehouse_url))
    yield application
    if application._engine is not None:
        application._engine.dispose()


def test_rebuild_reproduces_dropped_tables_row_for_row(
    engine: Engine, store: tuple[LocalKobo, str], app: App
) -> None:
    kobo, uid = store
    _sync(engine, kobo, uid)
    kobo.edit_submission(uid, 3, {"chu_ho": "Triệu Văn Hùng", "tv": None})
    kobo.delete_submissions(uid, [5])
    _sync(engine, kobo, uid)
    before = snapshot(engine, SERVER, uid)
    names = _tables(engine, uid).values()
    with engine.begin() as conn:
        for view in sa.inspect(conn).get_view_names():  # current and labelled views
            if view.startswith("data_"):
                conn.execute(sa.text(f'DROP VIEW "{view}"'))
        for table, _view in names:
            conn.execute(sa.text(f'DROP TABLE "{table}"'))
    assert not [n for n in sa.inspect(engine).get_table_names() if n.startswith("data_")]

    result = CliRunner().invoke(rebuild_command, ["--json"], obj=app)
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)["assets"][uid]
    assert (counts["loaded"], counts["live"], counts["deleted"]) == (40, 39, 1)
    assert snapshot(engine, SERVER, uid) == before

    result = CliRunner().invoke(rebuild_command, ["--asset", uid], obj=app)
    assert result.exit_code == 0, result.output
    assert f"{uid}: 39 hiện hành, 1 đã xóa, 3 bảng" in result.output
    assert snapshot(engine, SERVER, uid) == before


def test_rebuild_of_an_unknown_asset_says_what_to_do(engine: Engine, app: App) -> None:
    result = CliRunner().invoke(rebuild_command, ["--asset", "aNopeNopeNope1"], obj=app)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Lỗi [WH002] aNopeNopeNope1: kho dữ liệu chưa có gì của dự án aNopeNopeNope1 — kiểm tra "
        "mã dự án "
        "(htsd status liệt kê các dự án), hoặc chạy htsd sync trước"
    ]


def test_a_version_stored_later_retypes_its_submissions(
    engine: Engine, store: tuple[LocalKobo, str]
) -> None:
    kobo, uid = store
    asset = kobo.assets[uid]
    v1 = asset.versions[-1].uid
    v2_survey = [r for r in FORM["survey"] if r.get("$xpath") != "dia_ban/thon"]
    v2_survey.insert(1, row("decimal", "dien_tich", "Diện tích", "Area"))
    kobo.replace_content(uid, {**FORM, "survey": v2_survey})
    kobo.deploy(uid)
    new = kobo.generate(uid, 3, seed=9)
    v2 = asset.versions[-1].uid
    run = start_run(engine, "sync")
    land_store(engine, kobo, uid, run, versions=[v1])  # version 2's content not fetched yet
    result = load_asset(engine, SERVER, uid, run)
    assert result.versions_added == [v1] and result.loaded == 43
    main = _tables(engine, uid)[""][0]
    with engine.connect() as conn:
        unknown = conn.execute(
            sa.select(load_finding.c.kobo_id).where(load_finding.c.rule == "version.unknown")
        ).scalars()
        assert sorted(unknown) == sorted(new)
        unparsed = conn.execute(sa.text(f'SELECT _unparsed FROM "{main}" WHERE _id = {new[0]}'))
        assert "dien_tich" in json.loads(unparsed.scalar_one() or "{}")
        found = conn.execute(
            sa.select(load_finding.c.field_path, load_finding.c.value, load_finding.c.message)
            .where(load_finding.c.rule == "version.unknown")
            .limit(1)
        ).one()
    assert (found.field_path, found.value) == ("__version__", v2) and found.message.endswith(v1)
    assert load_asset(engine, SERVER, uid, run).loaded == 0  # read with v1 again: unchanged

    land_store(engine, kobo, uid, run)  # the next sync stores version 2
    result = load_asset(engine, SERVER, uid, run)
    assert result.versions_added == [v2] and result.loaded == 3 and result.columns_added == 1
    with engine.connect() as conn:
        decoded = conn.execute(
            sa.text(f'SELECT DISTINCT _decoded_with FROM "{main}" WHERE _id IN ({new[0]})')
        ).scalars()
        assert list(decoded) == [v2]
        listed = ",".join(map(str, new))
        others = conn.execute(
            sa.text(f'SELECT DISTINCT _decoded_with FROM "{main}" WHERE _id NOT IN ({listed})')
        ).scalars()
        assert list(others) == [v1]  # each submission read with its own version
        assert not conn.execute(
            sa.select(load_finding).where(load_finding.c.rule == "version.unknown")
        ).first()


# -- what `make mutation` found surviving in the load (docs/MUTATION.md) ----------------------

PHOTOS = content(
    [
        row("image", "anh", "Ảnh", "Photo"),
        row("integer", "tuoi", "Tuổi", "Age"),
        row("begin_repeat", "a", "Hộ", "Household"),
        row("begin_repeat", "a/b", "Người", "Person"),
        row("integer", "a/b/n", "Số", "Number"),
        end("repeat"),
        end("repeat"),
    ],
    [],
)
OTHER = "http://other.test"


def _photos() -> tuple[LocalKobo, str, list[dict[str, Any]]]:
    """12 submissions with a photo each; the first three with an age and a nested number
    that are not numbers (a finding on the main row and one at index 1.2)."""
    kobo = LocalKobo(seed=5)
    kobo.add_user("hoi")
    asset = kobo.create_asset("hoi", "Ảnh hộ", PHOTOS)
    kobo.deploy(asset.uid)
    kobo.generate(asset.uid, 12, seed=2)
    docs = [kobo.rendered(asset, d) for d in asset.submissions.values()]
    for doc in docs[:3]:
        doc["tuoi"] = "khong ro"
        doc["a"] = [{"a/b": [{"a/b/n": "1"}, {"a/b/n": "hai"}]}]
    return kobo, asset.uid, docs


def _land(engine: Engine, server: str, kobo: LocalKobo, uid: str, docs: Any, run: int) -> None:
    save_versions(engine, server, kobo, uid, run)
    land_payloads(engine, server, uid, run, docs)


def _keyed(engine: Engine, table: sa.Table, *columns: str) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.server, *(table.c[c] for c in columns))).all()
    out: dict[str, list[tuple[Any, ...]]] = {}
    for server, *rest in rows:
        out.setdefault(server, []).append(tuple(rest))
    return {server: sorted(rows) for server, rows in out.items()}


def test_findings_and_attachments_stay_with_their_server_and_submission(
    engine: Engine,
) -> None:
    """The same asset on two servers, and a second asset beside it, loaded in batches of 5:
    each server's findings (with their row index, severity and run) and attachments are its
    own; reloading an edited submission on one replaces its rows there only."""
    kobo, uid, docs = _photos()
    extra = kobo.create_asset("hoi", "Khác", PHOTOS)
    kobo.deploy(extra.uid)
    kobo.generate(extra.uid, 4, seed=4)
    runs = {SERVER: start_run(engine, "sync"), OTHER: start_run(engine, "sync")}
    seen: list[list[int]] = []

    def validate(batch: Any) -> list[Any]:
        seen.append([s.meta.kobo_id for s in batch.submissions])
        return []

    for server, run in runs.items():
        _land(engine, server, kobo, uid, docs, run)
        if server == SERVER:
            extra_docs = [kobo.rendered(extra, d) for d in extra.submissions.values()]
            _land(engine, server, kobo, extra.uid, extra_docs, run)
        result = load_asset(engine, server, uid, run, batch_size=5, validate=validate)
        assert (result.server, result.loaded, result.live, result.findings) == (server, 12, 12, 6)
    ids = [d["_id"] for d in docs]
    assert seen == [ids[:5], ids[5:10], ids[10:]] * 2
    findings = {
        server: [
            (i, index, "value.unparsed", "warning", run) for i in ids[:3] for index in ("", "1.2")
        ]
        for server, run in runs.items()
    }
    attachments = {server: [(i, run) for i in ids] for server, run in runs.items()}
    assert _keyed(engine, load_finding, "kobo_id", "row_index", "rule", "severity", "run_id") == (
        findings
    )
    assert _keyed(engine, submission_attachment, "kobo_id", "run_id") == attachments

    edited = {**docs[1], "_uuid": "u-sua", "tuoi": "muoi", "meta/instanceID": "uuid:u-sua"}
    again = start_run(engine, "sync")
    land_payloads(engine, SERVER, uid, again, [edited])
    result = load_asset(engine, SERVER, uid, again, batch_size=5)
    assert (result.loaded, result.unchanged, result.live) == (1, 11, 12)
    findings[SERVER][2:4] = [(ids[1], i, "value.unparsed", "warning", again) for i in ("", "1.2")]
    attachments[SERVER][1] = (ids[1], again)
    assert _keyed(engine, load_finding, "kobo_id", "row_index", "rule", "severity", "run_id") == (
        findings
    )
    assert _keyed(engine, submission_attachment, "kobo_id", "run_id") == attachments
    with engine.begin() as conn:  # the other server has one more; this one's sweep
        land_records(conn, OTHER, uid, again, [RawRecord.from_payload({**docs[0], "_id": 99})])
        assert mark_deleted(conn, SERVER, uid, again, ids[1:]) == 1
    assert _deleted_ids(engine) == {(SERVER, ids[0])}


def _deleted_ids(engine: Engine) -> set[tuple[str, int]]:
    r = raw_submission
    with engine.connect() as conn:
        rows = conn.execute(sa.select(r.c.server, r.c.kobo_id).where(r.c.deleted_run.is_not(None)))
        return {(s, i) for s, i in rows}


def _data_objects(engine: Engine, prefix: str) -> tuple[set[str], set[str]]:
    inspector = sa.inspect(engine)
    mine = lambda n: n == prefix or n.startswith(prefix + "__")  # noqa: E731
    return (
        {n for n in inspector.get_table_names() if mine(n)},
        {n for n in inspector.get_view_names() if mine(n)},
    )


def test_later_loads_and_rebuild_keep_the_names_of_the_first_load(
    engine: Engine, store: tuple[LocalKobo, str]
) -> None:
    """Tables named after the form on the first load keep that name on the next loads
    (which give no name) and through a rebuild, with the rebuild's run; a second asset of
    the same form name gets another name; the tables a dead run left under the default
    prefix are dropped with the asset, its labelled views too."""
    kobo, uid = store
    run = start_run(engine, "sync")
    land_store(engine, kobo, uid, run)
    first = load_asset(engine, SERVER, uid, run, form_name="ho_gia_dinh")
    assert first.tables[0] == "ho_gia_dinh" and first.server == SERVER
    with engine.connect() as conn:
        registered = conn.execute(sa.select(form_version.c.loaded_run)).scalars().all()
    assert registered == [run]
    kobo.edit_submission(uid, 3, {"chu_ho": "Hà Văn Lâm"})
    land_store(engine, kobo, uid, run)
    assert load_asset(engine, SERVER, uid, run).tables == first.tables

    twin = kobo.create_asset("hoi", "Hộ gia đình", FORM)
    kobo.deploy(twin.uid)
    kobo.generate(twin.uid, 2, seed=4)
    land_store(engine, kobo, twin.uid, run)
    second = load_asset(engine, SERVER, twin.uid, run, form_name="ho_gia_dinh")
    assert second.tables[0] != "ho_gia_dinh" and not set(second.tables) & set(first.tables)

    stray = default_prefix(uid)
    with engine.begin() as conn:  # left by a run that died before registering its tables
        conn.execute(sa.text(f'CREATE TABLE "{stray}" (x INTEGER)'))
        conn.execute(sa.text(f'CREATE TABLE "{stray}__tv" (x INTEGER)'))
        conn.execute(sa.text(f'CREATE TABLE "{stray}x__tv" (x INTEGER)'))  # not its prefix
    rebuilt_run = start_run(engine, "rebuild")
    [result] = rebuild(engine, SERVER, uid, run_id=rebuilt_run)
    assert (result.tables, result.loaded) == (first.tables, 40)
    assert _data_objects(engine, stray) == (set(), set())
    assert f"{stray}x__tv" in sa.inspect(engine).get_table_names()
    with engine.connect() as conn:
        runs = conn.execute(
            sa.select(form_version.c.loaded_run).where(form_version.c.asset_uid == uid)
        ).scalars()
        assert list(runs) == [rebuilt_run]

    tables, views = _data_objects(engine, "ho_gia_dinh")
    assert tables == set(first.tables) and len(views) > len(tables)  # current and labelled
    drop_asset(engine, SERVER, uid)
    assert _data_objects(engine, "ho_gia_dinh") == (set(), set())
    assert set(second.tables) <= set(sa.inspect(engine).get_table_names())


def test_the_first_load_names_the_tables_after_the_form_deployed_into_the_asset(
    engine: Engine, store: tuple[LocalKobo, str]
) -> None:
    """`htsd forms deploy` recorded the form put into this asset (and another form into the
    same uid on another server): the first load without a form name takes this one's."""
    kobo, uid = store
    run = start_run(engine, "sync")
    land_store(engine, kobo, uid, run)
    version = kobo.assets[uid].versions[-1].uid
    with engine.begin() as conn:
        for server, form in ((OTHER, "bieu_khac"), (SERVER, "ho_gia_dinh")):
            record_deployment(
                conn,
                server=server,
                form_name=form,
                asset_uid=uid,
                version_id=version,
                xlsform_hash="0" * 64,
                action="create",
                run_id=run,
            )
    assert load_asset(engine, SERVER, uid, run).tables[0] == "ho_gia_dinh"
