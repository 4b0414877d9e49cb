"""Answer strings → typed values, by the storage kind of the question.

KoboToolbox sends every answer as a string (docs/KOBO-API.md §4). Each question type is stored as
one *kind*:

| kind              | question types                                   | Python value          |
|-------------------|--------------------------------------------------|-----------------------|
| `integer`         | integer                                          | int (64-bit)          |
| `decimal`         | decimal, range                                   | float (finite)        |
| `date`            | date, today                                      | date                  |
| `datetime`        | dateTime, start, end                             | datetime, aware, UTC  |
| `time`            | time                                             | time, local wall clock|
| `geopoint`        | geopoint                                         | Geopoint              |
| `select_multiple` | select_multiple, select_multiple_from_file       | tuple of codes        |
| `text`            | everything else: text, select_one, calculate, ...| str                   |

`parse(kind, text)` returns the value, or raises ValueError with the reason; the caller keeps
the text and records a finding. A dateTime without an offset is taken as UTC; a time keeps
the clock time the surveyor saw and drops the device's offset (the raw payload keeps it).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

KINDS = ("text", "integer", "decimal", "date", "datetime", "time", "geopoint", "select_multiple")

_KIND_OF_TYPE = {
    "integer": "integer",
    "decimal": "decimal",
    "range": "decimal",
    "date": "date",
    "today": "date",
    "datetime": "datetime",
    "start": "datetime",
    "end": "datetime",
    "time": "time",
    "geopoint": "geopoint",
    "select_multiple": "select_multiple",
    "select_multiple_from_file": "select_multiple",
}

_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_INT64 = 2**63


@dataclass(frozen=True)
class Geopoint:
    """A geopoint answer `"lat lon alt acc"`; altitude and accuracy may be missing."""

    latitude: float
    longitude: float
    altitude: float | None = None
    accuracy: float | None = None


Value = str | int | float | date | datetime | time | Geopoint | tuple[str, ...]


def kind_of(field_type: str) -> str:
    """The storage kind of a question type (`dateTime` and `datetime` alike)."""
    return _KIND_OF_TYPE.get(field_type.lower(), "text")


def _decimal(text: str) -> float:
    if not _DECIMAL.match(text):
        raise ValueError("not a decimal number")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("out of range")
    return value


def _integer(text: str) -> int:
    if not _INTEGER.match(text):
        raise ValueError("not a whole number")
    value = int(text)
    if not -_INT64 <= value < _INT64:
        raise ValueError("out of the 64-bit range")
    return value


def _date(text: str) -> date:
    if not _DATE.match(text):
        raise ValueError("not a date YYYY-MM-DD")
    return date.fromisoformat(text)


def _datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _time(text: str) -> time:
    return time.fromisoformat(text).replace(tzinfo=None)


def _geopoint(text: str) -> Geopoint:
    parts = text.split()
    if not 2 <= len(parts) <= 4:
        raise ValueError("a geopoint is 'latitude longitude altitude accuracy'")
    numbers = [_decimal(p) for p in parts]
    if not (-90 <= numbers[0] <= 90 and -180 <= numbers[1] <= 180):
        raise ValueError("latitude or longitude out of range")
    rest = [*numbers[2:], None, None]
    return Geopoint(numbers[0], numbers[1], rest[0], rest[1])


def parse(kind: str, text: str) -> Value:
    """The typed value of an answer; ValueError (with the reason) when it does not parse."""
    if kind == "text":
        return unicodedata.normalize("NFC", text)  # Vietnamese typed in NFD compares equal
    if kind == "select_multiple":
        return tuple(text.split())
    if kind == "integer":
        return _integer(text.strip())
    if kind == "decimal":
        return _decimal(text.strip())
    if kind == "date":
        return _date(text.strip())
    if kind == "datetime":
        return _datetime(text.strip())
    if kind == "time":
        return _time(text.strip())
    if kind == "geopoint":
        return _geopoint(text)
    raise ValueError(f"unknown kind {kind}")
