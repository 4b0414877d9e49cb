"""One validation of the stored submissions of an asset: suites and rules, findings recorded.

The current submissions (not deleted on the server) are read from the raw landing, each with
the form version it was filled in. What changed since the last validation — a submission
new or edited since, or every one when the checks themselves changed (rubric or reference
files, htsd's version: `checks_digest`), or all with `full` — is checked by its version's
generated suites (`validation.suites`) and the per-submission domain rules
(`validation.rules`, with the form's rubric when it is one of ours). The cross-submission
rules (`validation.cross`: duplicates, places, outliers, geopoints) read every current
submission each time, since a change in one can make or clear a finding on another.

What is found is recorded in `validation_finding` (`validation.store.record`): every
submission checked counts, so one fixed on the server since closes its findings; those of a
submission deleted on the server close too. `validation_state` keeps what each submission
was last validated as.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from forms.findings import Finding
from forms.rubric import Rubric
from forms.rubric_load import criteria_dir
from forms.rules import Answers
from forms.schema import FormSchema
from validation.cross import CROSS_RULES, check_asset, cross_keys
from validation.review import held_ids_select
from validation.rules import Scoring, Settings, check_submission
from validation.store import ACCEPTED, OPEN, Recorded, record
from validation.suites import SuiteRun
from warehouse import jsontext
from warehouse.schema import raw_submission, validation_finding, validation_state
from warehouse.scores import AssetScorer, AssetScores, Places
from warehouse.versions import form_versions

FORMS_DIR = Path(__file__).resolve().parents[1] / "forms"
_CROSS = frozenset(CROSS_RULES)


@cache
def checks_digest() -> str:
    """A digest of what the checks depend on besides the submission: the rubric and
    reference files and htsd's version. When it changes, every submission is checked again."""
    digest = hashlib.sha256()
    try:
        digest.update(metadata.version("htsd").encode())
    except metadata.PackageNotFoundError:
        digest.update(b"htsd")
    for folder in (criteria_dir(), FORMS_DIR / "reference"):
        for path in sorted(folder.glob("*")):
            if path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def district_and_surveyor(answers: Answers) -> tuple[str, str]:
    """A submission's district code and surveyor (`username`, else `deviceid`), "" when it
    names none: what findings are summed up by."""
    surveyor = answers.get("username") or answers.get("deviceid") or ""
    return answers.get("district") or "", surveyor


@dataclass
class AssetValidation:
    """What one validation of one asset checked and found, and what stands after it."""

    server: str
    asset_uid: str
    checked: int = 0
    current: int = 0
    findings: list[Finding] = field(default_factory=list)  # found by this run
    recorded: Recorded = field(default_factory=Recorded)
    # the asset's open and accepted findings after this run (rows of validation_finding)
    standing: list[dict[str, Any]] = field(default_factory=list)
    # each submission's district code and surveyor (`username`, else `deviceid`), to sum up by
    where: dict[int, tuple[str, str]] = field(default_factory=dict)
    scores: AssetScores | None = None  # scored with the validation (`places` given)

    def by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(f["rule"] for f in self.standing).items()))

    def _by(self, part: int) -> dict[str, int]:
        counts = Counter(
            self.where.get(int(f["kobo_id"]), ("", ""))[part] or "?" for f in self.standing
        )
        return dict(sorted(counts.items()))

    def by_district(self) -> dict[str, int]:
        """Standing findings per district code ("?" where the submission names none)."""
        return self._by(0)

    def by_surveyor(self) -> dict[str, int]:
        """Standing findings per surveyor: the form's `username`, else its `deviceid`."""
        return self._by(1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "current": self.current,
            "checked": self.checked,
            "findings": len(self.standing),
            "errors": sum(f["severity"] == "error" and f["status"] == OPEN for f in self.standing),
            "warnings": sum(
                f["severity"] == "warning" and f["status"] == OPEN for f in self.standing
            ),
            "accepted": sum(f["status"] == ACCEPTED for f in self.standing),
            "by_rule": self.by_rule(),
            "by_district": self.by_district(),
            "by_surveyor": self.by_surveyor(),
            "new": self.recorded.new,
            "new_errors": self.recorded.new_errors,
            "closed": self.recorded.closed,
        }


def _current(conn: Connection, server: str, asset_uid: str) -> Any:
    """The asset's stored submissions in `_id` order, read in parts (a deleted one has its
    `deleted_run` set)."""
    r = raw_submission
    query = (
        sa.select(r.c.kobo_id, r.c.form_version, r.c.content_hash, r.c.payload, r.c.deleted_run)
        .where(r.c.server == server, r.c.asset_uid == asset_uid)
        .order_by(r.c.kobo_id)
    )
    return conn.execute(query, execution_options={"yield_per": 2000})


def _validated(conn: Connection, server: str, asset_uid: str) -> dict[int, tuple[str, str]]:
    s = validation_state
    rows = conn.execute(
        sa.select(s.c.kobo_id, s.c.content_hash, s.c.checks_digest).where(
            s.c.server == server, s.c.asset_uid == asset_uid
        )
    )
    return {int(row.kobo_id): (row.content_hash, row.checks_digest) for row in rows}


