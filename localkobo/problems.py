"""Demo data as a real campaign collects it: surveyors by district, and about 3% problems of
every kind the validation finds, with a manifest of exactly what it must report.

`answer_campaign(kobo, uid, count)` adds submissions answered by `localkobo.generate` as a
campaign would collect them: interviews of a plausible length, each household, clan, village
or unit evaluated once (their codes and names `distinct`), no number far from the others of
its district (a submission that happens to draw one is answered again), and the `username`
and `deviceid` of one of a few surveyors of the submission's district (province-level
activities have province surveyors), some doing much more work than others. Such data gives
the validation no finding at all.

`seed_problems(kobo, uid, share)` then puts one problem into about `share` of the asset's
submissions, deterministically from the seed, and returns the manifest: one entry
`{"form", "asset_uid", "submission", "rule", "field", "row"}` per finding the validation must
report (`row` "" for the submission itself, "2" for the second item of a repeat). The kinds
(`KINDS`) are the validation's rule ids; a form gets those that apply to it (a roster rule
needs the family form's roster, a pattern a question with a `regex`, a geopoint rule a
geopoint...), each kind once before any comes twice, so every applicable kind appears when
there are enough submissions. Careless surveyors carry most of the problems: a few of each
district's surveyors are six times as likely as the others to have made one, and the
problems spread over the districts.

Each problem is made to yield its own finding and nothing else:

- `form.required`: a required, unconditional free-text answer left out; `form.choice`: a
  select answered with a code not in its list (`99`); `form.range`: a number just under
  the minimum of its constraint (a repeat's number: just over the maximum);
  `form.pattern`: a phone number one digit short; `form.date_range`: a date with the
  year's digits swapped (2026 → 2062), after today — the evaluation date itself in the forms
  without another dated question, which the validation then also finds after the day the
  server received it (`time.eval_after_submission`: both are in the manifest), and in the
  units of another era than the commune answered (`place.commune_date` too);
- `score.device_differs`: the device's stored total five points off; `roster.contradicts_item`:
  a roster-derived item stored with another outcome; `roster.head_count`: a second head, or
  none; `time.end_before_start`: the end before the start; `time.too_short`: an interview of
  one to four minutes; `time.eval_after_submission`: an evaluation dated days after the
  submission arrived;
- `duplicate.same_year`: the household (clan, village, unit) and the year, place and date of
  an earlier submission, under a new instanceID; `duplicate.instance_id`: the `meta/rootUuid`
  of an earlier submission (its `meta/instanceID` stays its own, so the form's unique
  instanceID check does not fire); `place.commune_district`: a district the commune does not
  belong to; `place.commune_date`: an evaluation date in the other era than the commune list
  answered (the 2025 reform; for a commune of 2020–2025 answered before it, a date before
  the 2020 reform); `place.village_commune`: a listed village of another commune
  (only for a form that lists villages: none while forms/reference/villages.csv is empty);
  `outlier.robust`: a number far above the others of its district (modified z-score 8–15,
  within the question's bounds, in groups of at least 10); `geo.outside_province`: a
  geopoint in a town of another province.

Answers the rubric scores with may change (a ratio's denominator, an unknown code): the
device's `score_total` and `score_class` are then those the rubric computes from the changed
answers, as the device would have computed them; a change that would alter an item derived
from the roster is not made. The outlier statistics are checked again after seeding (another
problem may shift a district's median), and the seeding drawn again if they differ from the
outliers seeded.
"""

from __future__ import annotations

import copy
import random
import re
import statistics
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from forms.reference import era_on
from forms.rubric import Rubric
from forms.rubric_load import load_rubrics
from forms.rules import Answers
from forms.schema import Field, FormSchema
from localkobo import xpath
from localkobo.campaign import FAVOUR, Slot
from localkobo.generate import AnswerGenerator
from localkobo.store import LocalAsset, LocalKobo

KINDS: tuple[str, ...] = (
    "form.required",
    "form.choice",
    "form.range",
    "form.pattern",
    "form.date_range",
    "score.device_differs",
    "roster.contradicts_item",
    "roster.head_count",
    "time.end_before_start",
    "time.too_short",
    "time.eval_after_submission",
    "duplicate.same_year",
    "duplicate.instance_id",
    "place.commune_district",
    "place.commune_date",
    "place.village_commune",
    "outlier.robust",
    "geo.outside_province",
)

# what tells the subject of an evaluation apart (as validation.cross reads it): the question
# marking the form, and the answers a campaign never repeats
IDENTITIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hh_code", ("hh_code", "head_name")),
    ("clan_name", ("clan_name",)),
    ("unit_name", ("unit_name",)),
    ("community_type", ("village_other",)),
)
# the cross-submission outlier rule: numbers of the submission level, per district
Z_FACTOR, Z_LIMIT, MIN_GROUP = 0.6745, 3.5, 10
NOT_MEASURES = ("eval_year",)
REFORM = date(2025, 7, 1)  # the first day of the era-3 communes
ERA2_START = date(2020, 2, 1)  # the first day of the era-2 communes
MOMENT = "%Y-%m-%dT%H:%M:%S.000+07:00"
BAD_CODES = ("99", "khac", "0")
# towns of other provinces, south of both boxes of forms/reference/province_bounding_boxes.csv
ELSEWHERE = ((21.0285, 105.8542), (20.8449, 106.6881), (20.4200, 106.1683), (20.8133, 105.3383))
SYSTEM_KEYS = (
    "formhub/uuid",
    "__version__",
    "meta/instanceID",
    "meta/rootUuid",
    "meta/deprecatedID",
    "_xform_id_string",
    "_uuid",
    "_status",
    "_submission_time",
    "_submitted_by",
)
ATTEMPTS = 20  # seedings drawn before giving up on the outlier statistics
CARELESS = 6.0  # how much likelier a careless surveyor's submission is to carry a problem

