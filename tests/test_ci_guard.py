"""With CI=true, an unreachable PostgreSQL fails the test run with a message (no skipping)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_fails_when_postgres_is_unreachable() -> None:
    env = dict(os.environ)
    env.update(
        {
            "CI": "true",
            "HTSD_TEST_POSTGRES_URL": "postgresql+psycopg://postgres@127.0.0.1:9/test",
        }
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/etl/test_config.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "PostgreSQL is unreachable" in result.stdout + result.stderr
