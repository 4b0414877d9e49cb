"""The names of the six forms htsd builds, in build order: light enough for the settings to
check `[kobo.assets]` against without importing the form builder (forms/definitions, whose
FORMS must list exactly these; tests/forms/test_build.py checks it)."""

from __future__ import annotations

FORM_IDS: tuple[str, ...] = (
    "clc_assessment",
    "gia_dinh",
    "dong_ho",
    "cong_dong",
    "don_vi",
    "hoat_dong",
)