_COMPARISON = re.compile(r"^\s*\.\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")
_DATE_BOUND = re.compile(r"^\s*\.\s*(>=|<=|>|<)\s*(?:date\('(\d{4}-\d{2}-\d{2})'\)|today\(\))\s*$")
_REGEX = re.compile(r"^\s*regex\(\s*\.\s*,\s*'((?:[^'\\]|\\.)*)'\s*\)\s*$")

Doc = dict[str, Any]
Found = tuple[str, str, str]  # rule, field, row


# -- the form ----------------------------------------------------------------------------


def _conjuncts(constraint: str) -> list[str] | None:
    """`a and b` at the top level, as the generated suites read a constraint (None: a shape
    they do not check, with `or` or brackets)."""
    if " or " in constraint or "(" in constraint.replace("date(", "").replace("today()", ""):
        return None
    return [part for part in re.split(r"\band\b", constraint) if part.strip()]


def _number_bounds(item: Field) -> tuple[float | None, bool, float | None, bool] | None:
    """(min, strict, max, strict) of a number's constraint as the suites check it."""
    parts = _conjuncts(item.constraint or "")
    if not parts:
        return None
    low = high = None
    strict_low = strict_high = False
    for part in parts:
        if (match := _COMPARISON.match(part)) is None:
            continue
        op, value = match.group(1), float(match.group(2))
        if op in (">", ">="):
            low, strict_low = value, op == ">"
        else:
            high, strict_high = value, op == "<"
    return None if low is None and high is None else (low, strict_low, high, strict_high)


def _dated(item: Field) -> bool:
    """Whether the suites check the date against `date('...')` or `today()` bounds."""
    parts = _conjuncts(item.constraint or "") or []
    return any(_DATE_BOUND.match(part) for part in parts)


@dataclass
class _Form:
    """What the seeding needs to know of one asset's deployed form."""

    id: str
    content: dict[str, Any]
    schema: FormSchema
    rubric: Rubric | None
    paths: dict[str, str]  # submission-level field name → path
    distinct: tuple[str, ...]
    identity: tuple[str, ...]  # the identity answers (code first), () without identity
    measured: list[Field]  # the numbers the outlier rule reads

    def path(self, name: str) -> str:
        return self.paths.get(name, name)

    def conditional(self, item: Field) -> bool:
        if item.relevant:
            return True
        parent = item.group
        while parent is not None:
            group = self.schema.group(parent)
            if group.relevant:
                return True
            parent = group.parent
        return False

    def repeat_rows(self, doc: Doc, item: Field) -> list[tuple[str, Doc]]:
        """(row index, item) of the repeat holding `item` ([] for a submission-level one)."""
        if item.repeat is None:
            return []
        return [
            (str(number), row)
            for number, row in enumerate(doc.get(item.repeat) or [], start=1)
            if isinstance(row, dict)
        ]

    def derived(self, doc: Doc) -> tuple[str, ...]:
        """The answers of the items derived from the roster (`all_members`)."""
        if self.rubric is None:
            return ()
        chosen = self.rubric.for_evaluation(doc) or self.rubric
        data = Answers(doc)
        return tuple(
            str(item.derive.answer(data))
            for item in chosen.items
            if item.derive is not None and item.derive.rule == "all_members"
        )

    def rescore(self, doc: Doc) -> None:
        """The device's total and class as the rubric computes them from the answers."""
        total, rank = self.path("score_total"), self.path("score_class")
        if self.rubric is None or total not in doc or rank not in doc:
            return
        chosen = self.rubric.for_evaluation(doc)
        if chosen is None:
            return
        result = chosen.score(doc)
        doc[total] = xpath.string(result.total)
        doc[rank] = result.class_id


@cache
def _rubrics() -> dict[str, Rubric]:
    return load_rubrics()


def _form(asset: LocalAsset) -> _Form:
    version = asset.version(asset.deployed_version_id or "") or asset.versions[-1]
    content = version.content
    schema = FormSchema.from_kpi_content(content)
    paths = {f.name: f.path for f in schema.fields if f.repeat is None}
    identity: tuple[str, ...] = next((names for marker, names in IDENTITIES if marker in paths), ())
    distinct = tuple(name for name in identity if name in paths)
    if identity == ("village_other",):
        identity = ("village", "village_other")
    measured = [
        f
        for f in schema.fields
        if f.repeat is None and f.type in ("integer", "decimal") and f.name not in NOT_MEASURES
    ]
    rubric = _rubrics().get(schema.rubric_id or "")
    form_id = schema.form_id or asset.uid
    return _Form(form_id, content, schema, rubric, paths, distinct, identity, measured)


# -- surveyors -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Surveyor:
    """One surveyor: the answers of the form's `username` and `deviceid`, how much of the
    district's work they do and how careless they are (the weight of their problems)."""

    username: str
    deviceid: str
    workload: int
    care: float


