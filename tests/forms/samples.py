"""Sample submissions for a form, shaped as KoboToolbox returns them, generated from FormSchema.

Answers are random but reproducible (seeded), lean on boundary values (ages 6, 14, 19, 60;
a count equal to the number it is bounded by), and sometimes leave a question unanswered,
so the device's calculations and `Rubric.score` are compared on awkward data too.
"""

from __future__ import annotations

import random
import re
from typing import Any

from forms.schema import Field, FormSchema

EDGE_INTEGERS = (0, 1, 2, 5, 6, 7, 13, 14, 15, 18, 19, 20, 45, 60, 61, 75, 100, 300, 301)
DATES = ("2019-11-20", "2020-02-01", "2023-04-15", "2025-06-30", "2025-07-01", "2025-09-30")
ANSWERED = ("select_one", "select_multiple", "integer", "decimal", "date")
_BOUND = re.compile(r"\. <= \$\{(\w+)\}")


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
