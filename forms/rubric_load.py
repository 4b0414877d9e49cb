"""Reading rubric files (forms/criteria/<id>.yaml) into `Rubric`, with every problem coded.

`read_rubric(path)` returns the rubric (or None) and the list of problems found, so that
`htsd forms check` can report them all; `load_rubric(path)` raises the first one. The file
format is described in forms/criteria/README.md.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from forms.messages import FormsCode, FormsError
from forms.rubric import (
    ANSWER_LEVELS,
    ANSWER_TYPES,
    Group,
    Item,
    Mark,
    Rubric,
    RubricClass,
    ScaleLevel,
    Threshold,
)
from forms.rules import OPS, RULES, VALUE_KINDS, Condition, Derivation, ValueSource
from forms.text import Text

CRITERIA_DIR = Path(__file__).parent / "criteria"
RUBRIC_IDS: tuple[str, ...] = ("gia_dinh", "dong_ho", "cong_dong", "don_vi", "clc")
KINDS = ("title", "index")

_ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_VALUE = re.compile(r"^[A-Za-z0-9_.-]+$")


def display_path(path: Path) -> str:
    """A path as shown to a person: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class _Reader:
    """Collects problems while turning YAML data into rubric objects."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[FormsError] = []

    def problem(self, code: FormsCode, item: str, **params: Any) -> None:
        where = f"{self.file}: {item}" if item else self.file
        self.problems.append(FormsError(code, where, params))

    # -- small typed getters ----------------------------------------------------------
    def mapping(self, data: Any, key: str, item: str) -> Mapping[str, Any]:
        value = data.get(key) if isinstance(data, Mapping) else None
        if not isinstance(value, Mapping):
            self.problem(FormsCode.RUBRIC_UNREADABLE, item, detail=f"'{key}' must be a mapping")
            return {}
        return value

    def string(self, data: Mapping[str, Any], key: str, item: str) -> str:
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.problem(
                FormsCode.RUBRIC_UNREADABLE, item, detail=f"'{key}' must be a non-empty text"
            )
            return ""
        return value.strip()

    def points(self, data: Mapping[str, Any], key: str, item: str) -> float:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            self.problem(FormsCode.RUBRIC_UNREADABLE, item, detail=f"'{key}' must be a number ≥ 0")
            return 0.0
        return float(value)

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        item: str,
        *,
        code: FormsCode = FormsCode.TEXT_MISSING,
    ) -> Text:
        text = Text.parse(data.get(key))
        if text is None:
            self.problem(
                FormsCode.RUBRIC_UNREADABLE, item, detail=f"'{key}' must be {{vi: ..., en: ...}}"
            )
            return Text("", "")
        for lang, value in (("vi", text.vi), ("en", text.en)):
            if not value:
                if code == FormsCode.CHOICE_LABEL_MISSING:
                    self.problem(code, item, choice=item, language=lang)
                else:
                    self.problem(code, item, what=f"{item} ({key})", language=lang)
        return text

    def mark(self, data: Mapping[str, Any], item: str) -> Mark:
        verified, provisional = data.get("verified"), data.get("provisional")
        marks = [
            Mark(status, note.strip())
            for status, note in (("verified", verified), ("provisional", provisional))
            if isinstance(note, str) and note.strip()
        ]
        if len(marks) != 1 or (verified is not None and provisional is not None):
            self.problem(FormsCode.STATUS_UNMARKED, item, what=item)
            return Mark("provisional", "")
        return marks[0]

    def threshold(self, data: Any, key: str, item: str) -> Threshold:
        value = self.mapping(data, key, item)
        return Threshold(self.points(value, "points", item), self.mark(value, item))

    # -- rules ------------------------------------------------------------------------
    def condition(self, data: Any, item: str) -> Condition | None:
        if not isinstance(data, Mapping) or not isinstance(data.get("field"), str):
            self.problem(
                FormsCode.BAD_DERIVATION, item, detail="a condition needs 'field' and one operator"
            )
            return None
        ops = [op for op in OPS if op in data]
        if len(ops) != 1 or set(data) - {"field", *OPS}:
            self.problem(
                FormsCode.BAD_DERIVATION,
                item,
                detail=f"condition on {data.get('field')}: use one of " + ", ".join(OPS),
            )
            return None
        op, raw = ops[0], data[ops[0]]
        values = tuple(raw) if isinstance(raw, list) else (raw,)
        numeric = op in ("between", "at_least")
        ok = all(
            (isinstance(v, int | float) and not isinstance(v, bool))
            if numeric
            else (
                isinstance(v, str | int) and not isinstance(v, bool) and bool(_VALUE.match(str(v)))
            )
            for v in values
        )
        if not values or not ok or (op == "between" and len(values) != 2):
            self.problem(
                FormsCode.BAD_DERIVATION,
                item,
                detail=f"condition {op} on {data['field']}: bad values",
            )
            return None
        return Condition(data["field"], op, values)

    def conditions(self, data: Mapping[str, Any], key: str, item: str) -> tuple[Condition, ...]:
        raw = data.get(key, [])
        if not isinstance(raw, list):
            self.problem(
                FormsCode.BAD_DERIVATION, item, detail=f"'{key}' must be a list of conditions"
            )
            return ()
        found = [self.condition(entry, item) for entry in raw]
        return tuple(c for c in found if c is not None)

    def value_source(self, data: Any, item: str) -> ValueSource | None:
        if not isinstance(data, Mapping):
            self.problem(FormsCode.BAD_DERIVATION, item, detail="'value' must be a mapping")
            return None
        kinds = [k for k in VALUE_KINDS if k in data]
        if len(kinds) != 1:
            self.problem(
                FormsCode.BAD_DERIVATION,
                item,
                detail="'value' needs one of " + ", ".join(VALUE_KINDS),
            )
            return None
        kind, raw = kinds[0], data[kinds[0]]
        if kind == "ratio":
            parts = [self.value_source(p, item) for p in raw] if isinstance(raw, list) else []
            if len(parts) != 2 or None in parts:
                self.problem(
                    FormsCode.BAD_DERIVATION, item, detail="'ratio' needs two values [a, b]"
                )
                return None
            return ValueSource("ratio", parts=tuple(p for p in parts if p is not None))
        repeat = data.get("in", "")
        if (
            not isinstance(raw, str)
            or (kind == "sum" and not isinstance(repeat, str))
            or (kind == "sum" and not repeat)
        ):
            self.problem(
                FormsCode.BAD_DERIVATION,
                item,
                detail=f"'{kind}' needs a field name"
                + (" and 'in: <repeat>'" if kind == "sum" else ""),
            )
            return None
        return ValueSource(kind, raw, repeat if kind == "sum" else "")

    def derivation(self, data: Any, item: str) -> tuple[Derivation | None, Mark | None]:
        if not isinstance(data, Mapping) or data.get("rule") not in RULES:
            rule = data.get("rule") if isinstance(data, Mapping) else None
            self.problem(
                FormsCode.BAD_DERIVATION,
                item,
                detail=f"unknown rule '{rule}' (use " + ", ".join(RULES) + ")",
            )
            return None, None
        mark = self.mark(data, f"{item} derive")
        rule = data["rule"]
        if rule == "all_members":
            repeat = data.get("repeat")
            share = data.get("partly_share")
            if not isinstance(repeat, str) or (share is not None and not isinstance(share, float)):
                self.problem(
                    FormsCode.BAD_DERIVATION,
                    item,
                    detail="all_members needs 'repeat' (and a decimal 'partly_share' if any)",
                )
                return None, mark
            return Derivation(
                rule,
                repeat=repeat,
                eligible=self.conditions(data, "eligible", item),
                meets=self.conditions(data, "meets", item),
                partly_share=share,
            ), mark
        if rule == "threshold":
            value = self.value_source(data.get("value"), item)
            fully, partly = data.get("fully_at"), data.get("partly_at")
            if not isinstance(fully, int | float) or (
                partly is not None and (not isinstance(partly, int | float) or partly > fully)
            ):
                self.problem(
                    FormsCode.BAD_DERIVATION,
                    item,
                    detail="threshold needs 'fully_at' (and a lower 'partly_at' if any)",
                )
                return None, mark
            if value is None:
                return None, mark
            return Derivation(
                rule,
                value=value,
                fully_at=float(fully),
                partly_at=None if partly is None else float(partly),
            ), mark
        conditions = self.conditions(data, "all", item)
        if not conditions:
            self.problem(
                FormsCode.BAD_DERIVATION, item, detail="conditions needs a non-empty 'all' list"
            )
            return None, mark
        return Derivation(rule, conditions=conditions), mark

    # -- structure --------------------------------------------------------------------
    def item(self, data: Any, group_id: str, index: int) -> Item | None:
        if not isinstance(data, Mapping):
            self.problem(
                FormsCode.RUBRIC_UNREADABLE,
                f"group {group_id} item {index + 1}",
                detail="not a mapping",
            )
            return None
        item_id = str(data.get("id", "")).strip()
        label = f"item {item_id or index + 1}"
        if not _ID.match(item_id):
            self.problem(
                FormsCode.RUBRIC_UNREADABLE,
                label,
                detail="'id' must be lower-case letters, digits, _",
            )
        field = str(data.get("field") or f"c{item_id}")
        if not _FIELD.match(field):
            self.problem(
                FormsCode.RUBRIC_UNREADABLE,
                label,
                detail=f"'field' {field} is not a valid field name",
            )
        answer = str(data.get("answer", ""))
        if answer not in ANSWER_TYPES:
            self.problem(
                FormsCode.UNKNOWN_ANSWER_TYPE, label, answer=answer, allowed=", ".join(ANSWER_TYPES)
            )
        derive, derive_mark = None, None
        if answer == "derived":
            derive, derive_mark = self.derivation(data.get("derive"), label)
        elif "derive" in data:
            self.problem(
                FormsCode.BAD_DERIVATION, label, detail="'derive' is only for answer: derived"
            )
        return Item(
            id=item_id,
            field=field,
            text=self.text(data, "text", label),
            max_points=self.points(data, "max_points", label),
            answer=answer,
            mark=self.mark(data, label),
            group_id=group_id,
            derive=derive,
            derive_mark=derive_mark,
        )

    def group(self, data: Any, index: int) -> Group | None:
        if not isinstance(data, Mapping):
            self.problem(FormsCode.RUBRIC_UNREADABLE, f"group {index + 1}", detail="not a mapping")
            return None
        group_id = str(data.get("id", "")).strip()
        label = f"group {group_id or index + 1}"
        if not _ID.match(group_id):
            self.problem(
                FormsCode.RUBRIC_UNREADABLE,
                label,
                detail="'id' must be lower-case letters, digits, _",
            )
        raw_items = data.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            self.problem(
                FormsCode.RUBRIC_UNREADABLE, label, detail="'items' must be a non-empty list"
            )
            raw_items = []
        items = [self.item(entry, group_id, i) for i, entry in enumerate(raw_items)]
        min_points = None
        if data.get("min_points") is not None:
            min_points = self.threshold(data, "min_points", f"{label} min_points")
        group = Group(
            id=group_id,
            title=self.text(data, "title", label),
            max_points=self.points(data, "max_points", label),
            mark=self.mark(data, label),
            items=tuple(i for i in items if i is not None),
            min_points=min_points,
        )
        actual = sum(i.max_points for i in group.items)
        if abs(actual - group.max_points) > 1e-9:
            self.problem(
                FormsCode.POINTS_MISMATCH,
                label,
                what=Text(f"các chỉ tiêu của nhóm {group_id}", f"the items of group {group_id}"),
                actual=_fmt(actual),
                declared=_fmt(group.max_points),
            )
        return group

    def scale(self, data: Mapping[str, Any]) -> dict[str, ScaleLevel]:
        raw = self.mapping(data, "scale", "scale")
        levels: dict[str, ScaleLevel] = {}
        for name, entry in raw.items():
            if name not in ANSWER_LEVELS:
                self.problem(
                    FormsCode.UNKNOWN_ANSWER_TYPE,
                    f"scale {name}",
                    answer=name,
                    allowed=", ".join(ANSWER_LEVELS),
                )
                continue
            entry = entry if isinstance(entry, Mapping) else {}
            fraction = self.points(entry, "fraction", f"scale {name}")
            if fraction > 1:
                self.problem(
                    FormsCode.BAD_THRESHOLD, f"scale {name}", detail="a fraction is between 0 and 1"
                )
            levels[name] = ScaleLevel(name, fraction, self.mark(entry, f"scale {name}"))
        return levels

    def rubric_class(self, data: Any, label: str, *, fail: bool = False) -> RubricClass:
        entry = data if isinstance(data, Mapping) else {}
        class_id = self.string(entry, "id", label)
        text = self.text(
            entry, "label", f"{label} {class_id}".strip(), code=FormsCode.CHOICE_LABEL_MISSING
        )
        if fail:
            return RubricClass(class_id, text, 0.0)
        return RubricClass(
            class_id,
            text,
            self.points(entry, "min_points", label),
            self.mark(entry, f"{label} {class_id}"),
        )


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _duplicates(values: Iterable[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1 and v)


def _check_whole(reader: _Reader, rubric: Rubric) -> None:
    """Checks that need the whole rubric: sums, duplicates, thresholds, scale coverage."""
    actual = sum(g.max_points for g in rubric.groups)
    if abs(actual - rubric.total.points) > 1e-9:
        reader.problem(
            FormsCode.POINTS_MISMATCH,
            "total",
            what=Text("các nhóm", "the groups"),
            actual=_fmt(actual),
            declared=_fmt(rubric.total.points),
        )
    for kind, values in (
        ("group", [g.id for g in rubric.groups]),
        ("item", [i.id for i in rubric.items]),
        ("field", [i.field for i in rubric.items]),
        ("class", [c.id for c in (*rubric.classes, rubric.fail_class)]),
    ):
        for dup in _duplicates(values):
            reader.problem(FormsCode.DUPLICATE_ID, f"{kind} {dup}", id=dup, kind=kind)
    for item in rubric.items:
        lacking = [a for a in item.answers if a not in rubric.scale]
        if item.answer in ANSWER_TYPES and lacking:
            reader.problem(
                FormsCode.BAD_THRESHOLD,
                f"item {item.id}",
                detail=f"the scale has no fraction for {', '.join(lacking)}",
            )
    if rubric.pass_mark.points > rubric.total.points:
        reader.problem(
            FormsCode.BAD_THRESHOLD, "pass_mark", detail="the pass mark is above the total"
        )
    minima = [c.min_points for c in rubric.classes]
    if minima != sorted(minima, reverse=True) or len(set(minima)) != len(minima):
        reader.problem(
            FormsCode.BAD_THRESHOLD,
            "classes",
            detail="classes must be in strictly descending order",
        )
    if minima and (minima[0] > rubric.total.points or minima[-1] != rubric.pass_mark.points):
        reader.problem(
            FormsCode.BAD_THRESHOLD,
            "classes",
            detail="the lowest class must start at the pass mark, none above the total",
        )


def parse_rubric(
    data: Any, file: str, expected_id: str | None = None
) -> tuple[Rubric | None, list[FormsError]]:
    """Turn parsed YAML into a Rubric; returns it (None if unusable) and all problems found."""
    reader = _Reader(file)
    if not isinstance(data, Mapping):
        reader.problem(FormsCode.RUBRIC_UNREADABLE, "", detail="the file must hold a YAML mapping")
        return None, reader.problems
    rubric_id = reader.string(data, "id", "id")
    if expected_id is not None and rubric_id and rubric_id != expected_id:
        reader.problem(FormsCode.RUBRIC_ID_MISMATCH, "id", id=rubric_id, file=expected_id)
    kind = reader.string(data, "kind", "kind")
    if kind and kind not in KINDS:
        reader.problem(
            FormsCode.RUBRIC_UNREADABLE, "kind", detail=f"'kind' must be one of {', '.join(KINDS)}"
        )
    sources = data.get("sources")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        reader.problem(
            FormsCode.RUBRIC_UNREADABLE, "sources", detail="'sources' must be a list of texts"
        )
        sources = []
    raw_groups = data.get("groups")
    if not isinstance(raw_groups, list) or not raw_groups:
        reader.problem(
            FormsCode.RUBRIC_UNREADABLE, "groups", detail="'groups' must be a non-empty list"
        )
        raw_groups = []
    groups = [reader.group(entry, i) for i, entry in enumerate(raw_groups)]
    raw_classes = data.get("classes")
    if not isinstance(raw_classes, list):
        reader.problem(FormsCode.RUBRIC_UNREADABLE, "classes", detail="'classes' must be a list")
        raw_classes = []
    rubric = Rubric(
        id=rubric_id,
        version=reader.string(data, "version", "version"),
        kind=kind,
        title=reader.text(data, "title", "title"),
        form=reader.string(data, "form", "form"),
        sources=tuple(sources),
        total=reader.threshold(data, "total", "total"),
        scale=reader.scale(data),
        groups=tuple(g for g in groups if g is not None),
        pass_mark=reader.threshold(data, "pass_mark", "pass_mark"),
        classes=tuple(reader.rubric_class(c, "class") for c in raw_classes),
        fail_class=reader.rubric_class(data.get("fail_class"), "fail_class", fail=True),
        path=file,
    )
    _check_whole(reader, rubric)
    return rubric, reader.problems


def read_rubric(path: Path) -> tuple[Rubric | None, list[FormsError]]:
    """Read one rubric file; returns the rubric (None if unreadable) and every problem."""
    file = display_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [FormsError(FormsCode.RUBRIC_MISSING, file, {"id": path.stem})]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        detail = str(exc).replace("\n", " ")
        return None, [FormsError(FormsCode.RUBRIC_UNREADABLE, file, {"detail": detail})]
    return parse_rubric(data, file, expected_id=path.stem)


def load_rubric(path: Path) -> Rubric:
    """Read one rubric file; raises the first problem as a FormsError."""
    rubric, problems = read_rubric(path)
    if problems:
        raise problems[0]
    assert rubric is not None
    return rubric


def load_rubrics(directory: Path = CRITERIA_DIR) -> dict[str, Rubric]:
    """Every rubric the forms need, by id; raises the first problem found."""
    return {rubric_id: load_rubric(directory / f"{rubric_id}.yaml") for rubric_id in RUBRIC_IDS}
