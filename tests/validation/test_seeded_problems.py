"""The demo's seeded problems (localkobo.problems) are exactly what the validation reports.

The six built forms are answered by the local KoboToolbox as a campaign, about 3% of each
form's submissions get one problem each, and the manifest lists the findings they must give.
The submissions are landed into a migrated SQLite warehouse as `htsd sync` lands them and
validated by the real validation (`etl.pipeline.validate`: generated suites, per-submission
rules, cross-submission rules); the findings recorded must be the manifest, no more and no
fewer of any rule. The campaign's answers without problems give no finding at all, and
without `problems` the forms are answered exactly as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from etl.pipeline import validate
from localkobo.campaign import ProvinceYear
from localkobo.problems import answer_campaign, revise_campaign, seed_problems, surveyors
from localkobo.province import DEMO_MIX, DEMO_USER, built_content, demo_kobo, six_forms_kobo
from localkobo.store import LocalKobo
from tests.warehouse.support import SERVER, land_store
from warehouse.db import make_engine
from warehouse.migrate import upgrade
from warehouse.runlog import start_run

Key = tuple[str, int, str, str, str]  # asset, submission, rule, field, repeat row

SUITES = {"form.required", "form.choice", "form.range", "form.pattern", "form.date_range"}
TIMES = {"time.end_before_start", "time.too_short", "time.eval_after_submission"}
PLACES = {"duplicate.instance_id", "place.commune_district", "place.commune_date"}
EVERYWHERE = SUITES - {"form.pattern"} | TIMES | PLACES
# the kinds each form can carry (villages.csv lists no village: no place.village_commune)
KINDS = {
    "gia_dinh": EVERYWHERE
    | {"form.pattern", "score.device_differs", "duplicate.same_year"}
    | {"roster.contradicts_item", "roster.head_count"},
    "dong_ho": EVERYWHERE
    | {"form.pattern", "score.device_differs", "duplicate.same_year", "outlier.robust"},
    "cong_dong": EVERYWHERE
    | {"form.pattern", "score.device_differs", "duplicate.same_year", "outlier.robust"},
    "don_vi": EVERYWHERE
    | {"form.pattern", "score.device_differs", "duplicate.same_year", "outlier.robust"},
    "clc_assessment": EVERYWHERE
    | {"score.device_differs", "outlier.robust", "geo.outside_province"},
    "hoat_dong": EVERYWHERE | {"outlier.robust", "geo.outside_province"},
}


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def _findings(engine: Engine, kobo: LocalKobo, assets: list[str]) -> Counter[Key]:
    """Land the assets' submissions, validate them, and count the standing findings."""
    run_id = start_run(engine, "sync")
    for uid in assets:
        land_store(engine, kobo, uid, run_id)
    result = validate(engine, [(SERVER, uid) for uid in assets])
    return Counter(
        (a.asset_uid, int(f["kobo_id"]), f["rule"], f["field_path"], f["row_index"])
        for a in result.assets
        for f in a.standing
    )


def _manifest(manifest: list[dict[str, Any]]) -> Counter[Key]:
    return Counter(
        (e["asset_uid"], e["submission"], e["rule"], e["field"], e["row"]) for e in manifest
    )


def _kinds(manifest: list[dict[str, Any]]) -> set[str]:
    """The rules of a manifest (an evaluation dated in the future also comes after its
    arrival: `form.date_range` brings `time.eval_after_submission`)."""
    return {e["rule"] for e in manifest}


