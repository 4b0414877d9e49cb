"""The exception root shared by every htsd package, and the catalogue of coded messages.

Errors a person must fix carry a stable code, the place (file, key, server...) and the
parameters of the message. The text itself, in Vietnamese (default) and English, is only
rendered at the command-line boundary, so library code never formats user text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class Message:
    """One catalogue entry: what is wrong and how to fix it, in both languages."""

    what_vi: str
    what_en: str
    fix_vi: str = ""
    fix_en: str = ""


_CATALOGUE: dict[str, Message] = {}


def register_messages(entries: dict[str, Message]) -> None:
    """Add coded messages to the catalogue (each package registers its own)."""
    for code, message in entries.items():
        if code in _CATALOGUE and _CATALOGUE[code] != message:
            raise ValueError(f"message code {code} registered twice with different text")
        _CATALOGUE[code] = message


def message_for(code: str) -> Message | None:
    return _CATALOGUE.get(code)


class _SafeDict(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass
class HtsdError(Exception):
    """Root of every error meant for a person: a code, a place and message parameters."""

    code: str
    where: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.render("en"))

    def render(self, lang: str = "vi") -> str:
        """One line: `[CODE] where: what — fix`."""
        message = message_for(self.code)
        values = _SafeDict(self.params)
        if message is None:
            what = ", ".join(f"{k}={v}" for k, v in self.params.items()) or self.code
            fix = ""
        elif lang == "en":
            what = message.what_en.format_map(values)
            fix = message.fix_en.format_map(values)
        else:
            what = message.what_vi.format_map(values)
            fix = message.fix_vi.format_map(values)
        place = f" {self.where}:" if self.where else ""
        text = f"[{self.code}]{place} {what}"
        if fix:
            text += f" — {fix}"
        return text

    def __str__(self) -> str:
        return self.render("en")
