"""An ODK Central client on pyodk's session: our own paging, timeouts, retries and re-login.

pyodk 1.3 (`pyodk._utils.session.Session`) gives the URL handling and the login
(`POST /v1/sessions`, the bearer token kept in memory only: no cache file is written). What
it lacks is added here: on `http://` it mounts no timeout and no retry, so one adapter with
our timeout is mounted on both schemes and every request goes through one retry loop (429
with `Retry-After`, 502/503/504, dropped connections); a session that has expired (24 h, or
ended by the server) is answered 401 and the client logs in again once and repeats the
request; `@odata.nextLink` is followed by us (pyodk's `get_table` does not), always to the
configured server.

The password lives in the session's auth object only: never in a repr, a log line or an
error (errors carry the account's email, the server and the path).
"""

from __future__ import annotations

import logging
import os
import time
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import requests

from etl.central.errors import CentralCode, CentralError, CentralUnavailable
from etl.kobo.client import server_identity

log = logging.getLogger(__name__)
logging.getLogger("pyodk").setLevel(logging.CRITICAL)  # it logs errors with their traceback

RETRY_STATUSES = frozenset({429, 502, 503, 504})
USER_AGENT = "htsd/0.1 (pyodk)"


@dataclass(frozen=True)
class Credentials:
    """Where and as whom: from the environment, else pyodk's own config file."""

    url: str
    username: str
    password: str = field(repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Credentials:
        """`ODK_CENTRAL_URL`, `ODK_CENTRAL_USERNAME`, `ODK_CENTRAL_PASSWORD`; what is unset
        is read from pyodk's config file (`PYODK_CONFIG_FILE`, else ~/.pyodk_config.toml)
        when it exists. ODK001 naming what is missing."""
        env = os.environ if env is None else env
        values = {
            "url": env.get("ODK_CENTRAL_URL", "").strip(),
            "username": env.get("ODK_CENTRAL_USERNAME", "").strip(),
            "password": env.get("ODK_CENTRAL_PASSWORD", ""),
        }
        if not all(values.values()):
            path = Path(env.get("PYODK_CONFIG_FILE") or Path.home() / ".pyodk_config.toml")
            try:
                central = tomllib.loads(path.read_text(encoding="utf-8")).get("central", {})
            except (OSError, tomllib.TOMLDecodeError):
                central = {}
            if isinstance(central, dict):
                values["url"] = values["url"] or str(central.get("base_url") or "").strip()
                values["username"] = values["username"] or str(central.get("username") or "")
                values["password"] = values["password"] or str(central.get("password") or "")
        missing = [
            name
            for key, name in (
                ("url", "ODK_CENTRAL_URL"),
                ("username", "ODK_CENTRAL_USERNAME"),
                ("password", "ODK_CENTRAL_PASSWORD"),
            )
            if not values[key]
        ]
        if missing:
            raise CentralError(
                CentralCode.NO_CREDENTIALS, where=missing[0], params={"missing": ", ".join(missing)}
            )
        return cls(values["url"], values["username"], values["password"])


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    pages: int = 0
    logins: int = 0


@dataclass
class ODataPage:
    count: int | None
    rows: list[dict[str, Any]]
    next_link: str | None


def base_address(url: str) -> str:
    """The server's address: any `/v1/...` API path, page address and query dropped."""
    parts = urlsplit(url.strip())
    path = parts.path
    cut = path.find("/v1/")
    if cut >= 0:
        path = path[:cut]
    elif path.endswith("/v1"):
        path = path[:-3]
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), "", ""))


