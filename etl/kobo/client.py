"""A KoboToolbox API v2 client: one configured `requests` session per server.

Token auth only (never Basic: it fails under MFA). Retries with exponential backoff on 429
(honouring `Retry-After`), 502/503/504 and dropped connections. Data is paged by following
`next`, never assuming one page, with an explicit sort.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.auth import AuthBase

from etl.kobo.errors import KoboCode, KoboError, KoboUnavailable
from warehouse import jsontext

log = logging.getLogger(__name__)

USER_AGENT = "htsd/0.1 (+https://github.com/htsd; python-requests)"
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_PAGE = 1000


class TokenAuth(AuthBase):
    """`Authorization: Token <key>`; the key never appears in repr or logs."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Token {self._token}"
        return request

    def __repr__(self) -> str:
        return "TokenAuth(***)"


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    pages: int = 0


@dataclass
class Page:
    """One page of the data endpoint."""

    count: int
    results: list[dict[str, Any]]
    next_url: str | None


def base_address(url: str) -> str:
    """The server's address from a URL as pasted from a browser or the API docs: the page
    address (`#/forms`), query, and any path from `/api/` on are dropped, as is a trailing
    slash: `https://kf.kobotoolbox.org/api/v2/` and `https://kf.kobotoolbox.org/#/forms`
    both give `https://kf.kobotoolbox.org`. A server under a sub-path keeps that path."""
    parts = urlsplit(url.strip())
    path = parts.path
    cut = path.find("/api/")
    if cut >= 0 or path.endswith("/api"):
        path = path[: cut if cut >= 0 else len(path) - 4]
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), "", ""))


