"""Asset content that is not one of htsd's forms, for the tests of foreign assets.

KoboToolbox holds forms htsd did not build; the sync and the typed tables must take them
as they come. `nested_repeat_versions` is such an asset, in two versions.
"""

from __future__ import annotations

import zlib
from typing import Any


def _plain(kind: str, autoname: str, path: str, labels: list[str], **extra: Any) -> dict[str, Any]:
    """A KPI row as the form builder saves it: no `name`, only `$autoname`."""
    return {
        "type": kind,
        "$autoname": autoname,
        "$kuid": f"k{zlib.crc32(path.encode()):08x}",
        "$xpath": path,
        "label": labels,
        **extra,
    }


def nested_repeat_versions() -> tuple[dict[str, Any], dict[str, Any]]:
    """Two versions of a bilingual (English/French) asset that is not one of ours: a household
    repeat holding a nested skills repeat, a select_multiple, a geopoint, rows named only by
    `$autoname`. Version 2 renames one question (same `$kuid`) and adds another."""
    langs = ["English (en)", "Français (fr)"]
    v1_survey = [
        _plain("geopoint", "where", "where", ["Location", "Lieu"]),
        _plain("begin_repeat", "people", "people", ["People", "Personnes"]),
        _plain("text", "person_name", "people/person_name", ["Name", "Nom"]),
        _plain("integer", "age", "people/age", ["Age", "Âge"], required=True),
        _plain(
            "select_multiple",
            "langs",
            "people/langs",
            ["Languages spoken", "Langues parlées"],
            select_from_list_name="lang",
        ),
        _plain("begin_repeat", "skills", "people/skills", ["Skills", "Compétences"]),
        _plain("text", "skill", "people/skills/skill", ["Skill", "Compétence"]),
        _plain("integer", "years", "people/skills/years", ["Years", "Années"]),
        {"type": "end_repeat", "$kuid": "kendskills"},
        {"type": "end_repeat", "$kuid": "kendpeople"},
    ]
    choices = [
        {"list_name": "lang", "name": n, "$autovalue": n, "label": [en, fr]}
        for n, en, fr in [
            ("vi", "Vietnamese", "Vietnamien"),
            ("tay", "Tày", "Tày"),
            ("en", "English", "Anglais"),
        ]
    ]
    v1 = {
        "schema": "1",
        "survey": v1_survey,
        "choices": choices,
        "settings": {},
        "translations": langs,
        "translated": ["label"],
    }
    v2_survey = [dict(row) for row in v1_survey]
    renamed = next(r for r in v2_survey if r.get("$autoname") == "age")
    renamed.update({"$autoname": "age_years", "$xpath": "people/age_years"})
    v2_survey.insert(
        4,
        _plain("date", "birth_date", "people/birth_date", ["Date of birth", "Date de naissance"]),
    )
    v2 = {**v1, "survey": v2_survey}
    return v1, v2


def _named(kind: str, name: str, labels: list[str], **extra: Any) -> dict[str, Any]:
    return {"type": kind, "name": name, "$autoname": name, "label": labels, **extra}


def health_post_content() -> dict[str, Any]:
    """A health-post survey in English and French: a repeat of patients, a select_one and a
    select_multiple, bounded numbers, a pattern, a question shown only sometimes."""
    survey = [
        _named("text", "post", ["Health post", "Poste de santé"], required=True),
        _named(
            "integer",
            "beds",
            ["Beds", "Lits"],
            required=True,
            constraint=". >= 0 and . <= 200",
        ),
        _named("text", "code", ["Code", "Code"], constraint="regex(., '^HP-[0-9]{3}$')"),
        _named("select_one yn", "has_lab", ["Has a lab", "A un labo"], required=True),
        _named(
            "integer",
            "lab_staff",
            ["Lab staff", "Personnel du labo"],
            required=True,
            relevant="${has_lab} = 'yes'",
        ),
        {"type": "begin_repeat", "name": "patients", "label": ["Patients", "Patients"]},
        _named("integer", "age", ["Age", "Âge"], required=True, constraint=". >= 0 and . < 120"),
        _named("select_multiple sym", "symptoms", ["Symptoms", "Symptômes"]),
        {"type": "end_repeat"},
    ]
    choices = [
        {"list_name": ln, "name": n, "label": [en, fr]}
        for ln, n, en, fr in [
            ("yn", "yes", "Yes", "Oui"),
            ("yn", "no", "No", "Non"),
            ("sym", "fever", "Fever", "Fièvre"),
            ("sym", "cough", "Cough", "Toux"),
        ]
    ]
    content = {
        "schema": "1",
        "survey": survey,
        "choices": choices,
        "settings": {},
        "translations": ["English (en)", "Français (fr)"],
        "translated": ["label"],
    }
    return content
