"""Expectation suites generated from a form, run with Great Expectations, mapped back to
submissions and fields.

`plan_checks(schema)` reads a `FormSchema` — one of ours or any KoboToolbox asset's content —
and gives, per level (the submission, each repeat), the column checks its questions imply:

- `required`: a required question answered, where nothing makes it conditional: neither the
  question nor a group or repeat around it has a `relevant` (a question that was not shown
  is not missing; a conditional one is left to the rules that can evaluate its condition);
- `choice`: a select_one answer among its list's codes, each code of a select_multiple
  answer too;
- `range`: a number within the bounds of its constraint, for the common shapes `. >= a`,
  `. <= b`, `. > a`, `. < b` joined by `and` (a bound on another field is not a column check);
- `pattern`: a text matching the constraint `regex(., '...')`;
- `date_range`: a date within `date('...')` bounds and not after today for `. <= today()`;
- `unique`: `_id` within the submissions checked together (the same `meta/instanceID` or
  `meta/rootUuid` under two `_id`s is a cross-submission rule: `validation.cross`).

`run_checks(schema, payloads)` flattens the submissions (as KoboToolbox returns them) into one
pandas frame per level, runs each level's expectations as one GX suite, and turns every row
an expectation refuses into a `Finding` naming the submission (`_id`), the repeat index, the
field's path, the value and what was expected, in Vietnamese and English. GX does what it is
good at — column expectations and results as data (`unexpected_index_list`) — and no
percentage stands in for the rows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import pandas as pd

from forms.findings import Finding, Severity
from forms.schema import Field, FormSchema
from forms.text import Text

KEY = "_id"
INDEX = "_index"  # the repeat index path of a repeat row, "2" or "2.1"

_COMPARISON = re.compile(r"^\s*\.\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")
_DATE_BOUND = re.compile(
    r"^\s*\.\s*(>=|<=|>|<)\s*(?:date\('(\d{4}-\d{2}-\d{2})'\)|(today\(\)))\s*$"
)
_REGEX = re.compile(r"^\s*regex\(\s*\.\s*,\s*'((?:[^'\\]|\\.)*)'\s*\)\s*$")
_NUMERIC = ("integer", "decimal", "range")


@dataclass(frozen=True)
class Check:
    """One column expectation of one level (`repeat` None: the submission itself)."""

    kind: str  # required | choice | range | pattern | date_range | unique
    repeat: str | None
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rule(self) -> str:
        return f"form.{self.kind}"


def _conditional(schema: FormSchema, item: Field) -> bool:
    if item.relevant:
        return True
    parent = item.group
    while parent is not None:
        group = schema.group(parent)
        if group.relevant:
            return True
        parent = group.parent
    return False


def _conjuncts(constraint: str) -> list[str] | None:
    """The parts of `a and b and c` at the top level (None if it has `or` or brackets)."""
    if " or " in constraint or "(" in constraint.replace("date(", "").replace("today()", ""):
        return None
    return [part for part in re.split(r"\band\b", constraint) if part.strip()]


def _bounds(constraint: str, *, dates: bool) -> dict[str, Any] | None:
    """GX `between` bounds of the constraint's comparisons of `.` with a number (or, with
    `dates`, with `date('...')` or `today()`); a bound on another field or a function is
    not a column check and is left out."""
    parts = _conjuncts(constraint)
    if not parts:
        return None
    bounds: dict[str, Any] = {}
    for part in parts:
        match = (_DATE_BOUND if dates else _COMPARISON).match(part)
        if match is None:
            continue
        op = match.group(1)
        if dates:
            bound: Any = "today" if match.group(3) else match.group(2)
        else:
            bound = float(match.group(2))
        side = "min_value" if op in (">=", ">") else "max_value"
        bounds[side] = bound
        bounds["strict_min" if side == "min_value" else "strict_max"] = op in (">", "<")
    return bounds or None


def plan_checks(schema: FormSchema) -> list[Check]:
    """The column checks the form's questions imply (see the module docstring)."""
    checks = [Check("unique", None, KEY)]
    for item in schema.fields:
        if not item.has_data or item.type in ("calculate", "acknowledge"):
            continue
        if item.is_required and not _conditional(schema, item):
            checks.append(Check("required", item.repeat, item.path))
        if item.is_select and item.list_name:
            codes = tuple(c.name for c in schema.choices_for(item))
            if codes and not item.type.endswith("_from_file"):
                multiple = item.type.startswith("select_multiple")
                checks.append(
                    Check("choice", item.repeat, item.path, {"codes": codes, "multiple": multiple})
                )
        if not item.constraint:
            continue
        if item.type in _NUMERIC and (bounds := _bounds(item.constraint, dates=False)):
            checks.append(Check("range", item.repeat, item.path, bounds))
        elif item.type == "date" and (bounds := _bounds(item.constraint, dates=True)):
            checks.append(Check("date_range", item.repeat, item.path, bounds))
        elif item.type == "text" and (match := _REGEX.match(item.constraint)):
            checks.append(Check("pattern", item.repeat, item.path, {"regex": match.group(1)}))
    return checks


