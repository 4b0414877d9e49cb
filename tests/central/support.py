"""A local ODK Central on 127.0.0.1 for the tests, and `htsd` run against it."""

from __future__ import annotations

import json
import random
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from localcentral import LocalCentralServer
from localcentral.province import DemoCentral, demo_central
from tests.helpers import run_htsd


class RunningCentral:
    def __init__(self, demo: DemoCentral, server: LocalCentralServer) -> None:
        self.demo = demo
        self.server = server
        self.central = demo.central
        self.url = server.url
        self.ref = f"{demo.project_id}/gia_dinh"

    def env(self, url: str, **extra: str) -> dict[str, str]:
        return {
            "ODK_CENTRAL_URL": self.url,
            "ODK_CENTRAL_USERNAME": self.demo.email,
            "ODK_CENTRAL_PASSWORD": self.demo.password,
            "HTSD_DATABASE_URL": url,
            "PYODK_CONFIG_FILE": "/nonexistent/pyodk_config.toml",
            **extra,
        }

    def htsd(self, url: str, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return run_htsd(list(args), cwd=cwd, env=self.env(url, **env))

    def sync(self, url: str, cwd: Path, *extra: str) -> dict[str, Any]:
        result = self.htsd(
            url, cwd, "sync", "--no-validate", "--central", self.ref, "--json", *extra
        )
        assert result.returncode == 0, result.stderr
        manifest: dict[str, Any] = json.loads(result.stdout)["assets"][self.ref]
        return manifest


def start_central(submissions: int, seed: int = 1) -> Iterator[RunningCentral]:
    demo = demo_central(submissions, seed=seed)
    server = LocalCentralServer(demo.central).start()
    try:
        yield RunningCentral(demo, server)
    finally:
        server.stop()


def mutate(
    running: RunningCentral, *, edits: int, deletes: int, new: int, reviews: int, seed: int
) -> dict[str, list[str]]:
    """Surveyors edit and send, managers delete and review, on the server."""
    rng = random.Random(seed)
    central, form = running.central, running.demo.form
    live = sorted(i for i, s in form.submissions.items() if s.deleted_at is None)
    chosen = rng.sample(live, edits + deletes + reviews)
    edited, deleted, reviewed = (
        chosen[:edits],
        chosen[edits : edits + deletes],
        chosen[edits + deletes :],
    )
    for iid in edited:
        central.edit(form, iid, {"eval_year": "2026"})
    central.delete(form, deleted)
    states = ("approved", "hasIssues", "rejected")
    for number, iid in enumerate(reviewed):
        central.review(form, iid, states[number % 3])
    central.generate(form, new)
    return {"edited": edited, "deleted": deleted, "reviewed": reviewed}
