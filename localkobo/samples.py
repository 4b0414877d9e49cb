"""Sample asset content for the local server: a bilingual Learning Family survey with groups,
a household roster repeat, a select_multiple, a geopoint and a district → commune cascade
over the 108 communes of 2020–2025. Used until the built forms are deployed instead.
"""

from __future__ import annotations

import csv
import zlib
from importlib import resources
from typing import Any

TRANSLATIONS = ["Tiếng Việt (vi)", "English (en)"]


def _row(kind: str, name: str, vi: str, en: str, path: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "type": kind,
        "name": name,
        "$autoname": name,
        "$kuid": f"k{zlib.crc32(path.encode()):08x}",
        "$xpath": path,
        "label": [vi, en],
    }
    row.update(extra)
    return row


def _choice(list_name: str, name: str, vi: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"list_name": list_name, "name": name, "$autovalue": name, "label": [vi, en], **extra}


def _admin_choices() -> list[dict[str, Any]]:
    source = (
        resources.files("forms") / "reference" / "bac_kan_admin_units_2020-02-01_2025-06-30.csv"
    )
    choices: list[dict[str, Any]] = []
    districts: dict[str, str] = {}
    with source.open(encoding="utf-8") as handle:
        for unit in csv.DictReader(handle):
            districts[unit["district_code"]] = unit["district_name"]
            choices.append(
                _choice(
                    "commune",
                    unit["commune_code"],
                    unit["commune_name"],
                    unit["commune_name"],
                    district=unit["district_code"],
                )
            )
    return [_choice("district", code, n, n) for code, n in districts.items()] + choices


def family_demo_content() -> dict[str, Any]:
    """KPI content of the demo Learning Family survey."""
    yes_no = [_choice("yes_no", "yes", "Có", "Yes"), _choice("yes_no", "no", "Không", "No")]
    met = [
        _choice("met", "full", "Đạt đầy đủ", "Fully met"),
        _choice("met", "partial", "Đạt một phần", "Partly met"),
        _choice("met", "none", "Không đạt", "Not met"),
    ]
    activities = [
        _choice("activity", a, vi, en)
        for a, vi, en in [
            ("reading", "Đọc sách báo", "Reading"),
            ("clc_class", "Lớp ở TTHTCĐ", "CLC class"),
            ("vocational", "Học nghề", "Vocational training"),
            ("extension", "Khuyến nông", "Agricultural extension"),
            ("online", "Học trực tuyến", "Online learning"),
        ]
    ]
    sex = [_choice("sex", "m", "Nam", "Male"), _choice("sex", "f", "Nữ", "Female")]
    survey = [
        {"type": "start", "name": "start", "$autoname": "start", "$xpath": "start"},
        {"type": "end", "name": "end", "$autoname": "end", "$xpath": "end"},
        {"type": "today", "name": "today", "$autoname": "today", "$xpath": "today"},
        {"type": "deviceid", "name": "deviceid", "$autoname": "deviceid", "$xpath": "deviceid"},
        _row("begin_group", "location", "Địa bàn", "Location", "location"),
        _row(
            "select_one",
            "district",
            "Huyện",
            "District",
            "location/district",
            select_from_list_name="district",
            required=True,
        ),
        _row(
            "select_one",
            "commune",
            "Xã",
            "Commune",
            "location/commune",
            select_from_list_name="commune",
            choice_filter="district=${district}",
            required=True,
        ),
        _row("text", "village", "Thôn/bản", "Village", "location/village", required=True),
        _row("geopoint", "gps", "Vị trí", "Location (GPS)", "location/gps"),
        {"type": "end_group", "$kuid": "kend1"},
        _row("begin_group", "household", "Hộ gia đình", "Household", "household"),
        _row("text", "head_name", "Họ tên chủ hộ", "Head of household", "household/head_name"),
        _row("text", "phone", "Số điện thoại", "Phone", "household/phone"),
        _row("integer", "year", "Năm đánh giá", "Evaluation year", "household/year"),
        {"type": "end_group", "$kuid": "kend2"},
        _row("begin_repeat", "member", "Thành viên", "Household member", "member"),
        _row("integer", "age", "Tuổi", "Age", "member/age", required=True),
        _row("select_one", "sex", "Giới tính", "Sex", "member/sex", select_from_list_name="sex"),
        _row(
            "select_multiple",
            "activities",
            "Hoạt động học tập năm nay",
            "Learning activities this year",
            "member/activities",
            select_from_list_name="activity",
        ),
        {"type": "end_repeat", "$kuid": "kend3"},
        _row("begin_group", "criteria", "Tiêu chí", "Criteria", "criteria"),
        _row(
            "select_one",
            "c1b",
            "1b Kết quả học tập của trẻ",
            "1b Children's results",
            "criteria/c1b",
            select_from_list_name="met",
        ),
        _row(
            "select_one",
            "c3_fund",
            "Có quỹ khuyến học gia đình",
            "Has a family study fund",
            "criteria/c3_fund",
            select_from_list_name="yes_no",
        ),
        {"type": "end_group", "$kuid": "kend4"},
        _row("image", "photo", "Ảnh minh chứng", "Photo evidence", "photo"),
    ]
    return {
        "schema": "1",
        "survey": survey,
        "choices": _admin_choices() + yes_no + met + activities + sex,
        "settings": {"default_language": "Tiếng Việt (vi)"},
        "translations": TRANSLATIONS,
        "translated": ["label", "hint"],
    }


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
