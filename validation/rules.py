"""Domain rules: small functions that read one submission and yield findings.

Each rule takes the submission as KoboToolbox returns it (a payload: `_id`, group paths,
repeats as lists) and what it needs of the programme — the form's rubric, the settings — and
yields `Finding`s naming the submission, the field and the value, with a message in
Vietnamese and English. The rules here need nothing but the submission itself:

- `score.device_differs`: the provisional score the device stored (`score_total`,
  `score_class`) is not the one `Rubric.score` computes with the rubric valid on the
  evaluation date — a form filled with an older rubric, or answers edited on the server
  without the form recomputing them;
- `roster.contradicts_item`: an item the device derived from the household roster (1a
  schooling, 2a literacy, 2b learning) is stored with an answer the roster contradicts, e.g.
  1a "met" while a child aged 6–14 is not in school;
- `roster.head_count`: a household roster with no member, or without exactly one head;
- `time.end_before_start`, `time.too_short`: the interview's `end` before its `start`, or
  shorter than a plausible minimum (`Settings.min_interview_minutes`);
- `time.eval_after_submission`: the evaluation date after the day the server received it.

Rules comparing submissions with each other (duplicates, outliers) and with the reference
data (communes, villages, campaign dates) work on many submissions at once and live beside
these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from forms.findings import Finding, Severity
from forms.rubric import Item, Rubric, ScoreResult
from forms.rules import Answers, number
from forms.text import Text


@dataclass(frozen=True)
class Settings:
    """What the rules treat as plausible (a data manager may change these)."""

    min_interview_minutes: float = 5.0


Rule = Callable[[Mapping[str, Any], Answers, Rubric | None, Settings], Iterator[Finding]]
"""(the payload, its answers read once, the form's rubric, the settings) → findings."""


def _finding(
    rule: str,
    payload: Mapping[str, Any],
    field: str,
    value: object,
    message: Text,
    severity: Severity = Severity.ERROR,
) -> Finding:
    return Finding(
        rule, field, "" if value is None else str(value), message, severity, _kobo_id(payload)
    )


def _kobo_id(payload: Mapping[str, Any]) -> int | None:
    try:
        return int(payload["_id"])
    except (KeyError, TypeError, ValueError):
        return None


def _path(payload: Mapping[str, Any], name: str) -> str:
    """The full path under which a field's answer sits in the payload (the name if absent)."""
    for key in payload:
        if key == name or key.endswith("/" + name):
            return key
    return name


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _points(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


class Scoring:
    """The rubric that applies to one submission and its score, each computed at most once
    for all the rules that need them."""

    def __init__(self, rubric: Rubric, data: Answers) -> None:
        self.rubric = rubric
        self.data = data
        self._chosen: tuple[Rubric | None] | None = None
        self._result: ScoreResult | None = None

    @property
    def chosen(self) -> Rubric | None:
        if self._chosen is None:
            self._chosen = (self.rubric.for_evaluation(self.data),)
        return self._chosen[0]

    def score(self, chosen: Rubric) -> ScoreResult:
        """`chosen.score` of the answers (`chosen`: `self.chosen`)."""
        if self._result is None:
            self._result = chosen.score(self.data)
        return self._result

    def derived(self, chosen: Rubric, item: Item) -> str:
        """The answer `item.derive` gives: the score's when it is already computed."""
        assert item.derive is not None
        if self._result is not None and chosen is self.chosen:
            for scored in self._result.items:
                if scored.item_id == item.id:
                    return str(scored.answer)
        return item.derive.answer(self.data)


def device_score_differs(
    payload: Mapping[str, Any], data: Answers, rubric: Rubric | None, settings: Settings
) -> Iterator[Finding]:
    del settings
    if rubric is not None:
        yield from _device_score_differs(payload, Scoring(rubric, data))


def _device_score_differs(payload: Mapping[str, Any], scoring: Scoring) -> Iterator[Finding]:
    data = scoring.data
    stored_total, stored_class = data.get("score_total"), data.get("score_class")
    if stored_total is None and stored_class is None:
        return
    chosen = scoring.chosen
    if chosen is None:
        return
    result = scoring.score(chosen)
    device = number(stored_total)
    if device != device or abs(device - result.total) > 1e-6 or stored_class != result.class_id:
        yield _finding(
            "score.device_differs",
            payload,
            _path(payload, "score_total"),
            f"{stored_total} {stored_class}",
            Text(
                f"điểm trên máy {stored_total} ({stored_class}) khác điểm hệ thống tính theo "
                f"{chosen.id} {chosen.version}: {_points(result.total)} ({result.class_id})",
                f"the device's score {stored_total} ({stored_class}) differs from the system's "
                f"under {chosen.id} {chosen.version}: {_points(result.total)} "
                f"({result.class_id})",
            ),
            Severity.WARNING,
        )


def roster_contradicts_item(
    payload: Mapping[str, Any], data: Answers, rubric: Rubric | None, settings: Settings
) -> Iterator[Finding]:
    del settings
    if rubric is not None:
        yield from _roster_contradicts_item(payload, Scoring(rubric, data))


def _roster_contradicts_item(payload: Mapping[str, Any], scoring: Scoring) -> Iterator[Finding]:
    data = scoring.data
    chosen = scoring.chosen or scoring.rubric
    for item in chosen.items:
        rule = item.derive
        if rule is None or rule.rule != "all_members":
            continue
        stored = data.get(item.field)
        if stored is None:
            continue
        derived = scoring.derived(chosen, item)
        if stored != derived:
            eligible, meeting = rule.counts(data)
            yield _finding(
                "roster.contradicts_item",
                payload,
                _path(payload, item.field),
                stored,
                Text(
                    f"chỉ tiêu {item.id} ghi '{stored}' nhưng danh sách thành viên cho "
                    f"'{derived}' ({meeting}/{eligible} người thuộc diện đạt)",
                    f"item {item.id} is stored as '{stored}' but the roster gives '{derived}' "
                    f"({meeting}/{eligible} eligible members meet it)",
                ),
            )


def roster_head_count(
    payload: Mapping[str, Any], data: Answers, rubric: Rubric | None, settings: Settings
) -> Iterator[Finding]:
    del settings
    if rubric is None or rubric.form != "gia_dinh":
        return
    members = data.rows("members")
    heads = sum(member.get("m_relation") == "head" for member in members)
    if members and heads == 1:
        return
    yield _finding(
        "roster.head_count",
        payload,
        next((k for k in payload if k.endswith("members")), "members"),
        f"{len(members)}/{heads}",
        Text(
            f"danh sách hộ có {len(members)} thành viên, {heads} chủ hộ: cần ít nhất một thành "
            "viên và đúng một chủ hộ",
            f"the household roster has {len(members)} members and {heads} heads: it needs at "
            "least one member and exactly one head",
        ),
    )


def interview_times(
    payload: Mapping[str, Any], data: Answers, rubric: Rubric | None, settings: Settings
) -> Iterator[Finding]:
    del rubric
    start, end = _moment(data.get("start")), _moment(data.get("end"))
    if start is None or end is None or start.tzinfo is None or end.tzinfo is None:
        return
    minutes = (end - start).total_seconds() / 60
    if minutes < 0:
        yield _finding(
            "time.end_before_start",
            payload,
            _path(payload, "end"),
            data.get("end"),
            Text(
                f"giờ kết thúc phỏng vấn {data.get('end')} trước giờ bắt đầu {data.get('start')}",
                f"the interview ends ({data.get('end')}) before it starts ({data.get('start')})",
            ),
        )
    elif minutes < settings.min_interview_minutes:
        shown = f"{minutes:.1f}".rstrip("0").rstrip(".")
        minimum = _points(settings.min_interview_minutes)
        yield _finding(
            "time.too_short",
            payload,
            _path(payload, "end"),
            shown,
            Text(
                f"phỏng vấn chỉ {shown.replace('.', ',')} phút, dưới mức tối thiểu {minimum} phút",
                f"the interview took {shown} minutes, under the plausible minimum of "
                f"{minimum} minutes",
            ),
            Severity.WARNING,
        )


def evaluation_after_submission(
    payload: Mapping[str, Any], data: Answers, rubric: Rubric | None, settings: Settings
) -> Iterator[Finding]:
    del rubric, settings
    raw = data.get("eval_date")
    received = _moment(str(payload.get("_submission_time") or ""))
    try:
        evaluated = date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        evaluated = None
    if evaluated is None or received is None or evaluated <= received.date():
        return
    yield _finding(
        "time.eval_after_submission",
        payload,
        _path(payload, "eval_date"),
        raw,
        Text(
            f"ngày đánh giá {raw} sau ngày máy chủ nhận phiếu {received.date().isoformat()}",
            f"the evaluation date {raw} is after the day the server received the submission "
            f"({received.date().isoformat()})",
        ),
    )


_OTHERS: tuple[Rule, ...] = (roster_head_count, interview_times, evaluation_after_submission)
RULES: tuple[Rule, ...] = (device_score_differs, roster_contradicts_item, *_OTHERS)


def check_submission(
    payload: Mapping[str, Any],
    rubric: Rubric | None,
    settings: Settings | None = None,
    data: Answers | None = None,
    scoring: Scoring | None = None,
) -> list[Finding]:
    """Every finding of the domain rules on one submission (`data`: its answers, when the
    caller has read them already; `scoring`: the rubric's choice and score of them, when
    the caller needs them too)."""
    settings = settings or Settings()
    data = Answers(payload) if data is None else data
    found: list[Finding] = []
    if rubric is not None:  # the rubric's rules share its choice and score
        if scoring is None or scoring.rubric is not rubric:
            scoring = Scoring(rubric, data)
        found += _device_score_differs(payload, scoring)
        found += _roster_contradicts_item(payload, scoring)
    for rule in _OTHERS:
        found += rule(payload, data, rubric, settings)
    return found