# -- flattening ---------------------------------------------------------------------------


class _Level:
    """The checked columns of one level (the submission, or one repeat), gathered row by
    row: what `pd.DataFrame` of the flattened rows would hold in those columns."""

    def __init__(self, checks: Sequence[Check]) -> None:
        self.checks = list(checks)
        self.paths = [*dict.fromkeys(c.path for c in checks if c.path not in (KEY, INDEX))]
        self.key: list[Any] = []
        self.index: list[Any] = []
        self.values: list[list[Any]] = [[] for _ in self.paths]
        # per column: whether every answer is a string (then one object per distinct answer)
        self.text = [True] * len(self.paths)
        self.seen: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.key)

    def add(self, data: Mapping[str, Any], key: Any, index: str) -> None:
        """One row: `data` a submission (key `_id`, index "") or a repeat instance."""
        for special, default, column in ((KEY, key, self.key), (INDEX, index, self.index)):
            value = data.get(special, default)
            column.append(default if isinstance(value, list | dict) else value)
        seen = self.seen
        for number, path in enumerate(self.paths):
            value = data.get(path)
            if type(value) is str:
                value = seen.setdefault(value, value)
            elif value is not None:
                if isinstance(value, list | dict):
                    value = None
                else:
                    self.text[number] = False
            self.values[number].append(value)

    def frame(self) -> pd.DataFrame:
        """The rows as a frame holding the checked columns, typed for their expectations."""
        frame = pd.DataFrame(
            {KEY: self.key, INDEX: self.index, **dict(zip(self.paths, self.values, strict=True))},
            dtype=object,
        )
        typed: set[str] = set()
        for check in self.checks:
            if check.kind == "range":
                frame[check.path] = pd.to_numeric(frame[check.path], errors="coerce")
                typed.add(check.path)
            elif check.kind == "date_range":
                frame[check.path] = pd.to_datetime(
                    frame[check.path].astype("string").str.slice(0, 10), errors="coerce"
                )
                typed.add(check.path)
        frame[INDEX] = frame[INDEX].fillna("").astype("category")
        # answers that are all strings as categories: the expectations compute on the
        # distinct answers (the same results, in a fraction of the time and memory)
        for path, text in zip(self.paths, self.text, strict=True):
            if text and path not in typed:
                frame[path] = frame[path].astype("category")
        return frame


class SuiteRun:
    """The generated suites of one form on submissions given in parts (`add`), the columns
    they check gathered as they come; `findings` runs each level's suite once on them all."""

    def __init__(self, schema: FormSchema) -> None:
        checks = plan_checks(schema)
        self.repeats = tuple(dict.fromkeys(group.path for group in schema.repeats))
        levels: dict[str | None, list[Check]] = {}
        for check in checks:
            if check.repeat is None or check.repeat in self.repeats:
                levels.setdefault(check.repeat, []).append(check)
        self.levels = {level: _Level(mine) for level, mine in levels.items()}

    def add(self, payloads: Iterable[Mapping[str, Any]]) -> None:
        top = self.levels.get(None)
        for payload in payloads:
            key = payload.get(KEY)
            if top is not None:
                top.add(payload, key, "")
            if self.repeats:
                self._repeats(payload, key, "")

    def _repeats(self, data: Mapping[str, Any], key: Any, index: str) -> None:
        for path in self.repeats:
            value = data.get(path)
            if not isinstance(value, list):
                continue
            level = self.levels.get(path)
            for number, child in enumerate(value, start=1):
                if isinstance(child, Mapping):
                    inner = f"{index}.{number}" if index else str(number)
                    if level is not None:
                        level.add(child, key, inner)
                    self._repeats(child, key, inner)

    def findings(self) -> list[Finding]:
        """Every finding of the suites on the submissions added."""
        findings: list[Finding] = []
        for level, rows in self.levels.items():
            if not len(rows):
                continue
            frame = rows.frame()
            for check, refused in _unexpected(level, rows.checks, frame):
                value = _shown(refused.get(check.path))
                index = tuple(int(p) for p in str(refused.get(INDEX) or "").split(".") if p)
                submission = refused.get(KEY)
                findings.append(
                    Finding(
                        check.rule,
                        check.path,
                        value,
                        _message(check, value),
                        Severity.ERROR,
                        int(submission) if submission is not None else None,
                        index,
                    )
                )
        return findings


