"""Our six built forms through the whole path so far: deployed to the local KoboToolbox,
answered there, synced over HTTP and loaded into typed tables, personal data tagged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl.kobo.client import KoboClient
from etl.kobo.deploy import content_digest, deploy_form
from etl.pipeline import load_typed
from etl.sync import sync_asset
from forms.build import FORM_IDS, build_forms
from localkobo import LocalKoboServer
from localkobo.province import demo_kobo
from warehouse.catalog import form_column, form_table, load_finding
from warehouse.load import rebuild
from warehouse.runlog import start_run

PER_FORM = 40


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[LocalKoboServer, str, dict[str, str]]]:
    """A local KoboToolbox holding the six built forms, deployed, with answers to each."""
    demo = demo_kobo(0)
    with LocalKoboServer(demo.kobo) as server:
        client = KoboClient(server.url, demo.token)
        uids = {}
        for built in build_forms(list(FORM_IDS), validate=False):
            done = deploy_form(client, built.form_id, built.xlsx, content_digest(built.xform))
            demo.kobo.generate(done.asset_uid, PER_FORM, seed=len(uids))
            uids[built.form_id] = done.asset_uid
        yield server, demo.token, uids


def test_six_forms_sync_and_load_with_pii_tagged(
    deployed: tuple[LocalKoboServer, str, dict[str, str]], engine: Engine
) -> None:
    server, token, uids = deployed
    client = KoboClient(server.url, token)
    run = start_run(engine, "sync")
    for uid in uids.values():
        assert sync_asset(engine, client, uid, run).new == PER_FORM
    names = {uid: form for form, uid in uids.items()}
    loads = load_typed(engine, client.server, uids.values(), run, names)
    for form_id, uid in uids.items():
        result = loads[uid]
        assert result is not None, form_id
        assert (result.loaded, result.live) == (PER_FORM, PER_FORM), form_id
    with engine.connect() as conn:
        tables = {
            (r.asset_uid, r.repeat_path): r.table_name
            for r in conn.execute(
                sa.select(form_table.c.asset_uid, form_table.c.repeat_path, form_table.c.table_name)
            )
        }
        pii = {
            (r.asset_uid, r.field_path, r.pii)
            for r in conn.execute(
                sa.select(
                    form_column.c.asset_uid, form_column.c.field_path, form_column.c.pii
                ).where(form_column.c.pii.is_not(None))
            )
        }
        unparsed = conn.execute(
            sa.select(sa.func.count())
            .select_from(load_finding)
            .where(load_finding.c.rule == "value.unparsed")
        ).scalar_one()
    family = uids["gia_dinh"]
    assert tables[(family, "")] == "gia_dinh"  # named after the form, for data managers
    assert tables[(family, "roster/members")] == "gia_dinh__roster__members"
    assert (uids["clc_assessment"], "activities/classes") in tables
    assert {(path, tag) for uid, path, tag in pii if uid == family} == {
        ("household/head_name", "name"),
        ("household/head_phone", "phone"),
        ("roster/members/m_person/m_name", "name"),
    }
    assert {uid for uid, _path, _tag in pii} >= {
        uids[f] for f in ("gia_dinh", "dong_ho", "cong_dong", "don_vi")
    }
    assert unparsed == 0  # the server's answers follow the forms' types


def test_table_names_stay_unique_and_survive_a_rebuild(
    deployed: tuple[LocalKoboServer, str, dict[str, str]], engine: Engine
) -> None:
    server, token, uids = deployed
    client = KoboClient(server.url, token)
    built = build_forms(["gia_dinh"], validate=False)[0]
    twin = deploy_form(client, "gia_dinh", built.xlsx, content_digest(built.xform)).asset_uid
    server.kobo.generate(twin, 5, seed=99)
    run = start_run(engine, "sync")
    for uid in (uids["gia_dinh"], uids["hoat_dong"], twin):
        sync_asset(engine, client, uid, run)
    names = {uids["gia_dinh"]: "gia_dinh", twin: "gia_dinh", uids["hoat_dong"]: "run_log"}
    loads = load_typed(engine, client.server, names, run, names)
    main = {uid: result.tables[0] for uid, result in loads.items() if result}
    assert main[uids["gia_dinh"]] == "gia_dinh"
    assert main[twin].startswith("gia_dinh_") and main[twin] != "gia_dinh"
    assert main[uids["hoat_dong"]] not in ("run_log", "gia_dinh")  # never a warehouse table
    rebuilt = {r.asset_uid: r.tables for r in rebuild(engine)}
    assert {uid: tables[0] for uid, tables in rebuilt.items()} == main
