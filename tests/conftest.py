"""Shared fixtures: a fresh warehouse on SQLite and on the real PostgreSQL, a local Kobo.

PostgreSQL: HTSD_TEST_POSTGRES_URL (default the CI machine's 127.0.0.1:5432, database
`test`, user `postgres`, trust auth). Each test gets its own schema, dropped afterwards.
With CI=true an unreachable PostgreSQL fails the whole run instead of skipping.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from localkobo import Faults, LocalKoboServer
from localkobo.province import DemoKobo, demo_kobo
from warehouse.db import make_engine
from warehouse.migrate import upgrade

PG_URL = os.environ.get(
    "HTSD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

if Path.cwd().name == "mutants" and (Path.cwd() / "etl").is_dir():
    # under `make mutation`: mutmut runs the tests from its copy, mutants/; the `htsd`
    # processes the tests start must import that copy too, not the installed one
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(Path.cwd()), os.environ.get("PYTHONPATH", "")) if p
    )

_pg_error: str | None = None
_engine_counts: Counter[str] = Counter()


def _probe_postgres() -> str | None:
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: cannot run the PostgreSQL tests
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    return None


def pytest_sessionstart(session: pytest.Session) -> None:
    global _pg_error
    _pg_error = _probe_postgres()
    if _pg_error and IN_CI:
        pytest.exit(
            f"CI=true but PostgreSQL is unreachable at {PG_URL} ({_pg_error}). "
            "The PostgreSQL warehouse tests must run in CI: start PostgreSQL "
            "(pg_ctlcluster <version> main start) or set HTSD_TEST_POSTGRES_URL.",
            returncode=3,
        )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        for engine_name in ("sqlite", "postgresql"):
            if f"[{engine_name}" in report.nodeid or f"-{engine_name}]" in report.nodeid:
                _engine_counts[engine_name] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _engine_counts:
        terminalreporter.write_line(
            "warehouse tests passed per database: "
            + ", ".join(f"{name}={_engine_counts[name]}" for name in ("sqlite", "postgresql"))
        )


def postgres_schema_url(schema: str) -> str:
    joiner = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """URL of an empty warehouse database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
        return
    if _pg_error:
        pytest.skip(f"PostgreSQL unreachable ({_pg_error}); CI=true would fail instead")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield postgres_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(warehouse_url: str) -> Iterator[Engine]:
    """A migrated warehouse engine on each database."""
    eng = make_engine(warehouse_url)
    upgrade(eng)
    yield eng
    eng.dispose()


class RunningKobo:
    def __init__(self, demo: DemoKobo, server: LocalKoboServer) -> None:
        self.demo = demo
        self.server = server
        self.kobo = demo.kobo
        self.token = demo.token
        self.asset_uid = demo.asset_uid
        self.url = server.url


def start_kobo(submissions: int, seed: int = 1) -> Iterator[RunningKobo]:
    demo = demo_kobo(submissions, seed=seed)
    server = LocalKoboServer(demo.kobo).start()
    try:
        yield RunningKobo(demo, server)
    finally:
        server.stop()


@pytest.fixture
def kobo() -> Iterator[RunningKobo]:
    """A local KoboToolbox on 127.0.0.1 with 250 generated submissions."""
    yield from start_kobo(250)


def undone_after_each_test(running: RunningKobo) -> Iterator[RunningKobo]:
    """`running` (a server shared by a module's tests) for one test: what the test changes on
    it (its submissions, statuses, users, assets, faults) is undone after the test."""
    store = running.kobo
    saved = (
        copy.deepcopy(store.assets),
        dict(store.tokens),
        store.next_id,
        store.clock,
        store.rng.getstate(),
    )
    store.faults = Faults()
    yield running
    store.assets, store.tokens, store.next_id, store.clock = saved[:4]
    store.rng.setstate(saved[4])
    store.faults = Faults()
