"""Bilingual text and the two languages of every form.

Vietnamese is the default language of the forms; English is the second. In an XLSForm they
are the translated columns `label::Tiếng Việt (vi)` and `label::English (en)` (the same for
`hint` and `constraint_message`). `local_time` shows a stored UTC time as people in Vietnam
read it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Language:
    """A form language: its short code and its XLSForm column suffix (None: unnamed)."""

    code: str
    name: str | None


VI = Language("vi", "Tiếng Việt (vi)")
EN = Language("en", "English (en)")
LANGUAGES: tuple[Language, ...] = (VI, EN)
DEFAULT_LANGUAGE = VI

PROVISIONAL_MARK = "(tạm thời / provisional)"  # bilingual documents (forms doc, reports)
PROVISIONAL_VI = "(tạm thời)"  # the Vietnamese interface of a form
PROVISIONAL_EN = "(provisional)"

_CODE_IN_NAME = re.compile(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)\)\s*$")


def language_code(name: str | None) -> str:
    """The code of an XLSForm language name: `Tiếng Việt (vi)` → `vi`; no name → `default`."""
    if not name:
        return "default"
    match = _CODE_IN_NAME.search(name)
    return match.group(1) if match else name


@dataclass(frozen=True)
class Text:
    """A text in Vietnamese and English."""

    vi: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi

    def as_dict(self) -> dict[str, str]:
        return {"vi": self.vi, "en": self.en}

    def map(self, vi_suffix: str = "", en_suffix: str | None = None) -> Text:
        """The same text with a suffix appended in each language."""
        return Text(self.vi + vi_suffix, self.en + (vi_suffix if en_suffix is None else en_suffix))

    @classmethod
    def same(cls, value: str) -> Text:
        """A proper name, identical in both languages."""
        return cls(value, value)

    @classmethod
    def parse(cls, value: Any) -> Text | None:
        """A `{vi: ..., en: ...}` mapping as read from YAML; None when not a mapping of strings.

        Missing or empty languages give an empty string, which the checks report.
        """
        if not isinstance(value, Mapping):
            return None
        vi, en = value.get("vi", ""), value.get("en", "")
        if not isinstance(vi, str) or not isinstance(en, str):
            return None
        return cls(vi.strip(), en.strip())


def column(base: str, language: Language) -> str:
    """The XLSForm column of a translated field: `label::Tiếng Việt (vi)`."""
    return f"{base}::{language.name}"


def translated(base: str, text: Text | None) -> dict[str, str]:
    """The translated columns of `text` for an XLSForm row (empty when text is None)."""
    if text is None:
        return {}
    return {column(base, lang): text.get(lang.code) for lang in LANGUAGES}


def format_number(value: float, lang: str = "vi") -> str:
    """A number as people write it: `100.000.000` and `1,5` in Vietnamese, `100,000,000`
    and `1.5` in English (the thousands grouped by threes, no trailing decimal zeros)."""
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    if lang != "vi":
        return text
    return text.translate(str.maketrans(",.", ".,"))


def number_text(value: float) -> Text:
    """`format_number` in both languages."""
    return Text(format_number(value, "vi"), format_number(value, "en"))


VIETNAM_TIME = Text("giờ Việt Nam", "Vietnam time")


def _vietnam() -> tzinfo:
    """Asia/Ho_Chi_Minh; a fixed UTC+7 where the time-zone database is missing (Vietnam has
    no daylight saving time, so both give the same clock)."""
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=7), "ICT")


VIETNAM = _vietnam()


def local_time(value: str | datetime | None, lang: str) -> str:
    """A stored (UTC) time as people read it: `2026-12-02 23:06 (giờ Việt Nam)`. JSON output
    keeps the ISO UTC form; a value that is not a time is shown as it is."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(VIETNAM):%Y-%m-%d %H:%M} ({VIETNAM_TIME.get(lang)})"
