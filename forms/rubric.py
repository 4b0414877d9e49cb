"""Rubrics: the evaluation criteria of a title (or of the CLC index) as typed data, and scoring.

A rubric file (`forms/criteria/<id>.yaml`, read by `forms.rubric_load`) gives criterion groups
→ items → maximum points, how each item is answered, the pass mark and the classes. Every
number carries a `Mark`: verified (with its source) or provisional (with what the provincial
association must confirm). `Rubric.score` is the authoritative score the warehouse stores; the
form computes the same score on the device from the same file (see `forms.definitions.criteria`).

Answer types of an item:
- `met`: fully / not_met;
- `graded`: fully / partly / not_met;
- `graded_na`: fully / partly / not_met / not_applicable;
- `derived`: computed from other answers by the item's `derive` rule (`forms.rules`).
Points of an answer = item maximum × the rubric's `scale` fraction of that answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from forms.rules import Answers, Derivation
from forms.text import Text

ANSWER_LEVELS: tuple[str, ...] = ("fully", "partly", "not_met", "not_applicable")
ANSWER_TYPES: dict[str, tuple[str, ...]] = {
    "met": ("fully", "not_met"),
    "graded": ("fully", "partly", "not_met"),
    "graded_na": ("fully", "partly", "not_met", "not_applicable"),
    "derived": (),
}
LEVEL_LABELS: dict[str, Text] = {
    "fully": Text("Đạt đầy đủ", "Fully met"),
    "partly": Text("Đạt một phần", "Partly met"),
    "not_met": Text("Chưa đạt", "Not met"),
    "not_applicable": Text("Không áp dụng", "Not applicable"),
}


@dataclass(frozen=True)
class Mark:
    """Verified (`note` = the source) or provisional (`note` = what must be confirmed)."""

    status: str
    note: str

    @property
    def provisional(self) -> bool:
        return self.status == "provisional"


@dataclass(frozen=True)
class Threshold:
    """A number of points with its mark (total, pass mark, group minimum)."""

    points: float
    mark: Mark


@dataclass(frozen=True)
class ScaleLevel:
    """The share of an item's maximum earned by one answer level."""

    level: str
    fraction: float
    mark: Mark


@dataclass(frozen=True)
class Item:
    """One criterion item: its id, form field, text, maximum and how it is answered."""

    id: str
    field: str
    text: Text
    max_points: float
    answer: str
    mark: Mark
    group_id: str
    derive: Derivation | None = None
    derive_mark: Mark | None = None

    @property
    def answers(self) -> tuple[str, ...]:
        """The answers this item can take."""
        if self.derive is not None:
            return self.derive.outcomes
        return ANSWER_TYPES.get(self.answer, ())

    @property
    def provisional(self) -> bool:
        return self.mark.provisional or bool(self.derive_mark and self.derive_mark.provisional)


@dataclass(frozen=True)
class Group:
    """A criterion group and its items."""

    id: str
    title: Text
    max_points: float
    mark: Mark
    items: tuple[Item, ...]
    min_points: Threshold | None = None

    @property
    def field(self) -> str:
        """The form field holding the group's points."""
        return f"pts_{self.id}"


@dataclass(frozen=True)
class RubricClass:
    """A class (xếp loại) reached from `min_points`, if the evaluation passes."""

    id: str
    label: Text
    min_points: float
    mark: Mark | None = None


@dataclass(frozen=True)
class ItemScore:
    """An item's answer and points in one submission."""

    item_id: str
    field: str
    answer: str | None
    points: float
    max_points: float
    derived: bool
    device_answer: str | None = None


@dataclass(frozen=True)
class ScoreResult:
    """The score of one submission under one rubric.

    `answer`/`points` per item, points per group, the total, pass and class. `missing` lists
    items without a usable answer (they score 0), `mismatches` the derived items where the
    device's stored answer differs from the recomputed one. `score_provisional` is true when
    any points or scale the score used are provisional, `pass_provisional` when the pass mark
    or class thresholds are.
    """

    rubric_id: str
    rubric_version: str
    items: tuple[ItemScore, ...]
    group_points: Mapping[str, float]
    total: float
    max_total: float
    passed: bool
    class_id: str
    class_label: Text
    score_provisional: bool
    pass_provisional: bool
    missing: tuple[str, ...] = ()
    mismatches: tuple[str, ...] = ()

    @property
    def provisional(self) -> bool:
        return self.score_provisional or self.pass_provisional

    def item(self, item_id: str) -> ItemScore:
        for score in self.items:
            if score.item_id == item_id:
                return score
        raise KeyError(item_id)


