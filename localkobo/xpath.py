"""The part of XPath that XLSForms write in `relevant`, `constraint`, `calculation`,
`choice_filter` and `repeat_count`, evaluated as ODK Collect and Enketo do: enough for the
generator to answer the forms htsd builds the way a device would.

Understood: string and number literals, `${name}` (a question; a question inside a repeat
seen from outside it is the list of its values), `.` (the answer being checked), a bare
name (a column of the choice being filtered), parentheses, `or`, `and`, `=`, `!=`, `<`,
`<=`, `>`, `>=`, `+`, `-`, `*`, `div`, `mod`, unary `-`, and the functions in `FUNCTIONS`.
Anything else (paths, predicates, unions, other functions) raises
UnsupportedExpressionError when parsed, so the caller can fall back rather than guess.

Values are str, float, bool, date or a list of str (a node-set). Conversions follow XPath
1.0: an empty or non-numeric string is NaN as a number, a non-empty string is true. Dates,
and strings shaped like dates, compare and subtract as days since 1970-01-01.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache
from typing import Any, Protocol

Value = Any  # str | float | bool | date | list[str]

EPOCH = date(1970, 1, 1)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_NUMBER = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)\s*$")
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{[^}]*\})
      | (?P<str>'[^']*'|"[^"]*")
      | (?P<num>\d+(?:\.\d*)?|\.\d+)
      | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,)
      | (?P<dot>\.)
      | (?P<name>[A-Za-z_][\w.:-]*)
    )""",
    re.VERBOSE,
)


class UnsupportedExpressionError(ValueError):
    """An expression outside the subset this module evaluates."""


class Context(Protocol):
    """Where an expression finds its values."""

    def ref(self, name: str) -> str | list[str]:
        """The answer to `${name}` ("" when unanswered), or the list of answers."""
        ...

    def current(self) -> str:
        """The answer `.` stands for."""
        ...

    def column(self, name: str) -> str:
        """A column of the choice being filtered."""
        ...

    def today(self) -> date: ...


# -- conversions -------------------------------------------------------------------------


def as_date(value: Value) -> date | None:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, date):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool) and math.isfinite(value):
        return EPOCH + timedelta(days=int(value))
    match = _DATE.match(str(value))
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def number(value: Value) -> float:
    if type(value) is str:  # the usual case first: an answer
        return float(value) if _NUMBER.match(value) else math.nan
    if isinstance(value, list):
        return number(value[0]) if value else math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float | int):
        return float(value)
    if isinstance(value, date):
        return float((value - EPOCH).days)
    text = str(value)
    return float(text) if _NUMBER.match(text) else math.nan


def string(value: Value) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def boolean(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float | int):
        return bool(value) and not math.isnan(value)
    if isinstance(value, list | str):
        return len(value) > 0
    return True


def _ordinal(value: Value) -> float:
    """A number for `<`, `<=`, `>`, `>=`: dates (and date strings) as days."""
    if isinstance(value, str) and _DATE.match(value):
        day = as_date(value)
        return number(day) if day else math.nan
    return number(value)


def _equal(a: Value, b: Value) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return boolean(a) == boolean(b)
    if isinstance(a, float | int) or isinstance(b, float | int):
        return number(a) == number(b)
    if isinstance(a, date) or isinstance(b, date):
        day = as_date(a)
        return day is not None and day == as_date(b)
    return string(a) == string(b)


def _compare(op: str, a: Value, b: Value) -> bool:
    if isinstance(a, list):
        return any(_compare(op, item, b) for item in a)
    if isinstance(b, list):
        return any(_compare(op, a, item) for item in b)
    if op == "=":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    x, y = _ordinal(a), _ordinal(b)
    if op == "<":
        return x < y
    if op == "<=":
        return x <= y
    if op == ">":
        return x > y
    return x >= y


def _arithmetic(op: str, a: Value, b: Value) -> float:
    x, y = number(a), number(b)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "div":
        if y == 0:
            return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x)
        return x / y
    if y == 0 or math.isnan(x) or math.isnan(y):
        return math.nan
    return math.fmod(x, y)


# -- functions ---------------------------------------------------------------------------


def _nodes(value: Value) -> list[Value]:
    return value if isinstance(value, list) else [value]


def _round(value: Value, places: Value = 0.0) -> float:
    x, digits = number(value), int(number(places) or 0)
    if not math.isfinite(x):
        return x
    scale = 10.0**digits
    return math.floor(x * scale + 0.5) / scale


def _format_date(value: Value, pattern: Value) -> str:
    day = as_date(value)
    if day is None:
        return ""
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    codes = {
        "Y": f"{day.year:04d}",
        "y": f"{day.year % 100:02d}",
        "m": f"{day.month:02d}",
        "n": str(day.month),
        "b": months[day.month - 1],
        "d": f"{day.day:02d}",
        "e": str(day.day),
        "a": days[day.weekday()],
        "H": "00",
        "M": "00",
        "S": "00",
    }
    return re.sub(r"%(.)", lambda m: codes.get(m[1], m[0]), string(pattern))


