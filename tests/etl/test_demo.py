"""`htsd demo`, the embedded default, end to end in a real process and at a smaller size: a
province-year built, deployed to the local KoboToolbox, answered as a campaign, synced,
edited and deleted on the server, synced again, validated, one held submission accepted,
scored, the registry imported, the report written.

The report shows every district of the year's units and the plan's targets, in three files;
the rates differ between districts; the seeded problems are exactly what the validation
finds; the submissions they make errors of are held (but the one accepted), and none of
those is scored or counted; nothing is erased; each stage shows on stderr, and nothing
does with --quiet.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

from etl.commands.demo import STAGE_REPORT, STAGE_RESYNC, campaign_counts
from forms.build import FORM_IDS
from forms.reference import Reference, english_name
from tests.helpers import run_htsd
from warehouse.schema import raw_submission, recognition, review_decision, score

STAGES = 9


def _sheet(path: Path, name: str) -> list[dict[str, object]]:
    sheet = load_workbook(path, read_only=True)[name]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]


def test_demo_runs_a_province_year(tmp_path: Path) -> None:
    args = ["--lang", "en", "demo", "--out", "out", "--submissions", "200"]
    result = run_htsd(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    done = [line for line in result.stderr.splitlines() if line.startswith("✓ ")]
    assert len(done) == STAGES, result.stderr
    assert any(STAGE_RESYNC.en in line for line in done)
    assert re.fullmatch(rf"✓ {re.escape(STAGE_REPORT.en)} \([\d.]+ s\)", done[-1])
    assert "Local server stopped" in result.stdout

    # the report: three files, every district of 2024, the targets, rates that differ
    report = tmp_path / "out" / "bao-cao"
    assert sorted(p.name for p in report.iterdir()) == [
        "report-2024.html",
        "report-2024.pdf",
        "report-2024.xlsx",
    ]
    assert all(p.stat().st_size > 1000 for p in report.iterdir())
    page = (report / "report-2024.html").read_text(encoding="utf-8")
    districts = Reference.load().districts
    assert len(districts) == 8
    for district in districts:
        assert english_name(district.name) in page, district.name
    assert "Decision 387/QĐ-TTg" in page and "Target" in page and "70.0%" in page
    by_district = [
        row
        for row in _sheet(report / "report-2024.xlsx", "Districts")
        if row["Title"] == "Learning Family"
    ]
    assert sorted(str(r["Code"]) for r in by_district) == sorted(d.code for d in districts)
    assert {r["Target (%)"] for r in by_district} == {70}
    assert len({r["Rate (%)"] for r in by_district}) >= 4, "rates differ between districts"
    communes = {str(r["Code"]) for r in _sheet(report / "report-2024.xlsx", "Communes")}
    assert len(communes) == 108
    assert "Report for 2024" in result.stdout and "rate " in result.stdout
    assert "→ out/bao-cao/report-2024.pdf" in result.stdout

    # what the warehouse holds: every form, edits kept, deletions marked
    database = tmp_path / "out" / "htsd-demo.sqlite"
    assert database.is_file() and not (tmp_path / "htsd.sqlite").exists()
    url = f"sqlite:///{database}"
    status = run_htsd(["--database-url", url, "status", "--json"], cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    by_form = {e["form"]: e for e in json.loads(status.stdout)["assets"].values()}
    assert sorted(by_form) == sorted(FORM_IDS)
    expected = campaign_counts(200, 108)
    assert expected["clc_assessment"] == 108, "one learning centre per commune"
    for form, entry in by_form.items():
        assert entry["submissions"] + entry["deleted"] == expected[form], form
        assert entry["typed"]["current"] == entry["submissions"], form
    assert by_form["clc_assessment"]["submissions"] == 108
    assert by_form["gia_dinh"]["edited"] >= 2 and by_form["gia_dinh"]["deleted"] >= 1
    assert by_form["gia_dinh"]["history"] >= by_form["gia_dinh"]["edited"]

    # the seeded problems are exactly what the validation reports
    manifest = json.loads((tmp_path / "out" / "problems-manifest.json").read_text("utf-8"))
    assert "problems seeded into the data to try the validation: out/" in result.stdout
    validated = run_htsd(["--database-url", url, "validate", "--json"], cwd=tmp_path)
    assert validated.returncode == 0, "the demo's sync validated already: nothing new"
    findings = json.loads(validated.stdout)["findings"]
    found = sorted((f["asset"], f["submission"], f["rule"], f["field"], f["row"]) for f in findings)
    seeded = sorted(
        (e["asset_uid"], e["submission"], e["rule"], e["field"], e["row"]) for e in manifest
    )
    assert found == seeded, "exactly the seeded problems, no more, no fewer"

    # one review decision, recorded; the others with errors held and out of the scores
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        decisions = conn.execute(sa.select(review_decision)).all()
        scored = {(r.asset_uid, int(r.kobo_id)) for r in conn.execute(sa.select(score))}
        counted = {(r.asset_uid, int(r.kobo_id)) for r in conn.execute(sa.select(recognition))}
        raw = conn.execute(sa.select(sa.func.count()).select_from(raw_submission)).scalar()
    engine.dispose()
    assert len(decisions) == 1
    (decision,) = decisions
    assert decision.decision == "accept" and decision.reason and decision.decided_by
    accepted = (decision.asset_uid, int(decision.kobo_id))
    assert f"submission {decision.kobo_id} accepted" in result.stdout
    listed = run_htsd(["--database-url", url, "review", "list", "--json"], cwd=tmp_path)
    held = {
        (asset, item["submission"])
        for asset, items in json.loads(listed.stdout)["assets"].items()
        for item in items
    }
    errors = {(f["asset"], f["submission"]) for f in findings if f["severity"] == "error"}
    assert accepted in errors and held == errors - {accepted}
    assert scored and not held & scored, "no held submission is scored"
    assert accepted in scored, "the accepted one is"
    assert counted <= scored and not held & counted
    assert raw == sum(expected.values()), "nothing is erased"


def test_demo_quiet_in_the_units_of_2026(tmp_path: Path) -> None:
    """--quiet: no progress at all on stderr; --year 2026: the 37 units of Thái Nguyên."""
    args = ["--lang", "en", "demo", "--out", "out", "--submissions", "20", "--year", "2026"]
    result = run_htsd([*args, "--quiet", "--problems", "0"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Report for 2026" in result.stdout and "37 communes and wards" in result.stdout
    workbook = tmp_path / "out" / "bao-cao" / "report-2026.xlsx"
    assert len({str(r["Code"]) for r in _sheet(workbook, "Communes")}) == 37
