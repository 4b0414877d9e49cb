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

Not-applicable items follow the rubric's `not_applicable` rule: `exclude` (the default) takes
them out of the maximum — the score is points over the applicable maximum, compared with the
pass mark, class minima and group minima scaled to it — and `full_points` counts them as
fully met. Below `min_applicable_share` of the total applicable, the evaluation "cannot be
assessed" (neither passed nor failed).

A rubric applies to evaluations dated from `valid_from` to `valid_to` (inclusive, open-ended
when absent) and, with `levels`, only where that question has one of the listed answers
(e.g. units at district and province level).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from forms.rules import Answers, Condition, Derivation
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


NA_RULES: tuple[str, ...] = ("exclude", "full_points")


@dataclass(frozen=True)
class Mark:
    """Verified (`note` = the source) or provisional (`note` = what must be confirmed)."""

    status: str
    note: str

    @property
    def provisional(self) -> bool:
        return self.status == "provisional"


@dataclass(frozen=True)
class NotApplicableRule:
    """How not-applicable items count (see the module docstring)."""

    rule: str = "exclude"
    min_applicable_share: float = 0.0
    mark: Mark = Mark("provisional", "")

    @property
    def excludes(self) -> bool:
        return self.rule == "exclude"


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
    guide: Text | None = None  # what "partly met" means for this item, shown under it
    notes: tuple[str, ...] = ()  # editorial: for the association and the docs, not the device

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


def evaluation_date(answers: Mapping[str, Any] | Answers) -> dt.date | None:
    """The `eval_date` of a submission (any group path), None when absent or not a date."""
    raw = Answers(answers).get("eval_date")
    try:
        return dt.date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


