"""warehouse.jsontext reads and writes payload JSON as the standard module does: the same
values, the same canonical text where floats are spelled alike (so content hashes of stored
submissions do not change), and the standard module where orjson cannot write a value
exactly (long integers, NaN, lone surrogates)."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse import jsontext
from warehouse.raw import RawRecord, content_hash


def _stdlib_canonical(value: dict[str, Any], without: frozenset[str] = frozenset()) -> bytes:
    stable = {k: v for k, v in value.items() if k not in without}
    return json.dumps(stable, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _same(a: Any, b: Any) -> bool:
    """Equal, NaN equal to NaN, and of the same types (an int never read as a float)."""
    if isinstance(a, float) and isinstance(b, float):  # `Constant` for NaN and infinities
        return math.isnan(b) if math.isnan(a) else a == b
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _plain(value: Any) -> bool:
    """No float that orjson spells otherwise (exponent notation, or below 1e-4)."""
    if isinstance(value, float):
        return value == 0.0 or 1e-4 <= abs(value) < 1e16 or not math.isfinite(value)
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return True


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()  # (lone surrogates: test_the_cases_orjson_alone_would_get_wrong)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(), values, max_size=6))
def test_reads_and_writes_as_the_standard_module(value: dict[str, Any]) -> None:
    """Read from a JSON text: the same values; written: the same text where floats are
    spelled alike, and always a text that reads back to the same values."""
    text = json.dumps(value, ensure_ascii=False)
    read = jsontext.loads(text)
    assert _same(read, json.loads(text))
    assert _same(jsontext.loads(text.encode()), json.loads(text))
    assert _same(jsontext.loads(jsontext.dumps(read)), read)
    assert _same(jsontext.loads(jsontext.canonical(read)), read)
    if _plain(read):
        assert jsontext.canonical(read) == _stdlib_canonical(json.loads(text))
        assert jsontext.dumps(read) == json.dumps(read, ensure_ascii=False, separators=(",", ":"))


def test_the_cases_orjson_alone_would_get_wrong() -> None:
    big = jsontext.loads('{"_id": 123456789012345678901234567890, "n": 9007199254740993}')
    assert big == {"_id": 123456789012345678901234567890, "n": 9007199254740993}
    assert jsontext.dumps(big) == '{"_id":123456789012345678901234567890,"n":9007199254740993}'
    odd = jsontext.loads('{"a": NaN, "b": Infinity, "s": "\\ud800", "c": [1e-07]}')
    assert math.isnan(odd["a"]) and odd["b"] == math.inf and odd["s"] == "\ud800"
    stored = jsontext.dumps(odd)
    assert stored == '{"a":NaN,"b":Infinity,"s":"\\ud800","c":[1e-07]}'
    stored.encode()  # a text that can be stored
    assert jsontext.canonical(odd) == b'{"a":NaN,"b":Infinity,"c":[1e-07],"s":"\xed\xa0\x80"}'
    without = frozenset({"_validation_status"})
    assert jsontext.canonical({"b": 1, "_validation_status": {}}, without) == b'{"b":1}'


def test_content_hashes_of_submissions_are_unchanged() -> None:
    """The hash of a KoboToolbox-shaped payload, Vietnamese text, a roster, a geolocation,
    control characters: what the standard module's canonical text hashes to."""
    import hashlib

    payload = {
        "_id": 41,
        "_uuid": "3e4f0c2a-8b1d-4e5f-9a6b-7c8d9e0f1a2b",
        "_geolocation": [22.1470349, 105.8348112],
        "_validation_status": {"uid": "validation_status_approved"},
        "respondent/name": 'Nguyễn Thị Hoà\u0301 \x01 \u2028 "q" \\',
        "household/members": [{"household/members/age": "7"}, {"household/members/age": "44"}],
        "_attachments": [],
        "score": 12.5,
    }
    without = frozenset({"_validation_status"})
    expected = hashlib.sha256(_stdlib_canonical(payload, without)).hexdigest()
    assert content_hash(payload) == expected
    record = RawRecord.from_payload(payload)
    assert record.content_hash == expected
    assert json.loads(record.payload) == payload
