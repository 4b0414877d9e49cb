"""Scores, item scores and recognition: the authoritative results the marts count.

Every current, released submission of a scored form (one whose XLSForm names a rubric in
its hidden `rubric_id`) is scored by the rubric valid on its evaluation date
(`Rubric.for_evaluation`, then `Rubric.score`): a `score` row with the total, applicable
maximum, pass and class, the rubric id and version, the provisional flags and the device's
own total and class beside them; a `score_item` row per rubric item with the answer it used.
Submissions held by the validation are left out by the caller's `exclude` SELECT of held
`_id`s (`validation.review.held_ids_select`; the warehouse does not know the validation).

`recognition` then keeps one row per evaluated subject (`forms.subjects`) and year: the
latest evaluation of the year counts (by evaluation date, then `_id`), the count of all of
them beside it. Its commune is in the units of the year (those in force on 31 December):
an evaluation of January 2020 under a commune that 2020's merger dissolved has no commune
of 2020's units (its district still counts), one of 2025 before 1 July is mapped through
the 2025 crosswalk.

Scores are derived data: each scoring run replaces an asset's rows from the raw landing and
the rubric files, so changing a rubric file changes the scores with no code change.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from forms.reference import Era, Reference, era_on, unit_code
from forms.rubric import Rubric, ScoreResult, evaluation_date
from forms.rules import Answers, number
from forms.schema import FormSchema
from forms.subjects import Identity, identity_of, subject_of
from warehouse import jsontext
from warehouse.bulk import insert_rows
from warehouse.schema import raw_submission, recognition, score, score_item
from warehouse.versions import form_versions

ExcludeSelect = Callable[[str, str], sa.Select[Any]]

# Why a current submission got no score.
NOT_HELD, NO_RUBRIC = "held", "no_rubric"


def year_era(year: int) -> Era:
    """The era whose units a year is reported in: those in force on 31 December."""
    return era_on(dt.date(year, 12, 31))


@dataclass
class AssetScores:
    """What scoring one asset did."""

    server: str
    asset_uid: str
    form_name: str
    scored: int = 0
    passed: int = 0
    provisional: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # reason → submissions

    def as_dict(self) -> dict[str, Any]:
        return {
            "form": self.form_name,
            "scored": self.scored,
            "passed": self.passed,
            "provisional": self.provisional,
            "held": self.skipped[NOT_HELD],
            "no_rubric": self.skipped[NO_RUBRIC],
        }


@dataclass(frozen=True)
class _Place:
    """Where an evaluation was: its era, (former) district and commune, in its own era."""

    era: Era | None
    district: str | None
    commune: str | None


class Places:
    """The reference data indexed to place submissions (built once per scoring run)."""

    def __init__(self, reference: Reference) -> None:
        self.reference = reference
        self.districts: dict[tuple[int, str], str | None] = {}
        for era in (1, 2, 3):
            for unit in reference.communes(era):
                self.districts[(era, unit.code)] = unit.district_code
        self.crosswalk = reference.crosswalk

    def place(self, data: Answers, day: dt.date | None) -> _Place:
        era = era_on(day) if day else None
        district = data.get("district")
        commune = data.get("commune")
        if commune is None and era is not None:
            chosen = data.get(f"commune_e{era.id}")
            commune = unit_code(chosen) if chosen else None
        if era is not None and commune is not None:
            district = self.districts.get((era.id, commune)) or district
        return _Place(era, district, commune)

    def in_year_units(self, place: _Place, year: int) -> str | None:
        """The commune of a place in the units the year is reported in (None: no such unit)."""
        target = year_era(year).id
        if place.era is None or place.commune is None:
            return None
        if place.era.id == target:
            return place.commune
        if place.era.id == 2 and target == 3:
            return self.crosswalk.get(place.commune)
        if (target, place.commune) in self.districts:  # a unit that went on unchanged
            return place.commune
        return None


def _year(data: Answers, day: dt.date | None) -> int | None:
    stated = data.get("eval_year")
    if stated and stated.strip().isdigit():
        return int(stated)
    return day.year if day else None


def _score_rows(
    server: str,
    asset_uid: str,
    kobo_id: int,
    form_name: str,
    content_hash: str,
    data: Answers,
    result: ScoreResult,
    rubric: Rubric,
    place: _Place,
    day: dt.date | None,
    subject: str | None,
    run_id: int | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    device_total = number(data.get("score_total"))
    key = {"server": server, "asset_uid": asset_uid, "kobo_id": kobo_id}
    row = {
        **key,
        "form_name": form_name,
        "content_hash": content_hash,
        "rubric_id": result.rubric_id,
        "rubric_version": result.rubric_version,
        "eval_date": day,
        "year": _year(data, day),
        "era": place.era.id if place.era else None,
        "district_code": place.district,
        "commune_code": place.commune,
        "subject_key": subject,
        "total": result.total,
        "max_total": result.max_total,
        "applicable_max": result.applicable_max,
        "pass_points": result.pass_points,
        "percent": result.percent,
        "assessable": result.assessable,
        "passed": result.passed,
        "class_id": result.class_id,
        "score_provisional": result.score_provisional,
        "pass_provisional": result.pass_provisional,
        "missing_items": len(result.missing),
        "device_total": None if device_total != device_total else device_total,
        "device_class": data.get("score_class"),
        "run_id": run_id,
    }
    groups = rubric.group_of
    items = [
        {
            **key,
            "item_id": item.item_id,
            "group_id": groups[item.item_id],
            "field": item.field,
            "answer": item.answer,
            "device_answer": item.device_answer,
            "derived": item.derived,
            "points": item.points,
            "max_points": item.max_points,
            "applicable_max": item.applicable_max,
            "provisional": rubric.item(item.item_id).provisional,
        }
        for item in result.items
    ]
    return row, items


def _schemas(engine: Engine, server: str, asset_uid: str) -> dict[str, FormSchema]:
    return {v.uid: v.schema for v in form_versions(engine, server, asset_uid)}


def _subject(
    identity: Identity | None, data: Answers, place: _Place, year: int | None, places: Places
) -> str | None:
    """The subject key of an evaluation, its commune in the units of its year (so that the
    evaluations of one year before and after the 2025 reform meet)."""
    if identity is None or year is None:
        return None
    in_units = places.in_year_units(place, year)
    if in_units is not None:
        commune = f"{year_era(year).id}:{in_units}"
    elif place.era is not None and place.commune is not None:
        commune = f"{place.era.id}:{place.commune}"
    else:
        commune = ""
    found = subject_of(identity, data.get, commune)
    return found.text if found else None


class AssetScorer:
    """Scores the current submissions of one asset as a caller reads them (`add`), writing
    them as they come, inside the caller's transaction: `start` removes the asset's earlier
    rows, `finish` removes those of the submissions `exclude` holds and rebuilds the
    recognition of the form. What `score_asset` does from the raw landing, for a caller that
    reads every submission anyway (the validation)."""

    def __init__(
        self,
        server: str,
        asset_uid: str,
        rubric: Rubric,
        identity: Identity | None,
        places: Places,
        run_id: int | None,
    ) -> None:
        self.server, self.asset_uid, self.rubric = server, asset_uid, rubric
        self.identity, self.places, self.run_id = identity, places, run_id
        self.form_name = rubric.form  # the title: recognition counts its assets together
        self._scores: list[dict[str, Any]] = []
        self._items: list[dict[str, Any]] = []
        self._done: dict[int, tuple[bool, bool]] = {}  # _id → (passed, provisional)
        self._no_rubric: set[int] = set()

    @classmethod
    def for_asset(
        cls,
        engine: Engine,
        server: str,
        asset_uid: str,
        rubrics: Mapping[str, Rubric],
        places: Places,
        run_id: int | None = None,
        schemas: Mapping[str, FormSchema] | None = None,
    ) -> AssetScorer | None:
        """The scorer of an asset; None when its form scores nothing (no rubric named, or
        unknown). `schemas`: the asset's form versions when the caller has read them."""
        schemas = schemas if schemas is not None else _schemas(engine, server, asset_uid)
        if not schemas:
            return None
        latest = list(schemas.values())[-1]
        rubric = rubrics.get(latest.rubric_id or "")
        if rubric is None:
            return None
        identity = identity_of({f.name for f in latest.fields})
        return cls(server, asset_uid, rubric, identity, places, run_id)

    def start(self, conn: Connection) -> None:
        for table in (score_item, score):
            conn.execute(
                table.delete().where(
                    table.c.server == self.server, table.c.asset_uid == self.asset_uid
                )
            )

    def add(
        self,
        conn: Connection,
        kobo_id: int,
        content_hash: str,
        data: Answers,
        chosen: Rubric,
        scored: ScoreResult,
    ) -> None:
        """One current submission: `chosen` the rubric valid for it (`rubric.for_evaluation`)
        and `scored` its score (`chosen.score`); one no rubric applies to: `no_rubric`."""
        day = evaluation_date(data)
        place = self.places.place(data, day)
        subject = _subject(self.identity, data, place, _year(data, day), self.places)
        one, items = _score_rows(
            self.server,
            self.asset_uid,
            kobo_id,
            self.form_name,
            content_hash,
            data,
            scored,
            chosen,
            place,
            day,
            subject,
            self.run_id,
        )
        self._scores.append(one)
        self._items += items
        self._done[kobo_id] = (scored.passed, scored.provisional)
        if len(self._scores) >= 2000:
            self._flush(conn)

    def no_rubric(self, kobo_id: int) -> None:
        """A current submission no rubric applies to (`rubric.for_evaluation` gave None)."""
        self._no_rubric.add(kobo_id)

    def _flush(self, conn: Connection) -> None:
        _insert(conn, score, self._scores)
        _insert(conn, score_item, self._items)
        self._scores.clear()
        self._items.clear()

    def finish(self, conn: Connection, exclude: ExcludeSelect | None = None) -> AssetScores:
        """Write what is left, drop the rows of held submissions, rebuild recognition."""
        self._flush(conn)
        result = AssetScores(self.server, self.asset_uid, self.form_name)
        held: set[int] = set()
        if exclude is not None:
            held = {int(i) for i in conn.execute(exclude(self.server, self.asset_uid)).scalars()}
            dropped = [i for i in held if i in self._done]
            for table in (score_item, score):
                for part in range(0, len(dropped), 500):
                    conn.execute(
                        table.delete().where(
                            table.c.server == self.server,
                            table.c.asset_uid == self.asset_uid,
                            table.c.kobo_id.in_(dropped[part : part + 500]),
                        )
                    )
        known = self._done.keys() | self._no_rubric
        result.skipped[NOT_HELD] = len(held & known)
        result.skipped[NO_RUBRIC] = len(self._no_rubric - held)
        for kobo_id, (passed, provisional) in self._done.items():
            if kobo_id not in held:
                result.scored += 1
                result.passed += passed
                result.provisional += provisional
        rebuild_recognition(conn, self.form_name, self.places)
        return result


