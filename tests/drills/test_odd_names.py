"""A form a stranger may write (issue 15, must-show 4): questions named `select`, `order`,
`group` and `from` (and a repeat `where` holding another `from`), names longer than
PostgreSQL's 63-byte identifiers (two of them alike in their first 70 characters), and a
question `a__b` beside a group `a` holding `b`, which flatten to the same name.
`htsd sync` pulls it knowing only its uid, loads and validates it on SQLite and
PostgreSQL: every answer in a column of its own, the seeded problems found under the
questions they are about.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from localkobo.province import DEMO_USER
from tests.conftest import RunningKobo
from tests.drills.state import validation_errors
from tests.helpers import run_htsd
from warehouse.catalog import form_column, form_table
from warehouse.db import make_engine

LONG = "ten_day_du_cua_nguoi_tra_loi_theo_giay_to_tuy_than_chinh_thuc_cua_ho_gia_dinh"
assert len(LONG) > 63


def _row(kind: str, name: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "name": name, "$autoname": name, "label": [label], **extra}


def odd_content() -> dict[str, Any]:
    survey = [
        _row("text", "select", "Select", required=True),
        _row("integer", "order", "Order", constraint=". >= 0"),
        _row("select_one yn", "group", "Group"),
        _row("text", "from", "From"),
        _row("text", LONG + "_mot", "Long one"),
        _row("text", LONG + "_hai", "Long two"),
        _row("text", "a__b", "A double underscore B"),
        {"type": "begin_group", "name": "a", "$autoname": "a", "label": ["A"]},
        _row("text", "b", "B in A"),
        {"type": "end_group"},
        {"type": "begin_repeat", "name": "where", "$autoname": "where", "label": ["Rows"]},
        _row("integer", "from", "From, in the rows"),
        {"type": "end_repeat"},
    ]
    choices = [
        {"list_name": "yn", "name": n, "$autovalue": n, "label": [n.title()]} for n in ("yes", "no")
    ]
    return {
        "schema": "1",
        "survey": survey,
        "choices": choices,
        "settings": {},
        "translations": [None],
        "translated": ["label"],
    }


def _answers(n: int, **changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "select": f"select {n}",
        "order": str(n),
        "group": "yes" if n % 2 else "no",
        "from": f"from {n}",
        LONG + "_mot": f"long one {n}",
        LONG + "_hai": f"long two {n}",
        "a__b": f"field a__b {n}",
        "a/b": f"group a, b {n}",
        "where": [{"where/from": str(10 * n + i)} for i in range(2)],
    }
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not None}


@pytest.mark.slow
def test_keywords_long_and_colliding_names_sync_load_and_validate(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    store = kobo.kobo
    asset = store.create_asset(DEMO_USER, "Odd names (not ours)", odd_content())
    store.deploy(asset.uid)
    sent = {store.add_submission(asset.uid, _answers(n))["_id"]: _answers(n) for n in range(1, 7)}
    missing = store.add_submission(asset.uid, _answers(7, select=None))["_id"]
    negative = store.add_submission(asset.uid, _answers(8, order="-3"))["_id"]
    sent[missing], sent[negative] = _answers(7, select=None), _answers(8, order="-3")

    env = {
        "KOBOTOOLBOX_URL": kobo.url,
        "KOBOTOOLBOX_TOKEN": kobo.token,
        "HTSD_DATABASE_URL": warehouse_url,
    }
    synced = run_htsd(["sync", "--asset", asset.uid, "--json"], cwd=tmp_path, env=env)
    assert synced.returncode == 0, synced.stderr
    manifest = json.loads(synced.stdout)["assets"][asset.uid]
    assert manifest["new"] == 8 and manifest["validation"]["checked"] == 8

    engine = make_engine(warehouse_url)
    with engine.connect() as conn:
        tables = dict(
            conn.execute(
                sa.select(form_table.c.repeat_path, form_table.c.table_name).where(
                    form_table.c.asset_uid == asset.uid
                )
            ).all()
        )
        columns = {
            (row.table_name, row.field_path): row.column_name
            for row in conn.execute(
                sa.select(form_column).where(
                    form_column.c.asset_uid == asset.uid, form_column.c.part == "value"
                )
            )
        }
        main = sa.Table(tables[""], sa.MetaData(), autoload_with=conn)
        rows = {r._id: r._mapping for r in conn.execute(sa.select(main))}
        child = sa.Table(tables["where"], sa.MetaData(), autoload_with=conn)
        child_rows = {(r._id, r._i1): r._mapping for r in conn.execute(sa.select(child))}
    engine.dispose()

    paths = ["select", "order", "group", "from", LONG + "_mot", LONG + "_hai", "a__b", "a/b"]
    named = {path: columns[(tables[""], path)] for path in paths}
    assert len(set(named.values())) == len(paths), named  # a column of its own each
    assert all(len(name) <= 63 for name in named.values())
    for kobo_id, answers in sent.items():
        for path in paths:
            value = rows[kobo_id][named[path]]
            expected = answers.get(path)
            if path == "order" and expected is not None:
                assert value == int(expected), (kobo_id, path)
            else:
                assert value == expected, (kobo_id, path, value)
        for index, repeat in enumerate(answers["where"], start=1):
            column = columns[(tables["where"], "where/from")]
            assert child_rows[(kobo_id, index)][column] == int(repeat["where/from"])

    errors = validation_errors(warehouse_url, asset.uid)  # found by the sync's validation
    assert errors == {(missing, "form.required", "select"), (negative, "form.range", "order")}