def _by_form(manifest: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in manifest:
        found.setdefault(entry["form"], []).append(entry)
    return found


def _differences(found: Counter[Key], wanted: Counter[Key]) -> str:
    extra, missing = sorted(found - wanted), sorted(wanted - found)
    return f"reported, not seeded: {extra}; seeded, not reported: {missing}"


@pytest.mark.slow
def test_six_forms_report_exactly_the_manifest(warehouse: Engine) -> None:
    province = six_forms_kobo(600, seed=1, problems=0.03)
    manifest = province.manifest
    assert set(manifest[0]) == {"form", "asset_uid", "submission", "rule", "field", "row"}
    found = _findings(warehouse, province.kobo, list(province.assets.values()))
    wanted = _manifest(manifest)
    assert found == wanted, _differences(found, wanted)

    by_form = _by_form(manifest)
    for form, uid in province.assets.items():
        entries = by_form[form]
        assert {e["asset_uid"] for e in entries} == {uid}
        seeded = {e["submission"] for e in entries}
        assert len(seeded) == max(1, round(0.03 * province.counts[form])), "about 3%"
        assert _kinds(entries) <= KINDS[form]
    assert _kinds(by_form["gia_dinh"]) == KINDS["gia_dinh"], "18 seeds: every kind once"
    assert {e["row"] for e in manifest} - {""}, "a problem in a roster row too"

    # careless surveyors carry more, districts share the rest
    family = province.kobo.assets[province.assets["gia_dinh"]].submissions
    seeded_docs = [family[e["submission"]] for e in by_form["gia_dinh"]]
    assert len({d["location/district"] for d in seeded_docs}) >= 4
    careless = {
        s.username
        for district in {d["location/district"] for d in family.values()}
        for s in surveyors(1, district)
        if s.care > 1
    }
    share_careless = sum(d["username"] in careless for d in family.values()) / len(family)
    seeded_careless = sum(d["username"] in careless for d in seeded_docs) / len(seeded_docs)
    assert seeded_careless > 1.5 * share_careless


@pytest.mark.slow
def test_every_kind_of_every_form_is_reported_exactly(warehouse: Engine) -> None:
    """With a fifth of 150 submissions seeded, each form gets every kind that applies."""
    kobo = LocalKobo(seed=4)
    kobo.add_user(DEMO_USER)
    assets, manifest = [], []
    for form in DEMO_MIX:
        asset = kobo.create_asset(DEMO_USER, form, built_content(form))
        kobo.deploy(asset.uid)
        answer_campaign(kobo, asset.uid, 150, seed=4)
        entries = seed_problems(kobo, asset.uid, 0.2, seed=4)
        assert _kinds(entries) == KINDS[form], form
        assets.append(asset.uid)
        manifest += entries
    found, wanted = _findings(warehouse, kobo, assets), _manifest(manifest)
    assert found == wanted, _differences(found, wanted)


def test_a_campaign_without_problems_gives_no_finding(warehouse: Engine) -> None:
    province = six_forms_kobo(300, seed=2, campaign=True)
    assert province.manifest == []
    found = _findings(warehouse, province.kobo, list(province.assets.values()))
    assert found == Counter(), sorted(found)


def test_no_problems_answer_as_before() -> None:
    """Without `problems` the forms are answered by `LocalKobo.generate`, as always."""
    province = six_forms_kobo(60, seed=3, token="t")
    kobo = LocalKobo(seed=3)
    kobo.add_user(DEMO_USER, "t")
    for form, count in province.counts.items():
        content = built_content(form)
        asset = kobo.create_asset(DEMO_USER, str(content["settings"]["form_title"]), content)
        kobo.deploy(asset.uid)
        kobo.generate(asset.uid, count)
        assert asset.uid == province.assets[form]
        ours, before = province.kobo.assets[asset.uid], kobo.assets[asset.uid]
        assert [_without_deployment(d) for d in ours.submissions.values()] == [
            _without_deployment(d) for d in before.submissions.values()
        ]
    assert province.manifest == [] and demo_kobo(5).manifest == []


def _without_deployment(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "formhub/uuid"}  # a fresh uuid4 each time


def test_the_seeding_is_deterministic() -> None:
    first, again = (demo_kobo(200, seed=6, problems=0.05) for _ in range(2))
    assert first.manifest == again.manifest and len(first.manifest) >= 10
    docs, same = (d.kobo.assets[d.asset_uid].submissions.values() for d in (first, again))
    assert [_without_deployment(d) for d in docs] == [_without_deployment(d) for d in same]


@pytest.mark.slow
@pytest.mark.parametrize("year", [2024, 2026])
def test_a_planned_province_year_reports_exactly_the_manifest(warehouse: Engine, year: int) -> None:
    """The demo's campaign of a year (localkobo.campaign: communes, dates and recognition
    planned) seeded with a fifth of 150 submissions each: every kind that applies to a form
    is seeded in that year's units, and edits and deletions after it change no finding."""
    campaign = ProvinceYear.plan(year, seed=5)
    kobo = LocalKobo(seed=5)
    kobo.add_user(DEMO_USER)
    assets, manifest = [], []
    for form in DEMO_MIX:
        content = built_content(form)
        asset = kobo.create_asset(DEMO_USER, form, content)
        kobo.deploy(asset.uid)
        plan = campaign.slots(form, content, 150)
        answer_campaign(kobo, asset.uid, len(plan), seed=5, plan=plan)
        entries = seed_problems(kobo, asset.uid, 0.2, seed=5)
        assert _kinds(entries) <= KINDS[form], form
        if len(plan) == 150:  # not the learning centres: one per commune, 37 from 2025
            assert _kinds(entries) == KINDS[form], form
        revision = revise_campaign(
            kobo, asset.uid, edits=5, deletions=3, keep={e["submission"] for e in entries}
        )
        assert len(revision.deleted) == 3 and set(revision.deleted).isdisjoint(revision.edited)
        assert len(revision.edited) == (5 if form != "hoat_dong" else 0), form
        docs = asset.submissions.values()
        assert {d["eval_year"] for d in docs} >= {str(year)}
        assets.append(asset.uid)
        manifest += entries
    found, wanted = _findings(warehouse, kobo, assets), _manifest(manifest)
    assert found == wanted, _differences(found, wanted)