@cache
def surveyors(seed: int, district: str) -> tuple[Surveyor, ...]:
    """The two to four surveyors of a district (`""`: the province's own)."""
    rng = random.Random(f"surveyors:{seed}:{district}")
    place = district or "tinh"
    return tuple(
        Surveyor(
            f"dtv_{place}_{number}",
            f"collect:{rng.getrandbits(48):012x}",
            rng.choice((1, 2, 2, 3, 4)),
            CARELESS if rng.random() < 0.25 else 1.0,
        )
        for number in range(1, rng.randint(2, 4) + 1)
    )


def _care(seed: int) -> Callable[[Doc, _Form], float]:
    def care(doc: Doc, form: _Form) -> float:
        district = str(doc.get(form.path("district")) or "")
        for surveyor in surveyors(seed, district):
            if doc.get("username") == surveyor.username:
                return surveyor.care
        return 1.0

    return care


def _assign(answers: Doc, form: _Form, seed: int, rng: random.Random) -> None:
    """Give the answers the `username` and `deviceid` of one of their district's surveyors."""
    if "username" not in answers and "deviceid" not in answers:
        return
    pool = surveyors(seed, str(answers.get(form.path("district")) or ""))
    surveyor = rng.choices(pool, weights=[s.workload for s in pool])[0]
    if "username" in answers:
        answers["username"] = surveyor.username
    if "deviceid" in answers:
        answers["deviceid"] = surveyor.deviceid


# -- outliers, as validation.cross finds them ----------------------------------------------


def outliers(form: _Form, docs: Iterable[Doc]) -> set[tuple[int, str]]:
    """(submission, path) of each number whose modified z-score within its district is above
    3.5, in groups of at least 10 values with a MAD above 0 (the rule `outlier.robust`)."""
    groups: dict[tuple[str, str], list[tuple[float, int]]] = {}
    district = form.path("district")
    for doc in docs:
        for item in form.measured:
            value = _float(doc.get(item.path))
            if value is not None:
                key = (item.path, str(doc.get(district) or "").strip())
                groups.setdefault(key, []).append((value, int(doc["_id"])))
    found = set()
    for (path, _), values in groups.items():
        if len(values) < MIN_GROUP:
            continue
        median, mad = _spread([v for v, _ in values])
        if mad == 0:
            continue
        found |= {(i, path) for v, i in values if abs(Z_FACTOR * (v - median) / mad) > Z_LIMIT}
    return found


def _float(raw: Any) -> float | None:
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _spread(numbers: list[float]) -> tuple[float, float]:
    median = statistics.median(numbers)
    return median, statistics.median(abs(v - median) for v in numbers)


# -- a campaign's answers ------------------------------------------------------------------


def answer_campaign(
    kobo: LocalKobo,
    uid: str,
    count: int,
    *,
    seed: int = 1,
    plan: Sequence[Slot] | None = None,
) -> list[int]:
    """Add `count` submissions to a deployed asset, answered as a real campaign collects them
    (see the module docstring); the `_id`s added. With `plan` (localkobo.campaign), one
    submission per slot, `count` aside: made and received when the slot says, with its
    answers given, and drawn again (up to `RECOGNITION_DRAWS` times) until the rubric
    recognises it or not as the slot wants."""
    with kobo.lock:
        asset = kobo.assets[uid]
        form = _form(asset)
        generator = AnswerGenerator(form.content, plausible=True, distinct=form.distinct)

        def answer(slot: Slot | None, now: datetime) -> Doc:
            if slot is None:
                answers = generator.answers(kobo.rng, now)
            else:
                answers = _recognisable(form, generator, kobo.rng, slot)
            _assign(answers, form, seed, kobo.rng)
            return answers

        slots: list[Slot | None] = list(plan) if plan is not None else [None] * count
        ids = []
        planned: dict[int, Slot] = {}
        for slot in slots:
            if slot is not None:
                kobo.clock = slot.arrival
            answers = answer(slot, kobo.clock)
            kobo_id = kobo.add_submission(uid, answers, submitted_by=asset.owner)["_id"]
            ids.append(kobo_id)
            if slot is not None:
                planned[kobo_id] = slot
        mine = set(ids)
        for _ in range(100):
            flagged = {i for i, _ in outliers(form, asset.submissions.values()) if i in mine}
            if not flagged:
                break
            for kobo_id in sorted(flagged):  # answered again, as of when it was submitted
                doc = asset.submissions[kobo_id]
                sent = datetime.fromisoformat(doc["_submission_time"]).replace(tzinfo=UTC)
                answers = answer(planned.get(kobo_id), sent - timedelta(seconds=1))
                system = {k: doc[k] for k in SYSTEM_KEYS if k in doc}
                asset.submissions[kobo_id] = {"_id": kobo_id, **answers, **system}
        return ids


RECOGNITION_DRAWS = 30


def _recognisable(form: _Form, generator: AnswerGenerator, rng: random.Random, slot: Slot) -> Doc:
    """A slot's answers, leaning towards the criteria met when it is to be recognised, drawn
    again until the rubric agrees (the last draw when none does)."""
    favour = FAVOUR if slot.recognised else None
    answers: Doc = {}
    for _ in range(RECOGNITION_DRAWS):
        answers = generator.answers(rng, slot.moment, given=slot.given, favour=favour)
        chosen = form.rubric.for_evaluation(answers) if form.rubric else None
        if chosen is None or chosen.score(answers).passed == slot.recognised:
            break
    return answers


