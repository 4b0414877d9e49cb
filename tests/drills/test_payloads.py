"""Drills on malformed and hostile payloads, in one asset that is not ours: wrong types,
unknown choice codes, a 1 MB answer, repeats nested five deep, 10,000 roster rows in one
submission, SQL metacharacters, HTML and script, Vietnamese typed in NFD. `htsd sync`
stores every payload verbatim in the raw landing (NFD too), types what parses (text in
NFC), keeps what does not parse with a finding, and validates; the well-formed
submissions come out as they do without the others. And `htsd import` of a file with
invalid UTF-8 or cut short: one line, nothing imported, the good file imported after.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from localkobo.province import DEMO_USER
from tests.conftest import RunningKobo
from tests.drills.state import env, validation_errors
from tests.helpers import run_htsd
from warehouse.catalog import form_column, form_table, load_finding
from warehouse.db import make_engine
from warehouse.schema import raw_submission

SQL = "'; DROP TABLE x; --"
SCRIPT = "<script>alert(1)</script>"
NFD = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung, Bắc Kạn")
BIG = "Đ" + "x" * (1 << 20)
DEPTH = ["l1", "l2", "l3", "l4", "l5"]


def _row(kind: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "name": name, "$autoname": name, "label": [name], **extra}


def hostile_content() -> dict[str, Any]:
    survey = [
        _row("text", "note"),
        _row("integer", "age"),
        _row("date", "when"),
        _row("select_one yn", "ok"),
        _row("select_multiple lang", "langs"),
        {"type": "begin_repeat", "name": "members", "$autoname": "members", "label": ["M"]},
        _row("text", "name"),
        {"type": "end_repeat"},
    ]
    for level in DEPTH:
        survey.append({"type": "begin_repeat", "name": level, "$autoname": level, "label": [level]})
    survey.append(_row("text", "v"))
    survey.extend({"type": "end_repeat"} for _ in DEPTH)
    choices = [
        {"list_name": ln, "name": n, "$autovalue": n, "label": [n]}
        for ln, n in [("yn", "yes"), ("yn", "no"), ("lang", "vi"), ("lang", "tay")]
    ]
    return {
        "schema": "1",
        "survey": survey,
        "choices": choices,
        "settings": {},
        "translations": [None],
        "translated": ["label"],
    }


def _nested(prefix: str, depth: int, width: int) -> list[dict[str, Any]]:
    path = prefix + DEPTH[depth]
    if depth == len(DEPTH) - 1:
        return [{f"{path}/v": f"{path}#{i}"} for i in range(width)]
    return [{path + "/" + DEPTH[depth + 1]: _nested(path + "/", depth + 1, width)}]


def _good(n: int) -> dict[str, Any]:
    return {
        "note": f"ghi chú {n}",
        "age": str(30 + n),
        "when": f"2024-0{n}-15",
        "ok": "yes",
        "langs": "vi tay",
        "members": [{"members/name": f"Người {n}.{i}"} for i in range(3)],
    }


HOSTILE: dict[str, dict[str, Any]] = {
    "wrong types": {"note": "kiểu sai", "age": "ba mươi", "when": "2024-13-45"},
    "unknown codes": {"note": "mã lạ", "ok": "maybe", "langs": "vi xx"},
    "1 MB": {"note": BIG},
    "nested 5 deep": {"note": "lồng nhau", "l1": _nested("", 0, 2)},
    "10,000 rows": {
        "note": "đông người",
        "members": [{"members/name": f"Thành viên {i}"} for i in range(10_000)],
    },
    "sql": {"note": SQL},
    "script": {"note": SCRIPT},
    "nfd": {"note": NFD},
}


@pytest.mark.slow
def test_hostile_payloads_are_kept_verbatim_typed_and_validated(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    store = kobo.kobo
    asset = store.create_asset(DEMO_USER, "Hostile answers (not ours)", hostile_content())
    store.deploy(asset.uid)
    good = [store.add_submission(asset.uid, _good(n))["_id"] for n in range(1, 4)]
    ids = {kind: store.add_submission(asset.uid, a)["_id"] for kind, a in HOSTILE.items()}

    args = ["sync", "--asset", asset.uid, "--json"]
    synced = run_htsd(args, cwd=tmp_path, env=env(kobo, warehouse_url), timeout=600)
    assert synced.returncode == 0, synced.stderr
    manifest = json.loads(synced.stdout)["assets"][asset.uid]
    assert manifest["new"] == 11 and manifest["validation"]["checked"] == 11

    engine = make_engine(warehouse_url)
    with engine.connect() as conn:
        raw = {
            int(r.kobo_id): json.loads(r.payload)
            for r in conn.execute(sa.select(raw_submission.c.kobo_id, raw_submission.c.payload))
        }
        tables = dict(
            conn.execute(
                sa.select(form_table.c.repeat_path, form_table.c.table_name).where(
                    form_table.c.asset_uid == asset.uid
                )
            ).all()
        )
        column = dict(
            conn.execute(
                sa.select(form_column.c.field_path, form_column.c.column_name).where(
                    form_column.c.table_name == tables[""], form_column.c.part == "value"
                )
            ).all()
        )
        main = sa.Table(tables[""], sa.MetaData(), autoload_with=conn)
        typed = {r._id: r._mapping for r in conn.execute(sa.select(main))}
        members = sa.Table(tables["members"], sa.MetaData(), autoload_with=conn)
        per_submission = dict(
            conn.execute(sa.select(members.c._id, sa.func.count()).group_by(members.c._id)).all()
        )
        deepest = sa.Table(tables["/".join(DEPTH)], sa.MetaData(), autoload_with=conn)
        deep_rows = conn.execute(sa.select(deepest)).all()
        unparsed = {
            (r.kobo_id, r.field_path)
            for r in conn.execute(sa.select(load_finding.c.kobo_id, load_finding.c.field_path))
        }
    engine.dispose()

    # raw: every payload as sent, byte for byte (NFD stays NFD)
    for kind, answers in HOSTILE.items():
        for key, value in answers.items():
            assert raw[ids[kind]][key] == value, (kind, key)
    assert raw[ids["nfd"]]["note"] != unicodedata.normalize("NFC", NFD)
    # typed: text as given, in NFC; numbers and dates typed; what does not parse kept aside
    note = column["note"]
    assert typed[ids["sql"]][note] == SQL and typed[ids["script"]][note] == SCRIPT
    assert typed[ids["nfd"]][note] == unicodedata.normalize("NFC", NFD)
    assert typed[ids["1 MB"]][note] == BIG
    assert typed[ids["wrong types"]][column["age"]] is None
    assert {(ids["wrong types"], "age"), (ids["wrong types"], "when")} <= unparsed
    assert typed[good[0]][column["age"]] == 31
    # repeats: 10,000 rows in one submission; five levels deep, every level indexed
    assert per_submission[ids["10,000 rows"]] == 10_000
    assert per_submission[good[0]] == 3
    assert len(deep_rows) == 2
    assert {tuple(r._mapping[f"_i{n}"] for n in range(1, 6)) for r in deep_rows} == {
        (1, 1, 1, 1, 1),
        (1, 1, 1, 1, 2),
    }
    # the warehouse's own tables are all there ('; DROP TABLE ...)
    assert {"raw_submission", "run_log", "form_table"} <= set(sa.inspect(engine).get_table_names())

    errors = validation_errors(warehouse_url, asset.uid)  # found by the sync's validation
    assert (ids["unknown codes"], "form.choice", "ok") in errors
    assert not [e for e in errors if e[0] in good], errors


@pytest.mark.parametrize("damage", ["invalid UTF-8", "cut short"])
def test_a_damaged_import_file_is_one_line_and_imports_nothing(
    kobo: RunningKobo, tmp_path: Path, damage: str
) -> None:
    client_page = {
        "count": 3,
        "next": None,
        "results": [
            {**doc, "_validation_status": {}}
            for doc in list(kobo.kobo.assets[kobo.asset_uid].submissions.values())[:3]
        ],
    }
    good = tmp_path / "good.json"
    good.write_text(json.dumps(client_page, ensure_ascii=False), encoding="utf-8")
    data = good.read_bytes()
    bad = tmp_path / "bad.json"
    if damage == "invalid UTF-8":
        at = data.index("Thị".encode()) if "Thị".encode() in data else len(data) // 2
        bad.write_bytes(data[:at] + b"\xff\xfe\xc3" + data[at + 3 :])
    else:
        cut = len(data) // 2
        while (data[cut] & 0xC0) != 0x80:  # in the middle of a multi-byte character
            cut += 1
        bad.write_bytes(data[:cut])
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    failed = run_htsd(["import", str(bad)], cwd=tmp_path, env={"HTSD_DATABASE_URL": url})
    assert failed.returncode == 1, failed.stderr
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and "[IMP002]" in lines[0] and str(bad) in lines[0], lines
    assert "Traceback" not in failed.stderr
    status = run_htsd(["status", "--json"], cwd=tmp_path, env={"HTSD_DATABASE_URL": url})
    assert json.loads(status.stdout)["assets"] == {}
    ok = run_htsd(["import", str(good)], cwd=tmp_path, env={"HTSD_DATABASE_URL": url})
    assert ok.returncode == 0, ok.stderr
    status = run_htsd(["status", "--json"], cwd=tmp_path, env={"HTSD_DATABASE_URL": url})
    assert json.loads(status.stdout)["assets"][kobo.asset_uid]["submissions"] == 3
