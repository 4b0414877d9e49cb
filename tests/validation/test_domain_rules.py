"""The domain rules on single submissions, with hand-made cases and with what the device
itself computed (the built family form under the XForm engine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from forms.build import BuildResult
from forms.rubric import Rubric
from tests.forms.conftest import Engine
from validation.rules import Settings, check_submission


def _member(schema_paths: dict[str, str], age: int, relation: str, **answers: str) -> dict:
    row = {"m_name": f"Người {age}", "m_relation": relation, "m_sex": "male", "m_age": str(age)}
    row |= {f"m_{k}": v for k, v in answers.items()}
    return {schema_paths[k]: v for k, v in row.items()}


@pytest.fixture(scope="module")
def family(built: dict[str, BuildResult]) -> tuple[BuildResult, Rubric]:
    result = built["gia_dinh"]
    assert result.rubric is not None
    return result, result.rubric


SYSTEM = {"_id": 501, "_submission_time": "2024-05-10T09:00:00"}


def _payload(result: BuildResult, members: list[tuple[int, str, dict[str, str]]]) -> dict:
    """A submission as KoboToolbox returns it: the system keys and the answers."""
    return SYSTEM | _answers(result, members)


def _answers(result: BuildResult, members: list[tuple[int, str, dict[str, str]]]) -> dict:
    schema = result.schema
    paths = {f.name: f.path for f in schema.fields}
    repeat = schema.by_name("m_relation").repeat
    assert repeat is not None
    out: dict[str, Any] = {
        "start": "2024-05-10T08:00:00.000+07:00",
        "end": "2024-05-10T08:40:00.000+07:00",
        paths["eval_date"]: "2024-05-10",
        paths["eval_year"]: "2024",
        paths["roster_ok"]: "OK",
    }
    for name in ("c1b", "c1c", "c2c", "c3a", "c3b", "c3c", "c3d", "c4a", "c4b", "c4c"):
        out[paths[name]] = "fully"
    if members:
        out[repeat] = [_member(paths, age, rel, **extra) for age, rel, extra in members]
    return out


HOUSEHOLD = [
    (45, "head", {"literacy": "level2", "learning": "training"}),
    (10, "child", {"school": "attending"}),
]


def test_what_the_device_computed_passes_every_rule(
    family: tuple[BuildResult, Rubric], built_dir: Path, xform_engine: Engine
) -> None:
    result, rubric = family
    ((device,),) = xform_engine([(built_dir / "gia_dinh.xml", [_answers(result, HOUSEHOLD)])])
    payload = SYSTEM | device["values"]
    assert check_submission(payload, rubric) == []


def test_a_score_or_derived_item_edited_on_the_server_is_found(
    family: tuple[BuildResult, Rubric], built_dir: Path, xform_engine: Engine
) -> None:
    """Answers edited in KoboToolbox's data table are not recomputed by the form: the
    child's schooling changed to "dropped" leaves 1a stored as met, and the stored score."""
    result, rubric = family
    ((device,),) = xform_engine([(built_dir / "gia_dinh.xml", [_answers(result, HOUSEHOLD)])])
    payload: dict[str, Any] = SYSTEM | {"_id": 502} | device["values"]
    repeat = result.schema.by_name("m_relation").repeat or ""
    school = result.schema.by_name("m_school").path
    assert payload["criteria/g1/c1a"] == "fully"
    payload[repeat][1][school] = "dropped"
    found = {f.rule: f for f in check_submission(payload, rubric)}
    assert set(found) == {"roster.contradicts_item", "score.device_differs"}
    item = found["roster.contradicts_item"]
    assert (item.submission, item.field, item.value) == (502, "criteria/g1/c1a", "fully")
    assert "0/1" in item.message.vi and "not_met" in item.message.en
    score = found["score.device_differs"]
    assert score.field == "summary/score_total" and score.severity == "warning"
    assert "score 100 (dat)" in score.message.en and ": 90 (dat)" in score.message.en  # 1a lost


def test_a_roster_without_exactly_one_head_is_found(family: tuple[BuildResult, Rubric]) -> None:
    result, rubric = family
    for members, counts in (
        ([], "0/0"),
        ([(45, "head", {}), (40, "head", {})], "2/2"),
        ([(45, "spouse", {})], "1/0"),
    ):
        found = [f for f in check_submission(_payload(result, members), rubric)]
        assert [(f.rule, f.value) for f in found] == [("roster.head_count", counts)]


@pytest.mark.parametrize(
    ("start", "end", "rule", "value"),
    [
        ("2024-05-10T08:40:00+07:00", "2024-05-10T08:00:00+07:00", "time.end_before_start", None),
        ("2024-05-10T08:00:00+07:00", "2024-05-10T08:03:30+07:00", "time.too_short", "3.5"),
        ("2024-05-10T08:00:00+07:00", "2024-05-10T08:05:00+07:00", None, None),
    ],
)
def test_interview_times(
    family: tuple[BuildResult, Rubric], start: str, end: str, rule: str | None, value: str | None
) -> None:
    result, rubric = family
    payload = _payload(result, [(45, "head", {"literacy": "level1", "learning": "reading"})])
    payload |= {"start": start, "end": end}
    found = check_submission(payload, rubric, Settings(min_interview_minutes=5))
    assert [f.rule for f in found] == ([rule] if rule else [])
    if rule:
        assert found[0].field == "end" and found[0].value == (value or end)
    if rule == "time.too_short":
        assert "3,5 phút" in found[0].message.vi


def test_an_evaluation_dated_after_its_arrival_is_found(family: tuple[BuildResult, Rubric]) -> None:
    result, rubric = family
    payload = _payload(result, [(45, "head", {"literacy": "level1", "learning": "reading"})])
    payload["_submission_time"] = "2024-05-09T23:00:00"
    (found,) = check_submission(payload, rubric)
    assert (found.rule, found.value, found.submission) == (
        "time.eval_after_submission",
        "2024-05-10",
        501,
    )
