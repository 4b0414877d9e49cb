"""Central's OData for the local stand-in: rows as Central renders them, `$filter` on the
system fields only, newest first, `$top` with an opaque `$skiptoken` in `@odata.nextLink`.

Refusals as the real server (issue 17): `$orderby` with `$skiptoken` 501.1, `$filter` on a
form field 501.5, `$select` with `$expand` 501.11. A `$skiptoken` that names no row of the
listing (garbage, or the row has been deleted since) gives an empty page, silently.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from localcentral.store import CentralForm, CentralProblem, Submission, iso

_SYSTEM = {
    "__id",
    "__system/submissionDate",
    "__system/updatedAt",
    "__system/deletedAt",
    "__system/reviewState",
    "__system/submitterId",
    "__system/edits",
    "__system/formVersion",
}


class Shape:
    """The structure of one form version: each question's type, which paths are repeats."""

    def __init__(self, content: Mapping[str, Any]) -> None:
        self.types: dict[str, str] = {}
        self.repeats: set[str] = set()
        self.top: dict[str, str | None] = {}  # question path → repeat holding it
        stack: list[tuple[str, bool]] = []
        for row in content.get("survey", []):
            kind = str(row.get("type", ""))
            if kind in ("end_group", "end_repeat"):
                if stack:
                    stack.pop()
                continue
            name = str(row.get("name") or row.get("$autoname") or "")
            parent = stack[-1][0] if stack else ""
            path = f"{parent}/{name}" if parent else name
            if kind in ("begin_group", "begin_repeat"):
                stack.append((path, kind == "begin_repeat"))
                if kind == "begin_repeat":
                    self.repeats.add(path)
                continue
            self.types[path] = kind
            if not any(repeat for _, repeat in stack) and kind != "note":
                self.top[path] = None


def _typed(kind: str | None, value: Any, wkt: bool) -> Any:
    if not isinstance(value, str):
        return value
    try:
        if kind == "integer":
            return int(value)
        if kind in ("decimal", "range"):
            number = float(value)
            return int(number) if kind == "range" and number.is_integer() else number
    except ValueError:
        return value
    if kind == "geopoint":
        parts = value.split()
        if len(parts) >= 2:
            lat, lon = float(parts[0]), float(parts[1])
            alt = float(parts[2]) if len(parts) > 2 else 0.0
            acc = float(parts[3]) if len(parts) > 3 else None
            if wkt:
                return f"POINT ({lon} {lat} {alt})"
            return {
                "type": "Point",
                "coordinates": [lon, lat, alt],
                "properties": {"accuracy": acc},
            }
    return value


def _place(out: dict[str, Any], relative: str, value: Any) -> None:
    *groups, leaf = relative.split("/")
    node = out
    for group in groups:
        child = node.get(group)
        if not isinstance(child, dict):
            child = node[group] = {}
        node = child
    node[leaf] = value


def nest(
    flat: Mapping[str, Any], shape: Shape, prefix: str = "", *, wkt: bool = False, iid: str = ""
) -> dict[str, Any]:
    """Flat answers (full paths) → Central's nested row; repeats inline, as `$expand=*`."""
    out: dict[str, Any] = {}
    if not prefix:
        for path in shape.top:  # Central writes every question of the form, null if empty
            _place(out, path, None)
    for key, value in flat.items():
        relative = key[len(prefix) + 1 :] if prefix else key
        if key in shape.repeats and isinstance(value, list):
            items = []
            for position, item in enumerate(value, start=1):
                row = nest(item, shape, key, wkt=wkt, iid=iid)
                row["__id"] = hashlib.sha1(f"{iid}/{key}/{position}".encode()).hexdigest()
                items.append(row)
            _place(out, relative, items)
            continue
        if key.startswith("_") or key.startswith("formhub/") or key == "__version__":
            continue
        _place(out, relative, _typed(shape.types.get(key), value, wkt))
    return out


def render(
    form: CentralForm, sub: Submission, shapes: dict[str, Shape], *, wkt: bool = False
) -> dict[str, Any]:
    version = form.version(sub.form_version)
    shape = shapes.get(sub.form_version)
    if shape is None:
        shape = shapes[sub.form_version] = Shape(version.content if version else {})
    row: dict[str, Any] = {"__id": sub.iid}
    row.update(nest(sub.answers, shape, wkt=wkt, iid=sub.iid))
    meta = row.setdefault("meta", {})
    meta.pop("deprecatedID", None)  # kept in the XML, not a field of the form
    row["__system"] = {
        "submissionDate": iso(sub.created_at),
        "updatedAt": iso(sub.updated_at) if sub.updated_at else None,
        "submitterId": str(sub.submitter_id),
        "submitterName": sub.submitter_name,
        "attachmentsPresent": 0,
        "attachmentsExpected": 0,
        "status": None,
        "reviewState": sub.review_state,
        "deviceId": sub.device_id,
        "edits": sub.edits,
        "formVersion": sub.form_version,
        "deletedAt": iso(sub.deleted_at) if sub.deleted_at else None,
    }
    return row


# -- $filter -----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<str>'(?:[^']|'')*')"
    r"|(?P<date>\d{4}-\d\d-\d\d(?:T[\d:.]+(?:Z|[+-]\d\d:\d\d)?)?)"
    r"|(?P<num>-?\d+(?:\.\d+)?)|(?P<word>[A-Za-z_][\w/]*))"
)
_OPS = {"eq", "ne", "gt", "ge", "lt", "le"}
Predicate = Callable[[Submission], bool]


def _value(sub: Submission, name: str) -> Any:
    return {
        "__id": sub.iid,
        "__system/submissionDate": sub.created_at,
        "__system/updatedAt": sub.updated_at,
        "__system/deletedAt": sub.deleted_at,
        "__system/reviewState": sub.review_state,
        "__system/submitterId": sub.submitter_id,
        "__system/edits": sub.edits,
        "__system/formVersion": sub.form_version,
    }[name]


