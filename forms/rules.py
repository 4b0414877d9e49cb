"""Derivation rules: how an item's answer is computed from other answers, in Python and XPath.

A rubric item may be *derived* instead of asked. Each rule exists twice, side by side in this
module: as Python (`Derivation.answer`, used by the warehouse for the authoritative score) and
as XLSForm calculations (`Derivation.calculations`, shown to the surveyor on the device). The
tests evaluate the XPath with Enketo's engine and compare it with the Python.

Python follows XPath 1.0 number semantics on purpose: a missing or non-numeric answer is NaN,
every comparison with NaN is false, a sum containing NaN is NaN. So both sides agree on
incomplete data too.

Rules (YAML under an item's `derive:`):
- `all_members`: over the rows of a roster `repeat`, members satisfying every `eligible`
  condition are counted; the item is `fully` met when every eligible member also satisfies
  every `meets` condition, `partly` when the share reaches `partly_share` (optional),
  `not_met` otherwise, and `not_applicable` when nobody is eligible.
- `threshold`: a number (`value:` a `field`, the `count` of a repeat's rows, the `sum` of a
  field over the rows of a repeat (`{sum: f, in: repeat}`), or a `ratio: [a, b]` of two such
  values) is `fully` met from `fully_at` — a number, or one per answer of another field
  (`{by: commune_region, values: {I: 20000000, II: 25000000}, otherwise: 20000000}`) —,
  `partly` from `partly_at` (optional), else
  `not_met`; a ratio whose denominator is 0 (nobody to count: a clan with no school-age
  children) is `not_applicable`, one whose denominator is unknown (blank) is `not_met`.
- `conditions`: `fully` when every condition in `all` holds, else `not_met`.

Conditions: `{field: f, between: [lo, hi]}`, `{field: f, in: [a, b]}`, `{field: f, not_in:
[a]}`, `{field: f, any_of: [a, b]}` (a select_multiple has one of them), `{field: f,
at_least: n}`. Fields are form field names (the last segment of a KoboToolbox path).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

RULES = ("all_members", "threshold", "conditions")
OPS = ("between", "in", "not_in", "any_of", "at_least")
VALUE_KINDS = ("field", "count", "sum", "ratio")

_NUMBER = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)\s*$")


def number(value: object) -> float:
    """XPath `number()`: a decimal string gives its value, anything else NaN."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _NUMBER.match(value):
        return float(value)
    return math.nan


def xpath_number(value: float) -> str:
    """A number literal for XPath: `10`, `0.5`."""
    if value == int(value):
        return str(int(value))
    return repr(value)


def _quote(value: str) -> str:
    return f"'{value}'"


# a key of a submission (`grp/sub/q`) → its name (`q`): the same few hundred keys recur in
# every submission of a form
_NAMES: dict[str, str] = {}


class Answers:
    """A submission as KoboToolbox returns it, looked up by field name.

    Keys may be full group paths (`grp/sub/q`) or bare names; values are strings, and a repeat
    is a list of rows whose keys are again paths. Lookup is by the last path segment, which is
    unique in our forms. A repeat absent from the submission has no rows (KoboToolbox omits
    repeats with zero iterations).
    """

    values: dict[str, str]
    repeats: dict[str, list[Answers]]

    def __init__(self, data: Mapping[str, Any] | Answers) -> None:
        if isinstance(data, Answers):  # already read: shared, not read again
            self.values, self.repeats = data.values, data.repeats
            return
        self.values = values = {}
        self.repeats = {}
        names = _NAMES
        for key, value in data.items():
            name = names.get(key)
            if name is None:
                name = names[key] = key.rsplit("/", 1)[-1]
            if type(value) is str:
                values[name] = value
            elif isinstance(value, list):
                self.repeats[name] = [Answers(row) for row in value if isinstance(row, Mapping)]
            elif value is not None:
                values[name] = str(value)

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def rows(self, repeat: str) -> list[Answers]:
        return self.repeats.get(repeat, [])


