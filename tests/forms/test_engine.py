"""The device's own score calculations, run by a real XForm engine, agree with `Rubric.score`.

Each form's XForm is evaluated by Enketo's openrosa-xpath-evaluator under Node
(tests/js/eval_xform.js) on sample submissions: random ones, and for each scored form
targeted ones at every class cut-off, the pass mark, each group minimum and each threshold
of its derived items, exactly and just below (tests/forms/samples.py). The engine applies
relevance as the device does, so what is scored is what the device would submit; the
per-item answers and points, group points, total, pass and class must equal the Python score
of those answers, and every class of every rubric must be reached.
"""

from __future__ import annotations

import math
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from forms.build import BuildResult, convert, write_results
from forms.definitions.hoat_dong import TRAINING_TYPES
from forms.rubric import Rubric
from forms.rubric_load import CRITERIA_DIR, load_rubrics
from forms.rules import Answers, number
from tests.forms.conftest import Engine
from tests.forms.samples import (
    Targeted,
    reachable_totals,
    sample_submission,
    targeted_submissions,
    uniform_submission,
)

SAMPLES_PER_FORM = 40
SCORED = ("clc_assessment", "gia_dinh", "dong_ho", "cong_dong", "don_vi")


@dataclass(frozen=True)
class Evaluated:
    """One sample on the engine: what was entered, what the device submits and computes."""

    entered: dict[str, Any]
    answers: dict[str, Any]  # entered, less the answers to questions that are not relevant
    values: dict[str, Any]
    dropped: tuple[str, ...]
    passes: int
    target: Targeted | None


# An evaluation date (and unit level) under which each form's main rubric applies: the
# targeted samples aim at that rubric's boundaries. Random samples keep their random dates
# and levels, so they also reach the other rubrics and "no rubric applies".
IN_PERIOD = {"eval_date": "2024-05-10"}
MAIN_LEVEL = {"don_vi": {"unit_level": "district"}}


def _dated(result: BuildResult, answers: dict[str, Any]) -> dict[str, Any]:
    schema = result.schema
    out = dict(answers)
    for name, value in (IN_PERIOD | MAIN_LEVEL.get(result.form_id, {})).items():
        out[schema.by_name(name).path] = value
    return out


def _cases(result: BuildResult) -> list[tuple[dict[str, Any], Targeted | None]]:
    schema = result.schema
    cases: list[tuple[dict[str, Any], Targeted | None]] = [
        (_dated(result, uniform_submission(schema, "fully")), None),
        (_dated(result, uniform_submission(schema, "not_met")), None),
        (_dated(result, uniform_submission(schema, "partly")), None),
        (_dated(result, uniform_submission(schema, "not_applicable")), None),
        ({}, None),
    ]
    cases += [(sample_submission(schema, seed), None) for seed in range(SAMPLES_PER_FORM)]
    if result.rubric is not None:
        cases += [
            (_dated(result, t.answers), t) for t in targeted_submissions(schema, result.rubric)
        ]
    return cases


def _evaluate(
    engine: Engine, forms: list[tuple[Path, list[tuple[dict[str, Any], Targeted | None]]]]
) -> list[list[Evaluated]]:
    outputs = engine([(path, [answers for answers, _ in cases]) for path, cases in forms])
    return [
        [
            Evaluated(
                answers, out["answers"], out["values"], tuple(out["dropped"]), out["passes"], target
            )
            for (answers, target), out in zip(cases, results, strict=True)
        ]
        for (_, cases), results in zip(forms, outputs, strict=True)
    ]


def _number(text: str | None) -> float:
    return float(text) if text not in (None, "") else math.nan


def _assert_same_score(
    form_rubric: Rubric, answers: dict[str, Any], device: dict[str, Any]
) -> None:
    """The device scores with the rubric that applies on the evaluation date (and level),
    exactly as Python does; with none, it asks no criteria and gives no score."""
    values = Answers(device)
    chosen = form_rubric.for_evaluation(answers)
    if chosen is None:
        assert values.get("rubric_id") in (None, ""), "no rubric applies"
        assert values.get("score_total") is None and values.get("score_class") is None
        return
    rubric = chosen
    expected = rubric.score(answers)
    for item in expected.items:
        assert values.get(f"p{item.item_id}") is not None, item.item_id
        assert _number(values.get(f"p{item.item_id}")) == pytest.approx(item.points), (
            f"item {item.item_id}: device {values.get('p' + item.item_id)}, python {item.points}"
        )
        if item.derived:
            assert values.get(item.field) == item.answer, f"derived item {item.item_id}"
    for group_id, points in expected.group_points.items():
        assert _number(values.get(f"pts_{group_id}")) == pytest.approx(points), group_id
    assert _number(values.get("score_total")) == pytest.approx(expected.total)
    assert _number(values.get("score_max")) == pytest.approx(expected.applicable_max)
    assert values.get("score_assessable") == ("yes" if expected.assessable else "no")
    assert values.get("score_pass") == ("yes" if expected.passed else "no")
    assert values.get("score_class") == expected.class_id
    assert values.get("score_class_vi") == expected.class_label.vi
    assert values.get("score_class_en") == expected.class_label.en
    assert (values.get("rubric_id"), values.get("rubric_version")) == (rubric.id, rubric.version)
    # The device's stored derived answers are what the warehouse recomputes: no mismatch.
    stored = rubric.score(device)
    assert stored.mismatches == ()
    assert stored.total == pytest.approx(expected.total)


