"""Sample submissions for a form, shaped as KoboToolbox returns them, generated from FormSchema.

Two kinds:
- `sample_submission`: random but reproducible (seeded) answers that lean on boundary values
  (ages 6, 14, 19, 60; a count equal to the number it is bounded by) and sometimes leave a
  question unanswered, so the device's calculations and `Rubric.score` are compared on
  awkward data too.
- `targeted_submissions`: answers built for one rubric to land on its boundaries (see that
  function). Each says what it aims at; the tests check that the Python score reaches it.

Both are what a surveyor enters, and they answer questions whatever their relevance. What
the device submits is what the XForm engine keeps after applying relevance: a question whose
relevance is false is absent (tests/js/eval_xform.js returns it as `answers`). The tests
score that, never the raw samples.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from forms.rubric import Item, Rubric
from forms.rules import Answers, Condition, Derivation, ValueSource, number
from forms.schema import Field, FormSchema

EDGE_INTEGERS = (0, 1, 2, 5, 6, 7, 13, 14, 15, 18, 19, 20, 45, 60, 61, 75, 100, 300, 301)
DATES = ("2019-11-20", "2020-02-01", "2023-04-15", "2025-06-30", "2025-07-01", "2025-09-30")
ANSWERED = ("select_one", "select_multiple", "integer", "decimal", "date")
# `. <= ${total}`, or `not(. > ${total})`: at most a total, when that is known
_BOUND = re.compile(r"(?:\. <= |not\(\. > )\$\{(\w+)\}")
_MAX = re.compile(r"\. <= (\d+)\b")
_MIN = re.compile(r"\. >= (\d+)\b")

# Targeted samples: the denominator of a ratio whose parts they set (exact for thresholds
# with up to three decimals; "just below" a fraction is then 1/1000 below it), and how many
# outcome combinations are tried for one total before giving up.
DENOMINATOR = 1000
ATTEMPTS = 400
UNITS = 10_000  # points are compared in 1/10000 (Rubric.score rounds to 4 decimals)


def _number(rng: random.Random, item: Field, row: dict[str, str], prefix: str) -> str:
    bound = _BOUND.search(item.constraint or "")
    if bound:
        ceiling = row.get(f"{prefix}{bound.group(1)}")
        if ceiling is not None and ceiling.isdigit():
            top = int(ceiling)
            return str(top if rng.random() < 0.4 else rng.randint(0, top))
    if item.type == "decimal":
        return str(round(rng.uniform(0.5, 40), 1))
    if rng.random() < 0.6:
        return str(rng.choice(EDGE_INTEGERS))
    return str(rng.choice((rng.randint(0, 120), rng.randint(0, 40_000_000))))


def _value(
    rng: random.Random, schema: FormSchema, item: Field, row: dict[str, str], prefix: str
) -> str | None:
    if item.type in ("integer", "decimal"):
        return _number(rng, item, row, prefix)
    if item.type == "date":
        return rng.choice(DATES)
    names = [c.name for c in schema.choices_for(item)]
    if not names:
        return None
    if item.type == "select_one":
        return rng.choice(names)
    if "none" in names and rng.random() < 0.2:
        return "none"
    picked = rng.sample([n for n in names if n != "none"], k=rng.randint(1, 3))
    return " ".join(sorted(picked))


def _enclosing_repeat(schema: FormSchema, path: str) -> str | None:
    """The innermost repeat strictly containing the group at `path`."""
    parent = schema.group(path).parent
    while parent is not None:
        group = schema.group(parent)
        if group.repeat:
            return group.path
        parent = group.parent
    return None


def _fill(
    rng: random.Random, schema: FormSchema, repeat: str | None, out: dict[str, Any], missing: float
) -> None:
    """Answer every question of one level (top or one repeat row), relevant or not."""
    for item in schema.fields_in(repeat):
        if item.type not in ANSWERED or item.path.startswith("location/"):
            continue
        if rng.random() < missing:
            continue
        prefix = item.path[: -len(item.name)]
        value = _value(rng, schema, item, out, prefix)
        if value is not None:
            out[item.path] = value
    for group in schema.repeats:
        if _enclosing_repeat(schema, group.path) != repeat:
            continue
        rows = []
        for _ in range(rng.choice((0, 1, 1, 2, 3, 4, 6, 7))):
            row: dict[str, Any] = {}
            _fill(rng, schema, group.path, row, missing)
            rows.append(row)
        if rows:  # KoboToolbox omits a repeat with no rows
            out[group.path] = rows


def sample_submission(schema: FormSchema, seed: int, *, missing: float = 0.05) -> dict[str, Any]:
    """One random submission of the form, reproducible from `seed`."""
    rng = random.Random(seed)
    out: dict[str, Any] = {}
    _fill(rng, schema, None, out, missing)
    return out


def uniform_submission(schema: FormSchema, answer: str) -> dict[str, str]:
    """Every rubric item question answered `answer` (where the item accepts it)."""
    out = {}
    for item in schema.fields:
        is_item = item.type == "select_one" and (item.list_name or "").startswith("ans_")
        if is_item and answer in {c.name for c in schema.choices_for(item)}:
            out[item.path] = answer
    return out


# -- targeted samples -------------------------------------------------------------------


@dataclass(frozen=True)
class Targeted:
    """A sample built to reach one boundary of a rubric, and what it reaches.

    `total`: the Python total it was built to reach (a class cut-off, the pass mark, or the
    nearest achievable total below one). `group`/`group_points`: a group's points at its
    minimum or just below. `item`/`value`/`threshold`: a derived item whose value was put
    at `threshold` (`value == threshold` where the answers can express it) or just below it.
    """

    aim: str
    answers: dict[str, Any]
    total: float | None = None
    group: str | None = None
    group_points: float | None = None
    item: str | None = None
    value: float | None = None
    threshold: float | None = None


class UnreachableError(Exception):
    """The answers cannot express the outcome asked for (given what is already set)."""


def _units(points: float) -> int:
    return round(points * UNITS)


def _exact(value: float) -> Fraction:
    """The decimal a rubric file wrote (0.9 is 9/10, not the nearest double)."""
    return Fraction(repr(float(value)))


def _limits(item: Field) -> tuple[int, int | None]:
    constraint = item.constraint or ""
    low = max((int(x) for x in _MIN.findall(constraint)), default=0)
    high = min((int(x) for x in _MAX.findall(constraint)), default=None)
    return low, high


def _named(schema: FormSchema, name: str) -> Field | None:
    found = [f for f in schema.fields if f.name == name]
    return found[0] if len(found) == 1 else None


def _integer(value: object) -> int | None:
    parsed = number(value)
    return int(parsed) if math.isfinite(parsed) and parsed == int(parsed) else None


class _Builder:
    """Answers under construction: a random full sample, then outcomes set on purpose."""

    def __init__(self, schema: FormSchema, seed: int) -> None:
        self.schema = schema
        self.rng = random.Random(seed)
        self.out = sample_submission(schema, seed, missing=0.0)
        self.fixed: set[str] = set()  # fields (and "#repeat" row counts) set on purpose

    # -- paths and rows ---------------------------------------------------------------
    def field(self, name: str) -> Field:
        return self.schema.by_name(name)

    def repeat_path(self, name: str) -> str:
        for group in self.schema.repeats:
            if group.name == name and _enclosing_repeat(self.schema, group.path) is None:
                return group.path
        raise NotImplementedError(f"derivations over repeat {name}: not a top-level repeat")

    def rows(self, repeat: str) -> list[dict[str, Any]]:
        rows = self.out.setdefault(self.repeat_path(repeat), [])
        assert isinstance(rows, list)
        return rows

    def new_row(self, repeat: str) -> dict[str, Any]:
        row: dict[str, Any] = {}
        _fill(self.rng, self.schema, self.repeat_path(repeat), row, 0.0)
        return row

    def finish(self) -> dict[str, Any]:
        return {k: v for k, v in self.out.items() if v != []}

    # -- setting one answer, keeping `. <= ${other}` constraints true ---------------------
    def set(self, scope: dict[str, Any], name: str, value: int | str | None) -> None:
        item = self.field(name)
        if value is None:
            scope.pop(item.path, None)
            return
        scope[item.path] = str(value)
        if not isinstance(value, int):
            return
        bound = _BOUND.search(item.constraint or "")
        if bound:
            ceiling = _named(self.schema, bound.group(1))
            if ceiling is not None and ceiling.type == "integer":
                where = scope if ceiling.repeat == item.repeat else self.out
                if not number(where.get(ceiling.path)) >= value:
                    if ceiling.name in self.fixed:
                        raise UnreachableError(f"{name} = {value} is above {ceiling.name}")
                    where[ceiling.path] = str(value)
        for other in self.schema.fields_in(item.repeat):
            match = _BOUND.search(other.constraint or "")
            if match and match.group(1) == name and number(scope.get(other.path)) > value:
                if other.name in self.fixed:
                    raise UnreachableError(f"{other.name} would exceed {name} = {value}")
                scope[other.path] = str(value)

    def candidates(
        self, name: str, conditions: Sequence[Condition], current: object, *, edges_first: bool
    ) -> list[str | None]:
        """Values worth trying for a field: the conditions' edges, its choices, its answer."""
        item = self.field(name)
        edges: list[str | None] = []
        if item.type in ("integer", "decimal"):
            low, high = _limits(item)
            numbers: list[float] = []
            for condition in conditions:
                if condition.op == "between":
                    lo, hi = (float(v) for v in condition.values)
                    numbers += [lo, hi, lo - 1, hi + 1]
                elif condition.op == "at_least":
                    numbers += [float(condition.values[0]), float(condition.values[0]) - 1]
            edges = [
                str(int(n))
                for n in numbers
                if n == int(n) and n >= low and (high is None or n <= high)
            ]
        else:
            listed = [str(v) for c in conditions for v in c.values]
            edges = [*listed, *(c.name for c in self.schema.choices_for(item))]
        mine = [current if isinstance(current, str) else None]
        ordered = [*edges, *mine, None] if edges_first else [*mine, *edges, None]
        return list(dict.fromkeys(ordered))

    def adjust(
        self,
        scope: dict[str, Any],
        conditions: Sequence[Condition],
        wanted: Callable[[Answers], bool],
        *,
        keep: dict[str, str] | None = None,
        edges_first: bool = False,
    ) -> None:
        """Change the fields of `conditions` in `scope` until `wanted` holds (least first)."""
        keep = keep or {}
        names = [n for n in dict.fromkeys(c.field for c in conditions) if n not in keep]
        options = [
            self.candidates(
                n,
                [c for c in conditions if c.field == n],
                scope.get(self.field(n).path),
                edges_first=edges_first,
            )
            for n in names
        ]
        for combination in itertools.product(*options):
            values = dict(zip(names, combination, strict=True)) | keep
            trial = {k: v for k, v in scope.items() if not isinstance(v, list)}
            for name, value in values.items():
                trial.pop(self.field(name).path, None)
                if value is not None:
                    trial[self.field(name).path] = value
            if wanted(Answers(trial)):
                for name, value in values.items():
                    whole = _integer(value)
                    self.set(scope, name, whole if whole is not None else value)
                return
        raise UnreachableError(f"no answers to {names} make the conditions hold as wanted")

    # -- derivation rules -------------------------------------------------------------
    def conditions(self, rule: Derivation, *, holds: bool, failing: int = 0) -> None:
        """Every condition true, or only condition `failing` false, each at its edge."""
        for name in dict.fromkeys(c.field for c in rule.conditions):
            mine = [(i, c) for i, c in enumerate(rule.conditions) if c.field == name]

            def wanted(answers: Answers, mine: list[tuple[int, Condition]] = mine) -> bool:
                return all(c.holds(answers) == (holds or i != failing) for i, c in mine)

            self.adjust(self.out, [c for _, c in mine], wanted, edges_first=True)

    def members(self, rule: Derivation, outcome: str) -> None:
        """The roster rows eligible for an all_members rule, so that it gives `outcome`."""
        assert rule.repeat is not None
        rows = self.rows(rule.repeat)
        conditions = [*rule.eligible, *rule.meets]

        def eligible(answers: Answers) -> bool:
            return all(c.holds(answers) for c in rule.eligible)

        def meets(answers: Answers) -> bool:
            return all(c.holds(answers) for c in rule.meets)

        chosen = [row for row in rows if eligible(Answers(row))]
        n = max(len(chosen), 1)
        share = None if rule.partly_share is None else _exact(rule.partly_share)
        if outcome == "not_applicable":
            n, m = 0, 0
        elif outcome == "fully":
            m = n
        elif outcome == "partly":
            if share is None or share >= 1:
                raise UnreachableError("partly needs a partly_share below 1")
            n = share.denominator * math.ceil(n / share.denominator)
            m = int(share * n)  # exactly at the share
        else:
            m = n - 1 if share is None else math.ceil(share * n) - 1  # just below it
        dropped = chosen[n:]
        rows[:] = [row for row in rows if not any(row is d for d in dropped)]
        chosen = chosen[:n]
        while len(chosen) < n:
            row = self.new_row(rule.repeat)
            rows.append(row)
            chosen.append(row)
        for index, row in enumerate(chosen):
            want_meets = index < m

            def wanted(answers: Answers, want_meets: bool = want_meets) -> bool:
                return eligible(answers) and meets(answers) == want_meets

            self.adjust(row, conditions, wanted)

    def one_member_at(self, rule: Derivation, bound: Condition, value: int) -> None:
        """The roster is one member not meeting the rule, with `bound`'s field at `value`."""
        assert rule.repeat is not None
        others = [c for c in rule.eligible if c is not bound]
        row = self.new_row(rule.repeat)

        def wanted(answers: Answers) -> bool:
            other_hold = all(c.holds(answers) for c in others)
            return other_hold and not all(c.holds(answers) for c in rule.meets)

        self.adjust(row, [*rule.eligible, *rule.meets], wanted, keep={bound.field: str(value)})
        self.out[self.repeat_path(rule.repeat)] = [row]

    def threshold(self, rule: Derivation, threshold: float, *, below: bool) -> float:
        """Put the rule's value at `threshold` (or just below it); returns the value."""
        assert rule.value is not None
        self.value_at(rule.value, _exact(threshold), below=below)
        return rule.value.value(Answers(self.finish()))

    def value_at(self, source: ValueSource, target: Fraction, *, below: bool) -> None:
        whole = math.ceil(target) - 1 if below else math.ceil(target)
        if source.kind == "field":
            self.whole_field(source.name, whole)
        elif source.kind == "count":
            if whole < 0:
                raise UnreachableError("a negative number of rows")
            rows = self.rows(source.name)
            del rows[whole:]
            while len(rows) < whole:
                rows.append(self.new_row(source.name))
            self.fixed.add(f"#{source.name}")
        elif source.kind == "sum":
            self.spread(source.repeat, source.name, whole)
        else:
            self.ratio_at(source, target, below=below)

    def whole_field(self, name: str, value: int) -> None:
        low, high = _limits(self.field(name))
        if value < low or (high is not None and value > high):
            raise UnreachableError(f"{name} = {value} is outside {low}..{high}")
        self.set(self.out, name, value)
        self.fixed.add(name)

    def spread(self, repeat: str, name: str, total: int) -> None:
        """Set `name` in the rows of `repeat` so that it sums to `total` (rows added if the
        row count is not fixed and the field's maximum per row needs more)."""
        if total < 0:
            raise UnreachableError("a negative sum")
        item = self.field(name)
        _, high = _limits(item)
        bound = _BOUND.search(item.constraint or "")
        rows = self.rows(repeat)

        def cap(row: dict[str, Any], remaining: int) -> int:
            most = remaining if high is None else min(high, remaining)
            if bound:
                most = min(most, _integer(row.get(self.field(bound.group(1)).path)) or 0)
            return most

        remaining = total
        for row in rows:
            value = cap(row, remaining)
            self.set(row, name, value)
            remaining -= value
        while remaining > 0:
            if f"#{repeat}" in self.fixed or (bound and bound.group(1) in self.fixed):
                raise UnreachableError(f"{name} cannot sum to {total} in the rows of {repeat}")
            row = self.new_row(repeat)
            rows.append(row)
            value = cap(row, remaining)
            self.set(row, name, value)
            remaining -= value
        self.fixed.add(name)

    def ratio_at(self, source: ValueSource, target: Fraction, *, below: bool) -> None:
        numerator, denominator = source.parts
        kinds = (numerator.kind, denominator.kind)
        if kinds == ("field", "field"):
            if denominator.name in self.fixed:
                size = _integer(self.out.get(self.field(denominator.name).path)) or 0
            else:
                _, high = _limits(self.field(denominator.name))
                size = DENOMINATOR if high is None else min(DENOMINATOR, high)
                self.whole_field(denominator.name, size)
        elif kinds == ("sum", "sum") and numerator.repeat == denominator.repeat:
            rows = self.rows(denominator.repeat)
            if denominator.name not in self.fixed:
                self.spread(denominator.repeat, denominator.name, DENOMINATOR)
            size = sum(_integer(r.get(self.field(denominator.name).path)) or 0 for r in rows)
        else:
            raise NotImplementedError(f"targeted samples for a ratio of {kinds}")
        if size <= 0:  # the ratio is 0, whatever the numerator
            if (below and target > 0) or (not below and target <= 0):
                return
            raise UnreachableError("a ratio over nothing is 0")
        count = math.ceil(target * size) - 1 if below else math.ceil(target * size)
        if count < 0:
            raise UnreachableError("a negative numerator")
        if numerator.kind == "field":
            self.whole_field(numerator.name, count)
        else:
            self.spread(numerator.repeat, numerator.name, count)

    def outcome(self, item: Item, outcome: str) -> None:
        """Answer an item (asked) or set what it derives from (derived) to give `outcome`."""
        rule = item.derive
        if rule is None:
            self.out[self.field(item.field).path] = outcome
        elif rule.rule == "conditions":
            self.conditions(rule, holds=outcome == "fully")
        elif rule.rule == "all_members":
            self.members(rule, outcome)
        else:
            assert rule.fully_at is not None
            if outcome == "fully":
                self.threshold(rule, rule.fully_at, below=False)
            elif outcome == "partly":
                assert rule.partly_at is not None
                self.threshold(rule, rule.partly_at, below=False)
            else:
                lowest = rule.partly_at if rule.partly_at is not None else rule.fully_at
                self.threshold(rule, lowest, below=True)


