"""One validation of the stored submissions of an asset: suites and rules, findings recorded.

The current submissions (not deleted on the server) are read from the raw landing, each with
the form version it was filled in. Each version's generated suites (`validation.suites`) run
on its submissions; the domain rules (`validation.rules`) run on each submission with the
form's rubric when it is one of ours. What is found is recorded in `validation_finding`
(`validation.store.record`): every submission read counts as checked, so a submission fixed
on the server since closes its findings.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from forms.findings import Finding
from forms.rubric import Rubric
from forms.rules import Answers
from validation.rules import Settings, check_submission
from validation.store import Recorded, record
from validation.suites import run_checks
from warehouse.schema import raw_submission
from warehouse.versions import form_versions


@dataclass
class AssetValidation:
    """What one validation of one asset checked and found."""

    server: str
    asset_uid: str
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    recorded: Recorded = field(default_factory=Recorded)
    # each submission's district code and surveyor (`username`, else `deviceid`), to sum up by
    where: dict[int, tuple[str, str]] = field(default_factory=dict)

    def by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(f.rule for f in self.findings).items()))

    def _by(self, part: int) -> dict[str, int]:
        counts = Counter(
            self.where.get(f.submission, ("", ""))[part] or "?"
            for f in self.findings
            if f.submission is not None
        )
        return dict(sorted(counts.items()))

    def by_district(self) -> dict[str, int]:
        """Findings per district code ("?" where the submission names none)."""
        return self._by(0)

    def by_surveyor(self) -> dict[str, int]:
        """Findings per surveyor: the form's `username`, else its `deviceid`."""
        return self._by(1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "checked": self.checked,
            "findings": len(self.findings),
            "errors": sum(f.severity == "error" for f in self.findings),
            "by_rule": self.by_rule(),
            "by_district": self.by_district(),
            "by_surveyor": self.by_surveyor(),
            "new": self.recorded.new,
            "new_errors": self.recorded.new_errors,
            "closed": self.recorded.closed,
        }


def _current(engine: Engine, server: str, asset_uid: str) -> dict[str | None, list[dict]]:
    """The current payloads of an asset, by the form version they were filled in."""
    r = raw_submission
    by_version: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(r.c.form_version, r.c.payload)
            .where(r.c.server == server, r.c.asset_uid == asset_uid, r.c.deleted_run.is_(None))
            .order_by(r.c.kobo_id)
        )
        for row in rows:
            by_version[row.form_version].append(json.loads(row.payload))
    return by_version


def validate_asset(
    engine: Engine,
    server: str,
    asset_uid: str,
    run_id: int | None,
    rubrics: Mapping[str, Rubric],
    settings: Settings | None = None,
) -> AssetValidation:
    """Run the suites and rules on an asset's current submissions and record the findings."""
    result = AssetValidation(server, asset_uid)
    versions = {v.uid: v.schema for v in form_versions(engine, server, asset_uid)}
    if not versions:
        return result
    latest = list(versions.values())[-1]
    checked: list[int] = []
    for version, payloads in _current(engine, server, asset_uid).items():
        schema = versions.get(version or "", latest)
        rubric = rubrics.get(schema.rubric_id or "")
        result.findings += run_checks(schema, payloads)
        for payload in payloads:
            result.findings += check_submission(payload, rubric, settings)
            kobo_id = int(payload["_id"])
            checked.append(kobo_id)
            answers = Answers(payload)
            surveyor = answers.get("username") or answers.get("deviceid") or ""
            result.where[kobo_id] = (answers.get("district") or "", surveyor)
    result.checked = len(checked)
    with engine.begin() as conn:
        result.recorded = record(
            conn,
            server=server,
            asset_uid=asset_uid,
            run_id=run_id,
            checked=checked,
            findings=result.findings,
        )
    return result