@pytest.fixture(scope="module")
def evaluated(
    built: dict[str, BuildResult], built_dir: Path, xform_engine: Engine
) -> dict[str, list[Evaluated]]:
    """For every form: each sample as the engine evaluated it."""
    forms = [(built_dir / f"{form_id}.xml", _cases(result)) for form_id, result in built.items()]
    return dict(zip(built, _evaluate(xform_engine, forms), strict=True))


def _check_targets(rubric: Rubric, samples: list[Evaluated]) -> None:
    """Each targeted sample reaches its aim with the answers the device submits."""
    for sample in samples:
        target = sample.target
        if target is None:
            continue
        scored = rubric.score(sample.answers)
        if target.total is not None:
            assert scored.total == pytest.approx(target.total), target.aim
        if target.group is not None:
            assert scored.group_points[target.group] == pytest.approx(target.group_points)
        if target.item is not None:
            rule = rubric.item(target.item).derive
            assert rule is not None
            assert rule.measure(Answers(sample.answers)) == target.value, target.aim


@pytest.mark.parametrize("form_id", SCORED)
def test_device_score_equals_python_score(
    form_id: str, built: dict[str, BuildResult], evaluated: dict[str, list[Evaluated]]
) -> None:
    rubric = built[form_id].rubric
    assert rubric is not None
    classes_seen, passes_seen, rubrics_seen, excluded = set(), set(), set(), 0
    for sample in evaluated[form_id]:
        assert sample.passes <= 2, "calculations in dependency order: one pass computes all"
        _assert_same_score(rubric, sample.answers, sample.values)
        device = Answers(sample.values)
        classes_seen.add(device.get("score_class"))
        passes_seen.add(device.get("score_pass"))
        rubrics_seen.add(device.get("rubric_id") or None)
        excluded += _number(device.get("score_max")) < rubric.total.points
    assert excluded, "some samples have not-applicable items taken out of the maximum"
    expected = {rubric.id, *(v.id for v in rubric.variants)}
    if form_id == "don_vi":
        expected.add(None)  # a district unit evaluated before TT 22/2020 took effect
    assert expected <= rubrics_seen and rubrics_seen - expected <= {None}
    assert classes_seen - {None, rubric.cannot_assess_class.id} == {
        c.id for c in rubric.classes
    } | {rubric.fail_class.id}
    assert passes_seen - {None} == {"yes", "no"}


@pytest.mark.parametrize("form_id", SCORED)
def test_samples_reach_every_boundary(
    form_id: str, built: dict[str, BuildResult], evaluated: dict[str, list[Evaluated]]
) -> None:
    """Totals at and just below every cut-off; every threshold's value at and just below it."""
    rubric = built[form_id].rubric
    assert rubric is not None
    samples = evaluated[form_id]
    _check_targets(rubric, samples)
    totals = {rubric.score(s.answers).total for s in samples}
    reachable = reachable_totals(rubric)
    for cut_off in {c.min_points for c in rubric.classes} | {rubric.pass_mark.points}:
        assert cut_off in reachable, f"no answers give exactly {cut_off}"
        assert cut_off in totals
        assert max(t for t in reachable if t < cut_off) in totals, f"just below {cut_off}"
    for item in rubric.items:
        rule = item.derive
        if rule is None or rule.rule != "threshold":
            continue
        assert rule.value is not None
        values = {rule.measure(Answers(s.answers)) for s in samples}
        step = 1 / 1000 if rule.value.kind == "ratio" else 1
        for threshold in (rule.fully_at, rule.partly_at):
            if threshold is not None:
                assert threshold in values, f"{item.id}: no value at {threshold}"
                below = threshold - step
                assert any(below <= v < threshold for v in values), f"{item.id}: {below}"


def test_activity_report_summary_on_the_engine(evaluated: dict[str, list[Evaluated]]) -> None:
    """hoat_dong has no rubric: its summary calculations match the plan's task list."""
    for sample in evaluated["hoat_dong"]:
        device = sample.values
        assert sample.passes <= 2
        data = Answers(sample.answers)
        code = data.get("task_code")
        assert device.get("task_group", "") == (code.split(".")[0] if code else "")
        trained = (
            data.get("n_cadres_trained") if data.get("activity_type") in TRAINING_TYPES else "0"
        )
        assert device.get("cadres_trained") == trained
        assert (device["task_list_id"], device["task_list_version"]) == (
            "ke_hoach_1150",
            "2014-07-14",
        )


