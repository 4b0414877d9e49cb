"""`htsd demo`, the embedded default, end to end in a real process: build, deploy to the
local KoboToolbox, answer, sync, load, validate, score, import the registry, write the
report. The seeded problems are exactly what the validation finds; the submissions they
make errors of are held, and none of those is scored or counted; nothing is deleted."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from forms.build import FORM_IDS
from localkobo.province import demo_counts
from tests.helpers import run_htsd
from warehouse.schema import raw_submission, recognition, score


def test_demo_runs_the_pipeline_for_the_six_forms(tmp_path: Path) -> None:
    args = ["--lang", "en", "demo", "--out", "out", "--submissions", "200"]
    result = run_htsd(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    database = tmp_path / "out" / "htsd-demo.sqlite"
    assert database.is_file() and not (tmp_path / "htsd.sqlite").exists()
    status = run_htsd(["--database-url", f"sqlite:///{database}", "status", "--json"], cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assets = json.loads(status.stdout)["assets"]
    expected = demo_counts(200)
    manifest_path = tmp_path / "out" / "problems-manifest.json"
    assert "problems seeded into the data to try the validation: out/" in result.stdout
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    by_form = {entry["form"]: entry for entry in assets.values()}
    assert sorted(by_form) == sorted(FORM_IDS)
    for form, entry in by_form.items():
        assert entry["submissions"] == expected[form], form
        assert entry["typed"]["current"] == expected[form], form
        assert entry["typed"]["tables"][0] == form
        unknown_codes = [e for e in manifest if e["form"] == form and e["rule"] == "form.choice"]
        assert entry["typed"]["findings"] == len(unknown_codes), "the load notes them too"
    assert "gia_dinh__roster__members" in by_form["gia_dinh"]["typed"]["tables"]
    assert "gia_dinh (" in result.stdout and "current rows in gia_dinh" in result.stdout
    assert {entry["form"] for entry in manifest} >= {"gia_dinh"}
    validated = run_htsd(
        ["--database-url", f"sqlite:///{database}", "validate", "--json"], cwd=tmp_path
    )
    assert validated.returncode == 0, "the demo's sync validated already: nothing new"
    findings = json.loads(validated.stdout)["findings"]
    found = sorted((f["asset"], f["submission"], f["rule"], f["field"], f["row"]) for f in findings)
    seeded = sorted(
        (e["asset_uid"], e["submission"], e["rule"], e["field"], e["row"]) for e in manifest
    )
    assert found == seeded, "exactly the seeded problems, no more, no fewer"
    held = {
        (asset, item["submission"])
        for asset, items in json.loads(
            run_htsd(
                ["--database-url", f"sqlite:///{database}", "review", "list", "--json"],
                cwd=tmp_path,
            ).stdout
        )["assets"].items()
        for item in items
    }
    errors = {(f["asset"], f["submission"]) for f in findings if f["severity"] == "error"}
    assert held == errors, "every submission with a seeded error is held, and only those"
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        scored = {(r.asset_uid, int(r.kobo_id)) for r in conn.execute(sa.select(score))}
        counted = {(r.asset_uid, int(r.kobo_id)) for r in conn.execute(sa.select(recognition))}
        raw = conn.execute(sa.select(sa.func.count()).select_from(raw_submission)).scalar()
    engine.dispose()
    assert scored and not held & scored, "no held submission is scored"
    assert counted <= scored and not held & counted
    assert raw == sum(expected.values()), "nothing is deleted anywhere"
    report = tmp_path / "out" / "bao-cao"
    assert sorted(p.suffix for p in report.iterdir()) == [".html", ".pdf", ".xlsx"]
    assert "Report for " in result.stdout and "rate " in result.stdout