@dataclass(frozen=True)
class Rubric:
    """A versioned rubric (see the module docstring). Build it with `forms.rubric_load`."""

    id: str
    version: str
    kind: str
    title: Text
    form: str
    sources: tuple[str, ...]
    total: Threshold
    scale: Mapping[str, ScaleLevel]
    groups: tuple[Group, ...]
    pass_mark: Threshold
    classes: tuple[RubricClass, ...]
    fail_class: RubricClass
    path: str = field(default="", compare=False)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for group in self.groups for item in group.items)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    @property
    def score_provisional(self) -> bool:
        """True when any points, scale fraction or derivation rule is provisional."""
        return (
            self.total.mark.provisional
            or any(level.mark.provisional for level in self._used_levels())
            or any(group.mark.provisional for group in self.groups)
            or any(item.provisional for item in self.items)
        )

    @property
    def pass_provisional(self) -> bool:
        """True when the pass mark, a group minimum or a class threshold is provisional."""
        return (
            self.pass_mark.mark.provisional
            or any(g.min_points.mark.provisional for g in self.groups if g.min_points)
            or any(c.mark is not None and c.mark.provisional for c in self.classes)
        )

    @property
    def provisional(self) -> bool:
        return self.score_provisional or self.pass_provisional

    def _used_levels(self) -> list[ScaleLevel]:
        used = {answer for item in self.items for answer in item.answers}
        return [level for name, level in self.scale.items() if name in used]

    def points(self, item: Item, answer: str | None) -> float:
        """Points of an answer to an item (0 for no answer or one the item does not take)."""
        if answer is None or answer not in item.answers or answer not in self.scale:
            return 0.0
        return round(item.max_points * self.scale[answer].fraction, 4)

    def classify(self, total: float, passed: bool) -> RubricClass:
        """The class of a total: the highest class reached, or the fail class."""
        if passed:
            for rubric_class in self.classes:
                if total >= rubric_class.min_points:
                    return rubric_class
        return self.fail_class

    def passes(self, total: float, group_points: Mapping[str, float]) -> bool:
        """Pass mark reached and every group minimum (if any) reached."""
        if not total >= self.pass_mark.points:
            return False
        return all(
            group_points.get(group.id, 0.0) >= group.min_points.points
            for group in self.groups
            if group.min_points is not None
        )

    def score(self, answers: Mapping[str, Any]) -> ScoreResult:
        """Score a submission: `answers` as KoboToolbox returns it (see `forms.rules.Answers`).

        Derived items are recomputed from the answers they derive from; a value the device
        stored for them is only compared (`mismatches`).
        """
        data = Answers(answers)
        item_scores: list[ItemScore] = []
        missing: list[str] = []
        mismatches: list[str] = []
        group_points: dict[str, float] = {}
        for group in self.groups:
            subtotal = 0.0
            for item in group.items:
                device = data.get(item.field)
                answer = item.derive.answer(data) if item.derive is not None else device
                if item.derive is not None and device is not None and device != answer:
                    mismatches.append(item.id)
                if answer is None or answer not in item.answers:
                    missing.append(item.id)
                points = self.points(item, answer)
                subtotal += points
                item_scores.append(
                    ItemScore(
                        item.id,
                        item.field,
                        answer,
                        points,
                        item.max_points,
                        item.derive is not None,
                        device,
                    )
                )
            group_points[group.id] = round(subtotal, 4)
        total = round(sum(group_points.values()), 4)
        passed = self.passes(total, group_points)
        rubric_class = self.classify(total, passed)
        return ScoreResult(
            rubric_id=self.id,
            rubric_version=self.version,
            items=tuple(item_scores),
            group_points=group_points,
            total=total,
            max_total=self.total.points,
            passed=passed,
            class_id=rubric_class.id,
            class_label=rubric_class.label,
            score_provisional=self.score_provisional,
            pass_provisional=self.pass_provisional,
            missing=tuple(missing),
            mismatches=tuple(mismatches),
        )