CANNOT_ASSESS = RubricClass(
    "khong_danh_gia", Text("Chưa đủ căn cứ đánh giá", "Cannot be assessed"), 0.0
)


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
    excluded: bool = True  # the rubric takes not-applicable items out of the maximum

    @property
    def applicable_max(self) -> float:
        """The item's share of the applicable maximum (0 when excluded as not applicable)."""
        return 0.0 if self.answer == "not_applicable" and self.excluded else self.max_points


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
    applicable_max: float = 0.0
    assessable: bool = True
    pass_points: float = 0.0  # the pass mark scaled to the applicable maximum

    @property
    def percent(self) -> int | None:
        """Points over the applicable maximum, in whole percent (None when nothing applies)."""
        if self.applicable_max <= 0:
            return None
        return round(self.total * 100 / self.applicable_max)

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
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    levels: Condition | None = None
    validity: Mark = Mark("provisional", "")
    not_applicable: NotApplicableRule = NotApplicableRule()
    cannot_assess_class: RubricClass = CANNOT_ASSESS
    notes: tuple[str, ...] = ()
    variants: tuple[Rubric, ...] = ()  # other rubrics of the same form, for other periods/levels
    path: str = field(default="", compare=False)

    def for_evaluation(self, answers: Mapping[str, Any] | Answers) -> Rubric | None:
        """The rubric of this form (this one or a variant) that applies to a submission, by
        its evaluation date (`eval_date`) and level; None when none applies."""
        date = evaluation_date(answers)
        for rubric in (self, *self.variants):
            if rubric.applies(date, answers):
                return rubric
        return None

    def applies(
        self, date: dt.date | None, answers: Mapping[str, Any] | Answers | None = None
    ) -> bool:
        """Whether the rubric is the one for an evaluation on `date` (and of that level)."""
        if date is None:
            return False
        if self.valid_from is not None and date < self.valid_from:
            return False
        if self.valid_to is not None and date > self.valid_to:
            return False
        if self.levels is not None:
            return self.levels.holds(Answers(answers or {}))
        return True

    @property
    def period(self) -> Text:
        """The validity period in words: "từ 21/9/2020" / "from 21 Sep 2020"."""

        def vi(d: dt.date) -> str:
            return f"{d.day}/{d.month}/{d.year}"

        def en(d: dt.date) -> str:
            return d.strftime("%-d %b %Y")

        start, end = self.valid_from, self.valid_to
        if start and end:
            return Text(f"từ {vi(start)} đến {vi(end)}", f"from {en(start)} to {en(end)}")
        if start:
            return Text(f"từ {vi(start)}", f"from {en(start)}")
        if end:
            return Text(f"đến {vi(end)}", f"until {en(end)}")
        return Text("không giới hạn", "no limit")

    # What follows depends on the rubric alone: computed once (a Rubric is frozen), not per
    # submission scored.

    @cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for group in self.groups for item in group.items)

    @cached_property
    def _by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    @cached_property
    def group_of(self) -> dict[str, str]:
        """Item id → the id of its group."""
        return {item.id: group.id for group in self.groups for item in group.items}

    def item(self, item_id: str) -> Item:
        return self._by_id[item_id]

    @cached_property
    def item_provisional(self) -> dict[str, bool]:
        """Item id → whether its points are provisional."""
        return {item.id: item.provisional for group in self.groups for item in group.items}

    @cached_property
    def score_provisional(self) -> bool:
        """True when any points, scale fraction or derivation rule is provisional."""
        return (
            self.total.mark.provisional
            or any(level.mark.provisional for level in self._used_levels())
            or (self._uses_not_applicable() and self.not_applicable.mark.provisional)
            or any(group.mark.provisional for group in self.groups)
            or any(item.provisional for item in self.items)
        )

    @cached_property
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

    def _uses_not_applicable(self) -> bool:
        return any("not_applicable" in item.answers for item in self.items)

    def _used_levels(self) -> list[ScaleLevel]:
        used = {answer for item in self.items for answer in item.answers}
        return [level for name, level in self.scale.items() if name in used]

    def points(self, item: Item, answer: str | None) -> float:
        """Points of an answer to an item (0 for no answer or one the item does not take)."""
        if answer is None or answer not in item.answers:
            return 0.0
        if answer == "not_applicable":
            return 0.0 if self.not_applicable.excludes else item.max_points
        if answer not in self.scale:
            return 0.0
        return round(item.max_points * self.scale[answer].fraction, 4)

    def applicable(self, item: Item, answer: str | None) -> float:
        """The item's part of the applicable maximum for this answer."""
        if answer == "not_applicable" and self.not_applicable.excludes:
            return 0.0
        return item.max_points

    @staticmethod
    def reaches(points: float, maximum: float, threshold: float, applicable: float) -> bool:
        """`points` over `applicable` reaches `threshold` over `maximum` (a scaled mark).

        Written as a product so that the device's XPath (`forms.definitions.criteria`)
        computes exactly the same comparison in doubles.
        """
        return points * maximum >= threshold * applicable

    def assessable(self, applicable: float) -> bool:
        """Enough of the rubric applies to assess the evaluation at all."""
        return applicable >= self.not_applicable.min_applicable_share * self.total.points

    def classify(self, total: float, passed: bool, applicable: float | None = None) -> RubricClass:
        """The class of a total: the highest class reached, or the fail class."""
        applicable = self.total.points if applicable is None else applicable
        if passed:
            for rubric_class in self.classes:
                if self.reaches(total, self.total.points, rubric_class.min_points, applicable):
                    return rubric_class
        return self.fail_class

    def passes(
        self,
        total: float,
        group_points: Mapping[str, float],
        applicable: float | None = None,
        group_applicable: Mapping[str, float] | None = None,
    ) -> bool:
        """Pass mark reached and every group minimum (if any) reached, scaled to what applies."""
        applicable = self.total.points if applicable is None else applicable
        if not self.reaches(total, self.total.points, self.pass_mark.points, applicable):
            return False
        return all(
            self.reaches(
                group_points.get(group.id, 0.0),
                group.max_points,
                group.min_points.points,
                (group_applicable or {}).get(group.id, group.max_points),
            )
            for group in self.groups
            if group.min_points is not None
        )

    def score(self, answers: Mapping[str, Any] | Answers) -> ScoreResult:
        """Score a submission: `answers` as KoboToolbox returns it (see `forms.rules.Answers`).

        Derived items are recomputed from the answers they derive from; a value the device
        stored for them is only compared (`mismatches`).
        """
        data = Answers(answers)
        item_scores: list[ItemScore] = []
        missing: list[str] = []
        mismatches: list[str] = []
        group_points: dict[str, float] = {}
        group_applicable: dict[str, float] = {}
        for group in self.groups:
            subtotal = 0.0
            applicable = 0.0
            for item in group.items:
                device = data.get(item.field)
                answer = item.derive.answer(data) if item.derive is not None else device
                if item.derive is not None and device is not None and device != answer:
                    mismatches.append(item.id)
                if answer is None or answer not in item.answers:
                    missing.append(item.id)
                points = self.points(item, answer)
                subtotal += points
                applicable += self.applicable(item, answer)
                item_scores.append(
                    ItemScore(
                        item.id,
                        item.field,
                        answer,
                        points,
                        item.max_points,
                        item.derive is not None,
                        device,
                        self.not_applicable.excludes,
                    )
                )
            group_points[group.id] = round(subtotal, 4)
            group_applicable[group.id] = round(applicable, 4)
        total = round(sum(group_points.values()), 4)
        applicable_max = round(sum(group_applicable.values()), 4)
        assessable = self.assessable(applicable_max)
        passed = assessable and self.passes(total, group_points, applicable_max, group_applicable)
        rubric_class = (
            self.classify(total, passed, applicable_max) if assessable else self.cannot_assess_class
        )
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
            applicable_max=applicable_max,
            assessable=assessable,
            pass_points=round(self.pass_mark.points * applicable_max / self.total.points, 4)
            if self.total.points
            else 0.0,
        )