def _save_validated(
    conn: Connection,
    server: str,
    asset_uid: str,
    rows: list[tuple[int, str]],
    before: Mapping[int, tuple[str, str]],
    digest: str,
    run_id: int | None,
) -> None:
    s = validation_state
    key = sa.and_(s.c.server == server, s.c.asset_uid == asset_uid)
    updated = [kobo_id for kobo_id, _ in rows if kobo_id in before]
    for start in range(0, len(updated), 500):
        conn.execute(s.delete().where(key, s.c.kobo_id.in_(updated[start : start + 500])))
    values = [
        {
            "server": server,
            "asset_uid": asset_uid,
            "kobo_id": kobo_id,
            "content_hash": content_hash,
            "checks_digest": digest,
            "run_id": run_id,
        }
        for kobo_id, content_hash in rows
    ]
    if values:
        conn.execute(s.insert(), values)


def standing_findings(conn: Connection, server: str, asset_uid: str) -> list[dict[str, Any]]:
    """The open and accepted findings of the asset's current submissions."""
    f, r = validation_finding, raw_submission
    current = sa.select(r.c.kobo_id).where(
        r.c.server == server, r.c.asset_uid == asset_uid, r.c.deleted_run.is_(None)
    )
    rows = conn.execute(
        sa.select(f)
        .where(
            f.c.server == server,
            f.c.asset_uid == asset_uid,
            f.c.status.in_((OPEN, ACCEPTED)),
            f.c.kobo_id.in_(current),
        )
        .order_by(f.c.kobo_id, f.c.rule, f.c.field_path, f.c.row_index)
    )
    return [dict(row._mapping) for row in rows]


def validate_asset(
    engine: Engine,
    server: str,
    asset_uid: str,
    run_id: int | None,
    rubrics: Mapping[str, Rubric],
    settings: Settings | None = None,
    *,
    full: bool = False,
    places: Places | None = None,
) -> AssetValidation:
    """Run the suites and rules on what changed of an asset's current submissions (all of
    them with `full`), the cross-submission rules on all, and record the findings. With
    `places`, also score every current submission of a scored form as it is read and keep
    the released ones (`warehouse.scores.AssetScorer`, in `scores`): one reading of the raw
    landing for both, in one transaction."""
    result = AssetValidation(server, asset_uid)
    schemas = {v.uid: v.schema for v in form_versions(engine, server, asset_uid)}
    if not schemas:
        return result
    latest: FormSchema = list(schemas.values())[-1]
    scorer = None
    if places is not None:
        scorer = AssetScorer.for_asset(
            engine, server, asset_uid, rubrics, places, run_id, schemas=schemas
        )
    digest = checks_digest()
    keys = cross_keys(latest)
    suites: dict[str, SuiteRun] = {}  # form version → its suites, fed as submissions come
    own: list[Finding] = []
    kept: list[dict[str, Any]] = []  # each current submission, cut down to what cross reads
    changed: list[tuple[int, str]] = []
    current: list[int] = []
    deleted: list[int] = []
    with engine.begin() as conn:
        before = _validated(conn, server, asset_uid)
        if scorer is not None:
            scorer.start(conn)
        for row in _current(conn, server, asset_uid):
            kobo_id = int(row.kobo_id)
            if row.deleted_run is not None:
                deleted.append(kobo_id)
                continue
            current.append(kobo_id)
            payload = jsontext.loads(row.payload)
            answers = Answers(payload)
            result.where[kobo_id] = district_and_surveyor(answers)
            kept.append({key: payload[key] for key in keys if key in payload})
            scoring = Scoring(scorer.rubric, answers) if scorer is not None else None
            if full or before.get(kobo_id) != (row.content_hash, digest):
                changed.append((kobo_id, row.content_hash))
                version = row.form_version or ""
                schema = schemas.get(version, latest)
                run = suites.get(version)
                if run is None:
                    run = suites[version] = SuiteRun(schema)
                run.add((payload,))
                rubric = rubrics.get(schema.rubric_id or "")
                own += check_submission(payload, rubric, settings, answers, scoring)
            if scorer is not None and scoring is not None:  # (one is set with the other)
                chosen = scoring.chosen
                if chosen is None:
                    scorer.no_rubric(kobo_id)
                else:
                    scored = scoring.score(chosen)
                    scorer.add(conn, kobo_id, row.content_hash, answers, chosen, scored)
        for run in suites.values():
            own += run.findings()
        cross = check_asset(kept, latest)
        del kept
        result.findings = own + cross
        result.checked = len(changed)
        result.current = len(current)
        first = record(
            conn,
            server=server,
            asset_uid=asset_uid,
            run_id=run_id,
            checked=[kobo_id for kobo_id, _ in changed] + deleted,
            findings=own,
            rules=lambda rule: rule not in _CROSS,
        )
        second = record(
            conn,
            server=server,
            asset_uid=asset_uid,
            run_id=run_id,
            checked=current + deleted,
            findings=cross,
            rules=lambda rule: rule in _CROSS,
        )
        result.recorded = Recorded(
            *(
                getattr(first, name) + getattr(second, name)
                for name in Recorded.__dataclass_fields__
            )
        )
        _save_validated(conn, server, asset_uid, changed, before, digest, run_id)
        result.standing = standing_findings(conn, server, asset_uid)
        if scorer is not None:
            result.scores = scorer.finish(conn, held_ids_select)
    return result
