"""Must show 1: any submission generated from a FormSchema — every question type, nested
repeats, missing keys, Vietnamese text, values that do not parse — flattens and loads, and
reading the typed tables back gives the same answers, on SQLite and PostgreSQL.

The generator works from the FormSchema alone and computes the expected typed value of each
answer itself (it never calls the flattener), so the test checks the whole path
payload → flatten → load → registry → read back.
"""

from __future__ import annotations

import itertools
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from forms.schema import Field, FormSchema
from tests.warehouse.support import SERVER, choices, content, end, land_payloads, read_answers, row
from warehouse.assets import save_asset, save_version
from warehouse.catalog import form_column, form_table, load_finding, pii_columns
from warehouse.load import load_asset
from warehouse.runlog import start_run
from warehouse.values import Geopoint, Value, kind_of

ASSET = "aAllTypesRoundTrip0001"
VERSION = "vAllTypes1"
LONG = "so_buoi_tham_gia_hoat_dong_hoc_tap_cong_dong_trong_nam_danh_gia_hien_tai_cua_thanh_vien"


def all_types_content() -> dict[str, Any]:
    survey = [
        row("start", "start"),
        row("end", "end"),
        row("today", "today"),
        row("deviceid", "deviceid"),
        row("begin_group", "ho", "Hộ gia đình", "Household"),
        row("text", "ho/ten_chu_ho", "Họ tên chủ hộ", "Head of household", pii="name"),
        row("text", "ho/so_dien_thoai", "Số điện thoại", "Phone", pii="phone"),
        row("text", "ho/tên_thôn", "Thôn/bản", "Village"),
        row("integer", "ho/so_nguoi", "Số người", "People"),
        row("decimal", "ho/thu_nhap", "Thu nhập", "Income"),
        row("range", "ho/muc_do", "Mức độ", "Level", parameters="start=0 end=10 step=1"),
        row("date", "ho/ngay", "Ngày", "Date"),
        row("datetime", "ho/luc", "Lúc", "At"),
        row("time", "ho/gio", "Giờ", "Time"),
        row("geopoint", "ho/vi_tri", "Vị trí", "Location"),
        row("select_one", "ho/co_quy", "Có quỹ", "Has fund", select_from_list_name="yes_no"),
        row(
            "select_multiple",
            "ho/hoat_dong",
            "Hoạt động",
            "Activities",
            select_from_list_name="activity",
        ),
        row("note", "ho/luu_y", "Lưu ý", "Note"),
        row("calculate", "ho/tong", calculation="1 + 1"),
        row("image", "ho/anh", "Ảnh", "Photo"),
        row("barcode", "ho/ma", "Mã", "Code"),
        row("geotrace", "ho/duong_di", "Đường đi", "Route"),
        row("geoshape", "ho/khu_dat", "Khu đất", "Plot"),
        row("audio", "ho/ghi_am", "Ghi âm", "Recording"),
        row("file", "ho/tep", "Tệp", "File"),
        row("acknowledge", "ho/dong_y", "Đồng ý", "Consent"),
        row("hidden", "ho/an"),
        row("username", "ho/nguoi_dung"),
        row("select_one_from_file", "ho/thon", "Thôn", "Village", file="villages.csv"),
        row("select_multiple_from_file", "ho/lop", "Lớp", "Classes", file="classes.csv"),
        row("integer", f"ho/{LONG}", "Số buổi", "Sessions"),
        end("group"),
        row("begin_repeat", "thanh_vien", "Thành viên", "Member"),
        row("text", "thanh_vien/ho_ten", "Họ tên", "Name", pii="name"),
        row("integer", "thanh_vien/tuoi", "Tuổi", "Age"),
        row("select_one", "thanh_vien/gioi", "Giới", "Sex", select_from_list_name="sex"),
        row(
            "select_multiple",
            "thanh_vien/hoc",
            "Học",
            "Learns",
            select_from_list_name="activity",
        ),
        row("begin_group", "thanh_vien/chi_tiet", "Chi tiết", "Details"),
        row("decimal", "thanh_vien/chi_tiet/gio_hoc", "Giờ học", "Hours"),
        row("datetime", "thanh_vien/chi_tiet/cap_nhat", "Cập nhật", "Updated"),
        end("group"),
        row("begin_repeat", "thanh_vien/lop", "Lớp", "Class"),
        row("text", "thanh_vien/lop/ten_lop", "Tên lớp", "Class name"),
        row("date", "thanh_vien/lop/ngay_hoc", "Ngày học", "Date"),
        row("geopoint", "thanh_vien/lop/dia_diem", "Địa điểm", "Place"),
        row("begin_repeat", "thanh_vien/lop/buoi", "Buổi", "Session"),
        row("integer", "thanh_vien/lop/buoi/so", "Số", "Number"),
        row("time", "thanh_vien/lop/buoi/bat_dau", "Bắt đầu", "Start"),
        row("integer", f"thanh_vien/lop/buoi/{LONG}", "Số buổi", "Sessions"),
        end("repeat"),
        end("repeat"),
        end("repeat"),
        row("begin_group", "tt", "Thông tin", "Info"),
        row("begin_repeat", "tt/su_kien", "Sự kiện", "Event"),
        row("text", "tt/su_kien/mo_ta", "Mô tả", "Description"),
        end("repeat"),
        end("group"),
    ]
    choice_rows = [
        *choices("yes_no", ("yes", "Có", "Yes"), ("no", "Không", "No")),
        *choices("sex", ("1", "Nam", "Male"), ("2", "Nữ", "Female")),
        *choices(
            "activity",
            ("doc_sach", "Đọc sách", "Reading"),
            ("hoc_nghe", "Học nghề", "Vocational"),
            ("tin-hoc", "Tin học", "IT"),
            ("end", "Kết thúc", "End"),
        ),
    ]
    return content(survey, choice_rows)


