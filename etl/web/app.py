"""`htsd web`: the review queue, submission pages, sync and validation status and the live
committee report, server-rendered (Starlette, Jinja2 with autoescaping; no JavaScript).

Every page reads and writes through the library the command line uses (etl.pipeline,
validation.queue, warehouse.users): a decision here is `pipeline.review`, the report is
`pipeline.committee_data` rendered by the report's own HTML renderer.

Guards, in order, on every request (etl/web/auth.py): the session cookie (expired or unknown
→ the sign-in page), the role (403 before anything is read), a POST's CSRF token (403), the
district scope of a submission (404: another district's submission is not confirmed to
exist). Every view of a submission page and every decision is written to the audit log.
Pages carry a Content-Security-Policy that allows no script at all.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from etl import pipeline
from etl.web.auth import (
    ADMINISTER,
    READ_REPORTS,
    REVIEW,
    LoginLimiter,
    in_scope,
    login_keys,
    may,
    same_token,
)
from forms.errors import HtsdError
from forms.reference import Reference
from forms.text import Text
from validation.queue import FACETS, QueueFilters, queue_page
from validation.review import ACCEPT, REJECT
from warehouse import users
from warehouse.runlog import recent_runs
from warehouse.users import Session, User

log = logging.getLogger(__name__)

SESSION_COOKIE = "htsd_session"
LOGIN_CSRF_COOKIE = "htsd_login_csrf"
LANG_COOKIE = "htsd_lang"
PER_PAGE = 25
YEARS = range(2014, 2036)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; "
        "base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class WebSettings:
    """How the app runs: the session lifetime, the KoboToolbox server sync pulls from."""

    session_hours: float = users.SESSION_HOURS
    kobo_url: str = ""
    kobo_token: str | None = field(default=None, repr=False)
    assets: Mapping[str, str] = field(default_factory=dict)  # [kobo.assets]
    default_lang: str = "vi"


@dataclass
class Ctx:
    """One request as a page handler sees it."""

    request: Request
    lang: str
    address: str | None
    session: Session | None = None
    form: dict[str, str] = field(default_factory=dict)

    @property
    def user(self) -> User:
        assert self.session is not None
        return self.session.user


Handler = Callable[[Ctx], Response]


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("etl.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["urlencode"] = urlencode
    return env


class WebApp:
    """The app's state: the warehouse, settings, the sign-in limiter, the templates."""

    def __init__(self, engine: Engine, settings: WebSettings) -> None:
        self.engine = engine
        self.settings = settings
        self.limiter = LoginLimiter()
        self.templates = _environment()
        self._districts: dict[str, Text] | None = None

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def districts(self) -> dict[str, Text]:
        if self._districts is None:
            self._districts = {d.code: d.label for d in Reference.load().districts}
        return self._districts

    def render(self, ctx: Ctx, template: str, status: int = 200, **values: Any) -> Response:
        lang = ctx.lang

        def t(vi: str, en: str) -> str:
            return en if lang == "en" else vi

        def lang_url(code: str) -> str:
            kept = [(k, v) for k, v in ctx.request.query_params.multi_items() if k != "lang"]
            return f"{ctx.request.url.path}?{urlencode([*kept, ('lang', code)])}"

        def district_name(code: str) -> str:
            label = self.districts.get(code)
            return f"{code} {label.get(lang)}" if label else code

        page = self.templates.get_template(template).render(
            lang=lang,
            t=t,
            tx=lambda text: text.get(lang) if isinstance(text, Text) else text,
            user=ctx.session.user if ctx.session else None,
            csrf=ctx.session.csrf_token if ctx.session else "",
            path=ctx.request.url.path,
            district_name=district_name,
            lang_url=lang_url,
            **values,
        )
        return HTMLResponse(page, status_code=status)

    def refuse(self, ctx: Ctx, status: int) -> Response:
        return self.render(ctx, "refused.html.j2", status=status, status_code=status)

    def error_page(self, ctx: Ctx, error: HtsdError, status: int = 400) -> Response:
        word = "Error" if ctx.lang == "en" else "Lỗi"
        return self.render(
            ctx,
            "refused.html.j2",
            status=status,
            status_code=status,
            line=f"{word} {error.render(ctx.lang)}",
        )

    def with_db(self, body: Callable[[Any], Any]) -> Any:
        with self.engine.begin() as conn:
            return body(conn)

    def audit(self, ctx: Ctx, action: str, target: str = "", detail: str = "") -> None:
        name = ctx.session.user.username if ctx.session else ctx.form.get("username", "?")
        self.with_db(lambda c: users.audit(c, name, action, target, detail, ctx.address))

    # -- the request wrapper -----------------------------------------------------------------

    def page(
        self, allowed: frozenset[str] | None, handler: Handler
    ) -> Callable[[Request], Awaitable[Response]]:
        """An endpoint: session → role → CSRF (POST) → `handler` in a worker thread.
        `allowed` None: open to anyone (the sign-in page)."""

        async def endpoint(request: Request) -> Response:
            form: dict[str, str] = {}
            if request.method == "POST":
                data = await request.form()
                form = {k: v for k, v in data.items() if isinstance(v, str)}
            response: Response = await run_in_threadpool(
                self._handle, request, form, allowed, handler
            )
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return endpoint

    def _lang(self, request: Request) -> str:
        chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
        return chosen if chosen in ("vi", "en") else self.settings.default_lang

    def _handle(
        self,
        request: Request,
        form: dict[str, str],
        allowed: frozenset[str] | None,
        handler: Handler,
    ) -> Response:
        address = request.client.host if request.client else None
        ctx = Ctx(request, self._lang(request), address, form=form)
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            ctx.session = self.with_db(lambda c: users.find_session(c, token))
        if allowed is not None:
            if ctx.session is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
            if not may(ctx.session.user, allowed):
                return self.refuse(ctx, 403)
            if request.method == "POST" and not same_token(
                form.get("csrf"), ctx.session.csrf_token
            ):
                return self.refuse(ctx, 403)
        try:
            response = handler(ctx)
        except HtsdError as error:
            response = self.error_page(ctx, error)
        except Exception:  # a fault of ours: logged for the operator, one page for the user
            log.exception("%s %s failed", request.method, request.url.path)
            response = self.refuse(ctx, 500)
        if request.query_params.get("lang") in ("vi", "en"):
            response.set_cookie(
                LANG_COOKIE, ctx.lang, max_age=365 * 86400, samesite="lax", httponly=True
            )
        return response

    # -- signing in and out ------------------------------------------------------------------

    def login(self, ctx: Ctx) -> Response:
        request = ctx.request
        next_url = _local(ctx.form.get("next") or request.query_params.get("next") or "/")
        if request.method == "GET":
            csrf = secrets.token_urlsafe(32)
            response = self.render(ctx, "login.html.j2", login_csrf=csrf, next_url=next_url)
            response.set_cookie(
                LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=_https(request)
            )
            return response
        if not same_token(ctx.form.get("csrf"), request.cookies.get(LOGIN_CSRF_COOKIE)):
            return self.refuse(ctx, 403)
        username = ctx.form.get("username", "").strip().lower()
        keys = login_keys(username, ctx.address)
        if self.limiter.blocked(keys):  # refused without the password being checked
            self.audit(ctx, users.SIGN_IN_REFUSED, username, "rate limit")
            return self.render(
                ctx,
                "login.html.j2",
                status=429,
                login_csrf=ctx.form.get("csrf", ""),
                next_url=next_url,
                problem="limited",
            )
        password = ctx.form.get("password", "")

        def check(conn: Any) -> tuple[str, Session] | None:
            user = users.authenticate(conn, username, password)
            if user is None:
                return None
            return users.start_session(
                conn, user, hours=self.settings.session_hours, address=ctx.address
            )

        started = self.with_db(check)
        if started is None:
            self.limiter.failed(keys)
            self.audit(ctx, users.SIGN_IN_REFUSED, username, "wrong password")
            return self.render(
                ctx,
                "login.html.j2",
                status=401,
                login_csrf=ctx.form.get("csrf", ""),
                next_url=next_url,
                problem="wrong",
            )
        self.limiter.succeeded(keys)
        token, session = started
        ctx.session = session
        self.audit(ctx, users.SIGN_IN, username)
        if next_url == "/":
            next_url = "/queue" if may(session.user, REVIEW) else "/reports"
        response = RedirectResponse(next_url, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(self.settings.session_hours * 3600),
            httponly=True,
            samesite="lax",
            secure=_https(request),
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    def logout(self, ctx: Ctx) -> Response:
        token = ctx.request.cookies.get(SESSION_COOKIE, "")
        self.audit(ctx, users.SIGN_OUT)
        self.with_db(lambda c: users.end_session(c, token))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    def home(self, ctx: Ctx) -> Response:
        return RedirectResponse("/queue" if may(ctx.user, REVIEW) else "/reports", status_code=303)

    # -- the review queue --------------------------------------------------------------------

    def queue(self, ctx: Ctx) -> Response:
        params = ctx.request.query_params
        chosen = {name: (params.get(name) or "").strip() or None for name in FACETS}
        dates = {name: _date(params.get(name)) for name in ("date_from", "date_to")}
        bad_dates = [n for n in dates if params.get(n) and dates[n] is None]
        filters = QueueFilters(**chosen, **dates)  # type: ignore[arg-type]
        page = _int(params.get("page"), 1)
        scope = () if ctx.user.role == users.ADMIN else ctx.user.districts
        items = pipeline.review_queue(self.engine)
        shown = queue_page(items, filters, scope=scope, page=page, per_page=PER_PAGE)
        return self.render(
            ctx,
            "queue.html.j2",
            result=shown,
            filters=filters.as_dict(),
            facets=FACETS,
            bad_dates=bad_dates,
            page_url=lambda n: "/queue?" + urlencode({**filters.as_dict(), "page": n}),
            facet_url=lambda name, value: (
                "/queue?"
                + urlencode(
                    {
                        **{k: v for k, v in filters.as_dict().items() if k != name},
                        **({name: value} if value else {}),
                    }
                )
            ),
        )

    # -- a submission ------------------------------------------------------------------------

    def _submission(self, ctx: Ctx) -> tuple[pipeline.SubmissionPage | None, str, int]:
        uid = ctx.request.path_params["asset_uid"]
        kobo_id = _int(ctx.request.path_params["kobo_id"], -1)
        server = next((s for s, u in pipeline.stored_assets(self.engine) if u == uid), None)
        found = pipeline.submission(self.engine, server, uid, kobo_id) if server else None
        if found is None or not in_scope(ctx.user, found.view.district):
            return None, uid, kobo_id
        return found, uid, kobo_id

    def submission(self, ctx: Ctx) -> Response:
        found, uid, kobo_id = self._submission(ctx)
        if found is None:
            return self.refuse(ctx, 404)
        shown = sorted({a.pii for a in found.view.answers if a.pii and a.value})
        shown += sorted(
            {a.pii for t in found.view.repeats for r in t.rows for a in r if a.pii and a.value}
            - set(shown)
        )
        self.audit(ctx, users.VIEW_SUBMISSION, f"{uid}/{kobo_id}", "pii: " + ",".join(shown))
        by_field: dict[str, list[dict[str, Any]]] = {}
        for finding in found.findings:
            by_field.setdefault(finding["field_path"], []).append(finding)
        return self.render(
            ctx,
            "submission.html.j2",
            page=found,
            view=found.view,
            by_field=by_field,
            placed={a.path for a in found.view.answers}
            | {t.path for t in found.view.repeats}
            | {c.path for t in found.view.repeats for c in t.columns},
            message=ctx.request.query_params.get("done"),
        )

    def decide(self, ctx: Ctx) -> Response:
        found, uid, kobo_id = self._submission(ctx)
        if found is None:
            return self.refuse(ctx, 404)
        decision = ctx.form.get("decision")
        if decision not in (ACCEPT, REJECT):
            return self.refuse(ctx, 400)
        view = found.view
        result = pipeline.review(
            self.engine,
            kobo_id,
            decision,
            ctx.form.get("reason", ""),
            ctx.user.username,
            [(view.server, view.asset_uid)],
        )
        self.audit(ctx, users.DECISION, f"{uid}/{kobo_id}", f"{decision}: {result.reason}")
        return RedirectResponse(f"/submissions/{uid}/{kobo_id}?done={decision}", status_code=303)

    # -- sync and validation status ----------------------------------------------------------

    def status(self, ctx: Ctx) -> Response:
        data = pipeline.status(self.engine)
        runs = recent_runs(self.engine, ("sync", "validate", "import", "review", "rebuild"), 15)
        scope = () if ctx.user.role == users.ADMIN else ctx.user.districts
        held = queue_page(pipeline.review_queue(self.engine), QueueFilters(), scope=scope)
        return self.render(
            ctx,
            "status.html.j2",
            assets=data.get("assets", {}),
            runs=runs,
            held=held,
            message=ctx.request.query_params.get("done"),
        )

    def run(self, ctx: Ctx) -> Response:
        what = ctx.request.path_params["what"]
        if what == "validate":
            done = pipeline.validate(self.engine, pipeline.stored_assets(self.engine))
            detail = f"run {done.run_id}"
        elif what == "sync":
            from etl.kobo.client import KoboClient

            settings = self.settings
            client = KoboClient(settings.kobo_url, settings.kobo_token)
            uids = pipeline.resolve_assets(self.engine, settings.kobo_url, [], settings.assets)
            synced = pipeline.sync(self.engine, client, uids)
            detail = f"run {synced.run_id}"
        else:
            return self.refuse(ctx, 404)
        self.audit(ctx, users.RUN, what, detail)
        return RedirectResponse(f"/status?done={what}", status_code=303)

    # -- the committee's report --------------------------------------------------------------

    def _year(self, ctx: Ctx) -> int:
        year = _int(ctx.request.query_params.get("year"), dt.date.today().year - 1)
        return year if year in YEARS else dt.date.today().year - 1

    def _report_lang(self, ctx: Ctx) -> str:
        chosen = ctx.request.query_params.get("report_lang")
        return chosen if chosen in ("vi", "en") else ctx.lang

    def reports(self, ctx: Ctx) -> Response:
        year, report_lang = self._year(ctx), self._report_lang(ctx)
        query = urlencode({"year": year, "report_lang": report_lang})
        return self.render(
            ctx,
            "reports.html.j2",
            year=year,
            years=YEARS,
            report_lang=report_lang,
            report_query=query,
        )

    def report_page(self, ctx: Ctx) -> Response:
        from warehouse.report.html import render_html

        data = pipeline.committee_data(self.engine, self._year(ctx))
        return HTMLResponse(render_html(data, self._report_lang(ctx)))

    def report_file(self, ctx: Ctx) -> Response:
        kind = ctx.request.path_params["kind"]
        if kind not in ("pdf", "xlsx"):
            return self.refuse(ctx, 404)
        year, report_lang = self._year(ctx), self._report_lang(ctx)
        with tempfile.TemporaryDirectory(prefix="htsd-web-") as folder:
            written = pipeline.report(
                self.engine, year, Path(folder), lang=report_lang, pdf=kind == "pdf"
            )
            path = written.files.pdf if kind == "pdf" else written.files.xlsx
            assert path is not None
            content = path.read_bytes()
            name = path.name
        self.audit(ctx, users.DOWNLOAD, name)
        media = (
            "application/pdf"
            if kind == "pdf"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        return Response(
            content,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # -- administration ----------------------------------------------------------------------

    def audit_page(self, ctx: Ctx) -> Response:
        params = ctx.request.query_params
        page = max(1, _int(params.get("page"), 1))
        action = params.get("action") or None
        total, rows = self.with_db(
            lambda c: users.audit_log(c, limit=100, offset=(page - 1) * 100, action=action)
        )
        listed = self.with_db(users.list_users)
        return self.render(
            ctx, "audit.html.j2", total=total, rows=rows, page=page, action=action, people=listed
        )

    def routes(self) -> list[Route]:
        return [
            Route("/", self.page(READ_REPORTS, self.home)),
            Route("/login", self.page(None, self.login), methods=["GET", "POST"]),
            Route("/logout", self.page(READ_REPORTS, self.logout), methods=["POST"]),
            Route("/queue", self.page(REVIEW, self.queue)),
            Route("/submissions/{asset_uid}/{kobo_id}", self.page(REVIEW, self.submission)),
            Route(
                "/submissions/{asset_uid}/{kobo_id}/decision",
                self.page(REVIEW, self.decide),
                methods=["POST"],
            ),
            Route("/status", self.page(REVIEW, self.status)),
            Route("/status/{what}", self.page(REVIEW, self.run), methods=["POST"]),
            Route("/reports", self.page(READ_REPORTS, self.reports)),
            Route("/reports/view", self.page(READ_REPORTS, self.report_page)),
            Route("/reports/download/{kind}", self.page(READ_REPORTS, self.report_file)),
            Route("/audit", self.page(ADMINISTER, self.audit_page)),
        ]


def _https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (behind a trusted proxy: its
    X-Forwarded-Proto, as uvicorn reads it for the addresses of --forwarded-allow-ips)."""
    return request.url.scheme == "https"


def _local(target: str) -> str:
    """A redirect target on this site only."""
    local = target.startswith("/") and target[1:2] not in ("/", "\\")
    return target if local and "\n" not in target and "\r" not in target else "/"


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or "")
    except ValueError:
        return default


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


def create_app(engine: Engine, settings: WebSettings | None = None) -> Starlette:
    """The web app over a migrated warehouse."""
    app = WebApp(engine, settings or WebSettings())
    return Starlette(routes=app.routes())
