"""Label tables: every question, group and choice label of every version, in every language.

`form_label` holds a row per (version, question or group path, language) with the label and
hint; `form_choice_label` a row per (version, list, choice, language). Language codes are
FormSchema's (`vi`, `en`; `default` for a form without named languages). `column_labels`
gives report-ready labels for the columns of the typed tables, from the latest version.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from forms.schema import FormSchema
from warehouse.catalog import (
    form_choice_label,
    form_column,
    form_field,
    form_label,
    form_version,
    insert_rows,
)

_PART_TEXT = {
    "vi": {"latitude": "vĩ độ", "longitude": "kinh độ", "altitude": "độ cao", "accuracy": "sai số"},
    "en": {
        "latitude": "latitude",
        "longitude": "longitude",
        "altitude": "altitude",
        "accuracy": "accuracy",
    },
}


def label_rows(
    server: str, asset_uid: str, schema: FormSchema
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The `form_label` and `form_choice_label` rows of one version."""
    key = {"server": server, "asset_uid": asset_uid, "version_uid": schema.version or ""}
    questions: dict[tuple[str, str], dict[str, Any]] = {}
    items: list[tuple[str, str, Any, Any]] = [
        (g.path, "repeat" if g.repeat else "group", g.labels, {}) for g in schema.groups
    ]
    items += [(f.path, "question", f.labels, f.hints) for f in schema.fields]
    for path, kind, labels, hints in items:
        for language in {**labels, **hints}:
            questions.setdefault(
                (path, language),
                {
                    **key,
                    "item_path": path,
                    "language": language,
                    "item_kind": kind,
                    "label": labels.get(language),
                    "hint": hints.get(language),
                },
            )
    choices: dict[tuple[str, str, str], dict[str, Any]] = {}
    for list_name, options in schema.choices.items():
        for choice in options:
            for language, text in choice.labels.items():
                choices.setdefault(
                    (list_name, choice.name, language),
                    {
                        **key,
                        "list_name": list_name,
                        "choice_name": choice.name,
                        "language": language,
                        "label": text,
                    },
                )
    return list(questions.values()), list(choices.values())


def write_labels(conn: Connection, server: str, asset_uid: str, schema: FormSchema) -> None:
    questions, choices = label_rows(server, asset_uid, schema)
    insert_rows(conn, form_label, questions)
    insert_rows(conn, form_choice_label, choices)


def column_labels(
    conn: Connection, server: str, asset_uid: str, language: str
) -> dict[tuple[str, str], str]:
    """(table, column) → label in `language`, from the latest version holding the question.

    Choice columns read `<question>: <choice>`, geopoint parts `<question> (<part>)`.
    """
    mine = {"server": server, "asset_uid": asset_uid}
    order = {
        v: i
        for i, v in enumerate(
            conn.execute(
                sa.select(form_version.c.version_uid)
                .filter_by(**mine)
                .order_by(form_version.c.position)
            ).scalars()
        )
    }
    latest: dict[tuple[str, str], tuple[int, str, str, str | None]] = {}
    for f in conn.execute(sa.select(form_field).filter_by(**mine)):
        rank = order.get(f.version_uid, -1)
        key = (f.table_name, f.unit)
        if key not in latest or rank >= latest[key][0]:
            latest[key] = (rank, f.version_uid, f.field_path, f.list_name)
    labels = {
        (r.version_uid, r.item_path): r.label
        for r in conn.execute(sa.select(form_label).filter_by(**mine, language=language))
    }
    choice_labels = {
        (r.version_uid, r.list_name, r.choice_name): r.label
        for r in conn.execute(sa.select(form_choice_label).filter_by(**mine, language=language))
    }
    parts = _PART_TEXT.get(language, _PART_TEXT["en"])
    out: dict[tuple[str, str], str] = {}
    for c in conn.execute(sa.select(form_column).filter_by(**mine)):
        found = latest.get((c.table_name, c.unit))
        if found is None:
            continue
        _rank, version, path, list_name = found
        text = labels.get((version, path)) or path
        if c.part == "choice":
            choice = choice_labels.get((version, list_name or "", c.choice)) or c.choice
            text = f"{text}: {choice}"
        elif c.part != "value":
            text = f"{text} ({parts[c.part]})"
        out[(c.table_name, c.column_name)] = text
    return out
