"""The read side of the API and the submission routes, as the real KoboToolbox (KPI) answers.

`KoboApi` maps a method and path to a route (410 for API v1, 405 for a known path with
another method, 404 otherwise). Routes: the asset list (`q=asset_type:<type>`), asset
detail, versions, the data endpoint (Mongo-style `query` through `localkobo.query`, `sort`,
`fields`, paging by `limit`/`start` with absolute `next`/`previous`, faults from
`localkobo.faults`), one submission, its attachments, deleting (one or in bulk) and
validation statuses (one or in bulk; each request received is recorded in the store's
`status_requests`). The create, import and deployment routes come from
`localkobo.deploy_routes`.

Paging follows KPI: `limit` defaults to 100 and is clamped to 1000 without a word, a
`limit` of 0 or less is 400; `next` and `previous` carry every parameter, sorted.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from localkobo.api import ApiError, DropConnectionError, RawBodyError, Reply, Request, Route
from localkobo.deploy_routes import DeployRoutes
from localkobo.faults import DROP, HTML, NEXT_AWAY, SHORT
from localkobo.query import UnsupportedQueryError, matches
from localkobo.store import INJECTED, VALIDATION_STATUSES, LocalKobo
from localkobo.views import NOT_FOUND, asset_json, username, version_json, visible_asset

DEFAULT_PAGE = 100
MAX_PAGE = 1000


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


class KoboApi:
    """The routes over one LocalKobo. Each returns a Reply or raises ApiError (or one of
    the other signals of `localkobo.api`)."""

    def __init__(self, kobo: LocalKobo) -> None:
        self.kobo = kobo
        deploys = DeployRoutes(kobo)
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
                    return lambda request, params, body: handler(request, params, body, **kwargs)
        if allowed:
            raise ApiError(405, {"detail": f'Method "{method}" not allowed.'})
        raise ApiError(404, NOT_FOUND)

    # -- helpers -------------------------------------------------------------------------

    def _paginate(
        self, request: Request, path: str, params: dict[str, str], total: int
    ) -> tuple[int, int, str | None, str | None]:
        limit = min(_positive_int(params.get("limit"), DEFAULT_PAGE, "limit"), MAX_PAGE)
        limit = min(limit, self.kobo.faults.page_cap or MAX_PAGE)
        start = _positive_int(params.get("start"), 0, "start", allow_zero=True)
        next_url = previous = None
        if start + limit < total:
            next_url = request.absolute(path, {**params, "limit": limit, "start": start + limit})
        if start > 0:
            prev = {**params, "limit": limit, "start": max(0, start - limit)}
            if prev["start"] == 0:
                del prev["start"]
            previous = request.absolute(path, prev)
        return limit, start, next_url, previous

    # -- routes --------------------------------------------------------------------------

    def list_assets(self, request: Request, params: dict[str, str], _body: bytes) -> Reply:
        user = username(self.kobo, request, required=True)
        with self.kobo.lock:
            visible = [a for a in self.kobo.assets.values() if a.can_view(user)]
            q = params.get("q", "")
            match = re.fullmatch(r"asset_type:(\w+)", q.strip()) if q else None
            if q and not match:
                visible = []  # an unreadable q gives an empty list, not a 400
            elif match:
                visible = [a for a in visible if a.asset_type == match.group(1)]
            path = urlsplit(request.path).path
            limit, start, next_url, previous = self._paginate(request, path, params, len(visible))
            results = [asset_json(request, a, False) for a in visible[start : start + limit]]
        body = {"count": len(visible), "next": next_url, "previous": previous, "results": results}
        return 200, body, {}

    def asset_detail(
        self, request: Request, _params: dict[str, str], _body: bytes, uid: str
    ) -> Reply:
        with self.kobo.lock:
            asset, _ = visible_asset(self.kobo, request, uid)
            return 200, asset_json(request, asset, True), {}

    def versions(self, request: Request, params: dict[str, str], _body: bytes, uid: str) -> Reply:
        with self.kobo.lock:
            asset, _ = visible_asset(self.kobo, request, uid)
            items = list(reversed(asset.versions))  # newest first
            if params.get("deployed") == "true":
                items = [v for v in items if v.date_deployed is not False]
            path = urlsplit(request.path).path
            limit, start, next_url, previous = self._paginate(request, path, params, len(items))
            results = [version_json(request, asset, v.uid) for v in items[start : start + limit]]
        return (
            200,
            {"count": len(items), "next": next_url, "previous": previous, "results": results},
            {},
        )

    def version_detail(
        self, request: Request, _params: dict[str, str], _body: bytes, uid: str, vuid: str
    ) -> Reply:
        with self.kobo.lock:
            asset, _ = visible_asset(self.kobo, request, uid)
            version = asset.version(vuid)
            if version is None:
                raise ApiError(404, NOT_FOUND)
            body = version_json(request, asset, vuid)
            body["content"] = version.content
        return 200, body, {}

    def data_list(
        self, request: Request, params: dict[str, str], _body: bytes, uid: str, fmt: str | None
    ) -> Reply:
        fault = self.kobo.faults.next_fault(self.kobo.lock)
        if fault and fault[0] > 0:
            return fault
        if fault and fault[0] == HTML:
            raise RawBodyError(_HTML_ERROR, "text/html; charset=utf-8")
        with self.kobo.lock:
            asset, _ = visible_asset(self.kobo, request, uid, "view_submissions")
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
            indexed = _by_id_index(asset.submissions, query, sort)
            if indexed is not None:  # as MongoDB's index on _id serves it: no scan
                docs = indexed
                query = {}
                sort = {}
            else:
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
        path = urlsplit(request.path).path
        limit, start, next_url, previous = self._paginate(request, path, params, len(selected))
        keep = None
        if isinstance(fields, list) and fields:
            keep = set(fields) | {"_id", "_uuid", "meta/rootUuid", "_validation_status"}
        with self.kobo.lock:
            if keep is not None and not keep & INJECTED:  # projected as MongoDB would
                wanted = [k for k in dict.fromkeys(["_id", *map(str, fields)]) if k in keep]
                wanted += [k for k in ("_uuid", "meta/rootUuid") if k not in wanted]
                page = [
                    {k: d[k] for k in wanted if k in d}
                    | {"_validation_status": statuses.get(d["_id"], {})}
                    for d in selected[start : start + limit]
                ]
            else:
                page = [self.kobo.rendered(asset, d) for d in selected[start : start + limit]]
                if keep is not None:
                    page = [{k: v for k, v in d.items() if k in keep} for d in page]
        if fault and fault[0] == SHORT and page:
            del page[len(page) // 2]  # `count` and `next` unchanged
        if fault and fault[0] == NEXT_AWAY and next_url:
            parts = urlsplit(next_url)
            next_url = parts._replace(netloc=self.kobo.faults.away_host).geturl()
        body = {"count": len(selected), "next": next_url, "previous": previous, "results": page}
        if fault and fault[0] == DROP:  # cut this connection mid-body
            raise DropConnectionError(body)
        return 200, body, {}

    def data_detail(
        self, request: Request, _params: dict[str, str], _body: bytes, uid: str, sid: str
    ) -> Reply:
        with self.kobo.lock:
            asset, _ = visible_asset(self.kobo, request, uid, "view_submissions")
            doc = asset.submissions.get(int(sid))
            if doc is None:
                raise ApiError(404, NOT_FOUND)
            return 200, self.kobo.rendered(asset, doc), {}

    def attachment(
        self, request: Request, _params: dict[str, str], _body: bytes, uid: str, sid: str, att: str
    ) -> Reply:
        visible_asset(self.kobo, request, uid, "view_submissions")
        data = self.kobo.attachment(uid, int(sid), att)
        if data is None:
            raise ApiError(404, NOT_FOUND)
        raise RawBodyError(data, "image/jpeg")

    def data_delete(
        self, request: Request, _params: dict[str, str], _body: bytes, uid: str, sid: str
    ) -> Reply:
        with self.kobo.lock:
            asset, _ = visible_asset(self.kobo, request, uid, "delete_submissions")
            if int(sid) not in asset.submissions:
                raise ApiError(404, NOT_FOUND)
            self.kobo.delete_submissions(uid, [int(sid)])
        return 204, None, {}

    def bulk_delete(
        self, request: Request, _params: dict[str, str], body: bytes, uid: str
    ) -> Reply:
        with self.kobo.lock:
            asset, _ = visible_asset(self.kobo, request, uid, "delete_submissions")
            ids = _payload(body).get("submission_ids") or []
            if any(int(i) not in asset.submissions for i in ids):
                raise ApiError(400, {"detail": "One or more submission ids are invalid"})
            removed = self.kobo.delete_submissions(uid, [int(i) for i in ids])
        return 200, {"detail": f"{removed} submissions have been deleted"}, {}

    def status_get(
        self, request: Request, _params: dict[str, str], _body: bytes, uid: str, sid: str
    ) -> Reply:
        with self.kobo.lock:
            asset, _ = visible_asset(self.kobo, request, uid, "view_submissions")
            if int(sid) not in asset.submissions:
                raise ApiError(404, NOT_FOUND)
            return 200, asset.statuses.get(int(sid), {}), {}

    def status_patch(
        self, request: Request, _params: dict[str, str], body: bytes, uid: str, sid: str
    ) -> Reply:
        with self.kobo.lock:
            asset, user = visible_asset(self.kobo, request, uid, "validate_submissions")
            if int(sid) not in asset.submissions:
                raise ApiError(404, NOT_FOUND)
            data = json.loads(body or b"{}")
            status_uid = data.get("validation_status.uid")
            self.kobo.record_status_request(uid, [int(sid)], status_uid, user, bulk=False)
            if status_uid not in VALIDATION_STATUSES:
                raise ApiError(400, {"detail": f"Invalid validation status: `{status_uid}`"})
            self.kobo.set_status(uid, [int(sid)], status_uid, user)
            return 200, asset.statuses[int(sid)], {}

    def bulk_status(
        self, request: Request, _params: dict[str, str], body: bytes, uid: str
    ) -> Reply:
        with self.kobo.lock:
            asset, user = visible_asset(self.kobo, request, uid, "validate_submissions")
            payload = _payload(body)
            ids = [int(i) for i in payload.get("submission_ids") or []]
            sent = payload.get("validation_status.uid")
            self.kobo.record_status_request(
                uid, ids, None if sent is None else str(sent), user, bulk=True
            )
            if "validation_status.uid" not in payload:
                raise ApiError(400, {"detail": "`validation_status.uid` is required"})
            if payload.get("confirm") is True and not ids:
                ids = list(asset.submissions)
            if any(i not in asset.submissions for i in ids):
                raise ApiError(400, {"detail": "One or more submission ids are invalid"})
            # the real server does not check the uid: an unknown one clears the statuses
            self.kobo.set_status(uid, ids, str(payload["validation_status.uid"]), user)
        return 200, {"detail": f"{len(ids)} submissions have been updated"}, {}


_HTML_ERROR = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    b"<h1>502 Bad Gateway</h1><p>nginx</p></body></html>"
)


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


_ID_OPERATORS = {"$gt": bisect.bisect_right, "$gte": bisect.bisect_left}


def _by_id_index(
    submissions: Mapping[int, dict[str, Any]], query: Any, sort: Any
) -> list[dict[str, Any]] | None:
    """The submissions a query on `_id` alone selects, in `_id` order, read as an index
    would (a real server asks MongoDB, whose `_id` index answers a keyset page without a
    scan): no query, `{"_id": {"$gt" | "$gte": n}}` or `{"_id": {"$in": [...]}}`, sorted on
    `_id`. None for any other query or sort (the general path)."""
    if sort not in ({"_id": 1}, {"_id": -1}):
        return None
    ids = sorted(submissions)
    if query:
        spec = query.get("_id") if isinstance(query, dict) and len(query) == 1 else None
        if not isinstance(spec, dict) or len(spec) != 1:
            return None
        ((op, target),) = spec.items()
        if op in _ID_OPERATORS and isinstance(target, int) and not isinstance(target, bool):
            ids = ids[_ID_OPERATORS[op](ids, target) :]
        elif (
            op == "$in"
            and isinstance(target, list)
            and all(isinstance(i, int) and not isinstance(i, bool) for i in target)
        ):
            wanted = set(target)
            ids = [i for i in ids if i in wanted]
        else:
            return None
    if sort == {"_id": -1}:
        ids.reverse()
    return [submissions[i] for i in ids]


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