def _setting_order(item: Item) -> int:
    """Rows before sums before ratios, so a ratio's parts are those already set."""
    rule = item.derive
    if rule is None or rule.value is None:
        return 0
    return {"count": 1, "field": 1, "sum": 2, "ratio": 3}[rule.value.kind]


def _options(rubric: Rubric, item: Item) -> list[tuple[str, int]]:
    return [(answer, _units(rubric.points(item, answer))) for answer in item.answers]


def reachable_totals(rubric: Rubric, items: Sequence[Item] | None = None) -> set[float]:
    """Every total the items' answers can add up to (all items of the rubric by default)."""
    sums = {0}
    for item in items if items is not None else rubric.items:
        sums = {s + p for s in sums for _, p in _options(rubric, item)}
    return {s / UNITS for s in sums}


def _assignments(rubric: Rubric, items: Sequence[Item], target: int) -> Iterator[dict[str, str]]:
    """Answers per item adding up to `target` units; derived items vary first."""
    order = sorted(items, key=lambda i: i.derive is not None)
    options = [_options(rubric, item) for item in order]
    reach: list[set[int]] = [{0}]
    for opts in reversed(options):
        reach.insert(0, {s + p for s in reach[0] for _, p in opts})

    def walk(index: int, left: int, chosen: dict[str, str]) -> Iterator[dict[str, str]]:
        if index == len(order):
            yield dict(chosen)
            return
        for answer, points in options[index]:
            if left - points in reach[index + 1]:
                chosen[order[index].id] = answer
                yield from walk(index + 1, left - points, chosen)
                del chosen[order[index].id]

    if target in reach[0]:
        yield from walk(0, target, {})


