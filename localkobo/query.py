"""The subset of Mongo query semantics that the KoboToolbox data endpoint passes through.

Only the whitelisted operators act as operators; any other `$` key becomes a literal field
name on the real server, so it matches nothing here too. Values are compared only with
values of the same kind (numbers with numbers, strings with strings), as Mongo does.
`$expr` and `$ifNull`, whitelisted on the real server, are not evaluated here: a query using
them gets 400 ["Unsupported query"] rather than a silent empty result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

ALLOWED = frozenset(
    {
        "$or", "$and", "$in", "$nin", "$not", "$exists", "$gt", "$gte", "$lt", "$lte",
        "$regex", "$options", "$all", "$elemMatch", "$ne", "$expr", "$ifNull",
    }
)  # fmt: skip

_MISSING = object()


class UnsupportedQueryError(Exception):
    """Raised where the real server answers 400 ["Unsupported query"] (or, for `$expr` and
    `$ifNull`, where this double does not evaluate what the real server would)."""


def _get(doc: Mapping[str, Any], key: str) -> Any:
    if key.startswith("_validation_status.") and "." in key:
        status = doc.get("_validation_status") or {}
        return status.get(key.split(".", 1)[1], _MISSING)
    return doc.get(key, _MISSING)


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return True
    return isinstance(a, str) and isinstance(b, str)


def _equals(value: Any, target: Any) -> bool:
    if value is _MISSING:
        return target is None
    if isinstance(value, list) and not isinstance(target, list):
        return any(_equals(v, target) for v in value)
    return bool(_comparable(value, target) and value == target) or (
        value is None and target is None
    )


def _compare(value: Any, op: str, target: Any) -> bool:
    if value is _MISSING or not _comparable(value, target):
        return False
    if op == "$gt":
        return bool(value > target)
    if op == "$gte":
        return bool(value >= target)
    if op == "$lt":
        return bool(value < target)
    return bool(value <= target)


def _match_operators(value: Any, spec: Mapping[str, Any]) -> bool:
    for op, target in spec.items():
        if op not in ALLOWED:
            return False  # mangled into a field name on the real server: matches nothing
        if op in ("$gt", "$gte", "$lt", "$lte"):
            if not _compare(value, op, target):
                return False
        elif op == "$ne":
            if _equals(value, target):
                return False
        elif op == "$in":
            if not isinstance(target, list):
                raise UnsupportedQueryError("$in needs an array")
            if not any(_equals(value, t) for t in target):
                return False
        elif op == "$nin":
            if not isinstance(target, list):
                raise UnsupportedQueryError("$nin needs an array")
            if any(_equals(value, t) for t in target):
                return False
        elif op == "$exists":
            if (value is not _MISSING) != bool(target):
                return False
        elif op == "$regex":
            flags = re.IGNORECASE if "i" in str(spec.get("$options", "")) else 0
            if not isinstance(value, str) or not re.search(str(target), value, flags):
                return False
        elif op == "$options":
            continue
        elif op == "$all":
            if not isinstance(target, list):
                raise UnsupportedQueryError("$all needs an array")
            items = value if isinstance(value, list) else [value]
            if not all(any(_equals(v, t) for v in items) for t in target):
                return False
        elif op == "$elemMatch":
            if not isinstance(value, list) or not any(
                isinstance(v, dict) and matches(v, target) for v in value
            ):
                return False
        elif op == "$not":
            if isinstance(target, dict) and _match_operators(value, target):
                return False
        else:  # $expr / $ifNull: not evaluated by this double (400, never a silent miss)
            raise UnsupportedQueryError(op)
    return True


def matches(doc: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    for key, spec in query.items():
        if key == "$or":
            if not any(matches(doc, q) for q in spec):
                return False
        elif key == "$and":
            if not all(matches(doc, q) for q in spec):
                return False
        elif key in ("$expr", "$ifNull"):
            # whitelisted on the real server; not evaluated by this double, so say so (400)
            # instead of silently matching nothing
            raise UnsupportedQueryError(key)
        elif key.startswith("$"):
            return False  # any other operator is mangled into a field name: matches nothing
        else:
            value = _get(doc, key)
            if isinstance(spec, dict) and any(k.startswith("$") for k in spec):
                if not _match_operators(value, spec):
                    return False
            else:
                target = spec
                if key == "_id" and isinstance(spec, str) and spec.isdigit():
                    target = int(spec)  # a scalar _id is coerced to int by the server
                if not _equals(value, target):
                    return False
    return True
