"""The local ODK Central over real HTTP on 127.0.0.1: the routes htsd uses, answered as
central-backend does (JSON problems `{"code", "message"}`), in a daemon thread.

Routes: `POST /v1/sessions`, `GET /v1/users/current`, projects, forms (create from XForm
XML, draft, publish with `?version=`, versions and their `.xml`), the OData submissions
(`.svc/Submissions`, with the faults of `localkobo.faults` on every data request), review
state (`PATCH .../submissions/{iid}`) and comments. Bearer sessions only: Basic auth over
plain HTTP is refused (401.3); an XLSForm upload needs the pyxform side service this stand-in
lacks (501.3).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from localcentral.odata import Shape, listing, render
from localcentral.store import CentralForm, CentralProblem, LocalCentral, User, iso
from localkobo.faults import DROP

Reply = tuple[int, Any, dict[str, str]]


def _form_json(form: CentralForm) -> dict[str, Any]:
    published = form.published
    return {
        "projectId": form.project_id,
        "xmlFormId": form.xml_form_id,
        "name": form.name,
        "version": published.version if published else None,
        "state": "open",
        "createdAt": form.created_at,
        "publishedAt": published.published_at if published else None,
        "hash": None,
        "enketoId": None,
        "submissions": sum(1 for s in form.submissions.values() if s.deleted_at is None),
    }


def _sub_json(sub: Any) -> dict[str, Any]:
    return {
        "instanceId": sub.iid,
        "submitterId": sub.submitter_id,
        "deviceId": sub.device_id,
        "createdAt": iso(sub.created_at),
        "updatedAt": iso(sub.updated_at) if sub.updated_at else None,
        "reviewState": sub.review_state,
        "currentVersion": {"instanceId": sub.instance_id},
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

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

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        api = self.server.api
        try:
            status, payload, headers = api.handle(self, method, parts.path, params, body)
        except CentralProblem as problem:
            status, payload, headers = (
                problem.status,
                {"code": problem.code, "message": problem.message},
                {},
            )
        except _Drop as drop:
            data = json.dumps(drop.payload, ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if isinstance(payload, bytes):
            data, kind = payload, headers.pop("Content-Type", "text/xml")
        else:
            data = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
            kind = "application/json; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if data:
            self.wfile.write(data)


class _Drop(Exception):  # noqa: N818 - a signal, not an error
    def __init__(self, payload: Any) -> None:
        super().__init__("drop")
        self.payload = payload


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (m, re.compile(p), name)
    for m, p, name in [
        ("POST", r"^/v1/sessions$", "login"),
        ("GET", r"^/v1/users/current$", "current_user"),
        ("GET", r"^/v1/projects$", "projects"),
        ("GET", r"^/v1/projects/(\d+)$", "project"),
        ("GET", r"^/v1/projects/(\d+)/forms$", "forms"),
        ("POST", r"^/v1/projects/(\d+)/forms$", "create_form"),
        ("GET", r"^/v1/projects/(\d+)/forms/([^/]+)\.svc/Submissions$", "odata"),
        ("GET", r"^/v1/projects/(\d+)/forms/([^/]+)\.svc$", "odata_service"),
        ("GET", r"^/v1/projects/(\d+)/forms/([^/.]+)\.xml$", "form_xml"),
        ("GET", r"^/v1/projects/(\d+)/forms/([^/]+)$", "form"),
        ("POST", r"^/v1/projects/(\d+)/forms/([^/]+)/draft$", "draft"),
        ("POST", r"^/v1/projects/(\d+)/forms/([^/]+)/draft/publish$", "publish"),
        ("GET", r"^/v1/projects/(\d+)/forms/([^/]+)/versions$", "versions"),
        ("GET", r"^/v1/projects/(\d+)/forms/([^/]+)/versions/([^/]+)\.xml$", "version_xml"),
        ("GET", r"^/v1/projects/(\d+)/forms/([^/]+)/submissions/([^/]+)$", "submission"),
        ("PATCH", r"^/v1/projects/(\d+)/forms/([^/]+)/submissions/([^/]+)$", "review"),
        ("DELETE", r"^/v1/projects/(\d+)/forms/([^/]+)/submissions/([^/]+)$", "delete"),
        ("GET", r"^/v1/projects/(\d+)/forms/([^/]+)/submissions/([^/]+)/comments$", "comments"),
        ("POST", r"^/v1/projects/(\d+)/forms/([^/]+)/submissions/([^/]+)/comments$", "comment"),
    ]
]


class CentralApi:
    """The routes over one LocalCentral."""

    def __init__(self, central: LocalCentral) -> None:
        self.central = central
        self.shapes: dict[tuple[int, str], dict[str, Shape]] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request

    def handle(
        self, request: _Handler, method: str, path: str, params: dict[str, str], body: bytes
    ) -> Reply:
        self.requests.append((method, path))
        for route_method, pattern, name in _ROUTES:
            match = pattern.match(path)
            if match and route_method == method:
                args = [unquote(a) for a in match.groups()]
                route: Callable[..., Reply] = getattr(self, name)
                if name == "login":
                    return route(body)
                user = self._user(request)
                return route(request, user, params, body, *args)
        if any(p.match(path) for _, p, _ in _ROUTES):
            raise CentralProblem(405, "405.1", "This endpoint does not support that method.")
        raise CentralProblem(404, "404.1", "Could not find the resource you were looking for.")

    def _user(self, request: _Handler) -> User:
        header = str(request.headers.get("Authorization") or "")
        if header.startswith("Basic "):
            raise CentralProblem(
                401, "401.3", "This authentication method is only available over HTTPS."
            )
        if not header.startswith("Bearer "):
            raise CentralProblem(
                403, "403.1", "The authenticated actor does not have rights to perform that action."
            )
        return self.central.user_for(header[len("Bearer ") :].strip())

    def _form(self, user: User, pid: str, fid: str) -> CentralForm:
        return self.central.form(user, int(pid), fid)

    # -- routes ----------------------------------------------------------------------------

    def login(self, body: bytes) -> Reply:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            raise CentralProblem(400, "400.1", "Could not parse the given data.") from None
        token, session = self.central.login(
            str(data.get("email", "")), str(data.get("password", ""))
        )
        from datetime import UTC, datetime

        return (
            200,
            {
                "token": token,
                "csrf": token[:16],
                "createdAt": iso(datetime.fromtimestamp(session.created, UTC)),
                "expiresAt": iso(datetime.fromtimestamp(session.expires, UTC)),
            },
            {},
        )

    def current_user(self, _r: _Handler, user: User, *_: Any) -> Reply:
        return 200, {"id": user.id, "displayName": user.display_name, "email": user.email}, {}

    def projects(self, _r: _Handler, user: User, *_: Any) -> Reply:
        visible = [p for p in self.central.projects.values() if user.email in p.members]
        return 200, [{"id": p.id, "name": p.name} for p in visible], {}

    def project(self, _r: _Handler, user: User, _p: Any, _b: bytes, pid: str) -> Reply:
        project = self.central.project(user, int(pid))
        return 200, {"id": project.id, "name": project.name}, {}

    def forms(self, _r: _Handler, user: User, _p: Any, _b: bytes, pid: str) -> Reply:
        self.central.project(user, int(pid))
        found = [f for (p, _), f in self.central.forms.items() if p == int(pid)]
        return 200, [_form_json(f) for f in found], {}

    def create_form(
        self, request: _Handler, user: User, params: dict[str, str], body: bytes, pid: str
    ) -> Reply:
        self.central.project(user, int(pid))
        kind = str(request.headers.get("Content-Type") or "")
        if "spreadsheet" in kind or "excel" in kind:
            raise CentralProblem(
                501, "501.3", "XLSForm conversion needs the pyxform-http service, not configured."
            )
        form = self.central.create_form(
            int(pid), body.decode("utf-8"), publish=params.get("publish") == "true"
        )
        return 200, _form_json(form), {}

    def form(self, _r: _Handler, user: User, _p: Any, _b: bytes, pid: str, fid: str) -> Reply:
        return 200, _form_json(self._form(user, pid, fid)), {}

    def form_xml(self, _r: _Handler, user: User, _p: Any, _b: bytes, pid: str, fid: str) -> Reply:
        published = self._form(user, pid, fid).published
        if published is None:
            raise CentralProblem(404, "404.1", "Could not find the resource you were looking for.")
        return 200, published.xml.encode("utf-8"), {"Content-Type": "text/xml"}

    def draft(self, _r: _Handler, user: User, _p: Any, body: bytes, pid: str, fid: str) -> Reply:
        self.central.set_draft(self._form(user, pid, fid), body.decode("utf-8"))
        return 200, {"success": True}, {}

    def publish(
        self, _r: _Handler, user: User, params: dict[str, str], _b: bytes, pid: str, fid: str
    ) -> Reply:
        self.central.publish(self._form(user, pid, fid), params.get("version") or None)
        return 200, {"success": True}, {}

    def versions(self, _r: _Handler, user: User, _p: Any, _b: bytes, pid: str, fid: str) -> Reply:
        form = self._form(user, pid, fid)
        return (
            200,
            [
                {"version": v.version, "publishedAt": v.published_at, "xmlFormId": fid}
                for v in reversed(form.versions)
            ],
            {},
        )

    def version_xml(
        self, _r: _Handler, user: User, _p: Any, _b: bytes, pid: str, fid: str, version: str
    ) -> Reply:
        found = self._form(user, pid, fid).version(version)
        if found is None:
            raise CentralProblem(404, "404.1", "Could not find the resource you were looking for.")
        return 200, found.xml.encode("utf-8"), {"Content-Type": "text/xml"}

    def odata_service(self, *_: Any) -> Reply:
        return (
            200,
            {"value": [{"name": "Submissions", "kind": "EntitySet", "url": "Submissions"}]},
            {},
        )

    def odata(
        self, request: _Handler, user: User, params: dict[str, str], _b: bytes, pid: str, fid: str
    ) -> Reply:
        central = self.central
        form = self._form(user, pid, fid)
        fault = central.faults.next_fault(central.lock)
        central.count_data_request()
        if fault and fault[0] != DROP:
            status, payload, headers = fault
            return status, payload, headers
        wkt = params.get("$wkt") == "true"
        with central.lock:
            page, total, token = listing(form, params, wkt=wkt)
            shapes = self.shapes.setdefault((form.project_id, form.xml_form_id), {})
            rows = [render(form, s, shapes, wkt=wkt) for s in page]
        base = f"/v1/projects/{pid}/forms/{quote(fid)}.svc"
        host = request.headers.get("Host") or "127.0.0.1"
        out: dict[str, Any] = {"@odata.context": f"http://{host}{base}/$metadata#Submissions"}
        if params.get("$count") == "true":
            out["@odata.count"] = total
        if "$select" in params:
            keep = [k.strip() for k in params["$select"].split(",") if k.strip()]
            rows = [_select(row, keep) for row in rows]
        out["value"] = rows
        if token:
            following = {k: v for k, v in params.items() if k not in ("$skip", "$skiptoken")}
            following["$skiptoken"] = token
            out["@odata.nextLink"] = f"http://{host}{base}/Submissions?{urlencode(following)}"
        if fault:  # DROP: the connection is cut mid-body
            raise _Drop(out)
        return 200, out, {}

    def submission(
        self, _r: _Handler, user: User, _p: Any, _b: bytes, pid: str, fid: str, iid: str
    ) -> Reply:
        form = self._form(user, pid, fid)
        sub = form.submissions.get(iid)
        if sub is None or sub.deleted_at is not None:
            raise CentralProblem(404, "404.1", "Could not find the resource you were looking for.")
        return 200, _sub_json(sub), {}

    def review(
        self, _r: _Handler, user: User, _p: Any, body: bytes, pid: str, fid: str, iid: str
    ) -> Reply:
        form = self._form(user, pid, fid)
        state = str(json.loads(body or b"{}").get("reviewState", ""))
        return 200, _sub_json(self.central.review(form, iid, state)), {}

    def delete(
        self, _r: _Handler, user: User, _p: Any, _b: bytes, pid: str, fid: str, iid: str
    ) -> Reply:
        form = self._form(user, pid, fid)
        if not self.central.delete(form, [iid]):
            raise CentralProblem(404, "404.1", "Could not find the resource you were looking for.")
        return 200, {"success": True}, {}

    def comments(
        self, _r: _Handler, user: User, _p: Any, _b: bytes, pid: str, fid: str, iid: str
    ) -> Reply:
        form = self._form(user, pid, fid)
        return (
            200,
            [
                {"body": c.body, "actorId": c.actor_id, "createdAt": c.created_at}
                for c in form.comments.get(iid, [])
            ],
            {},
        )

    def comment(
        self, _r: _Handler, user: User, _p: Any, body: bytes, pid: str, fid: str, iid: str
    ) -> Reply:
        form = self._form(user, pid, fid)
        text = str(json.loads(body or b"{}").get("body", ""))
        made = self.central.comment(form, iid, text, user)
        return 200, {"body": made.body, "actorId": made.actor_id, "createdAt": made.created_at}, {}


def _select(row: dict[str, Any], keep: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keep:
        head, _, tail = key.partition("/")
        if tail and isinstance(row.get(head), dict):
            out.setdefault(head, {})[tail] = row[head].get(tail)
        elif key in row:
            out[key] = row[key]
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: CentralApi) -> None:
        super().__init__(address, _Handler)
        self.api = api


class LocalCentralServer:
    """Serves a LocalCentral on 127.0.0.1 (a free port unless one is given), in a thread."""

    def __init__(self, central: LocalCentral, host: str = "127.0.0.1", port: int = 0) -> None:
        self.central = central
        self.api = CentralApi(central)
        self.httpd = _Server((host, port), self.api)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        central.base_url = self.url

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalCentralServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LocalCentralServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
