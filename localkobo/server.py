"""HTTP front of the local KoboToolbox: routes, auth, paging and faults as the real KPI does."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from localkobo.deploy_routes import DeployRoutes
from localkobo.query import UnsupportedQueryError, matches
from localkobo.store import LocalAsset, LocalKobo

DEFAULT_PAGE = 100
MAX_PAGE = 1000


class ApiError(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _positive_int(value: str | None, default: int, key: str, allow_zero: bool = False) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0 or (number == 0 and not allow_zero):
        message = "A positive integer is required" + ("." if key == "start" else "")
        raise ApiError(400, {key: message})
    return number


def _json_param(params: dict[str, str], key: str) -> Any:
    if key not in params:
        return None
    try:
        return json.loads(params[key])
    except ValueError:
        raise ApiError(400, {key: "Value must be valid JSON."}) from None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

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

    # -- plumbing ------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = self._read_body()
        try:
            route = self.server.api.route(method, parts.path)
            status, payload, headers = route(self, params, body)
            self._send(status, payload, headers)
        except ApiError as exc:
            self._send(exc.status, exc.body, exc.headers)
        except _DropConnectionError as drop:
            self._drop(drop.payload)
        except _RawBodyError as raw:
            self.send_response(200)
            self.send_header("Content-Type", raw.content_type)
            self.send_header("Content-Length", str(len(raw.data)))
            self.end_headers()
            self.wfile.write(raw.data)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _encode(self, payload: Any) -> bytes:
        if payload is None:
            return b""
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = self._encode(payload)
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
        data = self._encode(payload)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True

    def absolute(self, path: str, params: dict[str, Any]) -> str:
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        query = urlencode(sorted((k, str(v)) for k, v in params.items()))
        return f"http://{host}{path}" + (f"?{query}" if query else "")

    def username(self, *, required: bool) -> str | None:
        """The authenticated user; 401 for a bad token, None for an anonymous request."""
        header = self.headers.get("Authorization", "")
        if not header:
            if required:
                raise ApiError(401, {"detail": "Authentication credentials were not provided."})
            return None
        kind, _, key = header.partition(" ")
        user = self.server.api.kobo.user_for(key.strip()) if kind == "Token" else None
        if user is None:
            raise ApiError(401, {"detail": "Invalid token."}, {"WWW-Authenticate": "Session"})
        return user


class _RawBodyError(Exception):
    """Raised by a route that answers with bytes instead of JSON."""

    def __init__(self, data: bytes, content_type: str) -> None:
        super().__init__("raw")
        self.data = data
        self.content_type = content_type


class _DropConnectionError(Exception):
    def __init__(self, payload: Any) -> None:
        super().__init__("drop")
        self.payload = payload


Route = Callable[[_Handler, dict[str, str], bytes], tuple[int, Any, dict[str, str]]]


class KoboApi:
    """The routes. Each returns (status, JSON body, extra headers) or raises ApiError."""

    def __init__(self, kobo: LocalKobo) -> None:
        self.kobo = kobo
        deploys = DeployRoutes(self)
        deployment = re.compile(r"^/api/v2/assets/(?P<uid>\w+)/deployment/?$")
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = [
            ("GET", re.compile(r"^/api/v2/assets/?$"), self.list_assets),
            ("POST", re.compile(r"^/api/v2/assets/?$"), deploys.create_asset),
            ("POST", re.compile(r"^/api/v2/imports/?$"), deploys.create_import),
            ("GET", re.compile(r"^/api/v2/imports/(?P<uid>\w+)/?$"), deploys.import_detail),
            ("GET", deployment, deploys.deployment),
            ("POST", deployment, deploys.deployment),
            ("PATCH", deployment, deploys.deployment),
            ("GET", re.compile(r"^/api/v2/assets/(?P<uid>\w+)/?$"), self.asset_detail),
            ("GET", re.compile(r"^/api/v2/assets/(?P<uid>\w+)/versions/?$"), self.versions),
            (
                "GET",
                re.compile(r"^/api/v2/assets/(?P<uid>\w+)/versions/(?P<vuid>\w+)/?$"),
                self.version_detail,
            ),
            (
                "GET",
                re.compile(r"^/api/v2/assets/(?P<uid>\w+)/data(?P<fmt>\.json)?/?$"),
                self.data_list,
            ),
            (
                "PATCH",
                re.compile(r"^/api/v2/assets/(?P<uid>\w+)/data/validation_statuses/?$"),
                self.bulk_status,
            ),
            ("DELETE", re.compile(r"^/api/v2/assets/(?P<uid>\w+)/data/bulk/?$"), self.bulk_delete),
            (
                "GET",
                re.compile(r"^/api/v2/assets/(?P<uid>\w+)/data/(?P<sid>\d+)/?$"),
                self.data_detail,
            ),
            (
                "GET",
                re.compile(
                    r"^/api/v2/assets/(?P<uid>\w+)/data/(?P<sid>\d+)/attachments/(?P<att>\w+)"
                    r"(?:/(?:large|medium|small))?/?$"
                ),
                self.attachment,
            ),
            (
                "DELETE",
                re.compile(r"^/api/v2/assets/(?P<uid>\w+)/data/(?P<sid>\d+)/?$"),
                self.data_delete,
            ),
            (
                "GET",
                re.compile(r"^/api/v2/assets/(?P<uid>\w+)/data/(?P<sid>\d+)/validation_status/?$"),
                self.status_get,
            ),
            (
                "PATCH",
                re.compile(r"^/api/v2/assets/(?P<uid>\w+)/data/(?P<sid>\d+)/validation_status/?$"),
                self.status_patch,
            ),
        ]

    def route(self, method: str, path: str) -> Route:
        if path.startswith("/api/v1/"):
            detail = (
                "The V1 API has been removed. Please read the migration article at "
                "https://support.kobotoolbox.org/migrating_api.html"
            )
            raise ApiError(410, {"detail": detail})
        allowed = False
        for verb, pattern, handler in self.routes:
            match = pattern.match(path)
            if match:
                allowed = True
                if verb == method:
                    kwargs = match.groupdict()
                    return lambda h, p, b: handler(h, p, b, **kwargs)
        if allowed:
            raise ApiError(405, {"detail": f'Method "{method}" not allowed.'})
        raise ApiError(404, {"detail": "Not found."})

    # -- helpers -------------------------------------------------------------------------

    def _asset(
        self, handler: _Handler, uid: str, needs: str | None = None
    ) -> tuple[LocalAsset, str]:
        """The asset and the user; 404 when the user cannot view it (existence is hidden),
        403 when they can view it but lack the permission `needs` (KOBO-API.md §8)."""
        user = handler.username(required=False)
        asset = self.kobo.assets.get(uid)
        if asset is None or not asset.can_view(user):
            raise ApiError(404, {"detail": "Not found."})
        assert user is not None
        if needs is not None and not asset.can(user, needs):
            raise ApiError(403, {"detail": "You do not have permission to perform this action."})
        return asset, user

    def _asset_json(self, handler: _Handler, asset: LocalAsset, full: bool) -> dict[str, Any]:
        url = handler.absolute(f"/api/v2/assets/{asset.uid}/", {})
        deployed = [v for v in reversed(asset.versions) if v.date_deployed is not False]
        out: dict[str, Any] = {
            "url": url,
            "uid": asset.uid,
            "name": asset.name,
            "kind": "asset",
            "asset_type": asset.asset_type,
            "owner__username": asset.owner,
            "date_created": asset.date_created,
            "date_modified": asset.versions[-1].date_modified if asset.versions else None,
            "date_deployed": deployed[0].date_deployed if deployed else None,
            "version_id": asset.version_id,
            "deployed_version_id": asset.deployed_version_id,
            "has_deployment": asset.deployed,
            "deployment__active": asset.deployed and asset.active,
            "deployment__submission_count": len(asset.submissions) if asset.deployed else 0,
            "deployment__uuid": asset.deployment_uuid if asset.deployed else None,
            "deployment_status": (
                ("deployed" if asset.active else "archived") if asset.deployed else "draft"
            ),
            "data": handler.absolute(f"/api/v2/assets/{asset.uid}/data/", {}),
            "settings": {},
        }
        if full:
            out["content"] = asset.content
            out["version__content_hash"] = (
                asset.versions[-1].content_hash if asset.versions else None
            )
            out["version_count"] = len(asset.versions)
            out["deployed_versions"] = {
                "count": len(deployed),
                "next": None,
                "previous": None,
                "results": [self._version_json(handler, asset, v.uid) for v in deployed],
            }
        return out

    def _version_json(self, handler: _Handler, asset: LocalAsset, vuid: str) -> dict[str, Any]:
        version = asset.version(vuid)
        assert version is not None
        return {
            "uid": version.uid,
            "url": handler.absolute(f"/api/v2/assets/{asset.uid}/versions/{version.uid}/", {}),
            "content_hash": version.content_hash,
            "date_deployed": version.date_deployed,
            "date_modified": version.date_modified,
        }

    def _paginate(
        self, handler: _Handler, path: str, params: dict[str, str], total: int
    ) -> tuple[int, int, str | None, str | None]:
        limit = min(_positive_int(params.get("limit"), DEFAULT_PAGE, "limit"), MAX_PAGE)
        start = _positive_int(params.get("start"), 0, "start", allow_zero=True)
        next_url = previous = None
        if start + limit < total:
            next_url = handler.absolute(path, {**params, "limit": limit, "start": start + limit})
        if start > 0:
            prev = {**params, "limit": limit, "start": max(0, start - limit)}
            if prev["start"] == 0:
                del prev["start"]
            previous = handler.absolute(path, prev)
        return limit, start, next_url, previous

    # -- routes --------------------------------------------------------------------------

    def list_assets(
        self, handler: _Handler, params: dict[str, str], _body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        user = handler.username(required=True)
        with self.kobo.lock:
            visible = [a for a in self.kobo.assets.values() if a.can_view(user)]
            q = params.get("q", "")
            match = re.fullmatch(r"asset_type:(\w+)", q.strip()) if q else None
            if q and not match:
                visible = []  # an unreadable q gives an empty list, not a 400
            elif match:
                visible = [a for a in visible if a.asset_type == match.group(1)]
            path = urlsplit(handler.path).path
            limit, start, next_url, previous = self._paginate(handler, path, params, len(visible))
            results = [self._asset_json(handler, a, False) for a in visible[start : start + limit]]
        body = {"count": len(visible), "next": next_url, "previous": previous, "results": results}
        return 200, body, {}

    def asset_detail(
        self, handler: _Handler, _params: dict[str, str], _body: bytes, uid: str
    ) -> tuple[int, Any, dict[str, str]]:
        with self.kobo.lock:
            asset, _ = self._asset(handler, uid)
            return 200, self._asset_json(handler, asset, True), {}

    def versions(
        self, handler: _Handler, params: dict[str, str], _body: bytes, uid: str
    ) -> tuple[int, Any, dict[str, str]]:
        with self.kobo.lock:
            asset, _ = self._asset(handler, uid)
            items = list(reversed(asset.versions))  # newest first
            if params.get("deployed") == "true":
                items = [v for v in items if v.date_deployed is not False]
            path = urlsplit(handler.path).path
            limit, start, next_url, previous = self._paginate(handler, path, params, len(items))
            results = [
                self._version_json(handler, asset, v.uid) for v in items[start : start + limit]
            ]
        return (
            200,
            {"count": len(items), "next": next_url, "previous": previous, "results": results},
            {},
        )

    def version_detail(
        self, handler: _Handler, _params: dict[str, str], _body: bytes, uid: str, vuid: str
    ) -> tuple[int, Any, dict[str, str]]:
        with self.kobo.lock:
            asset, _ = self._asset(handler, uid)
            version = asset.version(vuid)
            if version is None:
                raise ApiError(404, {"detail": "Not found."})
            body = self._version_json(handler, asset, vuid)
            body["content"] = version.content
        return 200, body, {}

    def _faults(self) -> tuple[int, Any, dict[str, str]] | None:
        """The fault this data request gets, if any: (status, body, headers); -1 drops it."""
        faults = self.kobo.faults
        with self.kobo.lock:
            faults.data_requests += 1
            number = faults.data_requests
            draw = faults.draw()
            kind = faults.script.pop(0) if faults.script else None
        if faults.slow_seconds:
            time.sleep(faults.slow_seconds)
        if kind is None:
            if number in faults.drop_body_requests:
                kind = "drop"
            elif draw < faults.rate_429:
                kind = "429"
            elif draw < faults.rate_429 + faults.rate_502:
                kind = "502"
            elif draw < faults.rate_429 + faults.rate_502 + faults.rate_504:
                kind = "504"
        if kind in (None, "ok"):
            return None
        faults.injected += 1
        if kind == "drop":
            return (-1, None, {})
        if kind == "429":
            detail = "Request was throttled."
            return 429, {"detail": detail}, {"Retry-After": str(faults.retry_after)}
        return int(str(kind)), None, {}

    def data_list(
        self, handler: _Handler, params: dict[str, str], _body: bytes, uid: str, fmt: str | None
    ) -> tuple[int, Any, dict[str, str]]:
        fault = self._faults()
        if fault and fault[0] > 0:
            return fault
        with self.kobo.lock:
            asset, _ = self._asset(handler, uid, "view_submissions")
            if not asset.deployed:
                raise ApiError(400, {"detail": "The specified asset has not been deployed"})
            if "count" in params:
                raise ApiError(400, {"detail": "`count` is not supported"})
            query = _json_param(params, "query") or {}
            sort = _json_param(params, "sort") or {"_id": 1}
            fields = _json_param(params, "fields")
            if not isinstance(query, dict) or not isinstance(sort, dict):
                raise ApiError(400, ["Unsupported query"])
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in sort.values()):
                raise ApiError(400, {"sort": "Sort values must be integers (1 or -1)."})
            docs = list(asset.submissions.values())
            statuses = dict(asset.statuses)
        try:
            if not query:
                selected = docs
            elif "_validation_status" in json.dumps(query):
                selected = [
                    d
                    for d in docs
                    if matches({**d, "_validation_status": statuses.get(d["_id"], {})}, query)
                ]
            else:
                selected = [d for d in docs if matches(d, query)]
        except UnsupportedQueryError:
            raise ApiError(400, ["Unsupported query"]) from None
        for key, direction in reversed(list(sort.items())):
            selected.sort(key=_sort_by(key), reverse=int(direction) < 0)
        path = urlsplit(handler.path).path
        limit, start, next_url, previous = self._paginate(handler, path, params, len(selected))
        with self.kobo.lock:
            page = [self.kobo.rendered(asset, d) for d in selected[start : start + limit]]
        if isinstance(fields, list) and fields:
            keep = set(fields) | {"_id", "_uuid", "meta/rootUuid", "_validation_status"}
            page = [{k: v for k, v in d.items() if k in keep} for d in page]
        body = {"count": len(selected), "next": next_url, "previous": previous, "results": page}
        if fault:  # drop this connection mid-body
            raise _DropConnectionError(body)
        return 200, body, {}

    def data_detail(
        self, handler: _Handler, _params: dict[str, str], _body: bytes, uid: str, sid: str
    ) -> tuple[int, Any, dict[str, str]]:
        with self.kobo.lock:
            asset, _ = self._asset(handler, uid, "view_submissions")
            doc = asset.submissions.get(int(sid))
            if doc is None:
                raise ApiError(404, {"detail": "Not found."})
            return 200, self.kobo.rendered(asset, doc), {}

    def attachment(
        self, handler: _Handler, _params: dict[str, str], _body: bytes, uid: str, sid: str, att: str
    ) -> tuple[int, Any, dict[str, str]]:
        self._asset(handler, uid, "view_submissions")
        data = self.kobo.attachment(uid, int(sid), att)
        if data is None:
            raise ApiError(404, {"detail": "Not found."})
        raise _RawBodyError(data, "image/jpeg")

    def data_delete(
        self, handler: _Handler, _params: dict[str, str], _body: bytes, uid: str, sid: str
    ) -> tuple[int, Any, dict[str, str]]:
        with self.kobo.lock:
            asset, _ = self._asset(handler, uid, "delete_submissions")
            if int(sid) not in asset.submissions:
                raise ApiError(404, {"detail": "Not found."})
            self.kobo.delete_submissions(uid, [int(sid)])
        return 204, None, {}

    def bulk_delete(
        self, handler: _Handler, _params: dict[str, str], body: bytes, uid: str
    ) -> tuple[int, Any, dict[str, str]]:
        with self.kobo.lock:
            asset, _ = self._asset(handler, uid, "delete_submissions")
            ids = _payload(body).get("submission_ids") or []
            if any(int(i) not in asset.submissions for i in ids):
                raise ApiError(400, {"detail": "One or more submission ids are invalid"})
            removed = self.kobo.delete_submissions(uid, [int(i) for i in ids])
        return 200, {"detail": f"{removed} submissions have been deleted"}, {}

    def status_get(
        self, handler: _Handler, _params: dict[str, str], _body: bytes, uid: str, sid: str
    ) -> tuple[int, Any, dict[str, str]]:
        with self.kobo.lock:
            asset, _ = self._asset(handler, uid, "view_submissions")
            if int(sid) not in asset.submissions:
                raise ApiError(404, {"detail": "Not found."})
            return 200, asset.statuses.get(int(sid), {}), {}

    def status_patch(
        self, handler: _Handler, _params: dict[str, str], body: bytes, uid: str, sid: str
    ) -> tuple[int, Any, dict[str, str]]:
        from localkobo.store import VALIDATION_STATUSES

        with self.kobo.lock:
            asset, user = self._asset(handler, uid, "validate_submissions")
            if int(sid) not in asset.submissions:
                raise ApiError(404, {"detail": "Not found."})
            data = json.loads(body or b"{}")
            status_uid = data.get("validation_status.uid")
            if status_uid not in VALIDATION_STATUSES:
                raise ApiError(400, {"detail": f"Invalid validation status: `{status_uid}`"})
            self.kobo.set_status(uid, [int(sid)], status_uid, user)
            return 200, asset.statuses[int(sid)], {}

    def bulk_status(
        self, handler: _Handler, _params: dict[str, str], body: bytes, uid: str
    ) -> tuple[int, Any, dict[str, str]]:
        with self.kobo.lock:
            asset, user = self._asset(handler, uid, "validate_submissions")
            payload = _payload(body)
            if "validation_status.uid" not in payload:
                raise ApiError(400, {"detail": "`validation_status.uid` is required"})
            ids = [int(i) for i in payload.get("submission_ids") or []]
            if payload.get("confirm") is True and not ids:
                ids = list(asset.submissions)
            if any(i not in asset.submissions for i in ids):
                raise ApiError(400, {"detail": "One or more submission ids are invalid"})
            # the real server does not check the uid: an unknown one clears the statuses
            self.kobo.set_status(uid, ids, str(payload["validation_status.uid"]), user)
        return 200, {"detail": f"{len(ids)} submissions have been updated"}, {}


def _payload(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise ApiError(400, {"detail": "Invalid payload"}) from None
    payload = data.get("payload", {}) if isinstance(data, dict) else {}
    if isinstance(payload, str):
        payload = json.loads(payload)
    if not isinstance(payload, dict):
        raise ApiError(400, {"detail": "Invalid payload"})
    return payload


def _sort_by(key: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    def sort_key(doc: dict[str, Any]) -> tuple[int, Any]:
        return _sort_key(doc.get(key))

    return sort_key


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, int | float):
        return (1, value)
    return (2, str(value))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    api: KoboApi


class LocalKoboServer:
    """Serves a LocalKobo on 127.0.0.1 (a free port unless one is given), in a thread."""

    def __init__(self, kobo: LocalKobo, host: str = "127.0.0.1", port: int = 0) -> None:
        self.kobo = kobo
        self.httpd = _Server((host, port), _Handler)
        self.httpd.api = KoboApi(kobo)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
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
