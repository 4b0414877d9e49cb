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
from tests.warehouse.support import SERVER, choices, content, end, land_store, row, snapshot
from warehouse.catalog import form_table, load_finding
from warehouse.load import load_asset
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

    land_store(engine, kobo, uid, run)  # the next sync stores version 2
    result = load_asset(engine, SERVER, uid, run)
    assert result.versions_added == [v2] and result.loaded == 3 and result.columns_added == 1
    with engine.connect() as conn:
        decoded = conn.execute(
            sa.text(f'SELECT DISTINCT _decoded_with FROM "{main}" WHERE _id IN ({new[0]})')
        ).scalars()
        assert list(decoded) == [v2]
        assert not conn.execute(
            sa.select(load_finding).where(load_finding.c.rule == "version.unknown")
        ).first()