class CentralClient:
    """One logged-in connection to a Central server (see the module docstring)."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        timeout: float = 60.0,
        max_retries: int = 6,
        backoff: float = 0.5,
        max_wait: float = 60.0,
    ) -> None:
        self.base_url = base_address(credentials.url)
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CentralError(
                CentralCode.BAD_URL, where="ODK_CENTRAL_URL", params={"url": self.base_url}
            )
        self.username = credentials.username
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.stats = ClientStats()
        # pyodk (half a second to import) is imported only by a command that talks to Central
        from pyodk._utils.session import Adapter, Session

        self.session = Session(
            base_url=self.base_url,
            api_version="v1",
            username=credentials.username,
            password=credentials.password,
            cache_path=None,  # the token stays in memory: never written to a file
        )
        for scheme in ("http://", "https://"):  # pyodk mounts a timeout on https:// only
            self.session.mount(scheme, Adapter(timeout=timeout, max_retries=0))
        self.session.headers.update({"User-Agent": USER_AGENT})
        self._login_counted = False

    def __repr__(self) -> str:
        return f"CentralClient({self.base_url!r}, user={self.username!r})"

    @property
    def server(self) -> str:
        """The server's identity, under which its data is stored."""
        return server_identity(self.base_url)

    # -- HTTP ------------------------------------------------------------------------------

    def _relative(self, path_or_url: str) -> str:
        """A path under /v1/ on our server; a link from the server keeps its path and query
        but always goes to the configured base, so the session never travels elsewhere."""
        if path_or_url.startswith(("http://", "https://")):
            parts = urlsplit(path_or_url)
            path = parts.path
            cut = path.find("/v1/")
            path = path[cut + 4 :] if cut >= 0 else path.lstrip("/")
            return path + (f"?{parts.query}" if parts.query else "")
        return path_or_url.lstrip("/")

    def request(
        self,
        method: str,
        path: str,
        *,
        target: str = "",
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
        raw: bool = False,
    ) -> Any:
        """One call with retries; JSON (or bytes with `raw`), or a CentralError."""
        from pyodk.errors import PyODKError

        relative = self._relative(path)
        shown = "/v1/" + relative.partition("?")[0]
        headers = {"Content-Type": content_type} if content_type else None
        attempt = dropped = relogins = 0
        while True:
            attempt += 1
            self.stats.requests += 1
            had_session = "Authorization" in self.session.headers
            try:
                response = self.session.request(
                    method,
                    relative,
                    params=params,
                    json=json_body,
                    data=data,
                    headers=headers,
                    timeout=self.timeout,
                )
                if not had_session:
                    self.stats.logins += 1
                status = response.status_code
                if status == 401 and had_session and relogins < 2:
                    # the session expired (24 h) or was ended: log in again and repeat
                    relogins += 1
                    self.session.headers.pop("Authorization", None)
                    log.info("session expired; logging in again to %s", self.server)
                    attempt -= 1
                    continue
                if status in RETRY_STATUSES:
                    wait = self._retry_after(response, attempt)
                    reason = f"HTTP {status}"
                else:
                    body = response.content
                    return self._handle(status, body, shown, target, raw)
            except PyODKError as error:  # the login itself failed
                response = error.args[1] if len(error.args) > 1 else None
                status = getattr(response, "status_code", 0)
                if status in RETRY_STATUSES:
                    wait, reason = self._backoff(attempt), f"HTTP {status}"
                elif isinstance(response, requests.Response):
                    self._refused(status, response.content, "/v1/sessions", target, login=True)
                    raise AssertionError("unreachable") from None
                else:
                    raise CentralError(
                        CentralCode.NOT_JSON, where=self.server, params={"path": "/v1/sessions"}
                    ) from None
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                dropped += 1
                if dropped > min(self.max_retries, 3):
                    raise CentralUnavailable(
                        CentralCode.UNREACHABLE,
                        where=self.server,
                        params={"server": self.server, "detail": type(exc).__name__},
                    ) from None
                wait, reason = self._backoff(attempt), type(exc).__name__
            if attempt > self.max_retries:
                raise CentralUnavailable(
                    CentralCode.SERVER_FAILED,
                    where=self.server,
                    params={"status": reason, "path": shown, "attempts": attempt},
                )
            self.stats.retries += 1
            log.info("retrying %s %s after %s (wait %.1fs)", method, shown, reason, wait)
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

    def _handle(self, status: int, body: bytes, path: str, target: str, raw: bool) -> Any:
        if status < 300:
            if raw:
                return body
            if not body:
                return None
            try:
                import json

                return json.loads(body)
            except ValueError:
                raise CentralError(
                    CentralCode.NOT_JSON, where=self.server, params={"path": path}
                ) from None
        self._refused(status, body, path, target)

    def _refused(
        self, status: int, body: bytes, path: str, target: str, *, login: bool = False
    ) -> None:
        code, detail = _problem(body)
        shown = f"{code} {detail}".strip() or f"HTTP {status}"
        where = self.server
        target = target or path
        if status == 401:
            raise CentralError(
                CentralCode.LOGIN_REFUSED,
                where=where,
                params={"user": self.username, "detail": shown},
            )
        if status == 403:
            raise CentralError(
                CentralCode.FORBIDDEN,
                where=where,
                params={"user": self.username, "target": target, "detail": shown},
            )
        if status == 404:
            raise CentralError(CentralCode.NOT_FOUND, where=where, params={"target": target})
        if status == 409 and code == "409.6":
            raise VersionTaken(target)
        if status < 500:
            raise CentralError(
                CentralCode.BAD_REQUEST, where=where, params={"path": path, "detail": shown}
            )
        raise CentralUnavailable(
            CentralCode.SERVER_FAILED,
            where=where,
            params={"status": f"HTTP {status}", "path": path, "attempts": 1},
        )

    # -- endpoints -------------------------------------------------------------------------

    def check_access(self, project_id: int) -> dict[str, Any]:
        """Log in and read the project: ODK401 / ODK403 / ODK404 before any long work."""
        result: dict[str, Any] = self.request(
            "GET", f"projects/{project_id}", target=f"project {project_id}"
        )
        return result

    def get_form(self, project_id: int, form_id: str) -> dict[str, Any]:
        target = f"{project_id}/{form_id}"
        result: dict[str, Any] = self.request(
            "GET", f"projects/{project_id}/forms/{quote(form_id, safe='')}", target=target
        )
        return result

    def form_versions(self, project_id: int, form_id: str) -> list[dict[str, Any]]:
        target = f"{project_id}/{form_id}"
        result: list[dict[str, Any]] = self.request(
            "GET", f"projects/{project_id}/forms/{quote(form_id, safe='')}/versions", target=target
        )
        return result

    def version_xml(self, project_id: int, form_id: str, version: str) -> bytes:
        """The XForm of a published version (`GET .../versions/{v}.xml`)."""
        target = f"{project_id}/{form_id} {version}"
        path = (
            f"projects/{project_id}/forms/{quote(form_id, safe='')}/versions/"
            f"{quote(version, safe='')}.xml"
        )
        data: bytes = self.request("GET", path, target=target, raw=True)
        return data

    def published_xml(self, project_id: int, form_id: str) -> bytes:
        path = f"projects/{project_id}/forms/{quote(form_id, safe='')}.xml"
        data: bytes = self.request("GET", path, target=f"{project_id}/{form_id}", raw=True)
        return data

    def create_form(self, project_id: int, xml: str) -> dict[str, Any]:
        """A new form from XForm XML, left as a draft (published by `publish`)."""
        result: dict[str, Any] = self.request(
            "POST",
            f"projects/{project_id}/forms",
            target=f"project {project_id}",
            params={"publish": "false"},
            data=xml.encode("utf-8"),
            content_type="application/xml",
        )
        return result

    def set_draft(self, project_id: int, form_id: str, xml: str) -> None:
        self.request(
            "POST",
            f"projects/{project_id}/forms/{quote(form_id, safe='')}/draft",
            target=f"{project_id}/{form_id}",
            data=xml.encode("utf-8"),
            content_type="application/xml",
        )

    def publish(self, project_id: int, form_id: str, version: str) -> None:
        """Publish the draft as `version`; VersionTaken (409.6) when it was used before."""
        self.request(
            "POST",
            f"projects/{project_id}/forms/{quote(form_id, safe='')}/draft/publish",
            target=f"{project_id}/{form_id}",
            params={"version": version},
        )

    def set_review_state(self, project_id: int, form_id: str, instance_id: str, state: str) -> None:
        self.request(
            "PATCH",
            f"projects/{project_id}/forms/{quote(form_id, safe='')}/submissions/"
            f"{quote(instance_id, safe='')}",
            target=f"{project_id}/{form_id} {instance_id}",
            json_body={"reviewState": state},
        )

    def add_comment(self, project_id: int, form_id: str, instance_id: str, body: str) -> None:
        self.request(
            "POST",
            f"projects/{project_id}/forms/{quote(form_id, safe='')}/submissions/"
            f"{quote(instance_id, safe='')}/comments",
            target=f"{project_id}/{form_id} {instance_id}",
            json_body={"body": body},
        )

    def iter_pages(
        self,
        project_id: int,
        form_id: str,
        *,
        filter: str | None = None,
        select: str | None = None,
        page_size: int = 1000,
    ) -> Iterator[ODataPage]:
        """Every page of the OData submissions (`$expand=*`, `$count`), newest first,
        following `@odata.nextLink` until there is none. An empty page ends it (Central
        answers a stale `$skiptoken` so): the caller checks the count."""
        target = f"{project_id}/{form_id}"
        url: str | None = f"projects/{project_id}/forms/{quote(form_id, safe='')}.svc/Submissions"
        params: dict[str, Any] = {"$top": page_size, "$count": "true"}
        if select:  # Central refuses $select with $expand (501.11)
            params["$select"] = select
        else:
            params["$expand"] = "*"
        if filter:
            params["$filter"] = filter
        followed: set[str] = set()
        first: dict[str, Any] | None = params
        while url:
            body = self.request("GET", url, target=target, params=first)
            if not isinstance(body, dict) or not isinstance(body.get("value"), list):
                raise CentralError(CentralCode.NOT_JSON, where=self.server, params={"path": target})
            self.stats.pages += 1
            count = body.get("@odata.count")
            link = body.get("@odata.nextLink")
            page = ODataPage(int(count) if count is not None else None, list(body["value"]), link)
            yield page
            if not page.rows or not link or link in followed:
                return
            followed.add(link)
            url, first = link, None


class VersionTaken(CentralError):  # noqa: N818 - reads as what happened
    """Central refused to publish a version it has published before (409.6)."""

    def __init__(self, target: str, version: str = "") -> None:
        super().__init__(
            CentralCode.VERSION_TAKEN, where=target, params={"target": target, "version": version}
        )


def _problem(body: bytes) -> tuple[str, str]:
    """Central's problem body `{"code": 409.6, "message": ...}` → (code, message)."""
    import json

    try:
        data = json.loads(body)
    except ValueError:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    code = data.get("code")
    return (str(code) if code is not None else ""), str(data.get("message") or "")[:200]