@dataclass(frozen=True)
class Condition:
    """One test on a field's answer."""

    field: str
    op: str
    values: tuple[Any, ...]

    @cached_property
    def _texts(self) -> frozenset[str]:  # the values as answers read (computed once)
        return frozenset(str(v) for v in self.values)

    @cached_property
    def _bounds(self) -> tuple[float, ...]:
        return tuple(float(v) for v in self.values)

    def holds(self, answers: Answers) -> bool:
        raw = answers.get(self.field)
        op = self.op
        if op == "between":
            low, high = self._bounds
            return low <= number(raw) <= high
        if op == "at_least":
            return number(raw) >= self._bounds[0]
        if op == "in":
            return raw in self._texts
        if op == "not_in":
            return raw not in self._texts
        if op == "any_of":
            return not self._texts.isdisjoint((raw or "").split())
        raise ValueError(f"unknown condition op {op}")

    def xpath(self) -> str:
        ref = "${" + self.field + "}"
        if self.op == "between":
            lo, hi = (xpath_number(float(v)) for v in self.values)
            return f"({ref} >= {lo} and {ref} <= {hi})"
        if self.op == "at_least":
            return f"{ref} >= {xpath_number(float(self.values[0]))}"
        if self.op in ("in", "not_in"):
            test = " or ".join(f"{ref} = {_quote(str(v))}" for v in self.values)
            return f"({test})" if self.op == "in" else f"not({test})"
        if self.op == "any_of":
            test = " or ".join(f"selected({ref}, {_quote(str(v))})" for v in self.values)
            return f"({test})"
        raise ValueError(f"unknown condition op {self.op}")


def _all_hold(conditions: Sequence[Condition], answers: Answers) -> bool:
    return all(c.holds(answers) for c in conditions)


def _all_xpath(conditions: Sequence[Condition]) -> str:
    return " and ".join(c.xpath() for c in conditions) if conditions else "true()"


@dataclass(frozen=True)
class ValueSource:
    """A number computed from the answers: a field, a count, a sum or a ratio."""

    kind: str
    name: str = ""
    repeat: str = ""
    parts: tuple[ValueSource, ...] = ()

    def value(self, answers: Answers) -> float:
        if self.kind == "field":
            return number(answers.get(self.name))
        if self.kind == "count":
            return float(len(answers.rows(self.name)))
        if self.kind == "sum":
            # Not math.fsum: XPath adds left to right in doubles, and so must we.
            total = 0.0
            for row in answers.rows(self.repeat):
                total += number(row.get(self.name))
            return total
        numerator, denominator = (p.value(answers) for p in self.parts)
        return numerator / denominator if denominator > 0 else 0.0

    def xpath(self) -> str:
        if self.kind == "field":
            return "number(${" + self.name + "})"
        if self.kind == "count":
            return "count(${" + self.name + "})"
        if self.kind == "sum":
            return "sum(${" + self.name + "})"
        numerator, denominator = (p.xpath() for p in self.parts)
        return f"if({denominator} > 0, {numerator} div {denominator}, 0)"

    def fields(self) -> set[str]:
        if self.kind == "ratio":
            return set().union(*(p.fields() for p in self.parts))
        return {self.name, self.repeat} - {""}


@dataclass(frozen=True)
class Calculation:
    """A calculate row the builder adds: name, expression, and whether it sits in the repeat."""

    name: str
    expression: str
    in_repeat: bool = False


