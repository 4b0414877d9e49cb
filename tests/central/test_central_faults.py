"""Faults and kills against the local Central, as tests/etl/test_sync_resilience.py and
test_sync_sigkill.py do for KoboToolbox; and the errors a person must fix, each one line
with its exit code, the password nowhere."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.central.support import mutate, start_central
from tests.etl.warehouse_state import raw_state, typed_state
from tests.helpers import HTSD

PAGE = "100"


def test_faults_do_not_change_the_counts(warehouse_url: str, tmp_path: Path) -> None:
    for running in start_central(1500, seed=9):
        assert running.sync(warehouse_url, tmp_path, "--page-size", "250")["new"] == 1500
        mutate(running, edits=60, deletes=30, new=120, reviews=15, seed=2)
        faults = running.central.faults
        faults.rate_429, faults.rate_502, faults.retry_after = 0.15, 0.15, 1
        faults.drop_body_requests = {faults.data_requests + 2}
        second = running.sync(warehouse_url, tmp_path, "--page-size", "250")
        counts = (second["new"], second["edited"], second["deleted"], second["status_changed"])
        assert counts == (120, 60, 30, 15)
        assert second["retries"] >= 1 and faults.injected >= 1


@pytest.mark.slow
def test_sigkill_at_random_points_then_resume(tmp_path: Path) -> None:
    """Four times: the server changes, a sync is killed at a random data request, and the
    next sync leaves the state an uninterrupted sync gives (a reference warehouse)."""
    rng = random.Random(20261206)
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    reference = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    for running in start_central(600, seed=13):
        running.sync(reference, tmp_path, "--page-size", PAGE)
        running.sync(url, tmp_path, "--page-size", PAGE)
        running.central.faults.slow_seconds = 0.03
        for round_number in range(4):
            mutate(running, edits=30, deletes=15, new=100, reviews=10, seed=round_number)
            before = running.central.data_requests
            running.sync(reference, tmp_path, "--page-size", PAGE)
            needed = running.central.data_requests - before
            target = rng.randint(1, needed - 1)
            start = running.central.data_requests
            process = subprocess.Popen(
                [
                    *HTSD,
                    "--silent",
                    "sync",
                    "--no-validate",
                    "--central",
                    running.ref,
                    "--page-size",
                    PAGE,
                ],
                cwd=tmp_path,
                env={**os.environ, **running.env(url)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 60
            while running.central.data_requests - start < target and process.poll() is None:
                assert time.monotonic() < deadline, "the sync made no progress"
                time.sleep(0.005)
            process.send_signal(signal.SIGKILL)
            assert process.wait(timeout=30) == -signal.SIGKILL, (round_number, target)
            running.sync(url, tmp_path, "--page-size", PAGE)
            assert raw_state(url).current == raw_state(reference).current, round_number
            assert raw_state(url).history == raw_state(reference).history, round_number
            assert typed_state(url) == typed_state(reference), round_number


def _substrings(secret: str, size: int = 6) -> set[str]:
    return {secret[i : i + size] for i in range(len(secret) - size + 1)}


def test_errors_are_one_line_with_an_exit_code_and_no_password(tmp_path: Path) -> None:
    for running in start_central(20, seed=2):
        url = f"sqlite:///{tmp_path / 'w.sqlite'}"
        secret = "Sai-mat-khau-9173!"
        running.central.add_project("Dự án khác")  # nobody is a member
        cases = {
            "wrong password": (
                {"ODK_CENTRAL_PASSWORD": secret},
                ["sync", "--central", running.ref],
                1,
                "ODK401",
            ),
            "no access": ({}, ["sync", "--central", "2/gia_dinh"], 1, "ODK403"),
            "unreachable": (
                {"ODK_CENTRAL_URL": "http://127.0.0.1:9"},
                ["sync", "--central", running.ref],
                3,
                "ODK502",
            ),
            "bad reference": ({}, ["sync", "--central", "gia_dinh"], 1, "ODK003"),
            "deploy, wrong password": (
                {"ODK_CENTRAL_PASSWORD": secret},
                ["forms", "deploy", "--to", "central", "--project", "1"],
                1,
                "ODK401",
            ),
        }
        for name, (env, args, code, error) in cases.items():
            result = running.htsd(url, tmp_path, *args, "--lang", "en", **env)
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            assert result.returncode == code, (name, result.stderr)
            assert len(lines) == 1 and f"[{error}]" in lines[0], (name, result.stderr)
            assert "Traceback" not in result.stderr
            output = result.stdout + result.stderr
            for password in (secret, running.demo.password):
                leaked = [s for s in _substrings(password) if s in output]
                assert not leaked, (name, leaked)
        # the right account, in Vietnamese by default: the password is in no file either
        ok = running.htsd(url, tmp_path, "sync", "--central", running.ref)
        assert ok.returncode == 0, ok.stderr
        files = [p for p in tmp_path.rglob("*") if p.is_file()]
        for path in files:
            data = path.read_bytes()
            assert running.demo.password.encode() not in data, path
            assert not any(s.encode() in data for s in _substrings(running.demo.password)), path
        home = Path.home() / ".pyodk_cache.toml"
        assert not home.exists() or running.demo.password not in home.read_text()
