"""The demo's province-year campaign (localkobo.campaign) and its answers
(localkobo.problems.answer_campaign with a plan, revise_campaign): the year's units, districts
that differ, remote communes lower, communes not surveyed, one learning centre per commune,
dates in the season, recognition as planned, edits and deletions."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest

from forms.reference import Reference
from localkobo.campaign import ProvinceYear
from localkobo.problems import _form, answer_campaign, revise_campaign
from localkobo.province import DEMO_USER, built_content
from localkobo.store import LocalKobo

TODAY = date(2026, 12, 6)


def test_the_plan_of_2024_is_in_the_108_communes_of_8_districts() -> None:
    plan = ProvinceYear.plan(2024, seed=1, today=TODAY)
    assert plan.era == 2 and len(plan.communes) == 108
    assert plan.districts == sorted(d.code for d in Reference.load().districts)
    assert len(set(plan.quality.values())) == 8, "each district its own share"
    remote = [c for c in plan.communes if c.remote]
    assert remote and all(
        c.quality < sum(plan.quality[d] for d in c.districts) / len(c.districts) for c in remote
    )
    skipped = [c for c in plan.communes if not c.surveyed]
    assert 3 <= len(skipped) <= 8
    for district in plan.districts:
        assert any(c.surveyed for c in plan.communes if district in c.districts)
    assert (plan.first_day, plan.last_day) == (date(2024, 9, 1), date(2024, 12, 10))


def test_slots_follow_the_plan() -> None:
    plan = ProvinceYear.plan(2024, seed=1, today=TODAY)
    content = built_content("gia_dinh")
    slots = plan.slots("gia_dinh", content, 400)
    assert len(slots) == 400
    surveyed = {c.code for c in plan.communes if c.surveyed}
    assert {s.commune for s in slots} <= surveyed
    assert [s.arrival for s in slots] == sorted(s.arrival for s in slots)
    for slot in slots:
        assert slot.given["eval_year"] == "2024"
        assert plan.first_day <= date.fromisoformat(slot.given["eval_date"]) <= plan.last_day
        assert slot.moment <= slot.arrival
        assert slot.given["commune_e2"].split("_")[0] == slot.commune
    centres = plan.slots("clc_assessment", built_content("clc_assessment"), 5)
    assert sorted(s.commune for s in centres) == sorted(c.code for c in plan.communes)


def test_the_plan_of_2026_is_in_the_37_units_and_up_to_yesterday() -> None:
    plan = ProvinceYear.plan(2026, seed=1, today=TODAY)
    assert plan.era == 3 and len(plan.communes) == 37
    assert plan.last_day == date(2026, 12, 5)
    assert all(c.districts for c in plan.communes)
    with pytest.raises(ValueError):
        ProvinceYear.plan(2027, today=TODAY)


def test_answers_as_planned_then_edits_and_deletions() -> None:
    plan = ProvinceYear.plan(2024, seed=2, today=TODAY)
    kobo = LocalKobo(seed=2)
    kobo.add_user(DEMO_USER)
    asset = kobo.create_asset(DEMO_USER, "gia_dinh", built_content("gia_dinh"))
    kobo.deploy(asset.uid)
    slots = plan.slots("gia_dinh", asset.content, 300)
    ids = answer_campaign(kobo, asset.uid, len(slots), seed=2, plan=slots)
    form = _form(asset)
    assert form.rubric is not None
    agreed: Counter[bool] = Counter()
    for kobo_id, slot in zip(ids, slots, strict=True):
        doc = asset.submissions[kobo_id]
        assert doc["eval_date"] == slot.given["eval_date"] and doc["eval_year"] == "2024"
        assert doc["location/commune"] == slot.commune
        sent = datetime.fromisoformat(doc["_submission_time"]).date()
        assert sent >= date.fromisoformat(doc["eval_date"])
        chosen = form.rubric.for_evaluation(doc)
        assert chosen is not None
        agreed[chosen.score(doc).passed == slot.recognised] += 1
    assert agreed[True] >= 0.95 * len(ids), agreed

    before = {i: dict(d) for i, d in asset.submissions.items()}
    keep = set(ids[:30])
    revision = revise_campaign(kobo, asset.uid, edits=6, deletions=3, keep=keep, seed=2)
    assert len(revision.edited) == 6 and len(revision.deleted) == 3
    assert not keep & {*revision.edited, *revision.deleted}
    assert set(revision.deleted).isdisjoint(asset.submissions)
    for kobo_id in revision.edited:
        doc, earlier = asset.submissions[kobo_id], before[kobo_id]
        assert doc["_uuid"] != earlier["_uuid"] and doc["meta/deprecatedID"]
        raised = [k for k in doc if doc[k] == "fully" and earlier.get(k) in ("partly", "not_met")]
        assert len(raised) == 1
        chosen = form.rubric.for_evaluation(doc)
        assert chosen is not None
        assert float(doc[form.path("score_total")]) == chosen.score(doc).total
