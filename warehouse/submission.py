"""One submission as a data manager reads it: its answers under their labels in the form's
order, each repeat as a table, its score and items, and its earlier versions with what
changed between them.

The answers are read from the raw landing (the payload as the server gave it) and labelled
with the FormSchema of the version it was collected with (the latest stored one when that
version is unknown). Every answer keeps its question's PII tag, so a page can say which
values are personal data. Nothing here decides who may read it: that is the caller's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from forms.schema import Field, FormSchema
from forms.text import Text
from warehouse.schema import raw_submission, raw_submission_history, score, score_item
from warehouse.versions import form_versions

STRUCTURAL = frozenset({"begin_group", "end_group", "begin_repeat", "end_repeat", "note"})


@dataclass(frozen=True)
class Answer:
    """One question of the form and its answer in one submission (or one repeat row)."""

    path: str
    label: Text
    value: str | None  # the stored answer (choice codes for selects)
    shown: Text | None  # the answer as read: choice labels in each language, else the value
    pii: str | None
    group: Text | None  # the label of the group holding the question, None at the top


@dataclass(frozen=True)
class RepeatTable:
    """A repeat of the form: its questions as columns, one row per repeat entry."""

    path: str
    label: Text
    columns: tuple[Answer, ...]  # the questions (value None)
    rows: tuple[tuple[Answer, ...], ...]


@dataclass(frozen=True)
class Change:
    """What one edit changed: a question's answer before and after."""

    path: str
    label: Text
    before: str | None
    after: str | None
    pii: str | None


@dataclass(frozen=True)
class Version:
    """An earlier version of the submission, and what the next version changed in it."""

    uuid: str
    form_version: str | None
    superseded_run: int
    changes: tuple[Change, ...]


@dataclass
class SubmissionView:
    """Everything the submission page shows, except its findings and decisions."""

    server: str
    asset_uid: str
    kobo_id: int
    form_title: str
    form_version: str | None
    submission_time: str | None
    validation_status: str | None
    deleted: bool
    answers: list[Answer] = field(default_factory=list)
    repeats: list[RepeatTable] = field(default_factory=list)
    score: dict[str, Any] | None = None
    score_items: list[dict[str, Any]] = field(default_factory=list)
    history: list[Version] = field(default_factory=list)
    answers_vi: dict[str, str] = field(default_factory=dict)  # path → value, for lookups

    @property
    def district(self) -> str | None:
        return self.answers_vi.get("district")

    @property
    def edit_url(self) -> str:
        """The KoboToolbox address that opens this submission in Enketo for editing (the
        server answers with a redirect to the edit form)."""
        return (
            f"{self.server.rstrip('/')}/api/v2/assets/{self.asset_uid}/data/"
            f"{self.kobo_id}/enketo/redirect/edit/?return_url=false"
        )


def _text(labels: Mapping[str, str], fallback: str) -> Text:
    vi = labels.get("vi") or labels.get("default") or next(iter(labels.values()), "") or fallback
    return Text(vi, labels.get("en") or vi)


_REFERENCE = re.compile(r"\$\{(\w+)\}")


def _filled(label: Text, values: Mapping[str, str]) -> Text:
    """A label with its `${question}` references replaced by the submission's answers."""

    def fill(text: str) -> str:
        return _REFERENCE.sub(lambda m: values.get(m.group(1), m.group(0)), text)

    return Text(fill(label.vi), fill(label.en))


def _value(raw: Any) -> str | None:
    if raw is None or isinstance(raw, list | dict):
        return None
    return str(raw)


def _shown(schema: FormSchema, item: Field, value: str | None) -> Text | None:
    if value is None:
        return None
    if not item.is_select:
        return Text(value, value)
    codes = value.split() if item.type == "select_multiple" else [value]
    by_lang = [
        "; ".join(schema.choice_label(item, code, lang) for code in codes) for lang in ("vi", "en")
    ]
    return Text(by_lang[0], by_lang[1])


def _lookup(doc: Mapping[str, Any], item: Field) -> Any:
    """A field's answer in a payload or repeat row, keyed by full path or by name."""
    if item.path in doc:
        return doc[item.path]
    return doc.get(item.name)


def _group_label(schema: FormSchema, item: Field) -> Text | None:
    if not item.group:
        return None
    try:
        group = schema.group(item.group)
    except KeyError:
        return None
    return _text(group.labels, group.name)


def _answers(schema: FormSchema, doc: Mapping[str, Any], repeat: str | None) -> list[Answer]:
    found = []
    for item in schema.fields_in(repeat):
        if (
            item.type in STRUCTURAL
            or not item.has_data
            or (item.type == "calculate" and not item.labels)
        ):
            continue  # a hidden calculation: derived, not asked
        value = _value(_lookup(doc, item))
        found.append(
            Answer(
                path=item.path,
                label=_text(item.labels, item.name),
                value=value,
                shown=_shown(schema, item, value),
                pii=item.pii,
                group=_group_label(schema, item) if repeat is None else None,
            )
        )
    return found


