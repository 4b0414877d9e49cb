"""Issue 10, must show 3: `htsd export` writes a form's current answers with their labels.

A warehouse on SQLite and on PostgreSQL is filled with the Learning Family evaluation
(`gia_dinh`, from the local KoboToolbox's generator, landed as `htsd sync` lands it); the
real command line writes it as a workbook (a sheet per table, the members roster on its own)
or as CSV files, with Vietnamese or English labels, without the personal-data columns unless
--with-pii, which the run log records. No answer reaches the terminal.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from etl.cli import main
from localkobo.province import demo_kobo
from tests.helpers import run_htsd
from tests.warehouse.support import SERVER, land_payloads, land_store
from warehouse.load import load_asset
from warehouse.runlog import start_run
from warehouse.schema import run_log

SUBMISSIONS = 12
PII = ("household/head_name", "household/head_phone", "roster/members/m_person/m_name")


@pytest.fixture
def gia_dinh(engine: Engine) -> str:
    """The asset uid of 12 gia_dinh submissions (one deleted on the server) in `engine`."""
    demo = demo_kobo(SUBMISSIONS + 1, seed=7)
    run = start_run(engine, "sync")
    land_store(engine, demo.kobo, demo.asset_uid, run)
    demo.kobo.delete_submissions(demo.asset_uid, [1])
    land_store(engine, demo.kobo, demo.asset_uid, run)
    load_asset(engine, SERVER, demo.asset_uid, run, form_name="gia_dinh")
    return demo.asset_uid


def _htsd(warehouse_url: str, args: list[str]) -> Any:
    """The command line in this process, in the current folder (the test's tmp_path)."""
    env = {"HTSD_CONFIG": None, "HTSD_DATABASE_URL": None, "HTSD_LOCK_WAIT": None}
    return CliRunner(env=env).invoke(main, ["--database-url", warehouse_url, *args])


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # the default --out is the current folder


def _sheet(path: Path, name: str) -> tuple[list[str], list[dict[str, Any]]]:
    rows = list(load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    headers = [str(h) for h in rows[0]]
    # openpyxl's read-only rows stop at the last cell written: pad the empty ones at the end
    padded = [tuple(r) + (None,) * (len(headers) - len(r)) for r in rows[1:]]
    return headers, [dict(zip(headers, r, strict=True)) for r in padded]


def _column(headers: list[str], path: str) -> str:
    (found,) = [h for h in headers if h == path or h.endswith(f"({path})")]
    return found


def _last_export(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(run_log).where(run_log.c.command == "export").order_by(run_log.c.id.desc())
        ).first()
    assert row is not None
    return {"status": row.status, "arguments": json.loads(row.arguments), "error": row.error}


def _names(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text('SELECT "household/head_name" FROM gia_dinh__labelled'))
        return {r[0] for r in rows if r[0]}


def test_export_xlsx_in_vietnamese_without_pii(
    engine: Engine, gia_dinh: str, warehouse_url: str, tmp_path: Path
) -> None:
    env = {"HTSD_DATABASE_URL": warehouse_url}
    result = run_htsd(
        ["export", "gia_dinh", "--lang", "vi", "--format", "xlsx"], cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    path = tmp_path / f"gia_dinh-{date.today().isoformat()}.xlsx"
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"Đã ghi {path}: {SUBMISSIONS} bản ghi (+")
    assert first.endswith(" dòng lặp), 2 trang tính")
    assert "3 cột thông tin cá nhân" in result.stdout
    assert not any(name in result.stdout + result.stderr for name in _names(engine))

    assert load_workbook(path, read_only=True).sheetnames == ["gia_dinh", "members"]
    headers, rows = _sheet(path, "gia_dinh")
    assert headers[:2] == ["Mã bản ghi (_id)", "Thời điểm gửi, giờ UTC (_submission_time)"]
    assert len(rows) == SUBMISSIONS and 1 not in {r["Mã bản ghi (_id)"] for r in rows}
    member = _column(headers, "household/hkh_member")
    assert member == "Gia đình có hội viên Hội Khuyến học (household/hkh_member)"
    assert {r[member] for r in rows} <= {"Có", "Không"}
    assert not [h for h in headers if any(h.endswith(f"({p})") for p in PII)]

    headers, members = _sheet(path, "members")
    assert headers[:2] == ["Mã bản ghi (_id)", "Thứ tự trong Thành viên gia đình (_i1)"]
    sex = _column(headers, "roster/members/m_person/m_sex")
    assert {r[sex] for r in members} == {"Nam", "Nữ"}
    learning = _column(headers, "roster/members/m_study/m_learning")
    assert any("; " in (r[learning] or "") for r in members)
    assert {r["Mã bản ghi (_id)"] for r in members} <= {r["Mã bản ghi (_id)"] for r in rows}
    assert "roster/members/m_person/m_name" not in " ".join(headers)

    logged = _last_export(engine)
    assert logged["status"] == "ok" and logged["arguments"]["with_pii"] is False


def test_export_with_pii_in_english_is_logged(
    engine: Engine, gia_dinh: str, warehouse_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "gia_dinh.xlsx"
    result = _htsd(
        warehouse_url,
        ["--lang", "en", "export", gia_dinh, "--lang", "en", "--with-pii", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert f"Written to {out}: {SUBMISSIONS} submissions" in result.output
    assert "Holds personal data" in result.output
    names = _names(engine)
    assert names and not any(name in result.output for name in names)

    headers, rows = _sheet(out, "gia_dinh")
    head = _column(headers, "household/head_name")
    assert {r[head] for r in rows} == names
    assert {r[_column(headers, "household/hkh_member")] for r in rows} <= {"Yes", "No"}
    headers, members = _sheet(out, "members")
    sex = _column(headers, "roster/members/m_person/m_sex")
    assert {r[sex] for r in members} == {"Male", "Female"}
    assert all(r[_column(headers, "roster/members/m_person/m_name")] for r in members)

    logged = _last_export(engine)
    assert logged["status"] == "ok"
    assert logged["arguments"] == {
        "form": gia_dinh,
        "lang": "en",
        "format": "xlsx",
        "out": str(out),
        "with_pii": True,
    }


def test_export_csv_is_one_file_per_table(
    engine: Engine, gia_dinh: str, warehouse_url: str, tmp_path: Path
) -> None:
    result = _htsd(warehouse_url, ["export", "gia_dinh", "--format", "csv"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / f"gia_dinh-{date.today().isoformat()}"
    assert sorted(p.name for p in folder.iterdir()) == [
        "gia_dinh.csv",
        "gia_dinh__roster__members.csv",
    ]
    assert "2 tệp CSV" in result.output
    raw = (folder / "gia_dinh.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the Vietnamese
    with (folder / "gia_dinh__roster__members.csv").open(encoding="utf-8-sig") as handle:
        members = list(csv.DictReader(handle))
    sex = _column(list(members[0]), "roster/members/m_person/m_sex")
    assert {r[sex] for r in members} == {"Nam", "Nữ"}
    assert not [h for h in members[0] if h.endswith("(roster/members/m_person/m_name)")]


def test_unknown_empty_and_unwritable_exports_give_one_coded_line(
    engine: Engine, gia_dinh: str, warehouse_url: str, tmp_path: Path
) -> None:
    result = _htsd(warehouse_url, ["--lang", "en", "export", "ho_gia_dinh"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error [WH005] ho_gia_dinh: the warehouse holds no form or asset 'ho_gia_dinh' — "
        f"give a loaded form name or asset uid: gia_dinh ({gia_dinh})"
    )
    assert _last_export(engine)["status"] == "failed"

    run = start_run(engine, "import")  # submissions of an asset whose form is not stored
    land_payloads(engine, SERVER, "aChuaCoBieuMau", run, [{"_id": 1, "_uuid": "u1"}])
    result = _htsd(warehouse_url, ["export", "aChuaCoBieuMau"])
    assert result.exit_code == 1
    assert result.output.startswith("Lỗi [WH007] aChuaCoBieuMau: biểu mẫu aChuaCoBieuMau chưa")

    missing = tmp_path / "khong_co" / "x.xlsx"
    result = _htsd(warehouse_url, ["--lang", "en", "export", "gia_dinh", "--out", str(missing)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error [WH008] {missing}: cannot write the export: the folder does not exist — check "
        "that the folder exists and is writable, or choose another place with --out"
    )
    assert "Traceback" not in result.output and not list(tmp_path.glob("*.xlsx"))
