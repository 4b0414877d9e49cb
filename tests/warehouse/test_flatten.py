"""Flattening, typing and naming as pure functions: no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from forms.schema import FormSchema
from tests.warehouse.support import choices, content, end, row
from warehouse.flatten import flatten_submission
from warehouse.layout import plan_layout
from warehouse.names import MAX_IDENTIFIER, Allocator, fold, from_path
from warehouse.typed import RowBuilder, SubmissionState
from warehouse.values import Geopoint, parse

FORM = content(
    [
        row("integer", "n", "Số", "Number"),
        row("geopoint", "gps", "Vị trí", "GPS"),
        row("begin_repeat", "p", "Người", "Person"),
        row("text", "p/name", "Tên", "Name"),
        row("select_multiple", "p/langs", "Tiếng", "Languages", select_from_list_name="lang"),
        row("begin_repeat", "p/s", "Kỹ năng", "Skill"),
        row("date", "p/s/since", "Từ", "Since"),
        end("repeat"),
        end("repeat"),
    ],
    choices("lang", ("vi", "Việt", "Vietnamese"), ("tay", "Tày", "Tày")),
)
SCHEMA = FormSchema.from_kpi_content(FORM, version="v1")


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("integer", "-7", -7),
        ("decimal", "0.0", 0.0),
        ("decimal", "1e3", 1000.0),
        ("date", "2022-01-06", date(2022, 1, 6)),
        ("datetime", "2020-04-02T01:33:00.000+02:00", datetime(2020, 4, 1, 23, 33, tzinfo=UTC)),
        ("datetime", "2022-01-07T10:38:30", datetime(2022, 1, 7, 10, 38, 30, tzinfo=UTC)),
        ("time", "13:45:00.000+02:00", time(13, 45)),
        ("time", "14:42:00.000Z", time(14, 42)),
        ("geopoint", "14.719783 -17.459261 0 0", Geopoint(14.719783, -17.459261, 0.0, 0.0)),
        ("select_multiple", "3 4 5", ("3", "4", "5")),
        ("text", " Bản Nà Đăng ", " Bản Nà Đăng "),
    ],
)
def test_parse_answers(kind: str, text: str, value: object) -> None:
    assert parse(kind, text) == value


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("integer", "3.0"),
        ("integer", "1_000"),
        ("integer", str(2**63)),
        ("decimal", "NaN"),
        ("decimal", "inf"),
        ("decimal", "1,5"),
        ("date", "20220106"),
        ("date", "2022-02-30"),
        ("datetime", "hôm qua"),
        ("time", "25:00"),
        ("geopoint", "95 10 0 0"),
        ("geopoint", "22.1"),
    ],
)
def test_values_that_do_not_parse(kind: str, text: str) -> None:
    with pytest.raises(ValueError):
        parse(kind, text)


def test_nested_repeats_get_index_paths_and_bad_values_are_kept() -> None:
    payload = {
        "_id": 9,
        "_uuid": "u9",
        "__version__": "v1",
        "_submission_time": "2026-03-01T10:00:00",
        "n": "không rõ",
        "gps": "22.1 105.8 300 5",
        "extra/q": "lạ",
        "p": [
            {"p/name": "Hoa", "p/langs": "vi xx"},
            {"p/name": "Dũng", "p/s": [{"p/s/since": "2020-01-01"}, {"p/s/since": "sai"}]},
        ],
    }
    flat = flatten_submission(payload, SCHEMA)
    assert [(r.repeat, r.index) for r in flat.records] == [
        (None, ()),
        ("p", (1,)),
        ("p", (2,)),
        ("p/s", (2, 1)),
        ("p/s", (2, 2)),
    ]
    main = flat.main
    assert main.values == {"gps": Geopoint(22.1, 105.8, 300.0, 5.0)}
    assert main.unparsed == {"n": "không rõ", "extra/q": "lạ"}
    assert flat.records[1].values == {"p/name": "Hoa", "p/langs": ("vi", "xx")}
    assert flat.records[4].unparsed == {"p/s/since": "sai"}
    rules = sorted((f.rule, f.field, f.value, f.index) for f in flat.findings)
    assert rules == [
        ("choice.unknown", "p/langs", "xx", (1,)),
        ("field.unknown", "extra/q", "lạ", ()),
        ("value.unparsed", "n", "không rõ", ()),
        ("value.unparsed", "p/s/since", "sai", (2, 2)),
    ]
    assert flat.meta.submission_time == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_rows_spread_geopoint_and_choices_over_columns() -> None:
    layout = plan_layout("s", "aX", [SCHEMA])
    payload = {"_id": 1, "_uuid": "u", "gps": "22 105", "p": [{"p/langs": "tay"}, {}]}
    rows = RowBuilder(layout).rows(
        flatten_submission(payload, SCHEMA), "v1", SubmissionState("h", None, None, 0)
    )
    main = rows[None][0]
    assert (main["gps__latitude"], main["gps__longitude"], main["gps__altitude"]) == (22, 105, None)
    people = rows["p"]
    assert [(r["_i1"], r["langs"], r["langs__vi"], r["langs__tay"]) for r in people] == [
        (1, "tay", 0, 1),
        (2, None, None, None),
    ]


def test_names_are_folded_shortened_and_unique() -> None:
    assert fold("Tên chủ hộ (Đ)") == "ten_chu_ho_d"
    assert from_path("grp/Sub-Group/q.1") == "grp__sub_group__q_1"
    names = Allocator()
    long = "a" * 80
    first = names.allocate(long, "path/one")
    second = names.allocate(long, "path/two")
    assert len(first) == len(second) == MAX_IDENTIFIER and first != second
    assert Allocator().allocate(long, "path/one") == first  # deterministic
    assert names.allocate("end", "end") == "end_"
    assert names.allocate("1a", "1a") == "c1a"
    assert names.allocate("q", "x") == "q" and names.allocate("q", "y").startswith("q_")