SCHEMA = FormSchema.from_kpi_content(all_types_content(), version=VERSION)
VIET = ["Hoàng Thị Hoa", "Nông Văn Dũng", "lớp khuyến nông", "Bản Nà Đăng", "Đọc sách báo"]
BAD = ["không biết", "12/03/2025", "1,5", "NaN", "1_000", "abc", "99:99"]

_text = st.one_of(
    st.sampled_from(VIET),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30),
)
_offset = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_datetime = st.builds(
    lambda d, tz: d.replace(tzinfo=tz),
    st.datetimes(datetime(1900, 1, 2), datetime(2100, 12, 30)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
    ),
    _offset,
)
_time = st.times().map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))
_float = st.floats(allow_nan=False, allow_infinity=False)


def _geopoint() -> st.SearchStrategy[tuple[str, Value]]:
    lat = st.floats(-90, 90)
    lon = st.floats(-180, 180)
    full = st.tuples(lat, lon, _float, st.floats(0, 1e4)).map(
        lambda p: (" ".join(repr(x) for x in p), Geopoint(*p))
    )
    short = st.tuples(lat, lon).map(lambda p: (f"{p[0]!r} {p[1]!r}", Geopoint(*p)))
    return st.one_of(full, short)


def answer(question: Field) -> st.SearchStrategy[tuple[str, Value]]:
    """(answer text as KoboToolbox sends it, the typed value the warehouse must hold)."""
    kind = kind_of(question.type)
    codes = [c.name for c in SCHEMA.choices_for(question)]
    if question.type == "select_one":
        return st.sampled_from([*codes, "ma_la"]).map(lambda c: (c, c))
    if kind == "select_multiple":
        code = st.sampled_from(codes) if codes else st.from_regex(r"[a-z0-9_]{1,8}", fullmatch=True)
        picked = st.lists(code, min_size=1, max_size=len(codes) or 3, unique=True)
        return picked.map(lambda cs: (" ".join(cs), tuple(cs)))
    if kind == "integer":
        return st.integers(-(2**63), 2**63 - 1).map(lambda n: (str(n), n))
    if kind == "decimal":
        return _float.map(lambda x: (repr(x), x))
    if kind == "date":
        return st.dates(date(1000, 1, 1), date(9999, 12, 31)).map(lambda d: (d.isoformat(), d))
    if kind == "datetime":
        return _datetime.map(lambda d: (d.isoformat(timespec="milliseconds"), d.astimezone(UTC)))
    if kind == "time":
        return st.tuples(_time, _offset).map(
            lambda p: (p[0].replace(tzinfo=p[1]).isoformat(timespec="milliseconds"), p[0])
        )
    if kind == "geopoint":
        return _geopoint()
    return _text.map(lambda s: (s, unicodedata.normalize("NFC", s)))  # typed text is NFC


Expected = dict[tuple[str | None, tuple[int, ...]], tuple[dict[str, Value], dict[str, str]]]


def _outer(repeat: str) -> str | None:
    groups = {g.path: g for g in SCHEMA.groups}
    parent = groups[repeat].parent
    while parent is not None and not groups[parent].repeat:
        parent = groups[parent].parent
    return parent


_CHILDREN = {
    outer: [g.path for g in SCHEMA.repeats if _outer(g.path) == outer]
    for outer in [None, *(g.path for g in SCHEMA.repeats)]
}