def _realize(
    schema: FormSchema, rubric: Rubric, answers: dict[str, str], seed: int
) -> dict[str, Any] | None:
    builder = _Builder(schema, seed)
    try:
        for item in sorted(rubric.items, key=_setting_order):
            builder.outcome(item, answers[item.id])
    except UnreachableError:
        return None
    out = builder.finish()
    scored = rubric.score(out)
    if any(s.answer != answers[s.item_id] for s in scored.items):
        return None  # items sharing answers (a roster, a denominator) disagreed
    return out


def _reaching(
    schema: FormSchema,
    rubric: Rubric,
    target: float,
    seed: int,
    fixed: dict[str, str] | None = None,
    group: str | None = None,
) -> dict[str, Any]:
    """Answers whose total (or `group`'s points, the other items `fixed`) is `target`."""
    fixed = fixed or {}
    items = [i for i in rubric.items if i.id not in fixed]
    for attempt, chosen in enumerate(_assignments(rubric, items, _units(target))):
        if attempt == ATTEMPTS:
            break
        out = _realize(schema, rubric, chosen | fixed, seed + attempt)
        if out is not None:
            scored = rubric.score(out)
            reached = scored.group_points[group] if group else scored.total
            assert _units(reached) == _units(target)
            return out
    what = f"group {group} points" if group else "a total"
    raise AssertionError(f"{rubric.id}: no answers found giving {what} of {target}")


