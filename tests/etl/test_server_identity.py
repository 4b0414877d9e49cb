"""One server, one identity: however its address is written, its data is stored once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from etl.kobo.client import KoboClient, server_identity
from tests.conftest import RunningKobo
from tests.helpers import run_htsd


@pytest.mark.parametrize(
    ("written", "identity"),
    [
        ("https://kf.kobotoolbox.org", "https://kf.kobotoolbox.org"),
        ("HTTPS://KF.KoboToolbox.org/", "https://kf.kobotoolbox.org"),
        ("https://kf.kobotoolbox.org:443", "https://kf.kobotoolbox.org"),
        ("http://localhost:8765/", "http://127.0.0.1:8765"),
        ("http://[::1]:8765", "http://127.0.0.1:8765"),
        ("http://127.0.0.1:80", "http://127.0.0.1"),
        ("https://data.example.vn/kobo/", "https://data.example.vn/kobo"),
        ("http://kobo.example.vn:8080", "http://kobo.example.vn:8080"),
        ("http://KOBO.Example.VN/api", "http://kobo.example.vn"),
        ("file:///tmp/", "file:///tmp"),  # no host: as written, less the trailing slash
        ("  kobo.example.vn/ ", "kobo.example.vn"),  # no scheme
    ],
)
def test_server_identity(written: str, identity: str) -> None:
    assert server_identity(written) == identity


def test_sync_then_import_through_localhost_keeps_one_copy(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    env = {
        "HTSD_DATABASE_URL": warehouse_url,
        "KOBOTOOLBOX_URL": kobo.url,
        "KOBOTOOLBOX_TOKEN": kobo.token,
    }
    sync = run_htsd(["sync", "--no-validate", "--asset", kobo.asset_uid], cwd=tmp_path, env=env)
    assert sync.returncode == 0, sync.stderr
    page = requests.get(
        f"{kobo.url}/api/v2/assets/{kobo.asset_uid}/data/?limit=1000",
        headers={"Authorization": f"Token {kobo.token}"},
        timeout=10,
    ).json()
    saved = tmp_path / "page.json"
    saved.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    other = kobo.url.replace("127.0.0.1", "localhost") + "/"
    result = run_htsd(["import", str(saved), "--server", other, "--json"], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)["files"][0]["counts"]
    assert (counts["new"], counts["unchanged"]) == (0, 250)

    status = json.loads(run_htsd(["status", "--json"], cwd=tmp_path, env=env).stdout)
    assert list(status["assets"]) == [kobo.asset_uid]
    entry = status["assets"][kobo.asset_uid]
    assert entry["submissions"] == 250 and entry["typed"]["current"] == 250


@pytest.mark.parametrize(
    ("pasted", "address"),
    [
        ("https://kf.kobotoolbox.org/api/v2/", "https://kf.kobotoolbox.org"),
        ("https://kf.kobotoolbox.org/#/forms", "https://kf.kobotoolbox.org"),
        ("https://kf.kobotoolbox.org/api/v2/assets/?format=json", "https://kf.kobotoolbox.org"),
        ("https://eu.kobotoolbox.org/", "https://eu.kobotoolbox.org"),
        ("http://10.0.0.5/kobo/api/v2", "http://10.0.0.5/kobo"),
        ("https://kf.kobotoolbox.org/api", "https://kf.kobotoolbox.org"),
        ("http://10.0.0.5/kobo/api/v2/assets/api/", "http://10.0.0.5/kobo"),  # the first /api/
        ("http://10.0.0.5/kobo/", "http://10.0.0.5/kobo"),
    ],
)
def test_an_address_pasted_from_the_browser_is_trimmed(pasted: str, address: str) -> None:
    client = KoboClient(pasted, "t0ken")
    assert client.base_url == address and server_identity(pasted) == server_identity(address)
    assert client.pasted_url == (None if pasted.rstrip("/") == address else pasted)
