"""Must show 5: the bilingual nested-repeat asset of the KoboToolbox issue (not one of our
forms), synced from the local KoboToolbox over HTTP, loads as a main table, one table per
repeat level, and labels in both languages."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl.kobo.client import KoboClient
from etl.sync import sync_asset
from tests.conftest import RunningKobo
from tests.foreign_assets import nested_repeat_versions
from tests.warehouse.support import read_answers
from warehouse.catalog import form_choice_label, form_label, form_table
from warehouse.labels import column_labels
from warehouse.load import load_asset
from warehouse.runlog import start_run
from warehouse.schema import raw_submission


def test_bilingual_nested_repeats_load_with_labels(kobo: RunningKobo, engine: Engine) -> None:
    v1, v2 = nested_repeat_versions()
    asset = kobo.kobo.asset_with_versions(
        "hoikhuyenhoc", "Household skills (not ours)", [v1, v2], 30, seed=4
    )

    client = KoboClient(kobo.url, kobo.token)
    run = start_run(engine, "sync")
    sync_asset(engine, client, asset.uid, run)
    result = load_asset(engine, client.server, asset.uid, run)
    assert (result.loaded, len(result.versions_added)) == (60, 2)

    key = {"server": client.server, "asset_uid": asset.uid}
    with engine.connect() as conn:
        tables = {
            r.repeat_path: r
            for r in conn.execute(sa.select(form_table).filter_by(**key).order_by("position"))
        }
        payloads = [
            json.loads(p) for p in conn.execute(sa.select(raw_submission.c.payload)).scalars()
        ]
        counts = {
            path: conn.execute(sa.text(f'SELECT count(*) FROM "{t.table_name}"')).scalar_one()
            for path, t in tables.items()
        }
        labels = conn.execute(sa.select(form_label).filter_by(**key)).all()
        choice_labels = conn.execute(sa.select(form_choice_label).filter_by(**key)).all()
        fr = column_labels(conn, client.server, asset.uid, "fr")
        en = column_labels(conn, client.server, asset.uid, "en")
    assert [(p, t.depth, t.parent_repeat) for p, t in tables.items()] == [
        ("", 0, None),
        ("people", 1, None),
        ("people/skills", 2, "people"),
    ]
    people = [p for doc in payloads for p in doc.get("people", [])]
    skills = [s for p in people for s in p.get("people/skills", [])]
    assert counts == {"": 60, "people": len(people), "people/skills": len(skills)}
    assert skills, "the generated data has nested repeat items"

    answers = read_answers(engine, client.server, asset.uid)
    for doc in payloads:
        for i, person in enumerate(doc.get("people", []), start=1):
            values, unparsed = answers[(doc["_id"], "people", (i,))]
            assert unparsed == {}
            assert values.get("people/person_name") == person.get("people/person_name")
            for j, skill in enumerate(person.get("people/skills", []), start=1):
                values, _ = answers[(doc["_id"], "people/skills", (i, j))]
                assert values.get("people/skills/skill") == skill.get("people/skills/skill")

    assert {r.language for r in labels} == {"en", "fr"}
    for version in {r.version_uid for r in labels}:
        mine = {(r.item_path, r.language): r.label for r in labels if r.version_uid == version}
        assert mine[("people/skills/skill", "fr")] == "Compétence"
        assert mine[("people/skills/skill", "en")] == "Skill"
        assert mine[("people/skills", "fr")] == "Compétences"
    assert {(r.choice_name, r.language, r.label) for r in choice_labels} >= {
        ("vi", "en", "Vietnamese"),
        ("vi", "fr", "Vietnamien"),
    }
    people_table = tables["people"].table_name
    assert fr[(people_table, "age")] == "Âge"  # renamed to age_years in v2: same column
    assert en[(people_table, "langs__vi")] == "Languages spoken: Vietnamese"
    assert fr[(tables[""].table_name, "where__latitude")] == "Lieu (latitude)"
