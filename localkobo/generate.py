"""Realistic synthetic answers generated from an asset's KPI content, as a device submits them.

Answers follow the data endpoint's encoding: every value a string, unanswered questions
absent, repeats as lists of objects keyed by full paths, select_multiple space-separated,
geopoints "lat lon alt acc" inside Bắc Kạn. The form's own expressions are applied with
`localkobo.xpath`, as the device would: a question, group or repeat whose `relevant` is
false is left out, `calculate` questions carry their computed value, selects offer only the
choices their `choice_filter` keeps (so a commune belongs to the district chosen before
it), `repeat_count` fixes the number of items, and an answer is drawn again until it meets
its `constraint` (numbers and dates are drawn inside the bounds the constraint states).
Required questions are always answered; an optional one is left blank now and then. The
form's `instance_name` gives `meta/instanceName`, as on the real server.
Two options make the answers those of a real campaign, for data validated as a whole
(`localkobo.problems`): `plausible` interviews last at least five minutes (by default the
shortest is four), and the `distinct` questions (what tells the evaluated household, clan,
village or unit apart: its code or name) never get an answer twice from one generator, drawn
from wider lists of names and codes, numbered when those run out.
A campaign may fix some answers in advance (`given`, by question name: the evaluation
date and year, the district and commune a surveyor was sent to), taken as they are when the
question is reached, and lean the draws of selects towards some choices (`favour`, choice
name → weight, 1 for the others): a household that will be recognised answers the criteria
"fully met" more often than one that will not.
Expressions outside the subset `localkobo.xpath` reads are ignored: the question is then
treated as relevant, unconstrained, unfiltered, and a calculation gives no value.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from localkobo import xpath

FAMILY_NAMES = ["Hoàng", "Nông", "Lường", "Triệu", "Bàn", "Ma", "Lý", "Đàm", "Hà", "Lục"]
GIVEN_NAMES = ["Văn Thắng", "Thị Hoa", "Văn Dũng", "Thị Mai", "Đức Anh", "Thị Lan", "Văn Hùng"]
WORDS = ["đọc sách", "lớp khuyến nông", "học nghề", "sinh hoạt CLB", "tin học", "tiếng Anh"]
VILLAGES = [
    "Thôn Nà Đăng",
    "Bản Khuổi Luông",
    "Bản Chiếng",
    "Thôn Nà Cọ",
    "Thôn Pác Giả",
    "Bản Cốc Slông",
    "Tổ dân phố 3",
]
# the wider lists of the `distinct` questions (each answer given once)
WIDE_FAMILY_NAMES = [
    *FAMILY_NAMES,
    *("Nguyễn", "Trần", "Lê", "Vi", "Lò", "Dương", "Chu", "Lăng", "Hầu", "Phùng"),
]
MIDDLE_NAMES = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Quang", "Xuân", "Thanh", "Hữu", "Kim"]
WIDE_GIVEN_NAMES = [
    *("Thắng", "Hoa", "Dũng", "Mai", "Anh", "Lan", "Hùng", "Toàn", "Hằng", "Quý"),
    *("Nga", "Sơn", "Thu", "Lợi", "Huệ", "Tiến", "Phượng", "Huy", "Duyên", "Bình"),
    *("Liên", "Hải", "Yến", "Tuấn", "Khánh", "Ánh", "Chung", "Thảo", "Cường", "Hạnh"),
]
VILLAGE_KINDS = ["Thôn", "Bản"]
VILLAGE_NAMES = [
    *("Nà Đăng", "Khuổi Luông", "Chiếng", "Nà Cọ", "Pác Giả", "Cốc Slông", "Nà Mò", "Bó Lù"),
    *("Pác Ngòi", "Cốc Tộc", "Khuổi Bốc", "Nà Làng", "Phiêng Phường", "Nà Pài", "Lủng Vài"),
    *("Pù Mắt", "Nà Phặc", "Khuổi Slẻo", "Bản Đăm", "Nà Hin", "Cốc Lót", "Pác Châm", "Nà Ngần"),
    *("Khuổi Khỉn", "Nà Lẹng", "Phja Đeng", "Nà Tùm", "Cốc Phường", "Nặm Dất", "Khau Ban"),
]
REPEAT_ITEMS = [1, 2, 2, 3, 3, 4, 4, 5, 6]  # items of a repeat without a repeat_count
ATTEMPTS = 25  # draws of an answer before giving up on its constraint
MAX_ITEMS = 50

_META = {"start", "end", "today", "deviceid", "username", "simserial", "phonenumber"}
_SKIPPED = {"note", "end_group", "end_repeat", "hidden"}
_MONEY = ("fin_", "fund", "budget", "kinh_phi")
_EVALUATION_ERRORS = (xpath.UnsupportedExpressionError, re.error, ValueError, TypeError)


def _name(row: Mapping[str, Any]) -> str:
    return str(row.get("name") or row.get("$autoname") or "")


def _list_name(row: Mapping[str, Any]) -> str:
    if row.get("select_from_list_name"):
        return str(row["select_from_list_name"])
    parts = str(row.get("type", "")).split()
    return parts[1] if len(parts) > 1 else ""


def _base_type(row: Mapping[str, Any]) -> str:
    kind = str(row.get("type", "")).strip()
    return kind.split()[0].replace(" ", "_").lower() if kind else ""


def _expression(row: Mapping[str, Any], key: str) -> xpath.Expression | None:
    text = row.get(key)
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return xpath.parse(text)
    except xpath.UnsupportedExpressionError:
        return None


@dataclass
class _Node:
    """A question, or a group or repeat with its children, in survey order."""

    row: Mapping[str, Any]
    kind: str
    name: str
    relevant: xpath.Expression | None
    children: list[_Node] = field(default_factory=list)
    constraint: xpath.Expression | None = None
    calculation: xpath.Expression | None = None
    choice_filter: xpath.Expression | None = None
    repeat_count: xpath.Expression | None = None
    required: bool = False


class _Scope:
    """The answers of the submission (the root) or of one repeat item."""

    __slots__ = ("chain", "parent", "repeats", "values")

    def __init__(self, parent: _Scope | None, chain: tuple[str, ...]) -> None:
        self.parent = parent
        self.chain = chain  # the repeats this scope is an item of, outermost first
        self.values: dict[str, str] = {}
        self.repeats: dict[str, list[_Scope]] = {}


class _Context:
    """What an expression reads while one submission is generated (xpath.Context)."""

    def __init__(self, chains: Mapping[str, tuple[str, ...]], scope: _Scope, today: date) -> None:
        self.chains = chains
        self.scope = scope
        self.dot = ""
        self.choice: Mapping[str, Any] = {}
        self.day = today

    def ref(self, name: str) -> str | list[str]:
        chain = self.chains.get(name)
        if chain is None:
            return ""
        scope = self.scope
        if scope.chain == chain:  # the usual case: a question of the same item, or the root
            return scope.values.get(name, "")
        while scope.chain != chain[: len(scope.chain)]:
            assert scope.parent is not None
            scope = scope.parent
        if len(scope.chain) == len(chain):
            return scope.values.get(name, "")
        items = [scope]
        for repeat in chain[len(scope.chain) :]:
            items = [item for outer in items for item in outer.repeats.get(repeat, [])]
        if chain[-1] == name:  # the repeat itself: one node per item
            return ["" for _ in items]
        return [item.values.get(name, "") for item in items]

    def current(self) -> str:
        return self.dot

    def column(self, name: str) -> str:
        value = self.choice.get(name, "")
        return "" if value is None else str(value)

    def today(self) -> date:
        return self.day


class AnswerGenerator:
    """Generates answers for one KPI content; build it once for many submissions."""

    def __init__(
        self,
        content: Mapping[str, Any],
        *,
        plausible: bool = False,
        distinct: Collection[str] = (),
    ) -> None:
        """`plausible`: interviews of at least five minutes; `distinct`: names of the
        questions whose answers this generator never repeats (see the module docstring)."""
        self.plausible = plausible
        self.distinct = frozenset(distinct)
        self.given: dict[str, set[str]] = {}  # the answers of the distinct questions so far
        self.choices: dict[str, list[Mapping[str, Any]]] = {}
        for choice in content.get("choices", []):
            self.choices.setdefault(str(choice.get("list_name")), []).append(choice)
        self.chains: dict[str, tuple[str, ...]] = {}
        survey = list(content.get("survey", []))
        self.tree = self._nodes(survey, 0, len(survey), (), inside=False)[0]
        settings = content.get("settings") or {}
        if isinstance(settings, list):
            settings = settings[0] if settings else {}
        self.instance_name = _expression(settings, "instance_name")
        self._filtered_cache: dict[tuple[int, tuple[Any, ...]], list[Mapping[str, Any]]] = {}

    def _nodes(
        self,
        survey: list[Mapping[str, Any]],
        start: int,
        stop: int,
        chain: tuple[str, ...],
        *,
        inside: bool = True,
    ) -> tuple[list[_Node], int]:
        """The nodes from survey[start] to the end of the enclosing group or repeat (`inside`)
        or of the survey, and the index after them. A stray end row is skipped."""
        nodes: list[_Node] = []
        i = start
        while i < stop:
            row = survey[i]
            kind = _base_type(row)
            name = _name(row)
            if kind in ("end_group", "end_repeat"):
                if inside:
                    return nodes, i + 1
                i += 1
                continue
            node = _Node(row, kind, name, _expression(row, "relevant"))
            if kind in ("begin_group", "begin_repeat"):
                inner = (*chain, name) if kind == "begin_repeat" else chain
                self.chains[name] = inner
                node.repeat_count = _expression(row, "repeat_count")
                node.children, i = self._nodes(survey, i + 1, stop, inner)
            else:
                self.chains.setdefault(name, chain)
                node.constraint = _expression(row, "constraint")
                node.calculation = _expression(row, "calculation")
                node.choice_filter = _expression(row, "choice_filter")
                node.required = str(row.get("required", "")).lower() in ("true", "yes", "1")
                i += 1
            nodes.append(node)
        return nodes, stop

    def answers(
        self,
        rng: random.Random,
        now: datetime,
        *,
        given: Mapping[str, str] | None = None,
        favour: Mapping[str, float] | None = None,
    ) -> dict[str, Any]:
        """One submission's answers, drawn with `rng`, as entered at `now`; `given` answers
        fixed by question name, `favour` weights of choices by name (module docstring)."""
        root = _Scope(None, ())
        out: dict[str, Any] = {}
        run = _Run(self, rng, now, _Context(self.chains, root, now.date()))
        run.given, run.favour = dict(given or {}), dict(favour or {})
        run.block(self.tree, [], root, out)
        if self.instance_name is not None:
            name = run.evaluate(self.instance_name, root)
            if name is not None and xpath.string(name):
                out["meta/instanceName"] = xpath.string(name)
        return out

    def filtered(self, node: _Node, ctx: _Context) -> list[Mapping[str, Any]]:
        """The choices of a select that its choice_filter keeps."""
        options = self.choices.get(_list_name(node.row), [])
        expr = node.choice_filter
        if expr is None:
            return options
        key: tuple[int, tuple[Any, ...]] | None = None
        if expr.pure:
            values = tuple(_hashable(ctx.ref(name)) for name in sorted(expr.refs))
            key = (id(node), values)
            if key in self._filtered_cache:
                return self._filtered_cache[key]
        kept = []
        try:
            for choice in options:
                ctx.choice = choice
                if xpath.boolean(expr(ctx)):
                    kept.append(choice)
        except _EVALUATION_ERRORS:
            kept = list(options)
        finally:
            ctx.choice = {}
        if key is not None:
            self._filtered_cache[key] = kept
        return kept


def _hashable(value: str | list[str]) -> Any:
    return tuple(value) if isinstance(value, list) else value


class _Run:
    """The generation of one submission."""

    def __init__(
        self, plan: AnswerGenerator, rng: random.Random, now: datetime, ctx: _Context
    ) -> None:
        self.plan = plan
        self.rng = rng
        self.now = now
        self.ctx = ctx
        self.given: dict[str, str] = {}
        self.favour: dict[str, float] = {}

    def _holds(self, expr: xpath.Expression | None, scope: _Scope, dot: str = "") -> bool:
        if expr is None:
            return True
        self.ctx.scope, self.ctx.dot = scope, dot
        try:
            return xpath.boolean(expr(self.ctx))
        except _EVALUATION_ERRORS:
            return True

    def evaluate(self, expr: xpath.Expression, scope: _Scope) -> Any:
        self.ctx.scope, self.ctx.dot = scope, ""
        try:
            return expr(self.ctx)
        except _EVALUATION_ERRORS:
            return None

    def block(
        self, nodes: list[_Node], path: list[str], scope: _Scope, out: dict[str, Any]
    ) -> None:
        for index, node in enumerate(nodes):
            if not self._holds(node.relevant, scope):
                continue
            if node.kind == "begin_group":
                self.block(node.children, [*path, node.name], scope, out)
            elif node.kind == "begin_repeat":
                self._repeat(node, path, scope, out)
            elif node.kind == "acknowledge":
                self._confirm(nodes, index, path, scope, out)
            else:
                self._set(node, path, scope, out)

    def _set(self, node: _Node, path: list[str], scope: _Scope, out: dict[str, Any]) -> None:
        value = self._answer(node, scope)
        if value is not None and value != "":
            out["/".join([*path, node.name])] = value
            scope.values[node.name] = value

    def _confirm(
        self, nodes: list[_Node], index: int, path: list[str], scope: _Scope, out: dict[str, Any]
    ) -> None:
        """An `acknowledge` question ("OK"), as a surveyor confirms it: when its constraint
        refuses what was entered before it (a roster without exactly one head), the answers
        from the nearest repeat before it are entered again until it holds."""
        node = nodes[index]
        start = next((i for i in range(index - 1, -1, -1) if nodes[i].kind == "begin_repeat"), None)
        for _ in range(ATTEMPTS):
            if start is None or self._holds(node.constraint, scope, "OK"):
                break
            self.block(nodes[start:index], path, scope, out)
        if node.constraint is None or self._holds(node.constraint, scope, "OK"):
            out["/".join([*path, node.name])] = "OK"
            scope.values[node.name] = "OK"

    def _repeat(self, node: _Node, path: list[str], scope: _Scope, out: dict[str, Any]) -> None:
        count = self.rng.choice(REPEAT_ITEMS)
        if node.repeat_count is not None:
            wanted = xpath.number(self.evaluate(node.repeat_count, scope))
            count = min(int(wanted), MAX_ITEMS) if math.isfinite(wanted) and wanted >= 0 else 0
        full = [*path, node.name]
        items = []
        scope.repeats[node.name] = []
        for _ in range(count):
            item_scope = _Scope(scope, (*scope.chain, node.name))
            scope.repeats[node.name].append(item_scope)
            item: dict[str, Any] = {}
            self.block(node.children, full, item_scope, item)
            if item:
                items.append(item)
        if items:
            out["/".join(full)] = items

    def _answer(self, node: _Node, scope: _Scope) -> str | None:
        if node.kind == "calculate":
            if node.calculation is None:
                return None
            value = self.evaluate(node.calculation, scope)
            return None if value is None else xpath.string(value)
        if node.kind in _SKIPPED:
            return None
        if node.name in self.given:
            return self.given[node.name]
        if node.kind not in _META and not node.required and self.rng.random() < 0.05:
            return None  # an optional question left blank: absent from the data
        value = self._value(node, scope)
        if node.name in self.plan.distinct and value is not None:
            value = self._distinct(node, scope, value)
        if node.constraint is None or value is None:
            return value
        for _ in range(ATTEMPTS):
            if self._holds(node.constraint, scope, value):
                return value
            value = self._value(node, scope)
            if value is None:
                return None
        return value if node.required else None

    def _distinct(self, node: _Node, scope: _Scope, value: str) -> str:
        """An answer this generator has not given to the question yet: drawn again, and
        when the lists run out, numbered (`Thôn Nà Đăng 2`, `0123-2`)."""
        used = self.plan.given.setdefault(node.name, set())
        for _ in range(ATTEMPTS):
            if value not in used:
                break
            value = self._value(node, scope) or value
        if value in used:
            joiner = "-" if value.isdigit() else " "
            number = 2
            while f"{value}{joiner}{number}" in used:
                number += 1
            value = f"{value}{joiner}{number}"
        used.add(value)
        return value

    def _bounds(self, node: _Node, scope: _Scope) -> list[tuple[str, Any]]:
        if node.constraint is None:
            return []
        bounds = []
        for op, expr in node.constraint.bounds:
            value = self.evaluate(expr, scope)
            if value is not None:
                bounds.append((op, value))
        return bounds

    def _integer(self, node: _Node, scope: _Scope) -> str:
        rng, name = self.rng, node.name
        if any(word in name for word in _MONEY):
            low, high, step = 0, 60, 500_000
        elif "year" in name:
            low, high, step = self.now.year - 1, self.now.year, 1
        elif "age" in name or "tuoi" in name:
            low, high, step = 0, 95, 1
        else:
            low, high, step = 0, 60, 1
        bottom, top = -math.inf, math.inf
        for op, value in self._bounds(node, scope):
            bound = xpath.number(value) / step
            if math.isnan(bound):
                continue
            if op in (">", ">="):
                bottom = max(bottom, math.floor(bound) + 1 if op == ">" else math.ceil(bound))
            else:
                top = min(top, math.ceil(bound) - 1 if op == "<" else math.floor(bound))
        a, b = _within(low, high, bottom, top)
        return str(rng.randint(int(a), int(b)) * step)

    def _decimal(self, node: _Node, scope: _Scope) -> str:
        bottom, top = -math.inf, math.inf
        for op, value in self._bounds(node, scope):
            bound = xpath.number(value)
            if math.isnan(bound):
                continue
            if op in (">", ">="):
                bottom = max(bottom, bound)
            else:
                top = min(top, bound)
        a, b = _within(0, 100, bottom, top)
        return f"{self.rng.uniform(a, b):.1f}"

    def _date(self, node: _Node, scope: _Scope) -> str:
        today = self.now.date()
        bottom, top = date.min, date.max
        for op, value in self._bounds(node, scope):
            day = xpath.as_date(value)
            if day is None:
                continue
            if op in (">", ">="):
                bottom = max(bottom, day + timedelta(days=1) if op == ">" else day)
            else:
                top = min(top, day - timedelta(days=1) if op == "<" else day)
        first, last = max(today - timedelta(days=300), bottom), min(today, top)
        if first > last:  # the usual past 300 days are out of bounds: keep near them
            first, last = (bottom, min(top, bottom + timedelta(days=30)))
            if bottom == date.min:
                first, last = top - timedelta(days=30), top
        days = max(0, (last - first).days)
        return (last - timedelta(days=self.rng.randint(0, days))).isoformat()

    def _value(self, node: _Node, scope: _Scope) -> str | None:
        rng, kind, name = self.rng, node.kind, node.name
        if kind in ("start", "end"):
            # a plausible interview takes at least five minutes: the start 6..91 minutes
            # before the end's minute, one draw of the same width as the usual 5..90
            longest = 91 if self.plan.plausible else 90
            minutes = rng.randint(longest - 85, longest) if kind == "start" else 1
            moment = self.now - timedelta(minutes=minutes)
            return moment.strftime("%Y-%m-%dT%H:%M:%S.000+07:00")
        if kind == "today":
            return self.now.strftime("%Y-%m-%d")
        if kind == "deviceid":
            return f"collect:{rng.getrandbits(48):012x}"
        if kind in ("username", "simserial", "phonenumber"):
            return "dieutravien" if kind == "username" else None
        if kind == "integer":
            return self._integer(node, scope)
        if kind == "decimal":
            return self._decimal(node, scope)
        if kind == "range":
            return str(rng.randint(0, 10))
        if kind in ("select_one", "select_one_from_file"):
            self.ctx.scope = scope
            options = self.plan.filtered(node, self.ctx)
            if not options:
                return None
            if self.favour:
                weights = [self.favour.get(str(c["name"]), 1.0) for c in options]
                return str(rng.choices(options, weights=weights)[0]["name"])
            return str(rng.choice(options)["name"])
        if kind in ("select_multiple", "select_multiple_from_file"):
            self.ctx.scope = scope
            options = self.plan.filtered(node, self.ctx)
            if not options:
                return None
            if self.favour:  # a disfavoured choice is left out in proportion
                kept = [c for c in options if rng.random() < self.favour.get(str(c["name"]), 1.0)]
                options = kept or options
            picked = rng.sample(options, k=rng.randint(1, min(3, len(options))))
            return " ".join(str(c["name"]) for c in picked)
        if kind == "geopoint":
            lat, lon = rng.uniform(21.85, 22.7), rng.uniform(105.45, 106.2)
            return f"{lat:.6f} {lon:.6f} {rng.uniform(150, 900):.1f} {rng.uniform(3, 15):.1f}"
        if kind == "date":
            return self._date(node, scope)
        if kind == "datetime":
            moment = self.now - timedelta(days=rng.randint(0, 300))
            return moment.strftime("%Y-%m-%dT%H:%M:%S.000+07:00")
        if kind == "time":
            return f"{rng.randint(7, 17):02d}:{rng.choice([0, 15, 30, 45]):02d}:00.000+07:00"
        if kind in ("image", "audio", "video", "file"):
            return f"{name}_{rng.getrandbits(32):08x}.jpg"
        if kind == "text":
            return self._wide_text(name) if name in self.plan.distinct else self._text(name)
        return None

    def _wide_text(self, name: str) -> str:
        """A name, village or code from the wider lists (a `distinct` question)."""
        rng = self.rng
        if "village" in name or "thon" in name:
            return f"{rng.choice(VILLAGE_KINDS)} {rng.choice(VILLAGE_NAMES)}"
        if "name" in name or "ten" in name or "ho_ten" in name:
            family, middle = rng.choice(WIDE_FAMILY_NAMES), rng.choice(MIDDLE_NAMES)
            return f"{family} {middle} {rng.choice(WIDE_GIVEN_NAMES)}"
        if "code" in name or name.endswith("_no"):
            return f"{rng.randint(1, 9999):04d}"
        return self._text(name)

    def _text(self, name: str) -> str:
        rng = self.rng
        if "phone" in name or "dien_thoai" in name:
            return "09" + "".join(str(rng.randint(0, 9)) for _ in range(8))
        if "village" in name or "thon" in name:
            return rng.choice(VILLAGES)
        if "name" in name or "ten" in name or "ho_ten" in name:
            return f"{rng.choice(FAMILY_NAMES)} {rng.choice(GIVEN_NAMES)}"
        if "code" in name or name.endswith("_no"):
            return f"{rng.randint(1, 300):03d}"
        return rng.choice(WORDS)


def _within(low: float, high: float, bottom: float, top: float) -> tuple[float, float]:
    """The usual range [low, high] cut to the bounds; when that leaves nothing, a range of
    the same width at the nearer bound."""
    a, b = max(low, bottom), min(high, top)
    if a <= b:
        return a, b
    width = high - low
    if bottom > high:
        a, b = bottom, min(top, bottom + width)
    else:
        a, b = max(bottom, top - width), top
    return (a, b) if a <= b else (b, b)  # bounds that contradict each other


def generate_answers(
    content: Mapping[str, Any], rng: random.Random, now: datetime
) -> dict[str, Any]:
    """One submission's answers for the given KPI content."""
    return AnswerGenerator(content).answers(rng, now)
