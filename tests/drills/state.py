"""What a drill compares with an undisturbed run: the raw landing, the typed tables and the
findings of loading (and, where a drill validates, the validation findings and scores)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from etl.kobo.client import KoboClient
from etl.pipeline import load_typed
from etl.sync import sync_asset
from tests.conftest import RunningKobo
from tests.etl.warehouse_state import RawState, raw_state, typed_state
from warehouse.db import make_engine
from warehouse.migrate import upgrade
from warehouse.runlog import start_run


@dataclass(frozen=True)
class State:
    raw: RawState
    typed: dict[str, list[tuple[object, ...]]]
    load_findings: tuple[tuple[Any, ...], ...]
    findings: tuple[tuple[Any, ...], ...] = ()  # validation findings (a validated run)
    scores: tuple[tuple[Any, ...], ...] = ()  # scores and recognition (a validated run)

    def counts(self) -> tuple[int, int, int]:
        """(raw rows, typed rows of every table, load findings), for messages."""
        return self.raw.rows, sum(len(r) for r in self.typed.values()), len(self.load_findings)


def _rows(conn: sa.Connection, query: str) -> tuple[tuple[Any, ...], ...]:
    return tuple(sorted(tuple(str(v) for v in row) for row in conn.execute(sa.text(query))))


def state(url: str, *, validated: bool = False) -> State:
    """The warehouse's state; with `validated`, its validation findings and scores too."""
    engine = make_engine(url)
    with engine.connect() as conn:
        load = _rows(conn, "SELECT kobo_id, row_index, field_path, rule, value FROM load_finding")
        findings = scores = ()
        if validated:
            findings = _rows(
                conn,
                "SELECT kobo_id, rule, field_path, row_index, severity, value"
                " FROM validation_finding",
            )
            scores = _rows(
                conn,
                "SELECT kobo_id, rubric_version, year, total, percent, passed, class_id FROM score",
            ) + _rows(
                conn, "SELECT subject_key, year, evaluations, passed, class_id FROM recognition"
            )
    engine.dispose()
    return State(raw_state(url), typed_state(url), load, findings, scores)


def reference(kobo: RunningKobo, url: str, page_size: int = 100) -> State:
    """The state an undisturbed sync of the server as it is now gives, in a fresh warehouse."""
    engine = make_engine(url)
    upgrade(engine)
    client = KoboClient(kobo.url, kobo.token)
    run_id = start_run(engine, "sync")
    sync_asset(engine, client, kobo.asset_uid, run_id, page_size=page_size)
    load_typed(engine, client.server, [kobo.asset_uid], run_id)
    engine.dispose()
    return state(url)


def env(kobo: RunningKobo, url: str, **extra: str) -> dict[str, str]:
    return {
        "KOBOTOOLBOX_URL": kobo.url,
        "KOBOTOOLBOX_TOKEN": kobo.token,
        "HTSD_DATABASE_URL": url,
        **extra,
    }


def personal_data(kobo: RunningKobo) -> set[str]:
    """Every household head's name and phone number on the server: none may reach an error."""
    found = set()
    for doc in kobo.kobo.assets[kobo.asset_uid].submissions.values():
        for key in ("household/head_name", "household/head_phone"):
            if isinstance(doc.get(key), str):
                found.add(doc[key])
    return found


def validation_errors(url: str, asset_uid: str) -> set[tuple[int, str, str]]:
    """(submission, rule, question) of every error the validation found for an asset."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT kobo_id, rule, field_path FROM validation_finding"
                " WHERE asset_uid = :uid AND severity = 'error'"
            ),
            {"uid": asset_uid},
        ).all()
    engine.dispose()
    return {(int(r[0]), str(r[1]), str(r[2])) for r in rows}