def score_asset(
    engine: Engine,
    server: str,
    asset_uid: str,
    rubrics: Mapping[str, Rubric],
    places: Places,
    *,
    exclude: ExcludeSelect | None = None,
    run_id: int | None = None,
) -> AssetScores | None:
    """Score every current, released submission of an asset and replace its score rows;
    None for an asset whose form scores nothing (no rubric named, or unknown)."""
    scorer = AssetScorer.for_asset(engine, server, asset_uid, rubrics, places, run_id)
    if scorer is None:
        return None
    r = raw_submission
    query = sa.select(r.c.kobo_id, r.c.content_hash, r.c.payload).where(
        r.c.server == server, r.c.asset_uid == asset_uid, r.c.deleted_run.is_(None)
    )
    with engine.begin() as conn:
        scorer.start(conn)
        # read in parts and written as they come: 100,000 payloads are never held at once
        rows = conn.execute(query.order_by(r.c.kobo_id), execution_options={"yield_per": 1000})
        for row in rows:
            data = Answers(jsontext.loads(row.payload))
            chosen = scorer.rubric.for_evaluation(data)
            if chosen is None:
                scorer.no_rubric(int(row.kobo_id))
            else:
                scored = chosen.score(data)
                scorer.add(conn, int(row.kobo_id), row.content_hash, data, chosen, scored)
        return scorer.finish(conn, exclude)