# -- after the first sync: edits and deletions ---------------------------------------------


@dataclass(frozen=True)
class Revision:
    """What a campaign changed on the server after its first submissions were pulled."""

    edited: tuple[int, ...]
    deleted: tuple[int, ...]


def revise_campaign(
    kobo: LocalKobo,
    uid: str,
    *,
    edits: int,
    deletions: int,
    keep: Collection[int] = (),
    seed: int = 1,
) -> Revision:
    """Edit and delete a few submissions, as a campaign does once its first data is pulled:
    `edits` re-checked evaluations (a criterion answered "partly" or "not met" corrected to
    "fully met", the device's score recomputed; none in a form without a rubric) and
    `deletions` submissions deleted (a test entry, a household surveyed by mistake). None of
    `keep` (the seeded problems), of a pair of duplicates, nor a change of any number the
    outlier rule reads: the findings stay those of the manifest."""
    with kobo.lock:
        asset = kobo.assets[uid]
        form = _form(asset)
        rng = random.Random(f"revise:{seed}:{form.id}")
        docs = asset.submissions
        paired = _paired(form, docs)
        free = [i for i in sorted(docs) if i not in keep and i not in paired]
        before = outliers(form, docs.values())
        deleted: list[int] = []
        for _ in range(ATTEMPTS):
            picked = rng.sample(free, min(deletions, len(free)))
            left = [d for i, d in docs.items() if i not in picked]
            if outliers(form, left) == {(i, p) for i, p in before if i not in picked}:
                deleted = sorted(picked)
                break
        edited: list[int] = []
        for kobo_id in rng.sample(free, len(free)):
            if len(edited) >= edits or form.rubric is None:
                break
            if kobo_id in deleted:
                continue
            changes = _recheck(form, docs[kobo_id], rng)
            if changes:
                kobo.edit_submission(uid, kobo_id, changes)
                edited.append(kobo_id)
        kobo.delete_submissions(uid, deleted)
        return Revision(tuple(sorted(edited)), tuple(deleted))


def _paired(form: _Form, docs: Mapping[int, Doc]) -> set[int]:
    """Submissions sharing a root uuid or an identity answer with another one."""
    seen: dict[tuple[str, str], list[int]] = {}
    for kobo_id, doc in docs.items():
        keys = [("meta/rootUuid", str(doc.get("meta/rootUuid")))]
        keys += [(name, str(doc.get(form.path(name)))) for name in form.identity]
        for key in keys:
            if key[1] not in ("None", "", "other"):
                seen.setdefault(key, []).append(kobo_id)
    return {i for ids in seen.values() if len(ids) > 1 for i in ids}


def _recheck(form: _Form, doc: Doc, rng: random.Random) -> Doc:
    """The changes of a re-checked evaluation: one answered criterion raised to "fully", the
    device's score as the rubric computes it ({} when no criterion can be raised)."""
    assert form.rubric is not None
    chosen = form.rubric.for_evaluation(doc)
    if chosen is None:
        return {}
    raisable = [
        form.path(item.field)
        for item in chosen.items
        if item.derive is None
        and "fully" in item.answers
        and doc.get(form.path(item.field)) in ("partly", "not_met")
    ]
    if not raisable:
        return {}
    changed = copy.deepcopy(doc)
    changed[rng.choice(raisable)] = "fully"
    before = form.derived(doc)
    form.rescore(changed)
    if form.derived(changed) != before:
        return {}
    return {k: v for k, v in changed.items() if doc.get(k) != v}


# -- seeding -------------------------------------------------------------------------------


@dataclass
class _Seed:
    kind: str
    submission: int
    found: list[Found]
    protected: tuple[int, ...] = ()  # the earlier submission a duplicate copies