def _repeats(schema: FormSchema, doc: Mapping[str, Any]) -> list[RepeatTable]:
    tables = []
    for group in schema.repeats:
        if group.parent and any(g.repeat and g.path == group.parent for g in schema.groups):
            continue  # a nested repeat: its rows live in its parent's rows
        raw = doc.get(group.path) or doc.get(group.name) or []
        rows = [row for row in raw if isinstance(row, Mapping)] if isinstance(raw, list) else []
        columns = tuple(_answers(schema, {}, group.path))
        tables.append(
            RepeatTable(
                path=group.path,
                label=_text(group.labels, group.name),
                columns=columns,
                rows=tuple(tuple(_answers(schema, row, group.path)) for row in rows),
            )
        )
    return tables


def _flat(schema: FormSchema, doc: Mapping[str, Any]) -> dict[str, str | None]:
    """Every answer of a payload by path (repeat rows as `path[n]/question`)."""
    out: dict[str, str | None] = {a.path: a.value for a in _answers(schema, doc, None)}
    for table in _repeats(schema, doc):
        for n, row in enumerate(table.rows, start=1):
            for answer in row:
                out[f"{table.path}[{n}]/{answer.path.rsplit('/', 1)[-1]}"] = answer.value
    return out


def _changes(
    schema: FormSchema, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[Change]:
    old, new = _flat(schema, before), _flat(schema, after)
    changes = []
    for path in [*new, *(p for p in old if p not in new)]:
        if old.get(path) == new.get(path):
            continue
        question = schema.get(path.split("[", 1)[0] + path.rsplit("]", 1)[-1]) or schema.get(path)
        label = _text(question.labels, question.name) if question else Text(path, path)
        pii = question.pii if question else None
        changes.append(Change(path, label, old.get(path), new.get(path), pii))
    return changes


def _schema(engine: Engine, server: str, asset_uid: str, version: str | None) -> FormSchema | None:
    versions = form_versions(engine, server, asset_uid)
    chosen = next((v for v in versions if v.uid == version), versions[-1] if versions else None)
    return chosen.schema if chosen else None


def read_submission(
    engine: Engine, server: str, asset_uid: str, kobo_id: int
) -> SubmissionView | None:
    """The submission `kobo_id` of an asset with its answers, score and history; None when
    the warehouse does not hold it."""
    r, h = raw_submission, raw_submission_history
    key = (r.c.server == server, r.c.asset_uid == asset_uid, r.c.kobo_id == kobo_id)
    with engine.connect() as conn:
        row = conn.execute(sa.select(r).where(*key)).first()
        if row is None:
            return None
        earlier = list(
            conn.execute(
                sa.select(h)
                .where(h.c.server == server, h.c.asset_uid == asset_uid, h.c.kobo_id == kobo_id)
                .order_by(h.c.id)
            )
        )
        scored, items = _score(conn, server, asset_uid, kobo_id)
    payload = json.loads(row.payload)
    schema = _schema(engine, server, asset_uid, row.form_version)
    view = SubmissionView(
        server=server,
        asset_uid=asset_uid,
        kobo_id=kobo_id,
        form_title=schema.title if schema else asset_uid,
        form_version=row.form_version,
        submission_time=row.submission_time,
        validation_status=row.validation_status,
        deleted=row.deleted_run is not None,
        score=scored,
        score_items=items,
    )
    if schema is None:
        return view
    answers = _answers(schema, payload, None)
    view.answers_vi = {a.path.rsplit("/", 1)[-1]: a.value for a in answers if a.value}
    view.answers = [replace(a, label=_filled(a.label, view.answers_vi)) for a in answers]
    view.repeats = _repeats(schema, payload)
    docs = [json.loads(e.payload) for e in earlier] + [payload]
    for n, version in enumerate(earlier):
        changes = _changes(schema, docs[n], docs[n + 1])
        view.history.append(
            Version(version.uuid, version.form_version, int(version.superseded_run), tuple(changes))
        )
    return view


def _score(
    conn: Connection, server: str, asset_uid: str, kobo_id: int
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    s, i = score, score_item
    found = conn.execute(
        sa.select(s).where(s.c.server == server, s.c.asset_uid == asset_uid, s.c.kobo_id == kobo_id)
    ).first()
    items = conn.execute(
        sa.select(i)
        .where(i.c.server == server, i.c.asset_uid == asset_uid, i.c.kobo_id == kobo_id)
        .order_by(i.c.group_id, i.c.item_id)
    )
    return (dict(found._mapping) if found else None), [dict(x._mapping) for x in items]


def submission_time(value: str | None) -> datetime | None:
    """The `_submission_time` the server gave, as a datetime (None when unreadable)."""
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