@dataclass(frozen=True)
class Derivation:
    """How a derived item's answer is computed (see the module docstring)."""

    rule: str
    repeat: str | None = None
    eligible: tuple[Condition, ...] = ()
    meets: tuple[Condition, ...] = ()
    partly_share: float | None = None
    value: ValueSource | None = None
    fully_at: float | None = None  # with `fully_by`: the threshold when no value matches
    partly_at: float | None = None
    fully_by: tuple[str, tuple[tuple[str, float], ...]] | None = None  # (field, value → at)
    conditions: tuple[Condition, ...] = ()

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The answers this rule can give."""
        if self.rule == "all_members":
            partly = ("partly",) if self.partly_share is not None else ()
            return ("fully", *partly, "not_met", "not_applicable")
        if self.rule == "threshold":
            partly = ("partly",) if self.partly_at is not None else ()
            na = ("not_applicable",) if self.value and self.value.kind == "ratio" else ()
            return ("fully", *partly, "not_met", *na)
        return ("fully", "not_met")

    def fields(self) -> set[str]:
        """Every form field (or repeat) the rule reads."""
        names = {c.field for c in (*self.eligible, *self.meets, *self.conditions)}
        if self.repeat:
            names.add(self.repeat)
        if self.value is not None:
            names |= self.value.fields()
        if self.fully_by is not None:
            names.add(self.fully_by[0])
        return names

    # -- Python -------------------------------------------------------------------------
    def counts(self, answers: Answers) -> tuple[int, int]:
        """For all_members: (eligible members, eligible members who meet the item)."""
        eligible = [row for row in answers.rows(self.repeat or "") if _all_hold(self.eligible, row)]
        meeting = [row for row in eligible if _all_hold(self.meets, row)]
        return len(eligible), len(meeting)

    def measure(self, answers: Answers) -> float:
        """For threshold: the number compared with the thresholds."""
        assert self.value is not None
        return self.value.value(answers)

    def answer(self, answers: Answers) -> str:
        """The derived answer for a submission."""
        if self.rule == "all_members":
            n_eligible, n_meeting = self.counts(answers)
            if n_eligible == 0:
                return "not_applicable"
            if n_meeting == n_eligible:
                return "fully"
            if self.partly_share is not None and n_meeting >= self.partly_share * n_eligible:
                return "partly"
            return "not_met"
        if self.rule == "threshold":
            assert self.fully_at is not None and self.value is not None
            if self.value.kind == "ratio" and self.value.parts[1].value(answers) == 0:
                return "not_applicable"
            value = self.measure(answers)
            if value >= self.fully_threshold(answers):
                return "fully"
            if self.partly_at is not None and value >= self.partly_at:
                return "partly"
            return "not_met"
        return "fully" if _all_hold(self.conditions, answers) else "not_met"

    def fully_threshold(self, answers: Answers) -> float:
        """`fully_at`, or with `fully_by` the threshold for this submission's answer."""
        assert self.fully_at is not None
        if self.fully_by is not None:
            field, values = self.fully_by
            return dict(values).get(answers.get(field) or "", self.fully_at)
        return self.fully_at

    def fully_xpath(self) -> str:
        assert self.fully_at is not None
        expression = xpath_number(self.fully_at)
        if self.fully_by is not None:
            field, values = self.fully_by
            for value, at in reversed(values):
                expression = f"if(${{{field}}} = {_quote(value)}, {xpath_number(at)}, {expression})"
        return expression

    # -- XPath --------------------------------------------------------------------------
    def calculations(self, target: str) -> list[Calculation]:
        """The calculate rows computing the answer into the field `target`, in order.

        Helper fields are named after the target: `<target>_e`/`_m` (per member: eligible,
        meets), `<target>_ne`/`_nm` (counts), `<target>_v` (threshold value, for display).
        """

        def ref(suffix: str) -> str:
            return "${" + target + "_" + suffix + "}"

        if self.rule == "all_members":
            eligible = _all_xpath(self.eligible)
            meets = _all_xpath(self.meets)
            ne, nm = ref("ne"), ref("nm")
            partly = ""
            if self.partly_share is not None:
                share = xpath_number(self.partly_share)
                partly = f"if({nm} >= {share} * {ne}, 'partly', "
            answer = (
                f"if({ne} = 0, 'not_applicable', if({nm} = {ne}, 'fully', "
                f"{partly}'not_met'{')' if partly else ''}))"
            )
            return [
                Calculation(f"{target}_e", f"if({eligible}, 1, 0)", in_repeat=True),
                Calculation(f"{target}_m", f"if({eligible} and {meets}, 1, 0)", in_repeat=True),
                Calculation(f"{target}_ne", f"sum({ref('e')})"),
                Calculation(f"{target}_nm", f"sum({ref('m')})"),
                Calculation(target, answer),
            ]
        if self.rule == "threshold":
            assert self.value is not None and self.fully_at is not None
            # Compare the expression itself, not the stored `_v` (kept for display): a number
            # written to a string field and read back may not survive every engine's format.
            v = self.value.xpath()
            partly = ""
            if self.partly_at is not None:
                partly = f"if({v} >= {xpath_number(self.partly_at)}, 'partly', "
            answer = (
                f"if({v} >= {self.fully_xpath()}, 'fully', "
                f"{partly}'not_met'{')' if partly else ''})"
            )
            if self.value.kind == "ratio":
                answer = f"if({self.value.parts[1].xpath()} = 0, 'not_applicable', {answer})"
            return [
                Calculation(f"{target}_v", self.value.xpath()),
                Calculation(target, answer),
            ]
        return [Calculation(target, f"if({_all_xpath(self.conditions)}, 'fully', 'not_met')")]