@dataclass
class _Seeder:
    form: _Form
    docs: dict[int, Doc]
    rng: random.Random
    care: Callable[[Doc, _Form], float]
    used: set[int] = field(default_factory=set)
    districts: Counter[str] = field(default_factory=Counter)

    # -- choosing ---------------------------------------------------------------------

    def pick(self, kind: str) -> _Seed | None:
        """Seed `kind` into a submission not used yet (a careless surveyor's likelier)."""
        apply = getattr(self, "_" + kind.replace(".", "_"))
        ids = [i for i in sorted(self.docs) if i not in self.used]
        district = self.form.path("district")
        weights = [
            self.care(self.docs[i], self.form)
            / (1 + self.districts[str(self.docs[i].get(district) or "")])
            for i in ids
        ]
        for _ in range(min(len(ids), 60)):
            (kobo_id,) = self.rng.choices(ids, weights=weights)
            index = ids.index(kobo_id)
            del ids[index], weights[index]
            doc = copy.deepcopy(self.docs[kobo_id])
            before = self.form.derived(doc)
            seed: _Seed | None = apply(kobo_id, doc)
            if seed is None:
                continue
            if kind != "score.device_differs":
                self.form.rescore(doc)
            if kind != "roster.contradicts_item" and self.form.derived(doc) != before:
                continue  # would contradict an item derived from the roster
            self.docs[kobo_id] = doc
            self.used |= {kobo_id, *seed.protected}
            self.districts[str(doc.get(district) or "")] += 1
            return seed
        return None

    def applies(self, kind: str) -> bool:
        """Whether the form has what the kind needs (a cheap test, before any candidate)."""
        form, schema = self.form, self.form.schema
        if kind == "form.required":
            return bool(self._required_fields())
        if kind == "form.choice":
            return bool(self._choice_fields())
        if kind == "form.range":
            return bool(self._range_fields())
        if kind == "form.pattern":
            return any(f.type == "text" and _REGEX.match(f.constraint or "") for f in schema.fields)
        if kind == "form.date_range":
            return any(f.type == "date" and _dated(f) for f in schema.fields)
        if kind in ("score.device_differs", "roster.contradicts_item", "roster.head_count"):
            if form.rubric is None or "score_total" not in form.paths:
                return False
            if kind == "roster.head_count":
                return form.rubric.form == "gia_dinh" and bool(self._relation())
            if kind == "roster.contradicts_item":
                return any(
                    i.derive is not None and i.derive.rule == "all_members"
                    for i in form.rubric.items
                )
            return True
        if kind.startswith("time."):
            names = ("eval_date",) if kind == "time.eval_after_submission" else ("start", "end")
            return all(name in form.paths for name in names)
        if kind == "duplicate.same_year":
            return bool(form.identity) and "eval_date" in form.paths
        if kind == "duplicate.instance_id":
            return True
        if kind in ("place.commune_district", "place.commune_date"):
            return "district" in form.paths and bool(self._eras()) and "eval_date" in form.paths
        if kind == "place.village_commune":
            return bool(self._eras()) and any(
                c.name != "other" for c in schema.choices.get(self._village_list(), ())
            )
        if kind == "outlier.robust":
            return bool(form.measured)
        if kind == "geo.outside_province":
            return any(f.repeat is None and f.type == "geopoint" for f in schema.fields)
        raise ValueError(f"unknown kind {kind}")

    # -- helpers -----------------------------------------------------------------------

    def _required_fields(self) -> list[Field]:
        return [
            f
            for f in self.form.schema.fields
            if f.type == "text" and f.is_required and not self.form.conditional(f)
        ]

    def _choice_fields(self) -> list[Field]:
        form = self.form
        avoid = {"m_relation"}  # the head count
        if form.rubric is not None:
            for rubric in (form.rubric, *form.rubric.variants):
                if rubric.levels is not None:
                    avoid.add(rubric.levels.field)
                for item in rubric.items:
                    if item.derive is not None and item.derive.rule == "all_members":
                        avoid |= item.derive.fields()
        return [
            f
            for f in form.schema.fields
            if f.type in ("select_one", "select_multiple")
            and f.list_name
            and form.schema.choices_for(f)
            and not f.path.startswith("location/")
            and f.name not in avoid
        ]

    def _range_fields(self) -> list[Field]:
        return [
            f
            for f in self.form.schema.fields
            if f.type in ("integer", "decimal") and _number_bounds(f) is not None
        ]

    def _relation(self) -> str | None:
        return next((f.path for f in self.form.schema.fields if f.name == "m_relation"), None)

    def _eras(self) -> list[int]:
        return sorted(
            int(name[len("commune_e") :])
            for name in self.form.paths
            if re.fullmatch(r"commune_e\d+", name)
        )

    def _village_list(self) -> str:
        village = self.form.paths.get("village")
        if village is None:
            return ""
        return self.form.schema.field(village).list_name or ""

    def _day(self, doc: Doc) -> date | None:
        raw = doc.get(self.form.path("eval_date"))
        try:
            return date.fromisoformat(str(raw)[:10]) if raw else None
        except ValueError:
            return None

    def _commune(self, doc: Doc) -> tuple[int, str, Mapping[str, str]] | None:
        """(era, path, choice columns) of the answered commune, when it is the era's list."""
        day = self._day(doc)
        if day is None:
            return None
        era = era_on(day).id
        path = self.form.paths.get(f"commune_e{era}")
        value = doc.get(path) if path else None
        if path is None or value is None:
            return None
        list_name = self.form.schema.field(path).list_name or ""
        choice = next(
            (c for c in self.form.schema.choices.get(list_name, ()) if c.name == value), None
        )
        return None if choice is None else (era, path, choice.extra)

    def _districts_of(self, era: int) -> set[str]:
        """The district codes of an era's communes (where a commune may be placed)."""
        path = self.form.paths.get(f"commune_e{era}")
        if path is None:
            return set()
        list_name = self.form.schema.field(path).list_name or ""
        found: set[str] = set()
        for choice in self.form.schema.choices.get(list_name, ()):
            found |= set(
                (choice.extra.get("districts") or choice.extra.get("district") or "").split()
            )
        return found

    def _earlier(self, kobo_id: int, doc: Doc, test: Callable[[Doc], bool]) -> int | None:
        """An earlier submission not used yet, of the same district when there is one."""
        district = self.form.path("district")
        earlier = [
            i
            for i in sorted(self.docs)
            if i < kobo_id and i not in self.used and test(self.docs[i])
        ]
        near = [i for i in earlier if self.docs[i].get(district) == doc.get(district)]
        pool = near or earlier
        return self.rng.choice(pool) if pool else None

    def _rule_path(self, doc: Doc, name: str) -> str:
        """The path validation.rules reports for a field: the payload's first key that is
        the name or ends with `/name`."""
        return next((k for k in doc if k == name or k.endswith("/" + name)), name)

    def _moment(self, doc: Doc, name: str) -> datetime | None:
        raw = doc.get(self.form.path(name))
        try:
            return datetime.fromisoformat(str(raw)) if raw else None
        except ValueError:
            return None

    # -- the kinds -----------------------------------------------------------------------

    def _form_required(self, kobo_id: int, doc: Doc) -> _Seed | None:
        item = self.rng.choice(self._required_fields())
        if item.repeat is None:
            if doc.pop(item.path, None) is None:
                return None
            return _Seed("form.required", kobo_id, [("form.required", item.path, "")])
        rows = [(n, r) for n, r in self.form.repeat_rows(doc, item) if item.path in r]
        if not rows:
            return None
        number, row = self.rng.choice(rows)
        del row[item.path]
        return _Seed("form.required", kobo_id, [("form.required", item.path, number)])

    def _form_choice(self, kobo_id: int, doc: Doc) -> _Seed | None:
        item = self.rng.choice(self._choice_fields())
        codes = {c.name for c in self.form.schema.choices_for(item)}
        bad = next(c for c in self.rng.sample(BAD_CODES, len(BAD_CODES)) if c not in codes)
        target, number = doc, ""
        if item.repeat is not None:
            rows = [(n, r) for n, r in self.form.repeat_rows(doc, item) if item.path in r]
            if not rows:
                return None
            number, target = self.rng.choice(rows)
        old = target.get(item.path)
        if old is None:
            return None
        target[item.path] = f"{old} {bad}" if item.type == "select_multiple" else bad
        return _Seed("form.choice", kobo_id, [("form.choice", item.path, number)])

    def _form_range(self, kobo_id: int, doc: Doc) -> _Seed | None:
        item = self.rng.choice(self._range_fields())
        bounds = _number_bounds(item)
        assert bounds is not None
        low, strict_low, high, strict_high = bounds
        step = 1.0 if item.type == "integer" else 0.5
        if item.repeat is not None and high is not None:  # a typo: a digit too many
            value = high + (step if not strict_high else 0) + self.rng.randint(0, 4) * step
        elif low is not None:  # the submission's numbers: under the minimum, not an outlier
            value = low - (step if not strict_low else 0)
        else:
            assert high is not None
            value = high + (step if not strict_high else 0)
        text = xpath.string(value)
        if item.repeat is None:
            if item.path not in doc:
                return None
            doc[item.path] = text
            return _Seed("form.range", kobo_id, [("form.range", item.path, "")])
        rows = [(n, r) for n, r in self.form.repeat_rows(doc, item) if item.path in r]
        self.rng.shuffle(rows)
        for number, row in rows:
            before = self.form.derived(doc)
            old = row[item.path]
            row[item.path] = text
            if self.form.derived(doc) == before:
                return _Seed("form.range", kobo_id, [("form.range", item.path, number)])
            row[item.path] = old
        return None

    def _form_pattern(self, kobo_id: int, doc: Doc) -> _Seed | None:
        items = [
            f
            for f in self.form.schema.fields
            if f.type == "text" and f.repeat is None and _REGEX.match(f.constraint or "")
        ]
        item = self.rng.choice(items)
        match = _REGEX.match(item.constraint or "")
        assert match is not None
        old = str(
            doc.get(item.path) or "09" + "".join(str(self.rng.randint(0, 9)) for _ in "x" * 8)
        )
        value = old[:-1]  # a digit short
        if re.search(match.group(1).replace("\\\\", "\\"), value):
            return None
        doc[item.path] = value
        return _Seed("form.pattern", kobo_id, [("form.pattern", item.path, "")])

    def _form_date_range(self, kobo_id: int, doc: Doc) -> _Seed | None:
        items = [f for f in self.form.schema.fields if f.type == "date" and _dated(f)]
        others = [f for f in items if f.name != "eval_date"]
        item = self.rng.choice(others or items)
        raw = doc.get(item.path)
        if raw is None or item.repeat is not None:
            return None
        day = date.fromisoformat(str(raw)[:10])
        eval_day = self._day(doc)
        commune = self._commune(doc)
        if item.name == "eval_date" and (eval_day is None or commune is None):
            return None
        swapped = f"{day.year // 100}{str(day.year)[-2:][::-1]}"
        moved = day.replace(year=int(swapped)) if day.month != 2 or day.day < 29 else day
        if moved <= date.today():
            moved = day.replace(year=day.year + 30, day=min(day.day, 28))
        doc[item.path] = moved.isoformat()
        found: list[Found] = [("form.date_range", item.path, "")]
        if item.name == "eval_date":
            found.append(("time.eval_after_submission", self._rule_path(doc, "eval_date"), ""))
            assert commune is not None
            if era_on(moved).id != commune[0]:  # the commune answered is of the earlier era
                found.append(("place.commune_date", commune[1], ""))
        return _Seed("form.date_range", kobo_id, found)

    def _score_device_differs(self, kobo_id: int, doc: Doc) -> _Seed | None:
        assert self.form.rubric is not None
        path = self.form.path("score_total")
        if path not in doc or self.form.rubric.for_evaluation(doc) is None:
            return None
        total = xpath.number(doc[path])
        doc[path] = xpath.string(total + 5 if total < 50 else total - 5)
        found = [("score.device_differs", self._rule_path(doc, "score_total"), "")]
        return _Seed("score.device_differs", kobo_id, found)

    def _roster_contradicts_item(self, kobo_id: int, doc: Doc) -> _Seed | None:
        assert self.form.rubric is not None
        chosen = self.form.rubric.for_evaluation(doc) or self.form.rubric
        items = [i for i in chosen.items if i.derive is not None and i.derive.rule == "all_members"]
        item = self.rng.choice(items)
        path = self._rule_path(doc, item.field)
        stored = doc.get(path)
        if stored is None or item.derive is None:
            return None
        doc[path] = next(o for o in ("fully", "not_met") if o != stored)
        return _Seed("roster.contradicts_item", kobo_id, [("roster.contradicts_item", path, "")])

    def _roster_head_count(self, kobo_id: int, doc: Doc) -> _Seed | None:
        relation = self._relation()
        assert relation is not None
        members = [m for m in doc.get(relation.rsplit("/", 2)[0]) or [] if relation in m]
        if not members:
            return None
        heads = [m for m in members if m[relation] == "head"]
        others = [m for m in members if m[relation] != "head"]
        if others and self.rng.random() < 0.6:
            self.rng.choice(others)[relation] = "head"  # a second head
        else:
            for head in heads:  # no head: the head entered as a spouse
                head[relation] = "spouse"
        key = next(k for k in doc if k.endswith("members"))
        return _Seed("roster.head_count", kobo_id, [("roster.head_count", key, "")])

    def _time_end_before_start(self, kobo_id: int, doc: Doc) -> _Seed | None:
        start = self._moment(doc, "start")
        if start is None or self._moment(doc, "end") is None:
            return None
        end = start - timedelta(minutes=self.rng.randint(10, 120))
        doc[self.form.path("end")] = end.strftime(MOMENT)
        found = [("time.end_before_start", self._rule_path(doc, "end"), "")]
        return _Seed("time.end_before_start", kobo_id, found)

    def _time_too_short(self, kobo_id: int, doc: Doc) -> _Seed | None:
        end = self._moment(doc, "end")
        if end is None or self._moment(doc, "start") is None:
            return None
        start = end - timedelta(minutes=self.rng.randint(1, 4))
        doc[self.form.path("start")] = start.strftime(MOMENT)
        return _Seed(
            "time.too_short", kobo_id, [("time.too_short", self._rule_path(doc, "end"), "")]
        )

    def _time_eval_after_submission(self, kobo_id: int, doc: Doc) -> _Seed | None:
        day = self._day(doc)
        sent = datetime.fromisoformat(str(doc["_submission_time"])).date()
        later = sent + timedelta(days=self.rng.randint(1, 14))
        if day is None or era_on(day) != era_on(later) or later > date.today():
            return None
        doc[self.form.path("eval_date")] = later.isoformat()
        found = [("time.eval_after_submission", self._rule_path(doc, "eval_date"), "")]
        return _Seed("time.eval_after_submission", kobo_id, found)

    def _duplicate_same_year(self, kobo_id: int, doc: Doc) -> _Seed | None:
        form = self.form

        def subject(other: Doc) -> str | None:
            for name in form.identity:
                value = other.get(form.path(name))
                if value and value != "other":
                    return name
            return None

        source_id = self._earlier(kobo_id, doc, lambda other: subject(other) is not None)
        if source_id is None:
            return None
        source = self.docs[source_id]
        name = subject(source)
        assert name is not None
        copied = {"eval_date", "eval_year", "era", *form.identity}
        for key in [k for k in doc if k.startswith("location/")]:
            del doc[key]
        for key, value in source.items():
            if key.startswith("location/") or key.rsplit("/", 1)[-1] in copied:
                doc[key] = value
        for key in [k for k in doc if k.rsplit("/", 1)[-1] in form.identity and k not in source]:
            del doc[key]
        found = [("duplicate.same_year", form.path(name), "")]
        return _Seed("duplicate.same_year", kobo_id, found, (source_id,))

    def _duplicate_instance_id(self, kobo_id: int, doc: Doc) -> _Seed | None:
        source_id = self._earlier(kobo_id, doc, lambda other: "meta/rootUuid" in other)
        if source_id is None:
            return None
        doc["meta/rootUuid"] = self.docs[source_id]["meta/rootUuid"]
        found = [("duplicate.instance_id", "meta/rootUuid", "")]
        return _Seed("duplicate.instance_id", kobo_id, found, (source_id,))

    def _place_commune_district(self, kobo_id: int, doc: Doc) -> _Seed | None:
        commune = self._commune(doc)
        district = self.form.path("district")
        if commune is None or district not in doc:
            return None
        era, path, columns = commune
        own = set((columns.get("districts") or columns.get("district") or "").split())
        others = sorted(self._districts_of(era) - own)
        if not own or not others:
            return None
        doc[district] = self.rng.choice(others)
        return _Seed("place.commune_district", kobo_id, [("place.commune_district", path, "")])

    def _place_commune_date(self, kobo_id: int, doc: Doc) -> _Seed | None:
        commune, day = self._commune(doc), self._day(doc)
        if commune is None or day is None:
            return None
        era, path, _ = commune
        sent = datetime.fromisoformat(str(doc["_submission_time"])).date()
        if era == 3:  # dated before the reform
            moved = REFORM - timedelta(days=self.rng.randint(1, 30))
        elif era == 2 and sent >= REFORM:  # dated after it
            moved = REFORM + timedelta(days=self.rng.randint(0, min(30, (sent - REFORM).days)))
        elif era == 2:  # dated before the 2020 reform
            moved = ERA2_START - timedelta(days=self.rng.randint(1, 30))
        else:
            return None
        doc[self.form.path("eval_date")] = moved.isoformat()
        return _Seed("place.commune_date", kobo_id, [("place.commune_date", path, "")])

    def _place_village_commune(self, kobo_id: int, doc: Doc) -> _Seed | None:
        commune = self._commune(doc)
        village = self.form.paths.get("village")
        if commune is None or village is None:
            return None
        era, path, _ = commune
        code = str(doc.get(path) or "").split("_", 1)[0]
        elsewhere = [
            c.name
            for c in self.form.schema.choices.get(self._village_list(), ())
            if c.name != "other" and c.extra.get(f"c{era}") not in ("", None, code)
        ]
        if not elsewhere:
            return None
        doc[village] = self.rng.choice(elsewhere)
        doc.pop(self.form.path("village_other"), None)
        found = [("place.village_commune", village, "")]
        return _Seed("place.village_commune", kobo_id, found)

    def _outlier_robust(self, kobo_id: int, doc: Doc) -> _Seed | None:
        form = self.form
        district = str(doc.get(form.path("district")) or "").strip()
        fields = [
            f
            for f in form.measured
            if "${" not in (f.constraint or "") and f.path in doc and not form.conditional(f)
        ]
        self.rng.shuffle(fields)
        for item in fields:
            values = [
                v
                for i, other in self.docs.items()
                if i != kobo_id
                and str(other.get(form.path("district")) or "").strip() == district
                and (v := _float(other.get(item.path))) is not None
            ]
            if len(values) + 1 < MIN_GROUP:
                continue
            median, mad = _spread(values)
            if mad == 0:
                continue
            step = 500_000 if median >= 500_000 and median % 500_000 == 0 else 1
            wanted = median + self.rng.uniform(8, 15) * mad / Z_FACTOR
            value = float(int(wanted / step + 1) * step)
            bounds = _number_bounds(item)
            if bounds is not None and bounds[2] is not None and value > bounds[2]:
                continue
            doc[item.path] = xpath.string(value)
            return _Seed("outlier.robust", kobo_id, [("outlier.robust", item.path, "")])
        return None

    def _geo_outside_province(self, kobo_id: int, doc: Doc) -> _Seed | None:
        points = [
            f.path for f in self.form.schema.fields if f.repeat is None and f.type == "geopoint"
        ]
        path = self.rng.choice(points)
        old = str(doc.get(path) or "").split()
        if self._day(doc) is None or len(old) < 2:
            return None
        lat, lon = self.rng.choice(ELSEWHERE)
        lat += self.rng.uniform(-0.02, 0.02)
        lon += self.rng.uniform(-0.02, 0.02)
        doc[path] = " ".join([f"{lat:.6f}", f"{lon:.6f}", *old[2:]])
        return _Seed("geo.outside_province", kobo_id, [("geo.outside_province", path, "")])


