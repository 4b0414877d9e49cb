"""The exception root shared by every htsd package, and the catalogue of coded messages.

Errors a person must fix carry a stable code, the place (file, key, server...) and the
parameters of the message. Each package family declares its codes as one `ErrorCode` enum
(like pyxform's `ErrorCode`): every member is the stable code string with its text in
Vietnamese and English, so a code without both texts cannot exist. The text is only rendered
at the command-line boundary; library code never formats user text.

Whether an error is worth retrying later (from cron) is a property of its type:
`RemoteError` and its subclasses are, everything else is something a person must fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Self

from forms.text import Text


@dataclass(frozen=True)
class Message:
    """One catalogue entry: what is wrong and how to fix it, in both languages."""

    what_vi: str
    what_en: str
    fix_vi: str = ""
    fix_en: str = ""

    @property
    def what(self) -> Text:
        return Text(self.what_vi, self.what_en)

    @property
    def fix(self) -> Text:
        return Text(self.fix_vi, self.fix_en)


class ErrorCode(StrEnum):
    """Base of each family's codes: a member is its stable code string and its `Message`.

    Declare members as `NAME = "CODE001", Message(...)`; the member equals "CODE001"."""

    message: Message

    def __new__(cls, code: str, message: Message) -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.message = message
        return member


def all_codes() -> list[ErrorCode]:
    """Every code of every family imported so far (families subclass ErrorCode)."""
    found: list[ErrorCode] = []
    pending: list[type[ErrorCode]] = list(ErrorCode.__subclasses__())
    while pending:
        family = pending.pop()
        pending.extend(family.__subclasses__())
        found.extend(family)
    return found


class _SafeDict(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _in(lang: str, params: dict[str, Any]) -> _SafeDict:
    """The parameters for one language: a `Text` parameter gives its text in that language."""
    return _SafeDict({k: v.get(lang) if isinstance(v, Text) else v for k, v in params.items()})


@dataclass
class HtsdError(Exception):
    """Root of every error meant for a person: a code, a place and message parameters."""

    code: ErrorCode
    where: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    retryable: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if not isinstance(self.code, ErrorCode):
            raise TypeError(f"HtsdError needs an ErrorCode member, not {self.code!r}")
        super().__init__(self.render("en"))

    def text(self) -> Text:
        """`what — fix` in both languages, without the code and place."""
        message = self.code.message
        parts = []
        for lang in ("vi", "en"):
            values = _in(lang, self.params)
            what = message.what.get(lang).format_map(values)
            fix = message.fix.get(lang).format_map(values)
            parts.append(f"{what} — {fix}" if fix else what)
        return Text(parts[0], parts[1])

    def render(self, lang: str = "vi") -> str:
        """One line: `[CODE] where: what — fix`."""
        place = f" {self.where}:" if self.where else ""
        return f"[{self.code}]{place} {self.text().get(lang)}"

    def __str__(self) -> str:
        return self.render("en")


class RemoteError(HtsdError):
    """A server or the network failed after retries: safe to run the command again later."""

    retryable: ClassVar[bool] = True
