"""`htsd serve-central` serves the six forms; `htsd sync --central all` (the forms of
[central] in htsd.toml) pulls, validates and scores them like KoboToolbox submissions, and
the committee's report counts them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from forms.form_ids import FORM_IDS
from tests.helpers import HTSD, run_htsd


@pytest.mark.slow
def test_serve_central_then_sync_all_and_report(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HTSD_", "ODK_CENTRAL_"))}
    proc = subprocess.Popen(
        [*HTSD, "serve-central", "--submissions", "60", "--json"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        text = ""
        while not text.rstrip().endswith("}") or text.count("{") != text.count("}"):
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            text += line
        info = json.loads(text)
        assert sorted(info["forms"]) == sorted(FORM_IDS) and info["forms"]["gia_dinh"] == 60
        forms = ", ".join(f'"{f}"' for f in info["forms"])
        (tmp_path / "htsd.toml").write_text(
            f'[central]\nurl = "{info["url"]}"\nproject = {info["project"]}\nforms = [{forms}]\n',
            encoding="utf-8",
        )
        account = {
            "ODK_CENTRAL_USERNAME": info["username"],
            "ODK_CENTRAL_PASSWORD": info["password"],
            "PYODK_CONFIG_FILE": "/nonexistent",
        }
        result = run_htsd(["sync", "--central", "all", "--json"], cwd=tmp_path, env=account)
        assert result.returncode == 0, result.stderr
        assets = json.loads(result.stdout)["assets"]
        for form, count in info["forms"].items():
            entry = assets[f"{info['project']}/{form}"]
            assert entry["new"] == count and entry["load"]["tables"][0] == form
            assert entry["validation"] is not None
        assert assets[f"{info['project']}/gia_dinh"]["score"]["scored"] >= 1
        report = run_htsd(["report", "--no-pdf", "--json"], cwd=tmp_path, env=account)
        assert report.returncode == 0, report.stderr
        headline = {r["title"]: r for r in json.loads(report.stdout)["headline"]}
        assert sum(r["evaluated"] for r in headline.values()) >= 1
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 130
