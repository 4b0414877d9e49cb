"""Findings kept as data on SQLite and PostgreSQL: a re-run updates and never duplicates, a
fix on the server closes, a relapse reopens, other submissions are left alone."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from forms.findings import Finding, Severity
from forms.text import Text
from tests.validation.test_suites import _foreign, _good
from validation.store import Recorded, open_findings, record
from validation.suites import run_checks
from warehouse.runlog import start_run
from warehouse.schema import validation_finding

SERVER, ASSET = "http://kobo.test", "aForeignHealthPosts"


def _validate(engine: Engine, payloads: list[dict], when: str) -> tuple[int, Recorded]:
    run_id = start_run(engine, "validate")
    findings = run_checks(_foreign(), payloads)
    with engine.begin() as conn:
        counts = record(
            conn,
            server=SERVER,
            asset_uid=ASSET,
            run_id=run_id,
            checked=[p["_id"] for p in payloads],
            findings=findings,
            now=datetime.fromisoformat(when).replace(tzinfo=UTC),
        )
    return run_id, counts


def _rows(engine: Engine) -> list[tuple]:
    t = validation_finding
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(t.c.kobo_id, t.c.rule, t.c.field_path, t.c.status, t.c.value).order_by(
                    t.c.kobo_id, t.c.rule
                )
            )
        ]


def test_a_rerun_updates_a_fix_closes_a_relapse_reopens(engine: Engine) -> None:
    bad = [_good(1), _good(2, post=None), _good(3, beds="250")]
    first_run, first = _validate(engine, bad, "2024-05-10T08:00:00")
    assert (first.new, first.new_errors, first.closed) == (2, 2, 0)
    _, again = _validate(engine, bad, "2024-05-11T08:00:00")
    assert (again.new, again.seen_again, again.closed) == (0, 2, 0)
    assert len(_rows(engine)) == 2, "never duplicated"
    # Submission 3 fixed on the server; submission 2 not checked this time: left alone.
    fix_run, fixed = _validate(engine, [_good(3, beds="25")], "2024-05-12T08:00:00")
    assert (fixed.new, fixed.closed) == (0, 1)
    assert _rows(engine) == [
        (2, "form.required", "post", "open", ""),
        (3, "form.range", "beds", "closed", "250"),
    ]
    with engine.connect() as conn:
        (opened,) = open_findings(conn, SERVER, ASSET)
        closed = conn.execute(
            sa.select(validation_finding).where(validation_finding.c.kobo_id == 3)
        ).one()
    assert opened["kobo_id"] == 2 and opened["first_run"] == first_run
    assert opened["message_en"] == "a required question has no answer"
    assert (closed.closed_run, closed.first_run) == (fix_run, first_run)
    # Edited wrongly again: the same finding reopens, with the new value.
    _, relapse = _validate(engine, [_good(3, beds="300")], "2024-05-13T08:00:00")
    assert (relapse.new, relapse.reopened, relapse.new_errors) == (0, 1, 1)
    assert (3, "form.range", "beds", "open", "300") in _rows(engine)


def test_findings_of_repeat_rows_are_kept_apart(engine: Engine) -> None:
    def at(index: tuple[int, ...]) -> Finding:
        return Finding(
            "form.range", "patients/age", "130", Text("x", "x"), Severity.ERROR, 7, index
        )

    with engine.begin() as conn:
        counts = record(
            conn,
            server=SERVER,
            asset_uid=ASSET,
            run_id=None,
            checked=[7],
            findings=[at((1,)), at((2,)), at((2,))],
        )
    assert counts.new == 2
    with engine.connect() as conn:
        rows = open_findings(conn, SERVER, ASSET)
    assert [r["row_index"] for r in rows] == ["1", "2"]


def _finding(rule: str, kobo_id: int, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(rule, "q", "v", Text("x", "x"), severity, kobo_id)


def _record(engine: Engine, checked: list[int], findings: list[Finding], **kw: object) -> Recorded:
    with engine.begin() as conn:
        return record(
            conn,
            server=SERVER,
            asset_uid=ASSET,
            run_id=None,
            checked=checked,
            findings=findings,
            **kw,  # type: ignore[arg-type]
        )


def test_an_accepted_finding_stays_accepted_until_fixed(engine: Engine) -> None:
    _record(engine, [1], [_finding("form.range", 1)])
    t = validation_finding
    with engine.begin() as conn:
        conn.execute(t.update().values(status="accepted"))
    again = _record(engine, [1], [_finding("form.range", 1)])
    assert (again.new, again.reopened, again.new_errors) == (0, 0, 0)
    assert [r[3] for r in _rows(engine)] == ["accepted"], "seen again, still accepted"
    with engine.connect() as conn:
        assert open_findings(conn, SERVER, ASSET) == []
        assert len(open_findings(conn, SERVER, ASSET, accepted=True)) == 1
    fixed = _record(engine, [1], [])
    assert fixed.closed == 1 and [r[3] for r in _rows(engine)] == ["closed"]


def test_a_scoped_record_leaves_other_rules_alone(engine: Engine) -> None:
    _record(engine, [1, 2], [_finding("form.range", 1), _finding("duplicate.same_year", 2)])
    # a run that checks only the cross rules on every submission: form.range is not its own
    counts = _record(engine, [1, 2], [], rules=lambda rule: rule.startswith("duplicate."))
    assert counts.closed == 1
    assert [(r[0], r[1], r[3]) for r in _rows(engine)] == [
        (1, "form.range", "open"),
        (2, "duplicate.same_year", "closed"),
    ]
    ignored = _record(engine, [3], [_finding("form.range", 3)], rules=lambda r: r != "form.range")
    assert ignored.new == 0 and len(_rows(engine)) == 2