def _count(share: float, submissions: int) -> int:
    if share <= 0 or submissions < 2:
        return 0
    return min(submissions // 2, max(1, round(share * submissions)))


def seed_problems(
    kobo: LocalKobo, uid: str, share: float, *, seed: int = 1
) -> list[dict[str, Any]]:
    """Put one problem into each of about `share` of the asset's submissions and return the
    manifest of the findings the validation must report (see the module docstring)."""
    with kobo.lock:
        asset = kobo.assets[uid]
        form = _form(asset)
        count = _count(share, len(asset.submissions))
        if not count:
            return []
        natural = outliers(form, asset.submissions.values())
        for attempt in range(ATTEMPTS):
            rng = random.Random(f"problems:{seed}:{form.id}:{attempt}")
            seeder = _Seeder(form, copy.deepcopy(asset.submissions), rng, _care(seed))
            seeds = _seed(seeder, count)
            expected = {
                (s.submission, f[1]) for s in seeds for f in s.found if f[0] == "outlier.robust"
            }
            if outliers(form, seeder.docs.values()) == natural | expected:
                break
        else:
            raise RuntimeError(f"{form.id}: no seeding of problems kept the outliers apart")
        asset.submissions.update(seeder.docs)
        manifest = [
            {
                "form": form.id,
                "asset_uid": uid,
                "submission": s.submission,
                "rule": rule,
                "field": path,
                "row": row,
            }
            for s in seeds
            for rule, path, row in s.found
        ]
    return sorted(manifest, key=lambda e: (e["submission"], e["rule"], e["field"], e["row"]))


def _seed(seeder: _Seeder, count: int) -> list[_Seed]:
    """`count` seeds, every applicable kind once before any twice (outliers last, on the
    other problems' statistics)."""
    kinds = [k for k in KINDS if seeder.applies(k)]
    plan: list[str] = []
    while len(plan) < count and kinds:
        plan += seeder.rng.sample(kinds, len(kinds))
    plan = plan[:count]
    plan.sort(key=lambda k: k == "outlier.robust")
    seeds: list[_Seed] = []
    spare = [k for k in kinds if k != "outlier.robust"]
    for kind in plan:
        seed = seeder.pick(kind)
        tries = seeder.rng.sample(spare, len(spare))
        while seed is None and tries:  # nothing to seed it into: another kind instead
            seed = seeder.pick(tries.pop())
        if seed is not None:
            seeds.append(seed)
    return seeds
