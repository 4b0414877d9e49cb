"""Reading rubric files (forms/criteria/<id>.yaml) into `Rubric`, with every problem coded.

`read_rubric(path)` returns the rubric (or None) and the list of problems found, so that
`htsd forms check` can report them all; `load_rubric(path)` raises the first one. The file
format is described in forms/criteria/README.md.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import yaml

from forms.messages import FormsCode, FormsError
from forms.rubric import (
    ANSWER_LEVELS,
    ANSWER_TYPES,
    CANNOT_ASSESS,
    NA_RULES,
    Group,
    Item,
    Mark,
    NotApplicableRule,
    Rubric,
    RubricClass,
    ScaleLevel,
    Threshold,
)
from forms.rules import OPS, RULES, VALUE_KINDS, Condition, Derivation, ValueSource
from forms.text import Text

CRITERIA_DIR = Path(__file__).parent / "criteria"
CRITERIA_ENV = "HTSD_CRITERIA_DIR"  # a folder of rubric files to score with instead
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


class LineMap(dict[str, Any]):
    """A YAML mapping that remembers the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]
    duplicates: list[tuple[str, int]]


class _LineLoader(yaml.SafeLoader):
    """PyYAML's safe loader, keeping line numbers and the keys a mapping repeats."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in result:
            result.duplicates.append((str(key), line))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)

# The keys each part of a rubric file may have; anything else is a typo or a misplaced key.
_MARK_KEYS = {"verified", "provisional"}
KEYS: dict[str, set[str]] = {
    "rubric": {
        "id",
        "version",
        "kind",
        "form",
        "title",
        "sources",
        "notes",
        "valid_from",
        "valid_to",
        "levels",
        "validity",
        "total",
        "scale",
        "not_applicable",
        "groups",
        "pass_mark",
        "classes",
        "fail_class",
        "cannot_assess_class",
    },
    "threshold": {"points", *_MARK_KEYS},
    "scale level": {"fraction", *_MARK_KEYS},
    "group": {"id", "title", "max_points", "min_points", "items", *_MARK_KEYS},
    "item": {
        "id",
        "field",
        "text",
        "guide",
        "notes",
        "max_points",
        "answer",
        "derive",
        *_MARK_KEYS,
    },
    "derive": {
        "rule",
        "repeat",
        "eligible",
        "meets",
        "partly_share",
        "value",
        "fully_at",
        "partly_at",
        "all",
        *_MARK_KEYS,
    },
    "class": {"id", "label", "min_points", *_MARK_KEYS},
    "fully_at": {"by", "values", "otherwise"},
    "fail class": {"id", "label"},
    "not_applicable": {"rule", "min_applicable_share", *_MARK_KEYS},
    "validity": set(_MARK_KEYS),
    "levels": {"field", "in"},
}


PART_NAMES: dict[str, Text] = {
    "rubric": Text("tệp tiêu chí", "rubric file"),
    "threshold": Text("ngưỡng điểm", "threshold"),
    "scale level": Text("mức của thang điểm", "scale level"),
    "group": Text("nhóm tiêu chí", "group"),
    "item": Text("chỉ tiêu", "item"),
    "derive": Text("quy tắc tự tính", "derivation rule"),
    "class": Text("xếp loại", "class"),
    "fail class": Text("xếp loại chưa đạt", "fail class"),
    "fully_at": Text("ngưỡng theo câu trả lời", "threshold by answer"),
    "not_applicable": Text("cách tính chỉ tiêu không áp dụng", "not-applicable rule"),
    "validity": Text("hiệu lực", "validity"),
    "levels": Text("phạm vi cấp", "levels"),
}


def _line(data: Any, key: str | None = None) -> int:
    if isinstance(data, LineMap):
        return data.key_lines.get(key, data.line) if key is not None else data.line
    return 0


class _Reader:
    """Collects problems while turning YAML data into rubric objects."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[FormsError] = []
        self.line = 0  # the line of the part being read, for problems that name no other

    def problem(self, code: FormsCode, item: str, *, line: int = 0, **params: Any) -> None:
        line = line or self.line
        file = f"{self.file}:{line}" if line else self.file
        where = f"{file}: {item}" if item else file
        self.problems.append(FormsError(code, where, params))

    def at(self, data: Any) -> None:
        """Problems found from now on are about this part of the file (its line)."""
        line = _line(data)
        if line:
            self.line = line

    def keys(self, data: Any, part: str, item: str) -> None:
        """Every key of `data` is one `part` may have, and none is written twice."""
        if not isinstance(data, Mapping):
            return
        allowed = KEYS[part]
        for key in data:
            if key not in allowed:
                self.problem(
                    FormsCode.UNKNOWN_KEY,
                    item,
                    line=_line(data, key),
                    key=str(key),
                    part=PART_NAMES[part],
                    allowed=", ".join(sorted(allowed)),
                )
        for key, line in getattr(data, "duplicates", ()):
            self.problem(FormsCode.DUPLICATE_KEY, item, line=line, key=key)

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
        raw = data.get(key)
        text = Text.parse(raw)
        line = _line(data, key)
        if text is None:
            self.problem(FormsCode.BAD_TEXT, item, line=line, key=key, found=_describe(raw))
            return Text("", "")
        extra = [str(k) for k in cast(Mapping[str, Any], raw) if k not in ("vi", "en")]
        if extra:
            self.problem(FormsCode.BAD_TEXT, item, line=line, key=key, found=_describe(raw))
        for lang, value in (("vi", text.vi), ("en", text.en)):
            if not value:
                if code == FormsCode.CHOICE_LABEL_MISSING:
                    self.problem(code, item, choice=item, language=lang)
                else:
                    self.problem(code, item, what=f"{item} ({key})", language=lang)
        return text

    def notes(self, data: Mapping[str, Any], item: str) -> tuple[str, ...]:
        """Editorial notes (sources, what is still to confirm): never shown on the device."""
        raw = data.get("notes")
        if raw is None:
            return ()
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not all(isinstance(n, str) and n.strip() for n in raw):
            self.problem(
                FormsCode.RUBRIC_UNREADABLE,
                item,
                line=_line(data, "notes"),
                detail="'notes' must be a text or a list of texts",
            )
            return ()
        return tuple(n.strip() for n in raw)

    def date(self, data: Mapping[str, Any], key: str) -> dt.date | None:
        raw = data.get(key)
        if raw is None:
            return None
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw.strip())
            except ValueError:
                pass
        self.problem(
            FormsCode.RUBRIC_UNREADABLE,
            key,
            line=_line(data, key),
            detail=f"'{key}' must be a date written YYYY-MM-DD (found {raw!r})",
        )
        return None

    def levels(self, data: Mapping[str, Any]) -> Condition | None:
        raw = data.get("levels")
        if raw is None:
            return None
        self.keys(raw, "levels", "levels")
        values = raw.get("in") if isinstance(raw, Mapping) else None
        if (
            not isinstance(raw, Mapping)
            or not isinstance(raw.get("field"), str)
            or not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) and _VALUE.match(v) for v in values)
        ):
            self.problem(
                FormsCode.RUBRIC_UNREADABLE,
                "levels",
                line=_line(data, "levels"),
                detail="'levels' must be {field: <question>, in: [<choice>, ...]}",
            )
            return None
        return Condition(raw["field"], "in", tuple(values))

    def not_applicable(self, data: Mapping[str, Any]) -> NotApplicableRule:
        raw = data.get("not_applicable")
        if raw is None:
            return NotApplicableRule()
        self.at(raw)
        self.keys(raw, "not_applicable", "not_applicable")
        if not isinstance(raw, Mapping):
            raw = {}
        rule = raw.get("rule")
        if rule not in NA_RULES:
            self.problem(
                FormsCode.RUBRIC_UNREADABLE,
                "not_applicable",
                line=_line(raw, "rule"),
                detail=f"'rule' must be one of {', '.join(NA_RULES)} (found {rule!r})",
            )
            rule = NA_RULES[0]
        share = raw.get("min_applicable_share", 0.0)
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            self.problem(
                FormsCode.BAD_THRESHOLD,
                "not_applicable",
                line=_line(raw, "min_applicable_share"),
                detail="'min_applicable_share' is a share between 0 and 1",
            )
            share = 0.0
        return NotApplicableRule(str(rule), float(share), self.mark(raw, "not_applicable"))

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
        self.at(value)
        self.keys(value, "threshold", item)
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

    def threshold_by(
        self, data: Mapping[str, Any], item: str
    ) -> tuple[Any, tuple[str, tuple[tuple[str, float], ...]] | None]:
        """`fully_at: {by: field, values: {answer: number, ...}, otherwise: number}`."""
        self.keys(data, "fully_at", f"{item} fully_at")
        field, values, otherwise = data.get("by"), data.get("values"), data.get("otherwise")
        if (
            not isinstance(field, str)
            or not _FIELD.match(field)
            or not isinstance(values, Mapping)
            or not values
            or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in values.values()
            )
            or not isinstance(otherwise, int | float)
        ):
            self.problem(
                FormsCode.BAD_DERIVATION,
                item,
                line=_line(data),
                detail="'fully_at' by a field needs {by: <field>, values: {<answer>: <number>,"
                " ...}, otherwise: <number>}",
            )
            return None, None
        pairs = tuple((str(k), float(v)) for k, v in values.items())
        return float(otherwise), (field, pairs)

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
        self.at(data)
        self.keys(data, "derive", f"{item} derive")
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
            fully_by = None
            if isinstance(fully, Mapping):
                fully, fully_by = self.threshold_by(fully, item)
            if not isinstance(fully, int | float) or (
                partly is not None
                and (
                    not isinstance(partly, int | float)
                    or partly > min([fully, *(at for _, at in (fully_by or ("", ()))[1])])
                )
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
                fully_by=fully_by,
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
        self.at(data)
        item_id = str(data.get("id", "")).strip()
        label = f"item {item_id or index + 1}"
        self.keys(data, "item", label)
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
        text = self.text(data, "text", label)
        guide = self.text(data, "guide", label) if "guide" in data else None
        max_points = self.points(data, "max_points", label)
        mark = self.mark(data, label)
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
            text=text,
            max_points=max_points,
            answer=answer,
            mark=mark,
            group_id=group_id,
            derive=derive,
            derive_mark=derive_mark,
            guide=guide,
            notes=self.notes(data, label),
        )

    def group(self, data: Any, index: int) -> Group | None:
        if not isinstance(data, Mapping):
            self.problem(FormsCode.RUBRIC_UNREADABLE, f"group {index + 1}", detail="not a mapping")
            return None
        self.at(data)
        group_id = str(data.get("id", "")).strip()
        label = f"group {group_id or index + 1}"
        self.keys(data, "group", label)
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
        title = self.text(data, "title", label)
        max_points = self.points(data, "max_points", label)
        mark = self.mark(data, label)
        min_points = None
        if data.get("min_points") is not None:
            min_points = self.threshold(data, "min_points", f"{label} min_points")
        items = [self.item(entry, group_id, i) for i, entry in enumerate(raw_items)]
        self.at(data)
        group = Group(
            id=group_id,
            title=title,
            max_points=max_points,
            mark=mark,
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
        self.at(raw)
        levels: dict[str, ScaleLevel] = {}
        for name, entry in raw.items():
            self.line = _line(raw, name) or self.line
            if name == "not_applicable":
                self.problem(
                    FormsCode.RUBRIC_UNREADABLE,
                    "scale not_applicable",
                    detail="how not-applicable items count is set by the top-level "
                    "'not_applicable: {rule: exclude | full_points}', not by the scale",
                )
                continue
            if name not in ANSWER_LEVELS:
                self.problem(
                    FormsCode.UNKNOWN_ANSWER_TYPE,
                    f"scale {name}",
                    answer=name,
                    allowed=", ".join(ANSWER_LEVELS),
                )
                continue
            entry = entry if isinstance(entry, Mapping) else {}
            self.keys(entry, "scale level", f"scale {name}")
            fraction = self.points(entry, "fraction", f"scale {name}")
            if fraction > 1:
                self.problem(
                    FormsCode.BAD_THRESHOLD, f"scale {name}", detail="a fraction is between 0 and 1"
                )
            levels[name] = ScaleLevel(name, fraction, self.mark(entry, f"scale {name}"))
        return levels

    def rubric_class(self, data: Any, label: str, *, fail: bool = False) -> RubricClass:
        entry = data if isinstance(data, Mapping) else {}
        self.at(entry)
        self.keys(entry, "fail class" if fail else "class", label)
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


def _describe(value: Any) -> str:
    """What a text key held, short, for a message."""
    if isinstance(value, Mapping):
        parts = [
            f"{k}: {v!r}" if v is not None else f"{k!r}: (trống/empty)" for k, v in value.items()
        ]
        return "{" + ", ".join(parts) + "}"
    return repr(value)


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
        lacking = [a for a in item.answers if a not in rubric.scale and a != "not_applicable"]
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
    reader.keys(data, "rubric", "")
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
    reader.at(data)
    version = reader.string(data, "version", "version")
    title = reader.text(data, "title", "title")
    form = reader.string(data, "form", "form")
    valid_from, valid_to = reader.date(data, "valid_from"), reader.date(data, "valid_to")
    if valid_from is None and "valid_from" not in data:
        reader.problem(
            FormsCode.RUBRIC_UNREADABLE,
            "valid_from",
            detail="'valid_from' (the first evaluation date the rubric applies to) is missing",
        )
    if valid_from and valid_to and valid_to < valid_from:
        reader.problem(
            FormsCode.BAD_THRESHOLD,
            "valid_to",
            line=_line(data, "valid_to"),
            detail="'valid_to' is before 'valid_from'",
        )
    levels = reader.levels(data)
    validity = reader.mark(reader.mapping(data, "validity", "validity"), "validity")
    reader.keys(data.get("validity"), "validity", "validity")
    reader.at(data)
    total = reader.threshold(data, "total", "total")
    scale = reader.scale(data)
    na_rule = reader.not_applicable(data)
    reader.at(data)
    pass_mark = reader.threshold(data, "pass_mark", "pass_mark")
    classes = tuple(reader.rubric_class(c, "class") for c in raw_classes)
    fail_class = reader.rubric_class(data.get("fail_class"), "fail_class", fail=True)
    cannot_assess = None
    if data.get("cannot_assess_class") is not None:
        cannot_assess = reader.rubric_class(
            data.get("cannot_assess_class"), "cannot_assess_class", fail=True
        )
    reader.at(data)
    rubric = Rubric(
        id=rubric_id,
        version=version,
        kind=kind,
        title=title,
        form=form,
        sources=tuple(sources),
        total=total,
        scale=scale,
        groups=tuple(g for g in groups if g is not None),
        pass_mark=pass_mark,
        classes=classes,
        fail_class=fail_class,
        valid_from=valid_from,
        valid_to=valid_to,
        levels=levels,
        validity=validity,
        not_applicable=na_rule,
        cannot_assess_class=cannot_assess or CANNOT_ASSESS,
        notes=reader.notes(data, "notes"),
        path=file,
    )
    _check_whole(reader, rubric)
    if "not_applicable" not in data and any("not_applicable" in i.answers for i in rubric.items):
        reader.problem(
            FormsCode.STATUS_UNMARKED,
            "not_applicable",
            line=_line(data),
            what="'not_applicable: {rule, min_applicable_share}' (items can be not applicable)",
        )
    return rubric, reader.problems


def read_rubric(path: Path) -> tuple[Rubric | None, list[FormsError]]:
    """Read one rubric file; returns the rubric (None if unreadable) and every problem."""
    file = display_path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
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


def criteria_dir() -> Path:
    """The rubric files the warehouse scores with: the folder named by HTSD_CRITERIA_DIR when
    set (a data manager's edited copy), else the shipped forms/criteria."""
    chosen = os.environ.get(CRITERIA_ENV, "").strip()
    return Path(chosen) if chosen else CRITERIA_DIR


def load_rubrics(directory: Path | None = None) -> dict[str, Rubric]:
    """Every rubric the forms need, by id, each with the other rubric files of its form (for
    other periods or levels, e.g. `don_vi_xa` beside `don_vi`) as its `variants`; raises the
    first problem found. `directory` defaults to `criteria_dir()`."""
    directory = criteria_dir() if directory is None else directory
    rubrics = {rubric_id: load_rubric(directory / f"{rubric_id}.yaml") for rubric_id in RUBRIC_IDS}
    for path in sorted(directory.glob("*.yaml")):
        if path.stem not in RUBRIC_IDS:
            rubrics[path.stem] = load_rubric(path)
    return attach_variants(rubrics)


def attach_variants(rubrics: Mapping[str, Rubric]) -> dict[str, Rubric]:
    """The main rubric of each form (`RUBRIC_IDS`) with the other rubrics of its form as its
    `variants`; raises FRM007 when a variant scores the form differently."""
    extra = [r for rubric_id, r in sorted(rubrics.items()) if rubric_id not in RUBRIC_IDS]
    result = dict(rubrics)
    for rubric_id, rubric in rubrics.items():
        if rubric_id not in RUBRIC_IDS:
            continue
        variants = tuple(r for r in extra if r.form == rubric.form)
        for variant in variants:
            problem = same_scoring(rubric, variant)
            if problem:
                raise FormsError(
                    FormsCode.RUBRIC_UNREADABLE,
                    variant.path,
                    {
                        "detail": f"{variant.id} scores form {rubric.form} differently from "
                        f"{rubric.id} ({problem}); one form computes one scoring"
                    },
                )
        if variants:
            result[rubric_id] = replace(rubric, variants=variants)
    return result


def same_scoring(a: Rubric, b: Rubric) -> str:
    """'' when two rubrics of a form score identically (items, points, scale, marks aside),
    else what differs: the form computes one scoring and labels it by the rubric that applies."""

    def shape(r: Rubric) -> Any:
        return (
            r.total.points,
            tuple((k, v.fraction) for k, v in sorted(r.scale.items())),
            r.not_applicable.rule,
            r.not_applicable.min_applicable_share,
            tuple(
                (
                    g.id,
                    g.max_points,
                    g.min_points.points if g.min_points else None,
                    tuple((i.id, i.field, i.answer, i.max_points, i.derive) for i in g.items),
                )
                for g in r.groups
            ),
            r.pass_mark.points,
            tuple((c.id, c.min_points) for c in r.classes),
            r.fail_class.id,
        )

    for name, left, right in zip(
        (
            "total",
            "scale",
            "not_applicable",
            "not_applicable",
            "groups",
            "pass_mark",
            "classes",
            "fail_class",
        ),
        shape(a),
        shape(b),
        strict=True,
    ):
        if left != right:
            return f"{name} differ"
    return ""
