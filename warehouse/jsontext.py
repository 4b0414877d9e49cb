"""JSON text of submissions: read with the standard module, written with orjson.

Every payload a sync lands is written twice (its canonical text for the content hash, its
stored text); with the standard `json` module that was a fifth of a sync's time, and orjson
writes the same text about seven times faster. (Reading is left to the standard module: on
pages of submissions orjson reads no faster, and it would read a long integer as a float.)

What orjson writes is what `json.dumps(..., ensure_ascii=False, separators=(",", ":"))`
writes (with `sort_keys=True` for the canonical text), except:

- what orjson cannot write exactly is written by the standard module: an integer beyond 64
  bits, a string holding a lone surrogate (escaped as `\\ud800` in a stored text, so that it
  can be stored), and `NaN` or an infinity read by `loads` (it
  reads them as `Constant`, a float orjson refuses; orjson would write a plain NaN as
  `null`, so an object built in Python must not hold one);
- a float in exponent notation or below 1e-4 has the same value and digits but another
  spelling (`1e-7`, `0.00001` against `1e-07`, `1e-05`). A payload holding one, landed by
  an htsd before this module, gets another content hash: the next sync sees it once as
  changed (its earlier payload kept in the history, as for any change).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson


class Constant(float):
    """`NaN`, `Infinity` or `-Infinity` as read from a JSON text: a float orjson refuses to
    write, so that the standard module writes it back as it was."""


_DECODER = json.JSONDecoder(parse_constant=Constant)


def loads(text: str | bytes) -> Any:
    """The value of a JSON text, as `json.loads` reads it (`NaN` and infinities as
    `Constant`)."""
    if isinstance(text, bytes):  # as json.loads decodes it
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    return _DECODER.decode(text)


def dumps(value: Any) -> str:
    """Compact JSON text with non-ASCII kept, as the standard module writes it (see the
    module's docstring for floats)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate: escaped, so the text can be stored
        return json.dumps(value, separators=(",", ":"))
    return text


def canonical(value: Mapping[str, Any], without: frozenset[str] = frozenset()) -> bytes:
    """The canonical UTF-8 JSON of an object less its keys `without`: keys sorted, compact,
    non-ASCII kept. What content hashes are taken of."""
    stable = {k: v for k, v in value.items() if k not in without}
    try:
        return orjson.dumps(stable, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        text = json.dumps(stable, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "surrogatepass")
