"""Two commands opening a fresh SQLite warehouse at once: both switch it to WAL safely."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from warehouse.db import make_engine


def test_fresh_file_held_by_another_connection_still_opens_in_wal(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x INTEGER)")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("INSERT INTO t VALUES (1)")
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    release.start()
    try:
        engine = make_engine(f"sqlite:///{path}")
    finally:
        release.join()
        other.close()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("SELECT x FROM t").scalar() == 1
    engine.dispose()


def test_file_already_in_wal_is_opened_without_switching_again(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite"
    make_engine(f"sqlite:///{path}").dispose()
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()
