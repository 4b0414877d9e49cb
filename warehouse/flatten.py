"""Flattening: one submission payload and the FormSchema of its version → typed records.

Pure: no database, no IO. The output, `FlatSubmission`, is:

- `meta`: the identity and system keys (`_id`, `_uuid`, `meta/rootUuid`, `__version__`, ...);
- `records`: one `Record` for the submission itself (`repeat` None, `index` ()) followed by
  one per repeat item, nested ones too, in document order. A record's `index` is its
  repeat index path, 1-based: the 2nd skill of the 3rd person is `(3, 2)` in `people/skills`.
  `values` maps each answered question's full path to its typed value (warehouse/values.py);
  `unparsed` maps to the original text every answer that could not be typed or that the form
  does not know (a repeat the form lacks is kept as its JSON);
- `findings`: one `Finding` (forms/findings.py) per such answer and per unknown choice code.

So nothing is lost: every answer is either typed or kept as text with a finding.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from forms.findings import Finding
from forms.schema import Field, FormSchema
from forms.text import Text
from warehouse.values import Value, kind_of, parse

# Finding rules of the load: id → what it means, for people reading the findings.
RULES: dict[str, Text] = {
    "value.unparsed": Text(
        "giá trị không đúng kiểu câu hỏi, được giữ nguyên dạng chữ",
        "value does not match the question type; kept as text",
    ),
    "value.shape": Text(
        "giá trị có cấu trúc không mong đợi, được giữ dạng JSON",
        "value has an unexpected structure; kept as JSON",
    ),
    "field.unknown": Text(
        "câu trả lời cho câu hỏi không có trong phiên bản biểu mẫu, được giữ nguyên",
        "answer to a question the form version does not have; kept as is",
    ),
    "choice.unknown": Text(
        "mã lựa chọn không có trong danh sách lựa chọn",
        "choice code not in the question's choice list",
    ),
    "version.unknown": Text(
        "không có nội dung phiên bản biểu mẫu của bản ghi; đọc theo phiên bản mới nhất",
        "the submission's form version is not stored; read with the latest version",
    ),
}


def finding(
    rule: str, kobo_id: int, path: str, value: str, detail: str, index: tuple[int, ...] = ()
) -> Finding:
    """A finding of the load: the rule's text, with `detail` (not translated) appended."""
    text = RULES[rule]
    message = text.map(f": {detail}", f": {detail}") if detail else text
    return Finding(rule, path, value, message, submission=kobo_id, index=index)


@dataclass(frozen=True)
class SubmissionMeta:
    kobo_id: int
    uuid: str
    root_uuid: str | None
    version: str | None
    submission_time: datetime | None
    submitted_by: str | None
    instance_name: str | None


@dataclass
class Record:
    """One row to be: the submission itself or one repeat item."""

    repeat: str | None
    index: tuple[int, ...]
    values: dict[str, Value] = field(default_factory=dict)
    unparsed: dict[str, str] = field(default_factory=dict)


@dataclass
class FlatSubmission:
    meta: SubmissionMeta
    records: list[Record]
    findings: list[Finding]

    @property
    def main(self) -> Record:
        return self.records[0]


def is_system_key(key: str) -> bool:
    """Keys the server adds or KPI injects; they are read into `SubmissionMeta` or dropped."""
    return key.startswith(("_", "meta/", "formhub/")) or key in ("meta", "formhub")


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    return None


def _as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _submission_time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


def read_meta(payload: Mapping[str, Any]) -> SubmissionMeta:
    submitted_by = payload.get("_submitted_by")
    instance_name = payload.get("meta/instanceName")
    return SubmissionMeta(
        kobo_id=int(payload["_id"]),
        uuid=str(payload.get("_uuid") or payload.get("meta/instanceID") or ""),
        root_uuid=_text(payload.get("meta/rootUuid")),
        version=_text(payload.get("__version__")),
        submission_time=_submission_time(payload.get("_submission_time")),
        submitted_by=submitted_by if isinstance(submitted_by, str) else None,
        instance_name=instance_name if isinstance(instance_name, str) else None,
    )


# what a key of a submission is, at its level (`Flattener.plan`)
_ANSWER, _REPEAT, _SKIP, _UNKNOWN = range(4)


