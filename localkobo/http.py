"""The HTTP plumbing of the local KoboToolbox: a threaded HTTP/1.1 server on 127.0.0.1 that
hands each request to the routes of `localkobo.routes` and sends back what they answer.

A reply is JSON (`Content-Type: application/json`, UTF-8, no body for None); a route can
also answer with raw bytes (`RawBodyError`) or have the connection cut after half the
announced body (`DropConnectionError`). `LocalKoboServer` starts the server in a daemon
thread and stops it, also as a context manager.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from localkobo.api import ApiError, DropConnectionError, RawBodyError, Router
from localkobo.routes import KoboApi
from localkobo.store import LocalKobo


def encode(payload: Any) -> bytes:
    """The JSON body of a reply; empty for None."""
    if payload is None:
        return b""
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


class KoboRequestHandler(BaseHTTPRequestHandler):
    """One request: parse it, find its route, send the reply. Also the routes' `Request`."""

    protocol_version = "HTTP/1.1"
    server: KoboHTTPServer

    # quiet: the tests read what matters from the responses
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- what a route reads (localkobo.api.Request) --------------------------------------

    def header(self, name: str) -> str:
        return str(self.headers.get(name) or "")

    def absolute(self, path: str, params: Mapping[str, Any]) -> str:
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        query = urlencode(sorted((k, str(v)) for k, v in params.items()))
        return f"http://{host}{path}" + (f"?{query}" if query else "")

    # -- plumbing ------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = self._read_body()
        try:
            route = self.server.router.route(method, parts.path)
            status, payload, headers = route(self, params, body)
            self._send(status, payload, headers)
        except ApiError as exc:
            self._send(exc.status, exc.body, exc.headers)
        except DropConnectionError as drop:
            self._drop(drop.payload)
        except RawBodyError as raw:
            self.send_response(200)
            self.send_header("Content-Type", raw.content_type)
            self.send_header("Content-Length", str(len(raw.data)))
            self.end_headers()
            self.wfile.write(raw.data)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = encode(payload)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _drop(self, payload: Any) -> None:
        """Announce the whole body, send half of it, then cut the connection."""
        data = encode(payload)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True


class KoboHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer (daemon threads, address reuse) that knows its router."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], router: Router) -> None:
        super().__init__(address, KoboRequestHandler)
        self.router = router


class LocalKoboServer:
    """Serves a LocalKobo on 127.0.0.1 (a free port unless one is given), in a thread."""

    def __init__(self, kobo: LocalKobo, host: str = "127.0.0.1", port: int = 0) -> None:
        self.kobo = kobo
        self.httpd = KoboHTTPServer((host, port), KoboApi(kobo))
        # a short poll: `stop` waits for the serving loop to notice, 0.5 s by default
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        kobo.base_url = self.url

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalKoboServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LocalKoboServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