@dataclass
class KoboClient:
    base_url: str
    token: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    max_retries: int = 6
    backoff: float = 0.5
    max_wait: float = 60.0
    stats: ClientStats = field(default_factory=ClientStats)
    pasted_url: str | None = field(default=None, init=False)
    """The URL as given, when it was trimmed to the server's address (see `base_address`)."""

    def __post_init__(self) -> None:
        given = self.base_url.strip()
        self.base_url = base_address(given)
        if self.base_url != given.rstrip("/"):
            self.pasted_url = given
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise KoboError(
                KoboCode.BAD_URL, where="KOBOTOOLBOX_URL", params={"url": self.base_url}
            )
        if not self.token:
            raise KoboError(KoboCode.NO_TOKEN, where="KOBOTOOLBOX_TOKEN")
        self.session = requests.Session()
        self.session.auth = TokenAuth(self.token)
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})

    @property
    def server(self) -> str:
        """The server's identity, under which its data is stored (`server_identity`)."""
        return server_identity(self.base_url)

    # -- HTTP ----------------------------------------------------------------------------

    def _url(self, path_or_url: str) -> str:
        """Absolute URL on our server. Links from the server keep their path and query but
        always go to the configured base, so the token never travels to another host."""
        if path_or_url.startswith(("http://", "https://")):
            parts = urlsplit(path_or_url)
            base = urlsplit(self.base_url)
            return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
        return self.base_url + "/" + path_or_url.lstrip("/")

    def request(
        self,
        method: str,
        path: str,
        *,
        asset: str = "",
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: Any = None,
        files: Any = None,
        expect_json: bool = True,
    ) -> Any:
        url = self._url(path)
        shown_path = urlsplit(url).path
        attempt = 0
        dropped = 0  # connection failures of this request, counted apart from 429/5xx
        while True:
            attempt += 1
            self.stats.requests += 1
            wait: float | None = None
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    data=data,
                    files=files,
                    timeout=self.timeout,
                )
                if response.status_code in RETRY_STATUSES:
                    wait = self._retry_after(response, attempt)
                    reason = f"HTTP {response.status_code}"
                else:
                    body = response.content  # read the whole body inside the retry loop
                    return self._handle(response, body, asset, shown_path, expect_json)
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                # a refused or dropped connection gets fewer tries than an overloaded server,
                # however many 429/5xx answers came before it
                dropped += 1
                if dropped > min(self.max_retries, 3):
                    raise KoboUnavailable(
                        KoboCode.UNREACHABLE,
                        where=self.server,
                        params={"server": self.server, "detail": type(exc).__name__},
                    ) from None
                wait = self._backoff(attempt)
                reason = type(exc).__name__
            if attempt > self.max_retries:
                raise KoboUnavailable(
                    KoboCode.SERVER_FAILED,
                    where=self.server,
                    params={
                        "server": self.server,
                        "status": reason,
                        "path": shown_path,
                        "attempts": attempt,
                    },
                )
            self.stats.retries += 1
            # pragma: no mutate start (the log line)
            log.info("retrying %s %s after %s (wait %.1fs)", method, shown_path, reason, wait)
            # pragma: no mutate end
            time.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        return float(min(self.max_wait, self.backoff * (2 ** (attempt - 1))))

    def _retry_after(self, response: requests.Response, attempt: int) -> float:
        header = response.headers.get("Retry-After")
        if header:
            try:
                return min(self.max_wait, max(0.0, float(header)))
            except ValueError:
                pass
        return self._backoff(attempt)

    def _handle(
        self,
        response: requests.Response,
        body: bytes,
        asset: str,
        path: str,
        expect_json: bool,
    ) -> Any:
        status = response.status_code
        params: dict[str, Any] = {"server": self.server, "asset": asset or "-", "path": path}
        if status < 300:
            if not expect_json:
                return body
            if not body:
                return None
            try:
                return jsontext.loads(body)
            except ValueError:
                raise KoboError(KoboCode.NOT_JSON, where=self.server, params=params) from None
        detail = _detail(body)
        params["detail"] = detail or f"HTTP {status}"
        if status == 401:
            raise KoboError(KoboCode.TOKEN_REJECTED, where=self.server, params=params)
        if status == 403:
            raise KoboError(KoboCode.FORBIDDEN, where=self.server, params=params)
        if status == 404:
            raise KoboError(KoboCode.NOT_FOUND, where=self.server, params=params)
        if status == 410:
            raise KoboError(KoboCode.API_V1_GONE, where=self.server, params=params)
        if status == 400 and "not been deployed" in detail:
            raise KoboError(KoboCode.NOT_DEPLOYED, where=self.server, params=params)
        if status < 500:
            raise KoboError(KoboCode.BAD_REQUEST, where=self.server, params=params)
        params.update({"status": f"HTTP {status}", "attempts": 1})
        raise KoboUnavailable(KoboCode.SERVER_FAILED, where=self.server, params=params)

    # -- endpoints -----------------------------------------------------------------------

    def check_access(self) -> None:
        """One small request: the server answers and the token is accepted (KOBO4xx/5xx
        otherwise), before any long work."""
        self.request("GET", "/api/v2/assets/", params={"limit": 1, "q": "asset_type:survey"})

    def get_asset(self, uid: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/v2/assets/{uid}/", asset=uid)
        return result

    def _pages(
        self, path: str, params: Mapping[str, Any] | None, asset: str = ""
    ) -> Iterator[Page]:
        """Every page of a paginated list, following `next` until it is null.

        A page that has no results but a `next` link, or a `next` link already followed,
        ends the paging with an error instead of looping."""
        url: str | None = path
        followed: set[str] = set()
        while url:
            body = self.request("GET", url, asset=asset, params=params)
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise KoboError(
                    KoboCode.NOT_JSON,
                    where=self.server,
                    params={"server": self.server, "path": path},
                )
            self.stats.pages += 1
            page = Page(int(body.get("count") or 0), list(body["results"]), body.get("next"))
            yield page
            if page.next_url and (not page.results or page.next_url in followed):
                why = "an empty page" if not page.results else "a link already followed"
                raise KoboError(
                    KoboCode.PAGING_STUCK,
                    where=self.server,
                    params={"path": path, "why": why, "next": page.next_url},
                )
            if page.next_url:
                followed.add(page.next_url)
            url, params = page.next_url, None

    def iter_assets(self, query: str = "asset_type:survey") -> Iterator[dict[str, Any]]:
        for page in self._pages("/api/v2/assets/", {"q": query, "limit": 100}):
            yield from page.results

    def iter_versions(self, uid: str, *, deployed: bool = False) -> Iterator[dict[str, Any]]:
        """The asset's versions, newest first (paginated)."""
        params = {"deployed": "true"} if deployed else None
        for page in self._pages(f"/api/v2/assets/{uid}/versions/", params, asset=uid):
            yield from page.results

    def get_version(self, uid: str, version_uid: str) -> dict[str, Any]:
        """One version with its `content`, to decode submissions collected with it."""
        result: dict[str, Any] = self.request(
            "GET", f"/api/v2/assets/{uid}/versions/{version_uid}/", asset=uid
        )
        return result

    def get_validation_status(self, uid: str, submission_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "GET", f"/api/v2/assets/{uid}/data/{submission_id}/validation_status/", asset=uid
        )
        return result

    def set_validation_status(
        self, uid: str, submission_id: int, status_uid: str
    ) -> dict[str, Any]:
        check_status_uid(status_uid)
        result: dict[str, Any] = self.request(
            "PATCH",
            f"/api/v2/assets/{uid}/data/{submission_id}/validation_status/",
            asset=uid,
            json_body={"validation_status.uid": status_uid},
        )
        return result

    def set_validation_statuses(self, uid: str, submission_ids: list[int], status_uid: str) -> str:
        """Bulk update. The uid is checked first: the server silently clears statuses when it
        does not know the uid (docs/KOBO-API.md §6)."""
        check_status_uid(status_uid)
        body = self.request(
            "PATCH",
            f"/api/v2/assets/{uid}/data/validation_statuses/",
            asset=uid,
            json_body={
                "payload": {"submission_ids": submission_ids, "validation_status.uid": status_uid}
            },
        )
        return str((body or {}).get("detail", ""))

    def download(self, url: str, *, asset: str = "") -> bytes:
        """An attachment's bytes (`download_url` of `_attachments`), with the same token."""
        data: bytes = self.request("GET", url, asset=asset, expect_json=False)
        return data

    def iter_data_pages(
        self,
        uid: str,
        *,
        query: Mapping[str, Any] | None = None,
        fields: list[str] | None = None,
        sort: Mapping[str, int] | None = None,
        limit: int = MAX_PAGE,
    ) -> Iterator[Page]:
        """Every page of `/data/`, following `next` until it is null."""
        first: dict[str, Any] = {
            "format": "json",
            "limit": limit,
            "sort": json.dumps(dict(sort or {"_id": 1}), separators=(",", ":")),
        }
        if query:
            first["query"] = json.dumps(dict(query), separators=(",", ":"))
        if fields:
            first["fields"] = json.dumps(fields, separators=(",", ":"))
        yield from self._pages(f"/api/v2/assets/{uid}/data/", first, asset=uid)


_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


def server_identity(url: str) -> str:
    """One name per server, whatever way its address was written: scheme and host in lower
    case, the scheme's default port dropped, no trailing slash, and `localhost`, `::1` and
    `127.0.0.1` the same host (127.0.0.1), any API path or page address dropped
    (`base_address`). `HTTP://LocalHost:80/api/v2/` → `http://127.0.0.1`."""
    parts = urlsplit(base_address(url))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if host in _LOOPBACK:
        host = "127.0.0.1"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if not scheme or not host:
        return url.strip().rstrip("/")
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), "", ""))


VALIDATION_STATUSES = (
    "validation_status_not_approved",
    "validation_status_approved",
    "validation_status_on_hold",
)


def check_status_uid(status_uid: str) -> None:
    if status_uid not in VALIDATION_STATUSES:
        raise KoboError(
            KoboCode.UNKNOWN_STATUS,
            where="validation_status.uid",
            params={"value": status_uid, "allowed": ", ".join(VALIDATION_STATUSES)},
        )


def _detail(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if isinstance(data, dict):
        for key in ("detail", "error", "limit", "start", "query"):
            if key in data:
                return str(data[key])
        return json.dumps(data, ensure_ascii=False)[:200]
    if isinstance(data, list):
        return "; ".join(str(x) for x in data)[:200]
    return str(data)[:200]