@st.composite
def submission(draw: st.DrawFn) -> tuple[dict[str, Any], Expected]:
    expected: Expected = {}

    def level(repeat: str | None, index: tuple[int, ...]) -> dict[str, Any]:
        item: dict[str, Any] = {}
        values: dict[str, Value] = {}
        unparsed: dict[str, str] = {}
        for question in SCHEMA.fields_in(repeat):
            if not question.has_data or draw(st.integers(0, 3)) == 0:
                continue  # unanswered: the key is absent
            typed = kind_of(question.type) not in ("text", "select_multiple")
            if typed and draw(st.integers(0, 9)) == 0:
                bad = draw(st.sampled_from(BAD))
                item[question.path] = unparsed[question.path] = bad
                continue
            text, value = draw(answer(question))
            item[question.path] = text
            values[question.path] = value
        for child in _CHILDREN[repeat]:
            count = draw(st.integers(0, 2))
            if count:
                item[child] = [level(child, (*index, i)) for i in range(1, count + 1)]
        expected[(repeat, index)] = (values, unparsed)
        return item

    return level(None, ()), expected


_ids = itertools.count(1)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(submission(), min_size=1, max_size=3))
def test_generated_submissions_load_and_read_back(
    engine: Engine, batch: list[tuple[dict[str, Any], Expected]]
) -> None:
    run = start_run(engine, "test")
    with engine.begin() as conn:
        save_asset(
            conn,
            SERVER,
            {"uid": ASSET, "content": all_types_content(), "has_deployment": True},
            run,
        )
        if not conn.execute(sa.text("SELECT 1 FROM kobo_asset_version")).first():
            save_version(conn, SERVER, ASSET, {"uid": VERSION, "content": all_types_content()}, run)
    payloads, expected = [], {}
    for answers, rows in batch:
        kobo_id = next(_ids)
        payloads.append(
            {
                "_id": kobo_id,
                "_uuid": f"u{kobo_id}",
                "meta/instanceID": f"uuid:u{kobo_id}",
                "meta/rootUuid": f"uuid:u{kobo_id}",
                "__version__": VERSION,
                "_submission_time": "2026-03-01T10:00:00",
                "_validation_status": {},
                "_attachments": [],
                "_geolocation": [None, None],
                **answers,
            }
        )
        expected.update({(kobo_id, r, i): v for (r, i), v in rows.items()})
    land_payloads(engine, SERVER, ASSET, run, payloads)
    result = load_asset(engine, SERVER, ASSET, run)
    assert result.loaded == len(payloads)

    got = read_answers(engine, SERVER, ASSET, ids=[p["_id"] for p in payloads])
    assert got == expected

    with engine.connect() as conn:  # every text kept is reported as a finding
        findings = {
            (r.kobo_id, r.field_path, r.value)
            for r in conn.execute(
                sa.select(load_finding).where(load_finding.c.rule == "value.unparsed")
            )
        }
    kept = {
        (k[0], path, text)
        for k, (_v, unparsed) in expected.items()
        for path, text in unparsed.items()
    }
    assert kept <= findings


def test_names_fit_postgresql_and_pii_is_flagged(engine: Engine) -> None:
    run = start_run(engine, "test")
    with engine.begin() as conn:
        save_asset(
            conn,
            SERVER,
            {"uid": ASSET, "content": all_types_content(), "has_deployment": True},
            run,
        )
        save_version(conn, SERVER, ASSET, {"uid": VERSION, "content": all_types_content()}, run)
    load_asset(engine, SERVER, ASSET, run)
    with engine.connect() as conn:
        tables = conn.execute(sa.select(form_table)).all()
        columns = conn.execute(sa.select(form_column)).all()
    assert {t.repeat_path for t in tables} == {
        "",
        "thanh_vien",
        "thanh_vien/lop",
        "thanh_vien/lop/buoi",
        "tt/su_kien",
    }
    assert {t.depth for t in tables} == {0, 1, 2, 3}
    names = [t.table_name for t in tables] + [t.view_name for t in tables]
    names += [c.column_name for c in columns]
    assert all(len(n) <= 63 and n == n.lower() for n in names)
    long = [c for c in columns if c.field_path.endswith(LONG)]
    assert len(long) == 2 and all(len(c.column_name) == 63 for c in long)
    assert {c.column_name for c in columns if c.field_path == "ho/tên_thôn"} == {"ho__ten_thon"}
    with engine.connect() as conn:
        flagged = pii_columns(conn, SERVER, ASSET)
    assert sum(len(cols) for cols in flagged.values()) == 3
    pii = {(c.field_path, c.pii) for c in columns if c.pii}
    assert pii == {
        ("ho/ten_chu_ho", "name"),
        ("ho/so_dien_thoai", "phone"),
        ("thanh_vien/ho_ten", "name"),
    }
    flags = {c.column_name for c in columns if c.field_path == "ho/hoat_dong"}
    assert flags == {
        "ho__hoat_dong",
        "ho__hoat_dong__doc_sach",
        "ho__hoat_dong__hoc_nghe",
        "ho__hoat_dong__tin_hoc",
        "ho__hoat_dong__end",
    }