def test_group_minimum_and_partly_share_on_the_engine(tmp_path: Path, xform_engine: Engine) -> None:
    """Rubric options the shipped files do not use yet, checked the same way."""
    criteria = tmp_path / "criteria"
    shutil.copytree(CRITERIA_DIR, criteria)
    path = criteria / "gia_dinh.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["groups"][0]["min_points"] = {"points": 20, "provisional": "test minimum"}
    data["groups"][0]["items"][0]["derive"]["partly_share"] = 0.5
    data["scale"]["partly"] = {"fraction": 0.5, "provisional": "test"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rubric = load_rubrics(criteria)["gia_dinh"]
    result = convert("gia_dinh", rubrics={"gia_dinh": rubric})
    write_results([result], tmp_path / "out")
    cases: list[tuple[dict[str, Any], Targeted | None]] = [
        (sample_submission(result.schema, seed, missing=0.0), None) for seed in range(40)
    ]
    cases.append((uniform_submission(result.schema, "fully"), None))
    cases += [(t.answers, t) for t in targeted_submissions(result.schema, rubric)]
    (samples,) = _evaluate(xform_engine, [(tmp_path / "out" / "gia_dinh.xml", cases)])
    answers_1a, blocked = set(), 0
    for sample in samples:
        _assert_same_score(rubric, sample.answers, sample.values)
        answers_1a.add(Answers(sample.values).get("c1a"))
        scored = rubric.score(sample.answers)
        blocked += scored.total >= rubric.pass_mark.points and scored.group_points["g1"] < 20
    _check_targets(rubric, samples)
    assert "partly" in answers_1a
    assert blocked, "a total above the pass mark failed by the group minimum"
    groups = {(s.target.group_points) for s in samples if s.target and s.target.group == "g1"}
    assert groups == {20, 15}


def _leaves(answers: dict[str, Any]) -> Counter[str]:
    """The paths of every answer of a submission (repeat rows without their index)."""
    found: Counter[str] = Counter()
    for key, value in answers.items():
        if isinstance(value, list):
            for row in value:
                found += _leaves(row)
        else:
            found[key] += 1
    return found


def test_samples_are_what_the_device_submits(evaluated: dict[str, list[Evaluated]]) -> None:
    """The engine drops the answers to questions that are not relevant, and only those."""
    for samples in evaluated.values():
        for sample in samples:
            dropped = Counter(re.sub(r"\[\d+\]", "", path) for path in sample.dropped)
            assert _leaves(sample.entered) - _leaves(sample.answers) == dropped
            assert not _leaves(sample.answers) - _leaves(sample.entered)
    family = evaluated["gia_dinh"]
    members = [m for s in family for m in s.answers.get("roster/members", [])]
    asked = {"m_school": (6, 14), "m_literacy": (19, 60), "m_learning": (19, 60)}
    for name, (low, high) in asked.items():
        ages = [
            number(m.get("roster/members/m_person/m_age"))
            for m in members
            if f"roster/members/m_study/{name}" in m
        ]
        assert ages and all(low <= age <= high for age in ages), name
        assert any(p.endswith(f"/{name}") for s in family for p in s.dropped), "some dropped"
    for sample in evaluated["dong_ho"]:
        if "clan/fund_balance" in sample.answers:
            assert sample.answers.get("clan/has_fund") == "yes"
    for sample in evaluated["clc_assessment"]:
        decided = sample.answers.get("legal/legal_decision") == "yes"
        for name in ("decision_no", "decision_date", "decision_issuer"):
            assert decided or f"legal/{name}" not in sample.answers
        if "activities/needs_survey_date" in sample.answers:
            assert sample.answers.get("activities/needs_survey") == "yes"
    for sample in evaluated["hoat_dong"]:
        if "participants/n_cadres_trained" in sample.answers:
            assert sample.answers.get("activity/activity_type") in TRAINING_TYPES


def test_a_group_that_is_not_relevant_drops_its_answers(
    built_dir: Path, xform_engine: Engine
) -> None:
    """hoat_dong's location group is not shown at province level: its answers are dropped,
    and a calculation inside it is not computed."""
    entered = {
        "eval_date": "2023-04-15",
        "activity/activity_type": "survey",
        "location/district": "060",
        "location/commune_e2": "01870",
        "participants/n_participants": "40",
        "participants/n_cadres_trained": "12",
    }
    cases = [entered | {"activity/level": level} for level in ("province", "district", "commune")]
    (results,) = xform_engine([(built_dir / "hoat_dong.xml", cases)])
    province, district, commune = results
    assert set(province["dropped"]) == {
        "location/district",
        "location/commune_e2",
        "participants/n_cadres_trained",
    }
    assert not any(key.startswith("location/") for key in province["values"])
    assert province["values"]["cadres_trained"] == "0"
    assert set(district["dropped"]) == {"location/commune_e2", "participants/n_cadres_trained"}
    assert district["answers"]["location/district"] == "060"
    assert "location/commune" not in district["values"]
    assert commune["dropped"] == ["participants/n_cadres_trained"]
    assert commune["values"]["location/commune"] == "01870"