def _int(value: Value) -> float:
    x = number(value)
    return float(math.trunc(x)) if math.isfinite(x) else x


def _date(value: Value) -> Value:
    day = as_date(value)
    return day if day is not None else ""


def _min(*values: Value) -> float:
    numbers = [number(v) for value in values for v in _nodes(value)]
    return math.nan if not numbers or any(math.isnan(n) for n in numbers) else min(numbers)


def _max(*values: Value) -> float:
    numbers = [number(v) for value in values for v in _nodes(value)]
    return math.nan if not numbers or any(math.isnan(n) for n in numbers) else max(numbers)


def _substring_before(a: Value, b: Value) -> str:
    text, sep = string(a), string(b)
    return text.split(sep, 1)[0] if sep and sep in text else ""


def _substring_after(a: Value, b: Value) -> str:
    text, sep = string(a), string(b)
    return text.split(sep, 1)[1] if sep in text else ""


FUNCTIONS: dict[str, Callable[..., Value]] = {
    "not": lambda v: not boolean(v),
    "true": lambda: True,
    "false": lambda: False,
    "boolean": boolean,
    "number": number,
    "string": string,
    "int": _int,
    "round": _round,
    "concat": lambda *vs: "".join(string(x) for v in vs for x in _nodes(v)),
    "contains": lambda a, b: string(b) in string(a),
    "starts-with": lambda a, b: string(a).startswith(string(b)),
    "ends-with": lambda a, b: string(a).endswith(string(b)),
    "substring-before": _substring_before,
    "substring-after": _substring_after,
    "string-length": lambda v: float(len(string(v))),
    "normalize-space": lambda v: " ".join(string(v).split()),
    "selected": lambda a, b: string(b) in string(a).split(),
    "count-selected": lambda v: float(len(string(v).split())),
    "count": lambda v: float(len(v)) if isinstance(v, list) else 1.0,
    "sum": lambda v: math.fsum(number(x) for x in _nodes(v)),
    "min": _min,
    "max": _max,
    "coalesce": lambda a, b: a if string(a) else b,
    "regex": lambda a, b: re.search(string(b), string(a)) is not None,
    "date": _date,
    "format-date": _format_date,
}
IMPURE = frozenset({"today"})  # functions whose value is not fixed by the answers


# -- parsing -----------------------------------------------------------------------------

