"""The device's own score calculations, run by a real XForm engine, agree with `Rubric.score`.

Each form's XForm is evaluated by Enketo's openrosa-xpath-evaluator under Node
(tests/js/eval_xform.js) on sample submissions; the per-item answers and points, group
points, total, pass and class must equal the Python score of the same answers.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from forms.build import BuildResult, convert, write_results
from forms.definitions.hoat_dong import TRAINING_TYPES
from forms.rubric import Rubric
from forms.rubric_load import CRITERIA_DIR, load_rubrics
from forms.rules import Answers
from tests.forms.conftest import Engine
from tests.forms.samples import sample_submission, uniform_submission

SAMPLES_PER_FORM = 40
SCORED = ("clc_assessment", "gia_dinh", "dong_ho", "cong_dong", "don_vi")


def _cases(result: BuildResult) -> list[dict[str, Any]]:
    schema = result.schema
    cases: list[dict[str, Any]] = [
        uniform_submission(schema, "fully"),
        uniform_submission(schema, "not_met"),
        uniform_submission(schema, "partly"),
        {},
    ]
    cases += [sample_submission(schema, seed) for seed in range(SAMPLES_PER_FORM)]
    return cases


def _number(text: str | None) -> float:
    return float(text) if text not in (None, "") else math.nan


def _assert_same_score(rubric: Rubric, answers: dict[str, Any], device: dict[str, Any]) -> None:
    expected = rubric.score(answers)
    values = Answers(device)
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
) -> dict[str, list[tuple[dict[str, Any], dict[str, Any], int]]]:
    """For every form: (answers, values computed by the engine, passes) per sample."""
    cases = {form_id: _cases(result) for form_id, result in built.items()}
    forms = [(built_dir / f"{form_id}.xml", cases[form_id]) for form_id in cases]
    outputs = xform_engine(forms)
    return {
        form_id: [
            (answers, output["values"], output["passes"])
            for answers, output in zip(cases[form_id], results, strict=True)
        ]
        for form_id, results in zip(cases, outputs, strict=True)
    }


@pytest.mark.parametrize("form_id", SCORED)
def test_device_score_equals_python_score(
    form_id: str, built: dict[str, BuildResult], evaluated: dict[str, Any]
) -> None:
    rubric = built[form_id].rubric
    assert rubric is not None
    classes_seen = set()
    for answers, device, passes in evaluated[form_id]:
        assert passes <= 2, "calculations must be in dependency order (one pass computes all)"
        _assert_same_score(rubric, answers, device)
        classes_seen.add(device["score_class"])
    assert len(classes_seen) >= 2, f"samples reached only {classes_seen}"


def test_family_roster_derivation_on_the_engine(evaluated: dict[str, Any]) -> None:
    """1a, 2a and 2b come from the roster: every value seen, and the counts are the roster's."""
    seen: dict[str, set[str]] = {"c1a": set(), "c2a": set(), "c2b": set()}
    for answers, device, _ in evaluated["gia_dinh"]:
        members = answers.get("household/members", [])
        children = [
            m
            for m in members
            if 6 <= float(m.get("household/members/m_age", "nan")) <= 14
            and m.get("household/members/m_school") != "exempt"
        ]
        assert int(device["criteria/g1/c1a_ne"]) == len(children)
        for field in seen:
            seen[field].add(Answers(device).get(field) or "")
    for field, values in seen.items():
        assert {"fully", "not_met", "not_applicable"} <= values, (field, values)


def test_activity_report_summary_on_the_engine(evaluated: dict[str, Any]) -> None:
    """hoat_dong has no rubric: its summary calculations match the plan's task list."""
    for answers, device, passes in evaluated["hoat_dong"]:
        assert passes <= 2
        data = Answers(answers)
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
    cases = [sample_submission(result.schema, seed, missing=0.0) for seed in range(40)]
    cases.append(uniform_submission(result.schema, "fully"))
    (outputs,) = xform_engine([(tmp_path / "out" / "gia_dinh.xml", cases)])
    answers_1a = set()
    for answers, output in zip(cases, outputs, strict=True):
        _assert_same_score(rubric, answers, output["values"])
        answers_1a.add(Answers(output["values"]).get("c1a"))
    assert "partly" in answers_1a
