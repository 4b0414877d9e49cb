"""Rubric files: every number marked verified or provisional; the verified facts; scoring."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.rubric import ANSWER_LEVELS, Rubric
from forms.rubric_load import CRITERIA_DIR, RUBRIC_IDS, load_rubrics, parse_rubric

MARKED_KEYS = ("verified", "provisional")


@pytest.fixture(scope="module")
def rubrics() -> dict[str, Rubric]:
    return load_rubrics()


RUBRIC_FILES = (*RUBRIC_IDS, "don_vi_xa")


def _raw(rubric_id: str) -> dict[str, Any]:
    data = yaml.safe_load((CRITERIA_DIR / f"{rubric_id}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _numbers(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every item and threshold of a raw rubric file, with a name."""
    yield "validity", data["validity"]
    yield "total", data["total"]
    yield "pass_mark", data["pass_mark"]
    if "not_applicable" in data:
        yield "not_applicable", data["not_applicable"]
    for level, entry in data["scale"].items():
        yield f"scale {level}", entry
    for rubric_class in data["classes"]:
        yield f"class {rubric_class['id']}", rubric_class
    for group in data["groups"]:
        yield f"group {group['id']}", group
        if group.get("min_points"):
            yield f"group {group['id']} min_points", group["min_points"]
        for item in group["items"]:
            yield f"item {item['id']}", item
            if "derive" in item:
                yield f"item {item['id']} derive", item["derive"]


@pytest.mark.parametrize("rubric_id", RUBRIC_FILES)
def test_every_item_and_threshold_is_marked(rubric_id: str) -> None:
    for name, entry in _numbers(_raw(rubric_id)):
        marks = [key for key in MARKED_KEYS if key in entry]
        assert len(marks) == 1, f"{rubric_id} {name}: {marks}"
        assert isinstance(entry[marks[0]], str) and len(entry[marks[0]]) > 10, name


def test_verified_facts_of_domain(rubrics: dict[str, Rubric]) -> None:
    family = rubrics["gia_dinh"]
    for group_id in ("g1", "g2"):
        group = next(g for g in family.groups if g.id == group_id)
        assert (group.max_points, group.mark.status) == (30, "verified")
    for item_id in ("1a", "1b", "1c", "2a", "2b"):
        item = family.item(item_id)
        assert (item.max_points, item.mark.status) == (10, "verified")
        assert "448" in item.mark.note
    assert family.item("2c").mark.status == "provisional"
    assert family.pass_mark.mark.provisional
    unit = rubrics["don_vi"]
    # TT 22/2020 gives each item as a maximum ("tối đa"): how it is scored is provisional,
    # its pass mark and classes are not.
    assert unit.score_provisional and not unit.pass_provisional
    assert [(c.id, c.min_points) for c in unit.classes] == [
        ("tot", 85),
        ("kha", 70),
        ("trung_binh", 50),
    ]
    assert unit.pass_mark.points == 50
    assert [g.max_points for g in unit.groups] == [30, 30, 40]
    for rubric_id in ("dong_ho", "cong_dong", "clc"):
        rubric = rubrics[rubric_id]
        assert all(i.mark.provisional for i in rubric.items)
        assert rubric.pass_provisional and rubric.score_provisional


# What docs/DOMAIN.md supports, and so the only entries a rubric may mark verified: of QĐ 448
# part A, the points of groups 1 and 2 and of items 1a–2b, and item 2a's rule (adults 19–60,
# those unable to learn excepted, literate at level 1 or above); not how an item is scored.
# Of TT 22/2020: its points, pass mark, classes and period; each item is given as a maximum
# ("tối đa"), so the all-or-nothing scale is provisional.
VERIFIED = {
    "gia_dinh": {
        "group g1",
        "item 1a",
        "item 1b",
        "item 1c",
        "group g2",
        "item 2a",
        "item 2a derive",
        "item 2b",
    },
    "don_vi": {
        "validity",
        "total",
        "pass_mark",
        *(f"class {c}" for c in ("tot", "kha", "trung_binh")),
        *(f"group g{n}" for n in (1, 2, 3)),
        *(f"item {i}" for i in ("1a", "1b", "1c", "2a", "2b", "2c", "2d", "3a", "3b", "3c")),
        *(f"item {i} derive" for i in ("2a", "2b", "2c", "2d", "3a")),
    },
    "don_vi_xa": set(),
    "dong_ho": set(),
    "cong_dong": set(),
    "clc": set(),
}


@pytest.mark.parametrize("rubric_id", RUBRIC_FILES)
def test_only_what_domain_supports_is_verified(rubric_id: str) -> None:
    verified = {name for name, entry in _numbers(_raw(rubric_id)) if "verified" in entry}
    assert verified == VERIFIED[rubric_id]


def test_family_scale_is_provisional(rubrics: dict[str, Rubric]) -> None:
    """QĐ 448 gives each item's maximum, not how it is scored: every level is to confirm."""
    family = rubrics["gia_dinh"]
    assert {name: level.mark.status for name, level in family.scale.items()} == {
        "fully": "provisional",
        "not_met": "provisional",
        "partly": "provisional",
    }
    assert family.not_applicable.rule == "exclude" and family.not_applicable.mark.provisional
    assert family.score_provisional
    unit = rubrics["don_vi"]
    assert set(unit.scale) == {"fully", "not_met"}, "TT 22/2020 items have no part-points"
    assert all("tối đa" in level.mark.note for level in unit.scale.values())
    assert all(level.mark.provisional for level in unit.scale.values())


