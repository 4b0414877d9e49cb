"""KoboToolbox (KPI) asset `content` ⇄ XLSForm rows.

KPI content (docs/KOBO-API.md §2): `survey` rows with `type` (`select_one` plus
`select_from_list_name`, `begin_group`, ...), `name` or `$autoname`, `$kuid`, `$xpath`;
`choices` rows with `list_name`, `name`, `label`; `settings`; `translations` (language names,
`[null]` for an unnamed one) and `translated` (the columns holding one value per translation,
as lists aligned with `translations`).

`kpi_content_to_xlsform` feeds `FormSchema.from_kpi_content`; `xlsform_to_kpi_content` lets the
local KoboToolbox test server "import" our .xlsx files the way KPI stores them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from os import PathLike
from typing import Any

from forms.messages import FormsCode, FormsError
from forms.xlsform import SELECT_TYPES, TRANSLATED, XLSFormData, form_languages, read_xlsform

_META_KEYS = {"$autoname", "$xpath", "$autovalue", "$given_name", "$prev", "$index"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def _row_from_kpi(
    row: Mapping[str, Any], translations: Sequence[str | None], translated: set[str]
) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in row.items():
        if key in _META_KEYS or key == "select_from_list_name":
            continue
        if key in translated:
            values = value if isinstance(value, list) else [value]
            for lang, text in zip(translations, values, strict=False):
                if text not in (None, ""):
                    out[f"{key}::{lang}" if lang else key] = _text(text)
            continue
        out[key] = _text(value)
    kind = out.get("type", "")
    list_name = row.get("select_from_list_name")
    if kind in SELECT_TYPES and list_name:
        out["type"] = f"{kind} {list_name}"
    if not out.get("name") and row.get("$autoname"):
        out["name"] = _text(row["$autoname"])
    if "required" in out and out["required"] in ("false", "False"):
        out["required"] = ""
    return {k: v for k, v in out.items() if v != ""}


def kpi_content_to_xlsform(content: Mapping[str, Any]) -> XLSFormData:
    """KPI asset content → XLSForm rows (FormsError FRM042 when it is not KPI content)."""
    survey = content.get("survey")
    if not isinstance(survey, list):
        raise FormsError(FormsCode.BAD_KPI_CONTENT, "content", {"detail": "no 'survey' list"})
    translations = list(content.get("translations") or [None])
    translated = set(content.get("translated") or [])
    choices = content.get("choices") or []
    settings = content.get("settings") or {}
    if isinstance(settings, list):
        settings = settings[0] if settings else {}
    if not isinstance(settings, Mapping) or not isinstance(choices, list):
        raise FormsError(
            FormsCode.BAD_KPI_CONTENT, "content", {"detail": "'settings' or 'choices' malformed"}
        )
    return XLSFormData(
        survey=tuple(
            _row_from_kpi(r, translations, translated) for r in survey if isinstance(r, Mapping)
        ),
        choices=tuple(
            _row_from_kpi(r, translations, translated) for r in choices if isinstance(r, Mapping)
        ),
        settings={
            ("form_id" if k == "id_string" else k): _text(v)
            for k, v in settings.items()
            if _text(v) and not (k == "id_string" and "form_id" in settings)
        },
    )


def _kuid(form_id: str, sheet: str, index: int, key: str) -> str:
    digest = hashlib.sha1(f"{form_id}|{sheet}|{index}|{key}".encode()).hexdigest()
    return digest[:8]


def _to_kpi(
    row: Mapping[str, str], translations: list[str | None], translated: list[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        base, sep, _ = key.partition("::")
        if base in translated and (sep or None in translations):
            continue
        out[key] = value
    for base in translated:
        values = [row.get(f"{base}::{lang}" if lang else base) for lang in translations]
        if any(v not in (None, "") for v in values):
            out[base] = [v if v not in ("",) else None for v in values]
    return out


def xlsform_to_kpi_content(source: str | PathLike[str] | bytes) -> dict[str, Any]:
    """An .xlsx XLSForm as KPI would store it in an asset's `content`."""
    return rows_to_kpi_content(read_xlsform(source))


def rows_to_kpi_content(form: XLSFormData) -> dict[str, Any]:
    """XLSForm rows (read from an .xlsx, or from an XForm by forms/xform.py) as KPI content."""
    languages, _ = form_languages(form)
    translations = [lang.name for lang in languages]
    translated = sorted(
        {
            key.partition("::")[0]
            for row in (*form.survey, *form.choices)
            for key in row
            if key.partition("::")[0] in TRANSLATED and ("::" in key or None in translations)
        }
    )
    form_id = form.settings.get("form_id", "")
    survey: list[dict[str, Any]] = []
    stack: list[str] = []
    for index, row in enumerate(form.survey):
        out = _to_kpi(row, translations, translated)
        parts = row.get("type", "").split()
        kind = (
            "_".join(parts[:2])
            if parts and parts[0] in ("begin", "end")
            else (parts[0] if parts else "")
        )
        out["type"] = kind
        if kind in SELECT_TYPES and len(parts) > 1:
            out["select_from_list_name"] = parts[1]
        if "required" in out:
            flag = out["required"].lower()
            out["required"] = (
                True
                if flag in ("yes", "true")
                else (False if flag in ("no", "false") else out["required"])
            )
        out["$kuid"] = _kuid(form_id, "survey", index, row.get("name", ""))
        if kind.startswith("end_"):
            if stack:
                stack.pop()
            survey.append(out)
            continue
        name = row.get("name", "")
        out["$autoname"] = name
        out["$xpath"] = "/".join([*stack, name])
        if kind.startswith("begin_"):
            stack.append(name)
        survey.append(out)
    choices = []
    for index, row in enumerate(form.choices):
        out = _to_kpi(row, translations, translated)
        out["$kuid"] = _kuid(form_id, "choices", index, row.get("name", ""))
        out["$autovalue"] = row.get("name", "")
        choices.append(out)
    settings = {("id_string" if k == "form_id" else k): v for k, v in form.settings.items()}
    return {
        "schema": "1",
        "survey": survey,
        "choices": choices,
        "settings": settings,
        "translations": translations,
        "translated": translated,
    }
