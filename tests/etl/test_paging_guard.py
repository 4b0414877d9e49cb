"""A server whose pages do not advance ends the sync with a coded error in bounded time.

The server here is a small real HTTP server on 127.0.0.1 that answers like a faulty
KoboToolbox: a deployed asset, and data pages that either are empty but carry a `next` link,
or keep pointing back to themselves. `htsd sync` runs in its own process, as from cron.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_htsd

UID = "aStuckPagesAsset000001"


def _submission(kobo_id: int) -> dict[str, Any]:
    return {"_id": kobo_id, "_uuid": f"u{kobo_id}", "__version__": "v1", "name": "x"}


class _Faulty(BaseHTTPRequestHandler):
    mode = "empty"
    data_requests = 0

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        path = self.path.split("?")[0]
        if path == f"/api/v2/assets/{UID}/":
            body: Any = {
                "uid": UID,
                "name": "stuck",
                "asset_type": "survey",
                "has_deployment": True,
                "deployed_version_id": "v1",
                "version_id": "v1",
                "content": {"survey": [{"type": "text", "name": "name", "$kuid": "k1"}]},
            }
        elif path == f"/api/v2/assets/{UID}/data/":
            type(self).data_requests += 1
            again = f"{base}/api/v2/assets/{UID}/data/?format=json&start=0"
            if self.mode == "empty":
                body = {"count": 5, "next": again, "previous": None, "results": []}
            else:  # the same page again and again
                body = {"count": 5, "next": again, "previous": None, "results": [_submission(1)]}
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(params=["empty", "repeated"])
def faulty(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("Handler", (_Faulty,), {"mode": request.param, "data_requests": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        assert handler.data_requests <= 3, "the paging stopped at once"


def test_pages_that_do_not_advance_end_the_sync(faulty: str, tmp_path: Path) -> None:
    env = {"KOBOTOOLBOX_URL": faulty, "KOBOTOOLBOX_TOKEN": "t0k3n"}
    result = run_htsd(["sync", "--asset", UID], cwd=tmp_path, env=env, timeout=60)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "[KOBO423]" in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "t0k3n" not in result.stderr

    status = run_htsd(["status", "--json"], cwd=tmp_path, env=env)
    last = json.loads(status.stdout)["last_run"]
    assert last["status"] == "failed" and "[KOBO423]" in last["error"]


@pytest.mark.parametrize("size", ["0", "-5", "1001"])
def test_page_size_outside_the_servers_range_is_a_usage_error(size: str, tmp_path: Path) -> None:
    result = run_htsd(["sync", "--asset", UID, "--page-size", size], cwd=tmp_path, env={})
    assert result.returncode == 2, result.stderr
    assert "--page-size" in result.stderr and "Traceback" not in result.stderr
