"""`htsd reference import|template` on SQLite and PostgreSQL: the registry of denominators
imported from .csv and .xlsx files, idempotently, all or nothing, one line per bad cell.

The command-line tests run the real `htsd` in a subprocess; the reading rules (headers,
codes, years of two eras, villages) are checked on `forms.registry.read_registry` directly.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from sqlalchemy.engine import Engine

from etl import pipeline
from etl.cli import main
from forms.registry import (
    MEASURES,
    TITLE_MEASURE,
    RegistryCode,
    RegistryError,
    read_registry,
    write_template,
)
from forms.targets import TITLES
from tests.helpers import run_htsd
from warehouse.registry import denominators, villages
from warehouse.runlog import last_run
from warehouse.schema import registry_count, registry_village

ERA1_ONLY = "01903"  # Xã Cao Trĩ, merged away on 2020-02-01
ERA2_ONLY = "01834"  # Phường Nguyễn Thị Minh Khai, merged away on 2025-07-01
ERA3 = "01840"  # Phường Đức Xuân, a unit of every era


def _htsd(url: str, cwd: Path, *args: str) -> Any:
    return run_htsd(list(args), cwd=cwd, env={"HTSD_DATABASE_URL": url})


def _tables(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        counts = sorted(tuple(r) for r in conn.execute(sa.select(registry_count)))
        found = sorted(tuple(r) for r in conn.execute(sa.select(registry_village)))
    return counts, found


def _csv(path: Path, rows: list[list[object]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def _xlsx(path: Path, counts: list[list[object]], village_rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "so_lieu"
    for row in counts:
        sheet.append(row)
    if village_rows:
        other = workbook.create_sheet("villages")
        for row in village_rows:
            other.append(row)
    workbook.save(path)
    return path


def test_measures_and_titles() -> None:
    assert list(MEASURES) == ["families", "clans", "villages", "units", "cadres"]
    assert set(TITLE_MEASURE) == set(TITLES) and set(TITLE_MEASURE.values()) == set(MEASURES)
    assert all(label.vi and label.en and label.vi != label.en for label in MEASURES.values())


# -- the command line, on both databases ----------------------------------------------------


def test_a_good_csv_is_imported(warehouse_url: str, engine: Engine, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "so_lieu_2024.csv",
        [
            ["year", "commune_code", "commune_name", "families", "clans", "villages", "units"],
            [2024, ERA2_ONLY, "Phường Nguyễn Thị Minh Khai", 812, 14, 9, ""],
            [2024, "1840", "", 640, "", 11, 23],  # Excel dropped the leading zero
            ["", "", "", "", "", "", ""],  # an empty row is skipped
            [2025, ERA3, "Phường Đức Xuân", 655, "", "", ""],
        ],
    )
    result = _htsd(warehouse_url, tmp_path, "reference", "import", str(path), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows"] == 3 and summary["communes"] == 2 and summary["years"] == [2024, 2025]
    assert summary["measures"] == {"families": 3, "clans": 1, "villages": 2, "units": 1}
    assert summary["changes"]["counts"] == {"new": 7, "changed": 0, "unchanged": 0}
    with engine.connect() as conn:
        assert denominators(conn, 2024) == {
            (ERA2_ONLY, "families"): 812,
            (ERA2_ONLY, "clans"): 14,
            (ERA2_ONLY, "villages"): 9,
            (ERA3, "families"): 640,
            (ERA3, "villages"): 11,
            (ERA3, "units"): 23,
        }  # blank counts are not given, not zero
        assert denominators(conn, 2025) == {(ERA3, "families"): 655}
    counts, _ = _tables(engine)
    assert {row[4] for row in counts} == {"so_lieu_2024.csv"}  # the source file


def test_a_good_xlsx_is_imported_and_again_changes_nothing(
    warehouse_url: str, engine: Engine, tmp_path: Path
) -> None:
    header = ["Năm", "Mã xã", "Tên xã", "Số gia đình hội viên", "Số dòng họ có quỹ khuyến học"]
    counts = [
        header,
        [2020, ERA1_ONLY, "Xã Cao Trĩ", 300, 4],  # 2020: the units of both eras
        [2020, ERA2_ONLY, "Phường Nguyễn Thị Minh Khai", 810, 12],
    ]
    village_rows = [
        ["commune_code", "village_code", "village_name", "commune_code_until_2020"],
        [ERA2_ONLY, "nmk_to_1", "Tổ 1", ""],
        ["1837", "hn_ban_1", "Bản Một", ""],  # Excel dropped the leading zero
    ]
    path = _xlsx(tmp_path / "so_lieu.xlsx", counts, village_rows)
    first = _htsd(warehouse_url, tmp_path, "--lang", "en", "reference", "import", str(path))
    assert first.returncode == 0, first.stderr
    lines = first.stdout.strip().splitlines()
    assert lines[0].startswith("Imported so_lieu.xlsx (run #")
    assert lines[0].endswith("2 rows of counts, 2 communes, year(s) 2020")
    assert "  Member families of the association (families): 2" in lines
    assert "  villages: 2" in lines
    assert lines[-1].startswith("In the warehouse: 4 new counts, 0 changed, 0 unchanged; 2 new")
    stored = _tables(engine)
    assert len(stored[0]) == 4 and [v[0] for v in stored[1]] == ["hn_ban_1", "nmk_to_1"]

    again = _htsd(warehouse_url, tmp_path, "reference", "import", str(path), "--json")
    assert again.returncode == 0, again.stderr
    changes = json.loads(again.stdout)["changes"]
    assert changes["counts"] == {"new": 0, "changed": 0, "unchanged": 4}
    assert changes["villages"] == {"new": 0, "changed": 0, "unchanged": 2}
    assert _tables(engine) == stored  # the same rows, the first run's id kept

    counts[2][3] = 820  # a later count replaces the earlier one
    _xlsx(path, counts[:1] + counts[2:], [])
    later = _htsd(warehouse_url, tmp_path, "reference", "import", str(path), "--json")
    assert json.loads(later.stdout)["changes"]["counts"] == {
        "new": 0,
        "changed": 1,
        "unchanged": 1,
    }
    with engine.connect() as conn:
        assert denominators(conn, 2020) == {
            (ERA1_ONLY, "families"): 300,
            (ERA1_ONLY, "clans"): 4,
            (ERA2_ONLY, "families"): 820,
            (ERA2_ONLY, "clans"): 12,
        }
        assert [v.village_code for v in villages(conn)] == ["nmk_to_1", "hn_ban_1"]


def test_the_template_filled_in_imports(warehouse_url: str, engine: Engine, tmp_path: Path) -> None:
    made = _htsd(warehouse_url, tmp_path, "reference", "template", "--year", "2025")
    assert made.returncode == 0, made.stderr
    path = tmp_path / "registry_2025.xlsx"
    assert made.stdout.strip() == (
        "Đã ghi tệp mẫu năm 2025 (37 xã, phường, thị trấn): registry_2025.xlsx"
    )
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["counts", "villages", "huong_dan"]
    sheet = workbook["counts"]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == [
        "Năm (year)",
        "Mã xã (commune_code)",
        "Tên xã (commune_name)",
        ("Số gia đình hội viên (families)"),
    ]
    expected = {}
    for number, row in enumerate(sheet.iter_rows(min_row=2), start=1):
        row[3].value = 100 + number  # families
        row[7].value = 10  # cadres
        expected[(row[1].value, "families")] = 100 + number
        expected[(row[1].value, "cadres")] = 10
    assert len(expected) == 2 * 37 and (ERA3, "families") in expected
    workbook["villages"].append([ERA2_ONLY, "nmk_to_1", "Tổ 1", None])
    workbook.save(path)
    result = _htsd(warehouse_url, tmp_path, "reference", "import", str(path), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["villages"] == 1
    with engine.connect() as conn:
        assert denominators(conn, 2025) == expected


def test_three_bad_rows_import_nothing_and_say_where(
    warehouse_url: str, engine: Engine, tmp_path: Path
) -> None:
    good = _csv(
        tmp_path / "truoc.csv",
        [["year", "commune_code", "families"], [2024, ERA3, 500], [2024, ERA2_ONLY, 400]],
    )
    pipeline.import_registry(engine, read_registry(good))  # what the warehouse holds already
    before = _tables(engine)
    path = _csv(
        tmp_path / "sai.csv",
        [
            ["year", "commune_code", "commune_name", "families", "clans"],
            [2024, ERA3, "Phường Đức Xuân", 700, 3],  # good, yet not imported
            [2024, "99999", "", 10, 1],  # row 3: no such commune
            [2024, ERA2_ONLY, "", -4, 2],  # row 4: a negative count
            [2013, ERA3, "", 5, 1],  # row 5: before the programme
        ],
    )
    result = _htsd(warehouse_url, tmp_path, "--lang", "en", "reference", "import", str(path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert lines[:3] == [
        "Error [REG009] sai.csv: row 3, column B (commune_code): the commune code '99999' is"
        " not a unit of 2024 — use the 5-digit GSO code of a commune, ward or township of"
        " 2024, in the list 1 February 2020 – 30 June 2025 (108 units); the template lists"
        " them: htsd reference template --year 2024",
        "Error [REG010] sai.csv: row 4, column D (families): '-4' is not a whole number of 0"
        " or more — write a whole number, without dots, commas or words; leave it blank when"
        " not known",
        "Error [REG008] sai.csv: row 5, column A (year): the year '2013' is not valid — write"
        " the year with 4 digits, from 2014 to 2035",
    ]
    assert lines[3:] == [
        "Error [REG000] sai.csv: 3 problem(s) in the file: nothing was imported — fix each"
        " row listed above, then import the whole file again"
    ]
    assert _tables(engine) == before
    failed = last_run(engine)  # what htsd status shows
    assert failed is not None and failed["command"] == "reference import"
    assert failed["status"] == "failed" and failed["error"] == lines[3].removeprefix("Error ")


# -- files that cannot be read ----------------------------------------------------------------


def test_a_corrupt_file_is_one_coded_line(tmp_path: Path) -> None:
    (tmp_path / "hong.xlsx").write_bytes(b"PK\x03\x04 cut short")
    result = run_htsd(["--lang", "en", "reference", "import", "hong.xlsx"], cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("Error [REG003] hong.xlsx: the file cannot be read: ")
    assert not (tmp_path / "htsd.sqlite").exists()  # refused before any warehouse


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("khong_co.xlsx", None, "REG001"),
        ("so_lieu.xls", b"\xd0\xcf\x11\xe0 old Excel", "REG002"),
        ("so_lieu.csv", b"n\xe3m;m\xe3 x\xe3\n", "REG003"),
        ("rong.csv", b"", "REG003"),
        ("thu_muc.csv", "folder", "REG003"),
    ],
    ids=["missing", "old-excel", "not-utf8", "empty", "a-folder"],
)
def test_other_unreadable_files_are_one_coded_line(
    name: str,
    content: bytes | str | None,
    code: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    for variable in ("HTSD_DATABASE_URL", "HTSD_LANG", "HTSD_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    if content == "folder":
        (tmp_path / name).mkdir()
    elif isinstance(content, bytes):
        (tmp_path / name).write_bytes(content)
    result = CliRunner().invoke(main, ["--lang", "en", "reference", "import", name])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error [{code}] {name}: "), lines
    assert not (tmp_path / "htsd.sqlite").exists()


def test_an_english_csv_template_round_trip_and_no_overwrite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    out = "mau.csv"
    made = _htsd(url, tmp_path, "--lang", "en", "reference", "template", "--year", "2018",
                 "--out", out)  # fmt: skip
    assert made.returncode == 0, made.stderr
    with (tmp_path / out).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == [
        "Year (year)",
        "Commune code (commune_code)",
        "Commune name (commune_name)",
        "Member families of the association (families)",
    ]
    assert len(rows) == 1 + 122 and all(r[0] == "2018" and not any(r[3:]) for r in rows[1:])
    for row in rows[1:]:
        row[5] = "7"  # villages
    _csv(tmp_path / out, rows)
    result = _htsd(url, tmp_path, "reference", "import", out, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["measures"] == {"villages": 122}
    again = _htsd(url, tmp_path, "reference", "template", "--year", "2018", "--out", out)
    assert again.returncode == 1 and again.stderr.startswith("Lỗi [REG016] mau.csv: ")


# -- the reading rules ----------------------------------------------------------------------


def _problems(path: Path) -> list[tuple[str, int, str]]:
    return [
        (str(p.code), p.params["row"], str(p.params.get("column", "")))
        for p in read_registry(path).problems
    ]


def test_headers_in_either_language_with_or_without_the_code(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "h.csv",
        [
            ["  NĂM ", "Commune code", "commune_name", "Số  gia đình hội viên (families)",
             "Member families of the association (clans)", "units"],
            [2019, ERA1_ONLY, "", 1, 2, 3],
        ],
        delimiter=";",
    )  # fmt: skip
    registry = read_registry(path)
    assert registry.problems == ()  # the code in brackets decides
    assert registry.values() == [
        (ERA1_ONLY, 2019, "families", 1),
        (ERA1_ONLY, 2019, "clans", 2),
        (ERA1_ONLY, 2019, "units", 3),
    ]


def test_unknown_duplicate_and_missing_columns(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "c.csv",
        [["year", "families", "households", "Số gia đình hội viên", ""], [2019, 1, 2, 3, "x"]],
    )
    assert _problems(path) == [
        ("REG004", 1, "C"),  # households
        ("REG005", 1, "D"),  # families twice
        ("REG004", 1, "E"),  # a value under no header
        ("REG006", 1, ""),  # commune_code
    ]
    line = read_registry(path).problems[0].render("en")
    assert "row 1, column C: the header 'households' is not a column" in line
    assert "Year (year)" in line and "Năm (year)" not in line


def test_codes_are_checked_against_the_units_of_their_year(tmp_path: Path) -> None:
    rows: list[list[object]] = [["year", "commune_code", "families"]]
    for year in (2019, 2020, 2021, 2024, 2025, 2026):
        rows += [[year, ERA1_ONLY, 1], [year, ERA2_ONLY, 1], [year, ERA3, 1]]
    rejected = {(p[1], p[2]) for p in _problems(_csv(tmp_path / "y.csv", rows))}
    line = {(2 + 3 * i + j): (year, code) for i, year in enumerate((2019, 2020, 2021, 2024,
            2025, 2026)) for j, code in enumerate((ERA1_ONLY, ERA2_ONLY, ERA3))}  # fmt: skip
    assert {line[row] for row, _ in rejected} == {
        (2021, ERA1_ONLY),
        (2024, ERA1_ONLY),
        (2025, ERA1_ONLY),
        (2026, ERA1_ONLY),
        (2026, ERA2_ONLY),
    }
    assert {column for _, column in rejected} == {"B (commune_code)"}


def test_each_bad_cell_is_one_problem(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "b.csv",
        [
            ["year", "commune_code", "families", "clans", "villages"],
            [2024, ERA3, "1.234", "12,5", "mười"],  # three bad counts
            ["", ERA3, 1, "", ""],  # no year
            [2024, "", 1, "", ""],  # no commune
            [2036, ERA3, 1, "", ""],
            ["năm 2024", ERA3, 1, "", ""],
            [2024, ERA3, 2, "", ""],  # the same commune and year as row 2
            [2024, ERA3, "", "", ""],  # again, no counts: still a duplicate
        ],
    )
    assert _problems(path) == [
        ("REG010", 2, "C (families)"),
        ("REG010", 2, "D (clans)"),
        ("REG010", 2, "E (villages)"),
        ("REG007", 3, "A (year)"),
        ("REG007", 4, "B (commune_code)"),
        ("REG008", 5, "A (year)"),
        ("REG008", 6, "A (year)"),
        ("REG011", 7, "B (commune_code)"),
        ("REG011", 8, "B (commune_code)"),
    ]
    duplicate = read_registry(path).problems[-1].render("vi")
    assert "dòng 8, cột B (commune_code): xã 01840 năm 2024 đã có ở dòng 2" in duplicate


def test_villages_file_and_its_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = _csv(
        tmp_path / "thon.csv",
        [
            ["Mã xã 2020–2025", "Mã thôn", "Tên thôn, bản, tổ dân phố", "Mã xã trước 01/02/2020"],
            [ERA2_ONLY, "nmk_1", "Tổ 1", ""],
            [ERA2_ONLY, "nmk 2", "Tổ 2", ""],  # a space
            ["19999", "x_1", "X", ""],  # no such commune
            [ERA2_ONLY, "nmk_1", "Tổ 1 mới", ""],  # the code again
            [ERA2_ONLY, "other", "Khác", ""],  # the forms' own choice
            [ERA2_ONLY, "nmk_3", "", "19999"],  # no name, no such commune before 2020
            ["1837", "hn_1", "Bản Một", ERA1_ONLY],
        ],
    )
    registry = read_registry(path)
    assert registry.counts == () and registry.tables == ("thon.csv",)
    assert _problems(path) == [
        ("REG012", 3, "B (village_code)"),
        ("REG014", 4, "A (commune_code)"),
        ("REG013", 5, "B (village_code)"),
        ("REG013", 6, "B (village_code)"),
        ("REG007", 7, "C (village_name)"),
        ("REG014", 7, "D (commune_code_until_2020)"),
    ]
    assert [(v.village_code, v.commune_code, v.commune_code_until_2020)
            for v in registry.villages] == [("nmk_1", ERA2_ONLY, None),
                                            ("hn_1", "01837", ERA1_ONLY)]  # fmt: skip


def test_an_xlsx_reads_its_first_sheet_and_villages_rows_as_excel_numbers_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "instructions"  # ignored wherever it is
    counts = workbook.create_sheet("Sheet1")
    counts.append(["year", "commune_code", "families"])
    counts.append([2024, ERA3, 5])
    counts.append([None, None, None])
    counts.append([2024, ERA2_ONLY, -1])  # row 4 in Excel
    workbook.create_sheet("Villages").append(["commune_code", "village_code", "village_name"])
    path = tmp_path / "w.xlsx"
    workbook.save(path)
    registry = read_registry(path)
    assert registry.tables == ("w.xlsx [Sheet1]", "w.xlsx [Villages]")
    assert [(p.where, p.params["row"]) for p in registry.problems] == [("w.xlsx [Sheet1]", 4)]


def test_a_file_with_problems_is_never_stored(engine: Engine, tmp_path: Path) -> None:
    path = _csv(tmp_path / "x.csv", [["year", "commune_code", "families"], [2013, ERA3, 5]])
    with pytest.raises(RegistryError) as caught:
        pipeline.import_registry(engine, read_registry(path))
    assert caught.value.code == RegistryCode.REJECTED and caught.value.params == {"count": 1}
    assert _tables(engine) == ([], [])


def test_a_template_with_another_ending_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RegistryError) as caught:
        write_template(tmp_path / "mau.ods", 2024)
    assert caught.value.code == RegistryCode.TEMPLATE_UNWRITABLE
    assert not list(tmp_path.iterdir())
