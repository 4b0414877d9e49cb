"""How many screens a surveyor swipes through in ODK Collect, counted from the built XLSForm.

Collect shows one question (or note) per screen, except that a `field-list` group or repeat
is one screen with all its questions; calculations and metadata are never shown. A repeat's
screens are counted per instance (a household member, a class). The criteria groups (each
criterion group under `criteria`) count as one screen each whatever their appearance: they
are made field-lists by the rubric's builder. Relevance is ignored, so each count is the most
a surveyor can meet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pytest

from forms.build import BuildResult
from forms.check import NO_LABEL_TYPES
from forms.definitions import FORM_IDS

HIDDEN = NO_LABEL_TYPES - {"end_group", "end_repeat"}  # what Collect never shows
CRITERIA = "criteria"

# The most screens outside repeats, and per instance of each repeat.
BUDGETS: dict[str, tuple[int, dict[str, int]]] = {
    "gia_dinh": (20, {"members": 2}),
    "clc_assessment": (35, {"classes": 3}),
    "dong_ho": (20, {}),
    "cong_dong": (20, {}),
    "don_vi": (20, {}),
    "hoat_dong": (15, {}),
}


@dataclass
class Screens:
    """Screens outside any repeat, and per instance of each repeat (by its name)."""

    fixed: int = 0
    per_instance: dict[str, int] = field(default_factory=dict)


@dataclass
class _Node:
    row: Mapping[str, str]
    children: list[_Node] = field(default_factory=list)

    @property
    def kind(self) -> str:
        parts = self.row.get("type", "").split()
        if parts and parts[0] in ("begin", "end") and len(parts) > 1:
            return f"{parts[0]}_{parts[1]}"
        return parts[0] if parts else ""

    @property
    def field_list(self) -> bool:
        return "field-list" in self.row.get("appearance", "").split()


def _tree(rows: Iterable[Mapping[str, str]]) -> _Node:
    root = _Node({"type": "begin_group", "name": ""})
    stack = [root]
    for row in rows:
        node = _Node(row)
        if node.kind in ("end_group", "end_repeat"):
            stack.pop()
            continue
        stack[-1].children.append(node)
        if node.kind in ("begin_group", "begin_repeat"):
            stack.append(node)
    assert len(stack) == 1, "unbalanced groups"
    return root


def _count(group: _Node, screens: Screens, criterion_groups: set[str]) -> int:
    """The screens of a group's contents (repeats are added to `screens.per_instance`)."""
    total = 0
    in_criteria = group.row.get("name") == CRITERIA
    for node in group.children:
        name = node.row.get("name", "")
        if node.kind == "begin_repeat":
            inner = 1 if node.field_list else _count(node, screens, criterion_groups)
            screens.per_instance[name] = inner
        elif node.kind == "begin_group":
            one = node.field_list or in_criteria or name in criterion_groups
            total += 1 if one else _count(node, screens, criterion_groups)
        elif node.kind not in HIDDEN:
            total += 1
    return total


def collect_screens(
    survey: Iterable[Mapping[str, str]], criterion_groups: Iterable[str] = ()
) -> Screens:
    """The screens Collect shows for these XLSForm survey rows (see the module docstring);
    `criterion_groups` are group names counted as one screen wherever they are."""
    screens = Screens()
    screens.fixed = _count(_tree(survey), screens, set(criterion_groups))
    return screens


def _row(kind: str, name: str = "", appearance: str = "") -> dict[str, str]:
    return {"type": kind, "name": name, "appearance": appearance}


def test_the_counting_rules() -> None:
    survey = [
        _row("start", "start"),
        _row("date", "eval_date"),
        _row("calculate", "era"),
        _row("begin_group", "location", "field-list"),
        _row("select_one district", "district"),
        _row("select_one commune", "commune"),
        _row("end_group"),
        _row("begin_group", "plain"),
        _row("text", "a"),
        _row("note", "b"),
        _row("begin_repeat", "members"),
        _row("begin_group", "who", "field-list"),
        _row("text", "m_name"),
        _row("integer", "m_age"),
        _row("end_group"),
        _row("text", "m_note"),
        _row("calculate", "m_flag"),
        _row("end_repeat"),
        _row("begin_repeat", "classes", "field-list"),
        _row("text", "c1"),
        _row("text", "c2"),
        _row("end_repeat"),
        _row("end_group"),
        _row("begin_group", CRITERIA),
        _row("begin_group", "g1"),
        _row("select_one x", "c1a"),
        _row("select_one x", "c1b"),
        _row("end_group"),
        _row("begin_group", "g2", "field-list"),
        _row("select_one x", "c2a"),
        _row("end_group"),
        _row("end_group"),
        _row("begin_group", "g9"),
        _row("note", "n"),
        _row("acknowledge", "ok"),
        _row("end_group"),
    ]
    screens = collect_screens(survey, criterion_groups=["g9"])
    # eval_date, location, a, b, g1, g2, g9
    assert screens.fixed == 7
    assert screens.per_instance == {"members": 2, "classes": 1}


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_forms_fit_their_screen_budget(built: dict[str, BuildResult], form_id: str) -> None:
    result = built[form_id]
    rubric = result.rubric
    rubrics = (rubric, *getattr(rubric, "variants", ())) if rubric else ()
    groups = {group.id for each in rubrics for group in each.groups}
    screens = collect_screens(result.xlsform.survey, groups)
    fixed, per_instance = BUDGETS[form_id]
    assert screens.fixed <= fixed, f"{form_id}: {screens.fixed} screens"
    assert set(screens.per_instance) == set(per_instance)
    for repeat, most in per_instance.items():
        assert screens.per_instance[repeat] <= most, (repeat, screens.per_instance[repeat])


def test_a_household_member_takes_two_screens(built: dict[str, BuildResult]) -> None:
    """Who the member is, then their learning, each a field-list."""
    screens = collect_screens(built["gia_dinh"].xlsform.survey)
    assert screens.per_instance == {"members": 2}
