"""Any asset syncs, using only the content and versions read from the server."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl.kobo.client import KoboClient
from etl.sync import sync_asset
from forms.schema import FormSchema
from tests.conftest import RunningKobo
from tests.foreign_assets import nested_repeat_versions
from tests.helpers import run_htsd
from warehouse.assets import version_contents
from warehouse.runlog import start_run
from warehouse.schema import raw_submission


def test_bilingual_nested_repeats_two_versions(kobo: RunningKobo, engine: Engine) -> None:
    v1, v2 = nested_repeat_versions()
    asset = kobo.kobo.asset_with_versions(
        "hoikhuyenhoc", "Household skills (not ours)", [v1, v2], 40, seed=4
    )

    client = KoboClient(kobo.url, kobo.token)
    manifest = sync_asset(engine, client, asset.uid, start_run(engine, "sync"))
    assert manifest.new == 80 and len(manifest.versions) == 2

    contents = version_contents(engine, client.server, asset.uid)
    assert set(contents) == set(manifest.versions)
    schemas = {uid: FormSchema.from_kpi_content(c, version=uid) for uid, c in contents.items()}
    for schema in schemas.values():
        assert [r.path for r in schema.repeats] == ["people", "people/skills"]
        assert {lang.code for lang in schema.languages} == {"en", "fr"}
        assert schema.label("people/skills/skill", "fr") == "Compétence"
    paths = {uid: {f.path for f in s.fields} for uid, s in schemas.items()}
    assert {"people/age", "people/age_years"} <= set().union(*paths.values())

    with engine.connect() as conn:
        payloads = [
            json.loads(p) for p in conn.execute(sa.select(raw_submission.c.payload)).scalars()
        ]
    nested = [
        skill
        for doc in payloads
        for person in doc.get("people", [])
        for skill in person.get("people/skills", [])
    ]
    assert nested and all(key.startswith("people/skills/") for s in nested for key in s)
    for doc in payloads:
        schema = schemas[doc["__version__"]]
        for person in doc.get("people", []):
            for key in person:
                if key != "people/skills":
                    assert key in schema, key


def test_any_asset_through_the_command_line(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    """The same asset — made on the server as a KoboToolbox user would, two versions
    deployed — synced by `htsd sync` in a process of its own, which knows only its uid."""
    v1, v2 = nested_repeat_versions()
    asset = kobo.kobo.asset_with_versions(
        "hoikhuyenhoc", "Household skills (not ours)", [v1, v2], 25, seed=6
    )
    env = {
        "KOBOTOOLBOX_URL": kobo.url,
        "KOBOTOOLBOX_TOKEN": kobo.token,
        "HTSD_DATABASE_URL": warehouse_url,
    }
    result = run_htsd(
        ["sync", "--no-validate", "--asset", asset.uid, "--json"], cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)["assets"][asset.uid]
    assert (manifest["new"], len(manifest["versions"])) == (50, 2)
    load = manifest["load"]
    assert (load["live"], len(load["versions_added"]), len(load["tables"])) == (50, 2, 3)
    status = json.loads(run_htsd(["status", "--json"], cwd=tmp_path, env=env).stdout)
    entry = status["assets"][asset.uid]
    assert (entry["submissions"], entry["versions"], entry["typed"]["current"]) == (50, 2, 50)