class Flattener:
    """Flattens submissions of one form version; build once per version, reuse per payload."""

    def __init__(self, schema: FormSchema) -> None:
        self.schema = schema
        self.fields = {f.path: f for f in schema.fields if f.has_data}
        self.repeats = {g.path: g for g in schema.repeats}
        self.outer = {path: self._outer_repeat(path) for path in self.repeats}
        # pyxform and KoboToolbox add a `<repeat>_count` calculate beside a repeat with a
        # repeat_count; it is in every submission, never in the asset's survey.
        self.generated = {f"{path}_count": self.outer[path] for path in self.repeats}
        self.codes = {
            f.path: frozenset(c.name for c in schema.choices_for(f))
            for f in self.fields.values()
            if f.type.startswith("select_")
        }
        # per level (None: the submission; else a repeat's path), what each key is there:
        # a question (with its storage kind and choice codes), a repeat, a key to skip or an
        # unknown one; keys not planned are classified when first met (`_Run.classify`)
        self.plan: dict[str | None, dict[str, tuple[int, Any]]] = {}
        for path, question in self.fields.items():
            level = self.plan.setdefault(question.repeat, {})
            level[path] = (_ANSWER, (question, kind_of(question.type), self.codes.get(path)))
        for path in self.repeats:
            self.plan.setdefault(self.outer[path], {}).setdefault(path, (_REPEAT, None))

    def _outer_repeat(self, repeat_path: str) -> str | None:
        groups = {g.path: g for g in self.schema.groups}
        parent = groups[repeat_path].parent
        while parent is not None:
            if groups[parent].repeat:
                return parent
            parent = groups[parent].parent
        return None

    def flatten(self, payload: Mapping[str, Any]) -> FlatSubmission:
        """The typed records and findings of one submission."""
        meta = read_meta(payload)
        run = _Run(self, meta.kobo_id)
        run.walk(payload, None, ())
        return FlatSubmission(meta, run.records, run.findings)


class _Run:
    """The state of flattening one submission."""

    def __init__(self, flattener: Flattener, kobo_id: int) -> None:
        self.f = flattener
        self.kobo_id = kobo_id
        self.records: list[Record] = []
        self.findings: list[Finding] = []

    def find(self, rule: str, path: str, value: str, detail: str, index: tuple[int, ...]) -> None:
        self.findings.append(finding(rule, self.kobo_id, path, value, detail, index))

    def walk(self, item: Mapping[str, Any], repeat: str | None, index: tuple[int, ...]) -> None:
        record = Record(repeat, index)
        self.records.append(record)
        plan = self.f.plan.get(repeat)
        if plan is None:
            plan = self.f.plan[repeat] = {}
        for key, value in item.items():
            action, what = plan.get(key) or self.classify(plan, key, repeat)
            if action == _ANSWER:
                question, kind, known = what
                self.answer(record, question, kind, known, value)
            elif action == _REPEAT:
                self.repeat(record, key, value)
            elif action == _UNKNOWN:
                text = _text(value)
                kept = text if text is not None else _as_json(value)
                record.unparsed[key] = kept
                self.find("field.unknown", key, kept, "", index)

    def classify(
        self, plan: dict[str, tuple[int, Any]], key: str, repeat: str | None
    ) -> tuple[int, Any]:
        """What a key not in the level's plan is there (then planned): a key the server,
        Collect or a `<repeat>_count` adds, to skip, or one the form does not know."""
        skip = (repeat is None and is_system_key(key)) or self.f.generated.get(key, 0) == repeat
        found = plan[key] = (_SKIP if skip else _UNKNOWN, None)
        return found

    def repeat(self, record: Record, path: str, value: Any) -> None:
        if not isinstance(value, list) or not all(isinstance(i, Mapping) for i in value):
            kept = record.unparsed[path] = _as_json(value)
            self.find("value.shape", path, kept, "a repeat is a list of items", record.index)
            return
        for position, child in enumerate(value, start=1):
            self.walk(child, path, (*record.index, position))

    def answer(
        self,
        record: Record,
        question: Field,
        kind: str,
        known: frozenset[str] | None,
        value: Any,
    ) -> None:
        if value is None:  # exported as null: not answered
            return
        text = value if type(value) is str else _text(value)
        if text is None:
            kept = record.unparsed[question.path] = _as_json(value)
            self.find("value.shape", question.path, kept, "an answer is a string", record.index)
            return
        try:
            typed = parse(kind, text)
        except ValueError as error:
            record.unparsed[question.path] = text
            detail = f"{question.type}, {error}"
            self.find("value.unparsed", question.path, text, detail, record.index)
            return
        record.values[question.path] = typed
        if known:  # empty for choices from a file: nothing to check against
            codes = typed if isinstance(typed, tuple) else (str(typed),)
            for code in codes:
                if code not in known:
                    detail = question.list_name or ""
                    self.find("choice.unknown", question.path, code, detail, record.index)


def flatten_submission(payload: Mapping[str, Any], schema: FormSchema) -> FlatSubmission:
    """The typed records and findings of one submission, read with `schema`."""
    return Flattener(schema).flatten(payload)


def records_by_repeat(records: Sequence[Record]) -> dict[str | None, list[Record]]:
    grouped: dict[str | None, list[Record]] = {}
    for record in records:
        grouped.setdefault(record.repeat, []).append(record)
    return grouped