def _cut_off_samples(schema: FormSchema, rubric: Rubric, seed: int) -> list[Targeted]:
    """A total at each class cut-off and the pass mark, and the nearest achievable below."""
    reachable = reachable_totals(rubric)
    cut_offs = {c.min_points: f"class {c.id}" for c in rubric.classes}
    cut_offs[rubric.pass_mark.points] = "pass mark" + (
        f" = {cut_offs[rubric.pass_mark.points]}" if rubric.pass_mark.points in cut_offs else ""
    )
    samples = []
    for cut_off, name in sorted(cut_offs.items()):
        at = min(t for t in reachable if t >= cut_off)
        below = max(t for t in reachable if t < cut_off)
        for total, aim in ((at, f"total {at} at {name}"), (below, f"total {below} below {name}")):
            seed += 1
            samples.append(Targeted(aim, _reaching(schema, rubric, total, seed), total=total))
    return samples


def _group_minimum_samples(schema: FormSchema, rubric: Rubric, seed: int) -> list[Targeted]:
    """A group's points at its minimum and just below, every other item at its maximum."""
    samples = []
    for group in rubric.groups:
        if group.min_points is None:
            continue
        others = {
            i.id: max(_options(rubric, i), key=lambda option: option[1])[0]
            for g in rubric.groups
            if g is not group
            for i in g.items
        }
        reachable = reachable_totals(rubric, group.items)
        minimum = group.min_points.points
        for points in (
            min(t for t in reachable if t >= minimum),
            max(t for t in reachable if t < minimum),
        ):
            seed += 1
            answers = _reaching(schema, rubric, points, seed, fixed=others, group=group.id)
            aim = f"group {group.id} points {points} against its minimum {minimum}"
            samples.append(Targeted(aim, answers, group=group.id, group_points=points))
    return samples