def _literal(kind: str, text: str) -> Any:
    if kind == "str":
        return text[1:-1].replace("''", "'")
    if kind == "date":
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    if kind == "num":
        return float(text) if "." in text else int(text)
    return {"null": None, "true": True, "false": False}.get(text, text)


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if left is None or right is None:
        return False
    if isinstance(left, datetime) and isinstance(right, datetime):
        pass
    elif isinstance(left, datetime) or isinstance(right, datetime):
        return False
    return bool(
        {"gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right}[op]
    )


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        self.fields: set[str] = set()
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if not match or match.end() == position:
                if text[position:].strip() == "":
                    break
                raise CentralProblem(400, "400.18", f"The OData filter could not be parsed: {text}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise CentralProblem(400, "400.18", "The OData filter ended too early.")
        self.at += 1
        return token

    def expression(self) -> Predicate:
        left = self.conjunction()
        while self.peek() == ("word", "or"):
            self.take()
            right = self.conjunction()
            left = (lambda a, b: lambda s: a(s) or b(s))(left, right)
        return left

    def conjunction(self) -> Predicate:
        left = self.unary()
        while self.peek() == ("word", "and"):
            self.take()
            right = self.unary()
            left = (lambda a, b: lambda s: a(s) and b(s))(left, right)
        return left

    def unary(self) -> Predicate:
        if self.peek() == ("word", "not"):
            self.take()
            inner = self.unary()
            return lambda s: not inner(s)
        if self.peek() == ("lp", "("):
            self.take()
            inner = self.expression()
            if self.take() != ("rp", ")"):
                raise CentralProblem(400, "400.18", "The OData filter has unbalanced brackets.")
            return inner
        return self.comparison()

    def operand(self) -> tuple[str | None, Any]:
        kind, text = self.take()
        if kind == "word" and text not in ("null", "true", "false"):
            if text not in _SYSTEM:
                raise CentralProblem(
                    501,
                    "501.5",
                    "The given OData filter expression references fields not supported by "
                    f"this server: {text}. Only __id and __system fields are supported.",
                )
            self.fields.add(text)
            return text, None
        return None, _literal(kind, text)

    def comparison(self) -> Predicate:
        left_field, left_value = self.operand()
        kind, op = self.take()
        if kind != "word" or op not in _OPS:
            raise CentralProblem(
                501, "501.4", f"The given OData filter operator is not supported: {op}"
            )
        right_field, right_value = self.operand()

        def predicate(sub: Submission) -> bool:
            a = _value(sub, left_field) if left_field else left_value
            b = _value(sub, right_field) if right_field else right_value
            return _compare(op, a, b)

        return predicate


def parse_filter(text: str) -> tuple[Predicate, set[str]]:
    """The predicate of a `$filter` and the fields it names."""
    parser = _Parser(text)
    predicate = parser.expression()
    if parser.peek() is not None:
        raise CentralProblem(400, "400.18", f"The OData filter could not be parsed: {text}")
    return predicate, parser.fields


def skiptoken(iid: str) -> str:
    data = json.dumps({"instanceId": iid}, separators=(",", ":")).encode()
    return "01" + base64.urlsafe_b64encode(data).decode().rstrip("=")


def read_skiptoken(token: str) -> str | None:
    try:
        data = token[2:] + "=" * (-len(token[2:]) % 4)
        value = json.loads(base64.urlsafe_b64decode(data.encode()))
        return str(value["instanceId"])
    except (ValueError, KeyError, TypeError):
        return None


def listing(
    form: CentralForm, params: Mapping[str, str], *, wkt: bool = False
) -> tuple[list[Submission], int, str | None]:
    """The submissions of one page (newest first), how many match in all, and the
    `$skiptoken` of the next page (None on the last one)."""
    if "$orderby" in params and "$skiptoken" in params:
        raise CentralProblem(
            501,
            "501.1",
            "The requested feature $orderby with $skiptoken is not supported by this server.",
        )
    if "$select" in params and "$expand" in params:
        raise CentralProblem(
            501,
            "501.11",
            "The requested feature using $select and $expand together is not supported by "
            "this server.",
        )
    predicate: Predicate = lambda _s: True  # noqa: E731
    named: set[str] = set()
    if params.get("$filter"):
        predicate, named = parse_filter(params["$filter"])
    with_deleted = "__system/deletedAt" in named
    rows = [
        s
        for s in form.submissions.values()
        if (with_deleted or s.deleted_at is None) and predicate(s)
    ]
    order = params.get("$orderby", "")
    if order:
        field, _, direction = order.partition(" ")
        if field not in _SYSTEM:
            raise CentralProblem(501, "501.5", f"$orderby on {field} is not supported.")
        rows.sort(
            key=lambda s: (_value(s, field) is not None, _value(s, field) or 0, s.serial),
            reverse=direction.strip() == "desc",
        )
    else:
        rows.sort(key=lambda s: (s.created_at, s.serial), reverse=True)
    total = len(rows)
    start = 0
    if params.get("$skiptoken"):
        after = read_skiptoken(params["$skiptoken"])
        index = next((i for i, s in enumerate(rows) if s.iid == after), None)
        if index is None:
            return [], total, None  # a stale or invalid token: an empty page, no error
        start = index + 1
    elif params.get("$skip"):
        start = int(params["$skip"])
    top = int(params["$top"]) if params.get("$top") else None
    page = rows[start : start + top] if top is not None else rows[start:]
    more = top is not None and start + top < total
    return page, total, skiptoken(page[-1].iid) if more and page else None
