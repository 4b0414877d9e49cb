"""`htsd serve-kobo` serves the six forms htsd builds, deployed and answered as in the demo
(issue 10, item 6)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import requests

from forms.form_ids import FORM_IDS
from tests.helpers import HTSD


def test_serve_kobo_serves_the_six_built_forms(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HTSD_", "KOBOTOOLBOX_"))}
    proc = subprocess.Popen(
        [*HTSD, "serve-kobo", "--submissions", "20", "--json"],
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
        assert sorted(info["assets"]) == sorted(FORM_IDS)
        assert info["submissions"]["gia_dinh"] == 20
        headers = {"Authorization": f"Token {info['token']}"}
        for form, uid in info["assets"].items():
            asset = requests.get(
                f"{info['url']}/api/v2/assets/{uid}/", headers=headers, timeout=30
            ).json()
            assert asset["has_deployment"] and asset["content"]["settings"]["id_string"] == form
            data = requests.get(
                f"{info['url']}/api/v2/assets/{uid}/data/",
                params={"format": "json", "limit": 1},
                headers=headers,
                timeout=30,
            ).json()
            assert data["count"] == info["submissions"][form] >= 1
        gia_dinh = requests.get(
            f"{info['url']}/api/v2/assets/{info['assets']['gia_dinh']}/",
            headers=headers,
            timeout=30,
        ).json()
        assert any("pii" in str(row).lower() for row in gia_dinh["content"]["survey"])
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 130