def _derived_item_samples(schema: FormSchema, rubric: Rubric, seed: int) -> list[Targeted]:
    """Each derived item at the edges of its rule (thresholds, conditions, age bounds)."""
    samples = []
    for item in rubric.items:
        rule = item.derive
        if rule is None:
            continue
        if rule.rule == "threshold":
            for threshold in (rule.fully_at, rule.partly_at):
                if threshold is None:
                    continue
                for below in (False, True):
                    seed += 1
                    builder = _Builder(schema, seed)
                    value = builder.threshold(rule, threshold, below=below)
                    where = "just below" if below else "at"
                    samples.append(
                        Targeted(
                            f"{item.id}: value {value} {where} {threshold}",
                            builder.finish(),
                            item=item.id,
                            value=value,
                            threshold=threshold,
                        )
                    )
        elif rule.rule == "conditions":
            for failing in (None, *range(len(rule.conditions))):
                seed += 1
                builder = _Builder(schema, seed)
                builder.conditions(rule, holds=failing is None, failing=failing or 0)
                aim = "all conditions hold" if failing is None else f"condition {failing + 1} fails"
                samples.append(Targeted(f"{item.id}: {aim}, at the edges", builder.finish()))
        else:
            for outcome in rule.outcomes:
                seed += 1
                builder = _Builder(schema, seed)
                builder.members(rule, outcome)
                samples.append(Targeted(f"{item.id}: roster giving {outcome}", builder.finish()))
            for bound in (c for c in rule.eligible if c.op == "between"):
                lo, hi = (int(v) for v in bound.values)
                for value in (lo - 1, lo, hi, hi + 1):
                    seed += 1
                    builder = _Builder(schema, seed)
                    builder.one_member_at(rule, bound, value)
                    aim = f"{item.id}: one member not meeting it, {bound.field} {value}"
                    samples.append(Targeted(aim, builder.finish()))
    return samples


def targeted_submissions(schema: FormSchema, rubric: Rubric, seed: int = 0) -> list[Targeted]:
    """Samples at the boundaries of `rubric`, for the form `schema`.

    - a total exactly at each class cut-off and at the pass mark (or the nearest achievable
      above, if none is exact), and the nearest achievable total below each;
    - each group minimum (if any): the group's points at it and just below, the rest full;
    - each derived `threshold` item: its value exactly at `fully_at` and `partly_at` and the
      nearest below (an integer 1 below; a ratio 1/1000 below);
    - each `conditions` item: all conditions true, then each one false alone, at its edge
      (`at_least: n` as n and n - 1);
    - each roster (`all_members`) item: every outcome, and one member not meeting it at each
      age bound and just outside it.
    The samples are random elsewhere (reproducible from `seed`).
    """
    return [
        *_cut_off_samples(schema, rubric, seed),
        *_group_minimum_samples(schema, rubric, seed + 1000),
        *_derived_item_samples(schema, rubric, seed + 2000),
    ]