# -- Great Expectations ---------------------------------------------------------------------


@cache
def _context() -> Any:
    """One ephemeral GX context per process (creating one takes seconds), no progress bars."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX sets INFO on some of its loggers ("Created temporary directory ..."): not for users
    for name in ("great_expectations", *logging.root.manager.loggerDict):
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _expectation(check: Check) -> Any:
    import great_expectations as gx

    expect = gx.expectations
    column = check.path
    if check.kind == "required":
        return expect.ExpectColumnValuesToNotBeNull(column=column)
    if check.kind == "unique":
        return expect.ExpectColumnValuesToBeUnique(column=column)
    if check.kind == "choice":
        codes = list(check.params["codes"])
        if not check.params["multiple"]:
            return expect.ExpectColumnValuesToBeInSet(column=column, value_set=codes)
        one = "(?:" + "|".join(re.escape(c) for c in codes) + ")"
        return expect.ExpectColumnValuesToMatchRegex(column=column, regex=f"^{one}(?: {one})*$")
    if check.kind == "pattern":
        # the form's groups only group: non-capturing, as pandas wants for a plain match
        regex = re.sub(r"(?<!\\)\((?!\?)", "(?:", check.params["regex"])
        return expect.ExpectColumnValuesToMatchRegex(column=column, regex=regex)
    bounds = dict(check.params)
    if check.kind == "date_range":
        for side in ("min_value", "max_value"):
            if side in bounds:
                when = date.today() if bounds[side] == "today" else date.fromisoformat(bounds[side])
                bounds[side] = pd.Timestamp(when)
    return expect.ExpectColumnValuesToBeBetween(column=column, **bounds)


def _unexpected(
    level: str | None, checks: Sequence[Check], frame: pd.DataFrame
) -> Iterator[tuple[Check, dict[str, Any]]]:
    """(check, refused row) for each row an expectation refuses."""
    import great_expectations as gx

    context = _context()
    name = f"level_{abs(hash(level))}"
    source = context.data_sources.add_or_update_pandas(name)
    asset = source.add_dataframe_asset(f"{name}_{id(frame)}")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
        batch_parameters={"dataframe": frame}
    )
    suite = gx.ExpectationSuite(name=name)
    for check in checks:
        suite.add_expectation(_expectation(check))
    index_columns = [KEY, INDEX]
    result = batch.validate(
        suite,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": index_columns},
    )
    for check, outcome in zip(checks, result.results, strict=True):
        if outcome.success:
            continue
        for row in outcome.result.get("unexpected_index_list") or ():
            yield check, row


def _shown(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def _message(check: Check, value: str) -> Text:
    params = check.params
    if check.kind == "required":
        return Text("câu bắt buộc chưa được trả lời", "a required question has no answer")
    if check.kind == "unique":
        return Text(
            f"'{value}' trùng ở nhiều phiếu ({check.path}): có thể là phiếu gửi hai lần",
            f"'{value}' appears in more than one submission ({check.path}): possibly sent twice",
        )
    if check.kind == "choice":
        codes = ", ".join(params["codes"])
        return Text(
            f"mã lựa chọn '{value}' không có trong danh sách ({codes})",
            f"choice code '{value}' is not in the list ({codes})",
        )
    if check.kind == "pattern":
        return Text(
            f"'{value}' không đúng dạng yêu cầu ({params['regex']})",
            f"'{value}' does not have the required form ({params['regex']})",
        )
    low, high = params.get("min_value"), params.get("max_value")
    vi = " và ".join(
        part
        for part in (
            f"{'lớn hơn' if params.get('strict_min') else 'từ'} {_shown(low)}"
            if low is not None
            else "",
            f"{'nhỏ hơn' if params.get('strict_max') else 'không quá'} {_shown(high)}"
            if high is not None
            else "",
        )
        if part
    )
    en = " and ".join(
        part
        for part in (
            f"{'above' if params.get('strict_min') else 'at least'} {_shown(low)}"
            if low is not None
            else "",
            f"{'below' if params.get('strict_max') else 'at most'} {_shown(high)}"
            if high is not None
            else "",
        )
        if part
    )
    return Text(
        f"giá trị {value} ngoài khoảng của biểu mẫu: cần {vi}".replace("today", "hôm nay"),
        f"value {value} is outside the form's range: it must be {en}",
    )


def run_checks(schema: FormSchema, payloads: Sequence[Mapping[str, Any]]) -> list[Finding]:
    """Every finding of the form's generated suites on the given submissions."""
    run = SuiteRun(schema)
    run.add(payloads)
    return run.findings()