def _insert(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        insert_rows(conn, table, rows[start : start + 5000])


def rebuild_recognition(conn: Connection, form_name: str, places: Places) -> int:
    """Replace the recognition rows of a form from its scores: the latest evaluation of each
    subject and year counts. Returns the number of rows."""
    s = score
    rows = conn.execute(
        sa.select(
            s.c.server,
            s.c.asset_uid,
            s.c.kobo_id,
            s.c.year,
            s.c.era,
            s.c.eval_date,
            s.c.district_code,
            s.c.commune_code,
            s.c.subject_key,
            s.c.assessable,
            s.c.passed,
            s.c.class_id,
            s.c.score_provisional,
            s.c.pass_provisional,
        ).where(s.c.form_name == form_name, s.c.year.is_not(None), s.c.subject_key.is_not(None))
    ).all()
    groups: dict[tuple[int, str], list[Any]] = {}
    for row in rows:
        groups.setdefault((row.year, row.subject_key), []).append(row)
    out = []
    for (year, subject), members in groups.items():
        last = max(members, key=lambda m: (m.eval_date or dt.date.min, m.kobo_id))
        era = year_era(year)
        day = last.eval_date
        place = _Place(era_on(day) if day else None, last.district_code, last.commune_code)
        out.append(
            {
                "form_name": form_name,
                "year": year,
                "subject_key": subject,
                "server": last.server,
                "asset_uid": last.asset_uid,
                "kobo_id": last.kobo_id,
                "evaluations": len(members),
                "era": era.id,
                "district_code": last.district_code,
                "commune_code": places.in_year_units(place, year),
                "assessable": last.assessable,
                "passed": last.passed,
                "class_id": last.class_id,
                "provisional": bool(last.score_provisional or last.pass_provisional),
            }
        )
    conn.execute(recognition.delete().where(recognition.c.form_name == form_name))
    _insert(conn, recognition, out)
    return len(out)


def score_assets(
    engine: Engine,
    assets: Iterable[tuple[str, str]],
    rubrics: Mapping[str, Rubric],
    reference: Reference,
    *,
    exclude: ExcludeSelect | None = None,
    run_id: int | None = None,
) -> list[AssetScores]:
    """Score each asset (see `score_asset`); assets of unscored forms are left out."""
    places = Places(reference)
    found = []
    for server, uid in assets:
        result = score_asset(engine, server, uid, rubrics, places, exclude=exclude, run_id=run_id)
        if result is not None:
            found.append(result)
    return found
