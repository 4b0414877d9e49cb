"""Not-applicable items, worked by hand: out of the maximum, the pass mark scaled to what
applies, "cannot be assessed" below the rubric's minimum applicable share; and the rubric
chosen by the evaluation date and the unit's level. Each case is scored in Python and on the
device (the built XForm under Enketo's XPath engine), and both must give the hand figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from forms.build import BuildResult
from forms.rubric import Rubric
from forms.rules import Answers
from tests.forms.conftest import Engine


def _answers(result: BuildResult, values: dict[str, str], **repeats: list[dict[str, str]]) -> dict:
    """A submission shaped as KoboToolbox returns it, from bare field names."""
    schema = result.schema
    out: dict[str, Any] = {schema.by_name(name).path: value for name, value in values.items()}
    for repeat, rows in repeats.items():
        assert rows, f"give {repeat} at least one row"
        path = schema.by_name(next(iter(rows[0]))).repeat  # the fields may be in sub-groups
        assert path is not None, f"{repeat}: not fields of a repeat"
        out[path] = [{schema.by_name(k).path: v for k, v in row.items()} for row in rows]
    return out


def _device(engine: Engine, built_dir: Path, form_id: str, cases: list[dict]) -> list[Answers]:
    (results,) = engine([(built_dir / f"{form_id}.xml", cases)])
    return [Answers(r["values"]) for r in results]


def _member(age: int, relation: str, **answers: str) -> dict[str, str]:
    row = {"m_name": f"Người {age}", "m_relation": relation, "m_sex": "female", "m_age": str(age)}
    return row | {f"m_{k}": v for k, v in answers.items()}


FAMILY_GRADED = ("1b", "1c", "2c", "3a", "3b", "3c", "3d", "4a", "4b", "4c")


def _family(result: BuildResult, members: list[dict[str, str]], **items: str) -> dict:
    values = {"eval_date": "2024-05-10", "eval_year": "2024"}
    values |= {f"c{item_id}": answer for item_id, answer in items.items()}
    return _answers(result, values, members=members)


@pytest.fixture(scope="module")
def family(built: dict[str, BuildResult]) -> tuple[BuildResult, Rubric]:
    result = built["gia_dinh"]
    assert result.rubric is not None
    return result, result.rubric


def test_an_elderly_couple_is_not_recognised_on_not_applicable_items_alone(
    family: tuple[BuildResult, Rubric], built_dir: Path, xform_engine: Engine
) -> None:
    """Two members aged 70 and 68: no child (1a, 1b, 1c, 2c, 3d not applicable), nobody
    19–60 (2a, 2b), nobody of working age (4a). Everything else fully met: 3a 5 + 3b 5 +
    3c 5 + 4b 6 + 4c 6 = 27 points of 27 applicable. Counting not applicable in full would
    give 27 + 73 = 100 and recognition; now 27 applicable of 100 is below the rubric's
    minimum share (50%), so the family cannot be assessed and is not recognised."""
    result, rubric = family
    assert rubric.not_applicable.min_applicable_share == 0.5
    couple = [_member(70, "head", literacy="level1"), _member(68, "spouse", literacy="level1")]
    na = dict.fromkeys(("1b", "1c", "2c", "3d", "4a"), "not_applicable")
    answers = _family(
        result, couple, **na, **dict.fromkeys(("3a", "3b", "3c", "4b", "4c"), "fully")
    )
    score = rubric.score(answers)
    assert [score.item(i).answer for i in ("1a", "2a", "2b")] == ["not_applicable"] * 3
    assert (score.total, score.applicable_max) == (27, 27)
    assert (score.assessable, score.passed, score.class_id) == (False, False, "khong_danh_gia")
    (device,) = _device(xform_engine, built_dir, "gia_dinh", [answers])
    assert (device.get("score_total"), device.get("score_max")) == ("27", "27")
    assert (device.get("score_assessable"), device.get("score_pass")) == ("no", "no")
    assert device.get("score_class") == "khong_danh_gia"
    assert device.get("score_class_vi") == "Chưa đủ căn cứ đánh giá"


def test_a_family_without_children_is_scored_over_what_applies(
    family: tuple[BuildResult, Rubric], built_dir: Path, xform_engine: Engine
) -> None:
    """Head 45 and spouse 40, both literate and learning (2a, 2b fully: 10 + 10); no child, so
    1a, 1b, 1c, 2c and 3d are not applicable: 10 + 10 + 10 + 10 + 5 = 45 out, 55 applicable.
    3a partly 2.5, 3b 5, 3c 5, 4a 8, 4b partly 3, 4c not met: total 43.5 of 55 (79%). The
    pass mark 70/100 scaled to 55 is 38.5: recognised. With 4a not met (35.5) it is not."""
    result, rubric = family
    adults = [
        _member(45, "head", literacy="level2", learning="training"),
        _member(40, "spouse", literacy="level1", learning="reading"),
    ]
    na = dict.fromkeys(("1b", "1c", "2c", "3d"), "not_applicable")
    items = na | {"3a": "partly", "3b": "fully", "3c": "fully", "4a": "fully", "4b": "partly"}
    items |= {"4c": "not_met"}
    passing = _family(result, adults, **items)
    failing = _family(result, adults, **(items | {"4a": "not_met"}))
    good, short = rubric.score(passing), rubric.score(failing)
    assert (good.total, good.applicable_max, good.percent, good.pass_points) == (43.5, 55, 79, 38.5)
    assert (good.passed, good.class_id) == (True, "dat")
    assert (short.total, short.passed, short.class_id) == (35.5, False, "chua_dat")
    on_device = _device(xform_engine, built_dir, "gia_dinh", [passing, failing])
    assert [d.get("score_total") for d in on_device] == ["43.5", "35.5"]
    assert [d.get("score_max") for d in on_device] == ["55", "55"]
    assert [d.get("score_pass") for d in on_device] == ["yes", "no"]
    assert on_device[0].get("score_pct") == "79"
    assert on_device[0].get("score_pass_points") == "38.5"
    assert on_device[0].get("score_total_vi") == "43,5"


def _clan(result: BuildResult, **values: str) -> dict:
    base = {
        "eval_date": "2024-05-10",
        "eval_year": "2024",
        "c1a": "fully",
        "has_fund": "yes",
        "n_families": "20",
        "n_learning_families": "16",
        "c2b": "fully",
        "c3b": "partly",
        "c4a": "fully",
        "c4b": "not_met",
    }
    return _answers(result, base | values)


def test_a_clan_without_school_age_children_is_scored_on_its_applicable_items(
    built: dict[str, BuildResult], built_dir: Path, xform_engine: Engine
) -> None:
    """No child aged 6–14: 2a (15 points) is not applicable, not 0/15. 1a 10 + 1b 10 + 2b 15
    + 3a (16/20 families = 80%) 15 + 3b partly 7.5 + 4a 10 + 4b 0 = 67.5 of 85 applicable;
    the pass mark 70 scaled to 85 is 59.5: recognised (scored 0/15 on 2a it would fail at
    67.5 < 70). A blank number of children is unknown, not zero: 2a is then not met."""
    result = built["dong_ho"]
    rubric = result.rubric
    assert rubric is not None
    none = _clan(result, n_children_school_age="0", n_children_school="0")
    unknown = _clan(result)
    scored, blank = rubric.score(none), rubric.score(unknown)
    assert scored.item("2a").answer == "not_applicable"
    assert (scored.total, scored.applicable_max, scored.pass_points) == (67.5, 85, 59.5)
    assert (scored.passed, scored.class_id) == (True, "dat")
    assert blank.item("2a").answer == "not_met"
    assert (blank.total, blank.applicable_max, blank.passed) == (67.5, 100, False)
    on_device = _device(xform_engine, built_dir, "dong_ho", [none, unknown])
    assert [d.get("c2a") for d in on_device] == ["not_applicable", "not_met"]
    assert [d.get("score_max") for d in on_device] == ["85", "100"]
    assert [d.get("score_pass") for d in on_device] == ["yes", "no"]


UNIT_ANSWERS = {"n_members": "20", "n_self_study": "20"}


@pytest.mark.parametrize(
    ("date", "level", "rubric_id"),
    [
        ("2019-11-20", "district", None),  # before TT 22/2020 took effect (21/9/2020)
        ("2019-11-20", "province", None),
        ("2020-09-20", "district", None),
        ("2020-09-21", "district", "don_vi"),
        ("2024-05-10", "province", "don_vi"),
        ("2019-11-20", "commune", "don_vi_xa"),  # not covered by TT 22/2020: provisional
        ("2024-05-10", "commune", "don_vi_xa"),
    ],
)
def test_the_unit_rubric_is_chosen_by_date_and_level(
    built: dict[str, BuildResult],
    built_dir: Path,
    xform_engine: Engine,
    date: str,
    level: str,
    rubric_id: str | None,
) -> None:
    result = built["don_vi"]
    rubric = result.rubric
    assert rubric is not None
    answers = _answers(result, {"eval_date": date, "eval_year": date[:4], "unit_level": level})
    answers |= {result.schema.by_name("c1a").path: "fully"}
    chosen = rubric.for_evaluation(answers)
    assert (chosen.id if chosen else None) == rubric_id
    (device,) = _device(xform_engine, built_dir, "don_vi", [answers])
    assert (device.get("rubric_id") or None) == rubric_id
    if rubric_id is None:
        assert device.get("score_total") is None and device.get("c1a") is None
    else:
        assert chosen is not None
        assert device.get("rubric_version") == chosen.version
        assert device.get("score_total") == str(int(chosen.score(answers).total))


@pytest.mark.parametrize(
    ("district", "commune", "state_budget", "region", "answer"),
    [
        ("058", "01834", "22000000", "I", "fully"),  # region I: 20 million is enough
        ("065", "02092", "22000000", "II", "partly"),  # region II needs 25 million
        ("065", "02092", "25000000", "II", "fully"),
        ("060", "01858", "24999999", "III", "partly"),
        ("060", "01858", "0", "III", "not_met"),
    ],
)
def test_clc_state_funding_threshold_follows_the_commune_region(
    built: dict[str, BuildResult],
    built_dir: Path,
    xform_engine: Engine,
    district: str,
    commune: str,
    state_budget: str,
    region: str,
    answer: str,
) -> None:
    """TT 96/2008: at least 20 million đồng a year in region I, 25 million in regions II
    and III (the commune's class of QĐ 861, 2021–2025); partly met with any funding."""
    result = built["clc_assessment"]
    rubric = result.rubric
    assert rubric is not None
    values = {"eval_date": "2023-06-01", "eval_year": "2023", "district": district}
    answers = _answers(result, values | {"commune_e2": commune, "fin_state": state_budget})
    (device,) = _device(xform_engine, built_dir, "clc_assessment", [answers])
    assert device.get("commune_region") == region
    assert device.get("c4a") == answer
    assert rubric.score(dict(device.values)).item("4a").answer == answer