def test_unit_scoring(rubrics: dict[str, Rubric]) -> None:
    unit = rubrics["don_vi"]
    counts = {"unit/n_members": "20"} | {
        f"unit/{name}": "20"
        for name in (
            "n_self_study",
            "n_disciplined",
            "n_trained",
            "n_advanced",
            "n_learning_citizen",
        )
    }
    answered = {f"criteria/g{i.id[0]}/{i.field}": "fully" for i in unit.items if not i.derive}
    best = unit.score(counts | answered)
    assert (best.total, best.passed, best.class_id) == (100, True, "tot")
    assert best.score_provisional and not best.pass_provisional
    one_short = unit.score(counts | answered | {"unit/n_learning_citizen": "19"})
    assert one_short.item("3a").answer == "not_met"
    assert (one_short.total, one_short.class_id) == (75, "kha")
    nothing = unit.score({})
    assert (nothing.total, nothing.passed, nothing.class_id) == (0, False, "khong_dat")
    assert set(nothing.missing) == {i.id for i in unit.items if not i.derive}


def test_family_items_derive_from_the_roster(rubrics: dict[str, Rubric]) -> None:
    family = rubrics["gia_dinh"]

    def member(age: int, **answers: str) -> dict[str, str]:
        row = {"household/members/m_age": str(age)}
        return row | {f"household/members/m_{k}": v for k, v in answers.items()}

    roster = [
        member(8, school="attending"),
        member(12, school="exempt"),
        member(40, literacy="level1", learning="reading"),
        member(70, literacy="illiterate"),
    ]
    result = family.score({"household/members": roster, "criteria/g1/c1a": "not_met"})
    assert result.item("1a").answer == "fully"
    assert result.item("2a").answer == "fully"
    assert result.item("2b").answer == "fully"
    assert result.mismatches == ("1a",), "the device's stored 1a disagrees with the roster"
    roster.append(member(25, literacy="illiterate", learning="none"))
    worse = family.score({"household/members": roster})
    assert (worse.item("2a").answer, worse.item("2b").answer) == ("not_met", "not_met")
    # KoboToolbox omits a repeat without rows: nobody is eligible.
    empty = family.score({})
    assert {empty.item(i).answer for i in ("1a", "2a", "2b")} == {"not_applicable"}
    assert empty.item("1a").points == 0  # not applicable: out of the maximum, no points
    assert empty.applicable_max == 70


def test_group_minimum_blocks_passing(rubrics: dict[str, Rubric]) -> None:
    data = _raw("gia_dinh")
    data["groups"][0]["min_points"] = {"points": 25, "provisional": "a minimum for the test"}
    rubric, problems = parse_rubric(data, "test.yaml")
    assert problems == [] and rubric is not None
    answers = {f"c{i.id}": "fully" for i in rubric.items} | {"c1b": "not_met"}
    result = rubric.score(answers)
    # No roster: 1a, 2a, 2b not applicable (30 out). Total 60 of 70 reaches the pass mark
    # scaled to 70 (49), but group 1 has 10 of its 20 applicable points, under its minimum
    # 25/30 scaled to 20 (16.7): not passed.
    assert (result.total, result.applicable_max, result.group_points["g1"]) == (60, 70, 10)
    assert result.total >= result.pass_points
    assert (result.passed, result.class_id) == (False, "chua_dat")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_scores_are_consistent(rubrics: dict[str, Rubric], data: st.DataObject) -> None:
    rubric = rubrics[data.draw(st.sampled_from(RUBRIC_IDS))]
    answers = {
        item.field: data.draw(st.sampled_from((*ANSWER_LEVELS, "bogus")))
        for item in rubric.items
        if data.draw(st.booleans())
    }
    result = rubric.score(answers)
    assert 0 <= result.total <= rubric.total.points
    assert result.total == pytest.approx(sum(i.points for i in result.items))
    for group in rubric.groups:
        assert result.group_points[group.id] <= group.max_points
    # Marks are scaled to the applicable maximum; too little applicable: cannot be assessed.
    applicable = sum(i.applicable_max for i in result.items)
    assert result.applicable_max == pytest.approx(applicable)
    share = rubric.not_applicable.min_applicable_share
    assert result.assessable == (applicable >= share * rubric.total.points)
    scale = applicable / rubric.total.points
    passed = result.assessable and result.total >= rubric.pass_mark.points * scale - 1e-9
    assert result.passed == passed
    reached = [c.id for c in rubric.classes if result.total >= c.min_points * scale - 1e-9]
    expected = reached[0] if reached and result.passed else rubric.fail_class.id
    assert result.class_id == (expected if result.assessable else "khong_danh_gia")
    for item in result.items:
        if item.answer is None or item.answer not in rubric.item(item.item_id).answers:
            assert item.points == 0 and item.item_id in result.missing
