"""Issue 10, must show 3, on SQLite and PostgreSQL: after a load every typed table has a
labelled view per language (`<table>__labelled` in Vietnamese, `<table>__labelled_en` in
English), its columns named by question path, select_one answers as their choice label,
select_multiple as the labels joined by "; "; only current submissions; a new form version
widens the views; a rebuild drops them with the tables and makes them again."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from localkobo import LocalKobo
from localkobo.province import demo_kobo
from tests.warehouse.support import SERVER, choices, content, end, land_store, row
from warehouse.load import drop_asset, load_asset, rebuild
from warehouse.runlog import start_run

LEVELS = [  # labels with a quote, a percent sign and a colon: literal in the view's SQL
    ("cao", "50% trở lên", "50% or more"),
    ("thap", "Nhà 'ngói'", "A 'tiled' house"),
    ("giua", "Giờ:phút", "Hour:minute"),
]
LEARNING = [
    ("doc", "Đọc sách", "Reading"),
    ("nghe", "Học nghề", "Vocational"),
    ("may", "May vá %s", "Sewing %(x)s"),
]
SEX = [("nam", "Nam", "Male"), ("nu", "Nữ", "Female")]

FORM = content(
    [
        row("select_one", "muc_do", "Mức độ", "Level", select_from_list_name="md"),
        row("select_multiple", "hoc", "Học", "Learns", select_from_list_name="hd"),
        row("geopoint", "gps", "Vị trí", "GPS"),
        row("text", "chu_ho", "Chủ hộ", "Head", pii="name"),
        row("begin_repeat", "tv", "Thành viên", "Member"),
        row("select_one", "tv/gioi", "Giới", "Sex", select_from_list_name="gt"),
        row("integer", "tv/tuoi", "Tuổi", "Age"),
        end("repeat"),
        row("begin_repeat", "labelled", "Nhãn", "Labelled"),  # its table: ho__labelled
        row("integer", "labelled/so", "Số", "Number"),
        end("repeat"),
    ],
    choices("md", *LEVELS) + choices("hd", *LEARNING) + choices("gt", *SEX),
)


@pytest.fixture
def store() -> tuple[LocalKobo, str]:
    kobo = LocalKobo(seed=5)
    kobo.add_user("hoi")
    asset = kobo.create_asset("hoi", "Hộ", FORM)
    kobo.deploy(asset.uid)
    kobo.generate(asset.uid, 30, seed=2)
    return kobo, asset.uid


def _sync(engine: Engine, kobo: LocalKobo, uid: str, form_name: str = "ho") -> Any:
    run = start_run(engine, "sync")
    land_store(engine, kobo, uid, run)
    return load_asset(engine, SERVER, uid, run, form_name=form_name)


def _views(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_view_names())


def _rows(engine: Engine, sql: str) -> tuple[list[str], list[dict[str, Any]]]:
    with engine.connect() as conn:
        result = conn.execute(sa.text(sql))
        return list(result.keys()), [dict(r._mapping) for r in result]


def _labels(options: list[tuple[str, str, str]], lang: int) -> dict[str, str]:
    return {code: texts[lang] for code, *texts in options}


def _joined(codes: str | None, options: list[tuple[str, str, str]], lang: int) -> str | None:
    if codes is None:
        return None
    chosen = set(codes.split())
    return "; ".join(texts[lang] for code, *texts in options if code in chosen) or codes


@pytest.mark.parametrize("lang", [0, 1], ids=["vi", "en"])
def test_views_show_choice_labels_by_path(
    engine: Engine, store: tuple[LocalKobo, str], lang: int
) -> None:
    kobo, uid = store
    _sync(engine, kobo, uid)
    kobo.delete_submissions(uid, [2])
    result = _sync(engine, kobo, uid)
    assert (result.live, result.deleted) == (29, 1)
    suffix = ["__labelled", "__labelled_en"][lang]
    views = _views(engine)
    # the repeat `labelled` took the name ho__labelled: the main view gets a digest
    digested = [v for v in views if re.fullmatch(r"ho__labelled_[0-9a-f]{8}", v)]
    main = "ho__labelled_en" if lang else digested[0]
    assert main in views and main != "ho__labelled"
    assert {f"ho__tv{suffix}", f"ho__labelled{suffix}"} <= views

    columns, labelled = _rows(engine, f'SELECT * FROM "{main}"')
    assert columns == [
        "_id",
        "_submission_time",
        "_version",
        "_validation_status",
        "muc_do",
        "hoc",
        "gps (latitude)",
        "gps (longitude)",
        "gps (altitude)",
        "gps (accuracy)",
        "chu_ho",
    ]
    _, typed = _rows(engine, "SELECT * FROM ho")
    codes = {r["_id"]: r for r in typed if r["_deleted_run"] is None}
    assert sorted(r["_id"] for r in labelled) == sorted(codes) and 2 not in codes
    levels = _labels(LEVELS, lang)
    for r in labelled:
        source = codes[r["_id"]]
        assert r["muc_do"] == (levels[source["muc_do"]] if source["muc_do"] else None)
        assert r["hoc"] == _joined(source["hoc"], LEARNING, lang)
        assert r["chu_ho"] == source["chu_ho"]
        assert r["gps (latitude)"] == source["gps__latitude"]
    assert {r["muc_do"] for r in labelled} - {None} == set(levels.values())
    assert any(r["hoc"] and "; " in r["hoc"] for r in labelled)

    columns, members = _rows(engine, f'SELECT * FROM "ho__tv{suffix}"')
    assert columns == ["_id", "_i1", "tv/gioi", "tv/tuoi"]
    assert {r["tv/gioi"] for r in members} - {None} <= set(_labels(SEX, lang).values())
    assert members and 2 not in {r["_id"] for r in members}


def test_gia_dinh_views_in_vietnamese_and_english(engine: Engine) -> None:
    demo = demo_kobo(12, seed=3)
    result = _sync(engine, demo.kobo, demo.asset_uid, "gia_dinh")
    assert result.live == 12
    assert {
        "gia_dinh__labelled",
        "gia_dinh__labelled_en",
        "gia_dinh__roster__members__labelled",
        "gia_dinh__roster__members__labelled_en",
    } <= _views(engine)
    vi_cols, vi = _rows(engine, 'SELECT * FROM "gia_dinh__roster__members__labelled"')
    _, en = _rows(engine, 'SELECT * FROM "gia_dinh__roster__members__labelled_en"')
    assert vi_cols[:3] == ["_id", "_i1", "roster/members/m_person/m_name"]
    assert {r["roster/members/m_person/m_sex"] for r in vi} == {"Nam", "Nữ"}
    assert {r["roster/members/m_person/m_sex"] for r in en} == {"Male", "Female"}
    _, main = _rows(engine, 'SELECT "household/hkh_member" AS m FROM gia_dinh__labelled')
    assert {r["m"] for r in main} <= {"Có", "Không"} and len(main) == 12


def test_a_new_version_widens_the_views_and_rebuild_remakes_them(
    engine: Engine, store: tuple[LocalKobo, str]
) -> None:
    kobo, uid = store
    _sync(engine, kobo, uid)
    v2 = {
        **FORM,
        "survey": [*FORM["survey"], row("integer", "so_nguoi", "Số người", "People")],
        "choices": [*FORM["choices"], *choices("hd", ("xem", "Xem ti vi", "Television"))],
    }
    kobo.replace_content(uid, v2)
    kobo.deploy(uid)
    kobo.generate(uid, 20, seed=8)
    result = _sync(engine, kobo, uid)
    assert result.columns_added >= 2  # so_nguoi, hoc__xem
    columns, rows = _rows(engine, 'SELECT * FROM "ho__labelled_en"')
    assert columns[-1] == "so_nguoi" and len(rows) == 50
    assert any("Television" in (r["hoc"] or "") for r in rows)
    before = sorted((r["_id"], r["hoc"], r["so_nguoi"]) for r in rows)

    rebuild(engine, SERVER, uid)  # drops the tables and views, loads again, same names
    _, rows = _rows(engine, 'SELECT * FROM "ho__labelled_en"')
    assert sorted((r["_id"], r["hoc"], r["so_nguoi"]) for r in rows) == before
    assert len([n for n in _views(engine) if not n.endswith("__current")]) == 6

    drop_asset(engine, SERVER, uid)  # on PostgreSQL a view left behind would block the drop
    assert not [n for n in _views(engine) if n.startswith("ho")]
    assert not [n for n in sa.inspect(engine).get_table_names() if n.startswith("ho")]