Node = tuple[Any, ...]  # ("lit", v) ("ref", name) ("dot",) ("col", name) ("call", f, args)
#                         ("op", op, left, right) ("neg", operand)
Evaluator = Callable[[Context], Value]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            if not text[position:].strip():
                break
            match = _TOKEN.match(text, position)
            if not match or match.end() == position:
                raise UnsupportedExpressionError(f"{text!r}: cannot read {text[position:]!r}")
            kind = str(match.lastgroup)
            self.tokens.append((kind, str(match.group(kind))))
            position = match.end()
        self.index = 0

    def parse(self) -> Node:
        node = self._or()
        if self.index != len(self.tokens):
            raise UnsupportedExpressionError(f"{self.text!r}: unexpected {self._peek()[1]!r}")
        return node

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("end", "")

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        self.index += 1
        return token

    def _operator(self, *ops: str) -> str | None:
        kind, value = self._peek()
        if (kind == "op" or kind == "name") and value in ops:
            self.index += 1
            return value
        return None

    def _binary(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        node = operand()
        while (op := self._operator(*ops)) is not None:
            node = ("op", op, node, operand())
        return node

    def _or(self) -> Node:
        return self._binary(("or",), self._and)

    def _and(self) -> Node:
        return self._binary(("and",), self._equality)

    def _equality(self) -> Node:
        return self._binary(("=", "!="), self._relational)

    def _relational(self) -> Node:
        return self._binary(("<", "<=", ">", ">="), self._additive)

    def _additive(self) -> Node:
        return self._binary(("+", "-"), self._multiplicative)

    def _multiplicative(self) -> Node:
        return self._binary(("*", "div", "mod"), self._unary)

    def _unary(self) -> Node:
        if self._operator("-"):
            return ("neg", self._unary())
        return self._primary()

    def _primary(self) -> Node:
        kind, value = self._take()
        if kind == "str":
            return ("lit", value[1:-1])
        if kind == "num":
            return ("lit", float(value))
        if kind == "ref":
            return ("ref", value[2:-1].strip())
        if kind == "dot":
            return ("dot",)
        if kind == "op" and value == "(":
            node = self._or()
            self._expect(")")
            return node
        if kind == "name":
            if self._peek() == ("op", "("):
                self.index += 1
                args: list[Node] = []
                if self._peek() != ("op", ")"):
                    args.append(self._or())
                    while self._operator(","):
                        args.append(self._or())
                self._expect(")")
                if value not in FUNCTIONS and value not in IMPURE and value != "if":
                    raise UnsupportedExpressionError(f"{self.text!r}: function {value}()")
                return ("call", value, tuple(args))
            if "/" not in value and ":" not in value:
                return ("col", value)
        raise UnsupportedExpressionError(f"{self.text!r}: unexpected {value!r}")

    def _expect(self, op: str) -> None:
        if self._take() != ("op", op):
            raise UnsupportedExpressionError(f"{self.text!r}: {op!r} expected")


def _compile(node: Node) -> Evaluator:
    tag = node[0]
    if tag == "lit":
        literal = node[1]
        return lambda ctx: literal
    if tag == "ref":
        name = node[1]
        return lambda ctx: ctx.ref(name)
    if tag == "dot":
        return lambda ctx: ctx.current()
    if tag == "col":
        column = node[1]
        return lambda ctx: ctx.column(column)
    if tag == "neg":
        operand = _compile(node[1])
        return lambda ctx: -number(operand(ctx))
    if tag == "op":
        if node[1] in ("=", "!=") and node[3][0] == "lit" and isinstance(node[3][1], str):
            return _compile_text_equality(node[1] == "=", _compile(node[2]), node[3][1])
        return _compile_operator(node[1], _compile(node[2]), _compile(node[3]))
    return _compile_call(node[1], [_compile(arg) for arg in node[2]])


def _compile_operator(op: str, left: Evaluator, right: Evaluator) -> Evaluator:
    if op == "or":
        return lambda ctx: boolean(left(ctx)) or boolean(right(ctx))
    if op == "and":
        return lambda ctx: boolean(left(ctx)) and boolean(right(ctx))
    if op in ("=", "!=", "<", "<=", ">", ">="):
        return lambda ctx: _compare(op, left(ctx), right(ctx))
    return lambda ctx: _arithmetic(op, left(ctx), right(ctx))


def _compile_text_equality(equal: bool, left: Evaluator, text: str) -> Evaluator:
    """`x = 'text'` and `x != 'text'`, the commonest comparison, without the general rules
    when x is a string (their outcome then)."""
    op = "=" if equal else "!="

    def compare(ctx: Context) -> bool:
        value = left(ctx)
        if type(value) is str:
            return (value == text) is equal
        return _compare(op, value, text)

    return compare


def _compile_call(name: str, args: Sequence[Evaluator]) -> Evaluator:
    if name == "if":
        if len(args) != 3:
            raise UnsupportedExpressionError("if() takes three arguments")
        test, then, otherwise = args
        return lambda ctx: then(ctx) if boolean(test(ctx)) else otherwise(ctx)
    if name == "today":
        return lambda ctx: ctx.today()
    function = FUNCTIONS[name]
    return lambda ctx: function(*(arg(ctx) for arg in args))


def _walk(node: Node) -> list[Node]:
    if node[0] == "op":
        return [node, *_walk(node[2]), *_walk(node[3])]
    if node[0] == "neg":
        return [node, *_walk(node[1])]
    if node[0] == "call":
        return [node, *(n for arg in node[2] for n in _walk(arg))]
    return [node]


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True)
class Expression:
    """A parsed expression: call it with a Context for its value."""

    text: str
    node: Node
    evaluate: Evaluator

    def __call__(self, ctx: Context) -> Value:
        return self.evaluate(ctx)

    @cached_property
    def refs(self) -> frozenset[str]:
        """The questions it reads."""
        return frozenset(n[1] for n in _walk(self.node) if n[0] == "ref")

    @cached_property
    def pure(self) -> bool:
        """Whether its value is fixed by the questions it reads (no `.`, no today())."""
        nodes = _walk(self.node)
        return not any(n[0] == "dot" or (n[0] == "call" and n[1] in IMPURE) for n in nodes)

    @cached_property
    def bounds(self) -> list[tuple[str, Expression]]:
        """The terms `. < x`, `. <= x`, `. > x`, `. >= x` (or `x > .`, ...) joined by `and`
        at the top, as (operator with `.` on the left, x)."""
        terms, pending = [], [self.node]
        while pending:
            node = pending.pop(0)
            if node[0] == "op" and node[1] == "and":
                pending[:0] = [node[2], node[3]]
                continue
            if node[0] != "op" or node[1] not in _FLIPPED:
                continue
            op, left, right = node[1], node[2], node[3]
            if right == ("dot",) and left != ("dot",):
                op, left, right = _FLIPPED[op], right, left
            if left == ("dot",) and all(n[0] != "dot" for n in _walk(right)):
                terms.append((op, Expression(self.text, right, _compile(right))))
        return terms


@lru_cache(maxsize=4096)
def parse(text: str) -> Expression:
    """The expression of `text`; UnsupportedExpressionError outside the subset."""
    node = _Parser(text).parse()
    return Expression(text, node, _compile(node))
