"""Expectation suites generated from any form: an asset htsd has never seen, written here as
KoboToolbox content (bilingual, with a repeat), and one of our own built forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forms.build import BuildResult
from forms.schema import FormSchema
from tests.foreign_assets import health_post_content
from tests.forms.conftest import Engine
from tests.validation.test_domain_rules import HOUSEHOLD, SYSTEM, _answers
from validation.suites import plan_checks, run_checks


def _foreign() -> FormSchema:
    return FormSchema.from_kpi_content(health_post_content())


def _good(kobo_id: int, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "_id": kobo_id,
        "meta/instanceID": f"uuid:{kobo_id:04d}",
        "post": "Nà Phặc",
        "beds": "12",
        "code": "HP-001",
        "has_lab": "no",
        "patients": [
            {"patients/age": "34", "patients/symptoms": "fever cough"},
            {"patients/age": "7"},
        ],
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not None}


def test_generated_suites_find_each_problem_under_its_submission() -> None:
    schema = _foreign()
    kinds = {(c.kind, c.path) for c in plan_checks(schema)}
    assert ("required", "post") in kinds and ("required", "patients/age") in kinds
    assert ("required", "lab_staff") not in kinds, "shown only when has_lab = yes"
    payloads = [
        _good(1),
        _good(2, post=None),  # a required answer missing
        _good(3, has_lab="maybe"),  # an unknown choice code
        _good(4, beds="250"),  # above the constraint's bound
        _good(5, code="HP-1"),  # not the constraint's pattern
        _good(6, patients=[{"patients/age": "130", "patients/symptoms": "fever rash"}]),
    ]
    found = sorted(
        (f.submission or 0, f.rule, f.field, f.value, f.index) for f in run_checks(schema, payloads)
    )
    assert found == [
        (2, "form.required", "post", "", ()),
        (3, "form.choice", "has_lab", "maybe", ()),
        (4, "form.range", "beds", "250", ()),
        (5, "form.pattern", "code", "HP-1", ()),
        (6, "form.choice", "patients/symptoms", "fever rash", (1,)),
        (6, "form.range", "patients/age", "130", (1,)),
    ]
    messages = {f.rule: f.message for f in run_checks(schema, payloads)}
    assert "at most 200" in messages["form.range"].en or "below 120" in messages["form.range"].en
    assert "không có trong danh sách" in messages["form.choice"].vi


def test_our_family_form_plans_checks_from_its_constraints(built: dict[str, BuildResult]) -> None:
    schema = built["gia_dinh"].schema
    checks = {(c.kind, c.path): c for c in plan_checks(schema)}
    age = checks[("range", schema.by_name("m_age").path)]
    assert (age.params["min_value"], age.params["max_value"]) == (0, 120)
    assert ("pattern", schema.by_name("head_phone").path) in checks
    assert ("date_range", "eval_date") in checks or (
        "date_range",
        schema.by_name("eval_date").path,
    ) in checks
    assert ("required", schema.by_name("head_name").path) in checks
    school = schema.by_name("m_school").path
    assert ("required", school) not in checks, "asked only in the age range of 1a"
    assert ("choice", school) in checks


def test_a_family_submission_as_the_device_makes_it_passes_its_suites(
    built: dict[str, BuildResult], built_dir: Path, xform_engine: Engine
) -> None:
    """No false alarm on our own form: what the device submits for a sound household."""
    result = built["gia_dinh"]
    answers = _answers(result, HOUSEHOLD)
    answers[result.schema.by_name("head_name").path] = "Hoàng Văn Thắng"
    answers[result.schema.by_name("district").path] = "058"
    answers[result.schema.by_name("commune_e2").path] = "01834"
    for name, value in (
        ("village", "other"),
        ("village_other", "Tổ 1"),
        ("hkh_member", "yes"),
        ("registered", "yes"),
    ):
        answers[result.schema.by_name(name).path] = value
    ((device,),) = xform_engine([(built_dir / "gia_dinh.xml", [answers])])
    payload = SYSTEM | {"meta/instanceID": "uuid:1"} | device["answers"]
    assert run_checks(result.schema, [payload]) == []
    broken = payload | {result.schema.by_name("m_age").path: "7"}  # not in the repeat: ignored
    repeat = result.schema.by_name("m_age").repeat or ""
    broken[repeat] = [dict(row) for row in payload[repeat]]
    broken[repeat][0][result.schema.by_name("m_age").path] = "130"
    (found,) = run_checks(result.schema, [broken])
    assert (found.rule, found.value, found.index, found.submission) == (
        "form.range",
        "130",
        (1,),
        501,
    )
