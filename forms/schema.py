"""FormSchema: one typed model of a form, from an XLSForm or from KoboToolbox asset content.

Everything downstream (warehouse columns, expectation suites, report labels) derives from it.
Paths are KoboToolbox's: group and repeat names joined with `/`, without the root node
(`location/commune_e2`, `household/members/m_age`). Labels, hints and constraint messages are
dicts keyed by language code (`vi`, `en`; `default` for a form without named languages).

Both constructors go through one core over XLSForm-shaped rows (`XLSFormData`):
`FormSchema.from_xlsform(path)` reads the .xlsx; `FormSchema.from_kpi_content(content)`
first turns KPI JSON into the same rows (`forms.kpi.kpi_content_to_xlsform`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

from forms.kpi import kpi_content_to_xlsform
from forms.messages import FormsCode, FormsError
from forms.text import Language, language_code
from forms.xlsform import SELECT_TYPES, XLSFormData, form_languages, read_xlsform

NO_DATA_TYPES = ("note",)
_STRUCTURAL = {"begin_group", "end_group", "begin_repeat", "end_repeat"}


@dataclass(frozen=True)
class Choice:
    """One choice of a list: its value (`name`), labels by language, extra filter columns."""

    name: str
    labels: Mapping[str, str]
    extra: Mapping[str, str] = field(default_factory=dict)

    def label(self, lang: str = "vi") -> str:
        return self.labels.get(lang) or next(iter(self.labels.values()), "") or self.name


@dataclass(frozen=True)
class Group:
    """A group or a repeat, with its full path."""

    path: str
    name: str
    labels: Mapping[str, str]
    repeat: bool
    parent: str | None
    relevant: str | None = None
    repeat_count: str | None = None
    kuid: str | None = field(default=None, compare=False)  # KoboToolbox's `$kuid`, if any


@dataclass(frozen=True)
class Field:
    """A question, calculate, note or metadata field, with its full path.

    `repeat` is the path of the innermost repeat holding the field (None at top level),
    `group` its direct parent group or repeat. `required` is None, `yes` or an expression.
    `pii` is the tag of the custom `pii` column (e.g. `name`, `phone`), None when not personal.
    """

    path: str
    name: str
    type: str
    labels: Mapping[str, str] = field(default_factory=dict)
    hints: Mapping[str, str] = field(default_factory=dict)
    list_name: str | None = None
    required: str | None = None
    constraint: str | None = None
    constraint_messages: Mapping[str, str] = field(default_factory=dict)
    required_messages: Mapping[str, str] = field(default_factory=dict)
    relevant: str | None = None
    calculation: str | None = None
    default: str | None = None
    choice_filter: str | None = None
    appearance: str | None = None
    parameters: str | None = None
    group: str | None = None
    repeat: str | None = None
    pii: str | None = None
    kuid: str | None = field(default=None, compare=False)

    @property
    def is_select(self) -> bool:
        return self.type in SELECT_TYPES

    @property
    def has_data(self) -> bool:
        """False for notes, which never appear in a submission."""
        return self.type not in NO_DATA_TYPES

    @property
    def is_required(self) -> bool:
        return (self.required or "").lower() in ("yes", "true", "true()", "1")


def _split_type(raw: str) -> tuple[str, str | None]:
    """`select_one yes_no` → (`select_one`, `yes_no`); `begin group` → (`begin_group`, None)."""
    parts = raw.split()
    if not parts:
        return "", None
    if parts[0] in ("begin", "end") and len(parts) > 1:
        return f"{parts[0]}_{parts[1]}", None
    if parts[0] in SELECT_TYPES and len(parts) > 1:
        return parts[0], parts[1]
    return parts[0], None


def _translations(row: Mapping[str, str], base: str) -> dict[str, str]:
    found = {}
    for key, value in row.items():
        name, sep, lang = key.partition("::")
        if name == base and value:
            found[language_code(lang) if sep else "default"] = value
    return found


@dataclass(frozen=True)
class FormSchema:
    """A form's fields, groups, repeats, choices and languages (see the module docstring)."""

    form_id: str
    version: str | None
    title: str
    languages: tuple[Language, ...]
    default_language: str
    fields: tuple[Field, ...]
    groups: tuple[Group, ...]
    choices: Mapping[str, tuple[Choice, ...]]
    settings: Mapping[str, str] = field(default_factory=dict)

    # -- constructors -----------------------------------------------------------------
    @classmethod
    def from_xlsform(cls, source: str | PathLike[str] | bytes) -> FormSchema:
        """From an .xlsx XLSForm file (path or bytes)."""
        return cls.from_rows(read_xlsform(source))

    @classmethod
    def from_kpi_content(cls, content: Mapping[str, Any], version: str | None = None) -> FormSchema:
        """From KoboToolbox asset `content` (docs/KOBO-API.md §2); `version` overrides settings."""
        schema = cls.from_rows(kpi_content_to_xlsform(content))
        if version is None:
            return schema
        return FormSchema(
            schema.form_id,
            version,
            schema.title,
            schema.languages,
            schema.default_language,
            schema.fields,
            schema.groups,
            schema.choices,
            schema.settings,
        )

    @classmethod
    def from_xform(cls, xml: str | bytes, version: str | None = None) -> FormSchema:
        """From a published XForm (ODK Central's `GET .../versions/{v}.xml`, forms/xform.py);
        `version` overrides the XForm's own."""
        from forms.xform import xform_to_xlsform

        rows = xform_to_xlsform(xml)
        if version is not None:
            rows = XLSFormData(rows.survey, rows.choices, {**rows.settings, "version": version})
        return cls.from_rows(rows)

    @classmethod
    def from_rows(cls, form: XLSFormData) -> FormSchema:
        """The shared core: XLSForm-shaped rows → FormSchema."""
        languages, default = form_languages(form)
        fields: list[Field] = []
        groups: list[Group] = []
        stack: list[Group] = []
        for index, row in enumerate(form.survey, start=2):
            kind, list_name = _split_type(row.get("type", ""))
            if not kind:
                continue
            if kind in ("end_group", "end_repeat"):
                if not stack or stack[-1].repeat != (kind == "end_repeat"):
                    raise FormsError(
                        FormsCode.UNBALANCED_GROUP, f"survey row {index}", {"detail": kind}
                    )
                stack.pop()
                continue
            name = row.get("name", "")
            parent = stack[-1].path if stack else None
            path = f"{parent}/{name}" if parent else name
            if kind in ("begin_group", "begin_repeat"):
                group = Group(
                    path,
                    name,
                    _translations(row, "label"),
                    kind == "begin_repeat",
                    parent,
                    row.get("relevant") or None,
                    row.get("repeat_count") or None,
                    row.get("$kuid") or None,
                )
                groups.append(group)
                stack.append(group)
                continue
            repeat = next((g.path for g in reversed(stack) if g.repeat), None)
            fields.append(
                Field(
                    path=path,
                    name=name,
                    type=kind,
                    labels=_translations(row, "label"),
                    hints=_translations(row, "hint"),
                    list_name=list_name,
                    required=row.get("required") or None,
                    constraint=row.get("constraint") or None,
                    constraint_messages=_translations(row, "constraint_message"),
                    required_messages=_translations(row, "required_message"),
                    relevant=row.get("relevant") or None,
                    calculation=row.get("calculation") or None,
                    default=row.get("default") or None,
                    choice_filter=row.get("choice_filter") or None,
                    appearance=row.get("appearance") or None,
                    parameters=row.get("parameters") or None,
                    group=parent,
                    repeat=repeat,
                    pii=row.get("pii") or None,
                    kuid=row.get("$kuid") or None,
                )
            )
        if stack:
            raise FormsError(
                FormsCode.UNBALANCED_GROUP, "survey", {"detail": f"{stack[-1].path} (not closed)"}
            )
        choices: dict[str, list[Choice]] = {}
        base = {"list_name", "name"}
        for row in form.choices:
            extra = {
                k: v
                for k, v in row.items()
                if k not in base and not k.startswith(("label", "media::", "$"))
            }
            choices.setdefault(row.get("list_name", ""), []).append(
                Choice(row.get("name", ""), _translations(row, "label"), extra)
            )
        settings = dict(form.settings)
        return cls(
            form_id=settings.get("form_id") or settings.get("id_string") or "",
            version=settings.get("version") or None,
            title=settings.get("form_title") or "",
            languages=languages,
            default_language=default,
            fields=tuple(fields),
            groups=tuple(groups),
            choices={k: tuple(v) for k, v in choices.items()},
            settings=settings,
        )

    # -- lookup -----------------------------------------------------------------------
    def field(self, path: str) -> Field:
        """The field at a full path (`grp/sub/q`); KeyError if there is none."""
        for candidate in self.fields:
            if candidate.path == path:
                return candidate
        raise KeyError(path)

    def get(self, path: str) -> Field | None:
        try:
            return self.field(path)
        except KeyError:
            return None

    def __contains__(self, path: object) -> bool:
        return any(f.path == path for f in self.fields)

    def by_name(self, name: str) -> Field:
        """The field with this name (the last path segment); KeyError if none or several."""
        found = [f for f in self.fields if f.name == name]
        if len(found) != 1:
            raise KeyError(name)
        return found[0]

    def group(self, path: str) -> Group:
        for candidate in self.groups:
            if candidate.path == path:
                return candidate
        raise KeyError(path)

    @property
    def repeats(self) -> tuple[Group, ...]:
        return tuple(g for g in self.groups if g.repeat)

    def fields_in(self, repeat: str | None) -> tuple[Field, ...]:
        """Fields whose innermost repeat is `repeat` (None: the top level of a submission)."""
        return tuple(f for f in self.fields if f.repeat == repeat)

    @property
    def pii_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.pii)

    def choices_for(self, target: Field | str) -> tuple[Choice, ...]:
        """The choices of a select field (by Field or path); () for other fields."""
        item = self.field(target) if isinstance(target, str) else target
        return self.choices.get(item.list_name or "", ())

    def label(self, target: Field | Group | str, lang: str | None = None) -> str:
        """The label of a field or group in `lang` (default language, then name, as fallback)."""
        if isinstance(target, str):
            item: Field | Group = self.get(target) or self.group(target)
        else:
            item = target
        labels = item.labels
        return (
            labels.get(lang or self.default_language)
            or labels.get(self.default_language)
            or item.name
        )

    def choice_label(self, target: Field | str, value: str, lang: str | None = None) -> str:
        """The label of one answer value of a select field."""
        for choice in self.choices_for(target):
            if choice.name == value:
                return choice.labels.get(lang or self.default_language) or choice.label(
                    self.default_language
                )
        return value

    # -- rubric link ------------------------------------------------------------------
    def _literals(self, name: str) -> tuple[str, ...]:
        """The values a hidden calculate can take: `'x'` alone, or the results of its
        `if(<condition>, 'x', ...)` chain (the rubric that applies on the evaluation date)."""
        found = [f for f in self.fields if f.name == name and f.type == "calculate"]
        if not found or not found[0].calculation:
            return ()
        calculation = found[0].calculation.strip()
        if not calculation.startswith("if("):
            return (calculation.strip("'\""),)
        return tuple(re.findall(r",\s*'([^']+)'\s*,", calculation))

    @property
    def rubric_ids(self) -> tuple[str, ...]:
        """The rubrics the form scores with (hidden calculate `rubric_id`), main one first."""
        return self._literals("rubric_id")

    @property
    def rubric_id(self) -> str | None:
        """The main rubric the form scores with, if any."""
        return next(iter(self.rubric_ids), None)

    @property
    def rubric_version(self) -> str | None:
        return next(iter(self._literals("rubric_version")), None)
