"""The one finding record of the project: a problem in data, reported and kept, never raised.

Used by the typed-table load (answers that do not parse), by `htsd forms check` (problems in
the rubric, reference and XLSForm files) and by the validation rules. A finding names its
rule, the submission and field (or the file and item) it is about, the value found, and a
message in both languages; the warehouse stores it as a row with both texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from forms.errors import HtsdError
from forms.text import Text


class Severity(StrEnum):
    WARNING = "warning"  # kept and reported; does not hold the submission back
    ERROR = "error"  # must be fixed or accepted by a data manager


@dataclass(frozen=True)
class Finding:
    """What is wrong, where, with which value; `message` in Vietnamese and English."""

    rule: str  # stable id: "value.unparsed", "FRM004", ...
    field: str  # a question's path, or "file: item" for a file
    value: str
    message: Text
    severity: Severity = Severity.WARNING
    submission: int | None = None  # the submission's `_id`, when about a submission
    index: tuple[int, ...] = ()  # repeat index path of the row, 1-based

    @property
    def code(self) -> str:
        """The rule id; for a finding made from a coded error, that error's code."""
        return self.rule

    @property
    def where(self) -> str:
        """The field, or for a file the file and item: where the finding points."""
        return self.field

    def render(self, lang: str = "vi") -> str:
        """One line: `[RULE] where: message`."""
        place = f" {self.field}:" if self.field else ""
        return f"[{self.rule}]{place} {self.message.get(lang)}"

    @classmethod
    def from_error(cls, error: HtsdError, severity: Severity = Severity.ERROR) -> Finding:
        """A coded error found while checking files, kept as a finding among others."""
        return cls(str(error.code), error.where, "", error.text(), severity)
