"""What every command shares: the App context, the one error catcher, JSON output."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from etl import pipeline
from etl.central.client import CentralClient, Credentials
from etl.central.errors import CentralCode
from etl.commands import i18n, render
from etl.commands.i18n import option
from etl.config import Settings
from etl.kobo.client import KoboClient
from etl.pipeline import Engine
from forms.errors import HtsdError
from forms.text import Text
from warehouse.db import database_error, redact_url

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

EXIT_ERROR = 1  # something a person must fix
EXIT_USAGE = 2  # wrong command-line usage (click's own)
EXIT_REMOTE = 3  # the server or network failed after retries: safe to retry from cron
EXIT_INTERRUPTED = 130


@dataclass
class App:
    """What every command gets: resolved settings, output switches, the warehouse engine."""

    settings: Settings
    as_json: bool = False
    silent: bool = False
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def lang(self) -> str:
        return self.settings.language

    @property
    def form_names(self) -> dict[str, str]:
        """Asset uid → form name, from [kobo.assets] in htsd.toml."""
        return {uid: form for form, uid in self.settings.assets.items()}

    def asset_label(self, uid: str, server: str | None = None) -> str:
        """`gia_dinh (aBc…)` when the asset's form is known ([kobo.assets] or the last
        `htsd forms deploy` to the server), else the uid alone."""
        server = server or self.settings.kobo_url
        return render.label(uid, pipeline.form_name(self.engine(), server, uid, self.form_names))

    @property
    def err(self) -> Console:
        return Console(stderr=True, quiet=self.silent, highlight=False)

    def engine(self, *, must_exist: bool = False) -> Engine:
        """The warehouse, migrated to the current schema on first use. With `must_exist` (the
        commands that only read, or rebuild, what is stored) a SQLite file that does not exist
        is refused (DB006) rather than created empty."""
        if self._engine is None:
            self._engine = pipeline.open_warehouse(
                self.settings.database_url,
                create=not must_exist,
                lock_wait=lock_wait(),
                command=command_name(),
            )
        return self._engine

    def kobo(self) -> KoboClient:
        """A client of the configured KoboToolbox server, with the token from the environment."""
        client = KoboClient(self.settings.kobo_url, self.settings.kobo_token)
        if client.pasted_url and not self.silent:
            notice = render.url_trimmed_line(client.pasted_url, client.base_url, self.lang)
            click.echo(notice, err=True)
        return client

    def central(self) -> CentralClient:
        """A client of the ODK Central server: address, account and password from the
        environment (ODK_CENTRAL_*; the address also from [central] url), else pyodk's
        config file (etl/central/client.py)."""
        env = dict(os.environ)
        if not env.get("ODK_CENTRAL_URL") and self.settings.central_url:
            env["ODK_CENTRAL_URL"] = self.settings.central_url
        return CentralClient(Credentials.from_env(env))

    def central_refs(self, values: tuple[str, ...] | list[str]) -> list[str]:
        """The `PROJECT/FORM` meant by --central values: given ones, or with `all` every
        form of [central] (project and forms) in htsd.toml. ODK003 / ODK004 otherwise."""
        from etl.central.sync import parse_ref

        refs: list[str] = []
        for value in values:
            if value.strip() == "all":
                project = self.settings.central_project
                if project is None or not self.settings.central_forms:
                    raise HtsdError(CentralCode.NO_FORMS, where="[central]")
                refs += [f"{project}/{form}" for form in self.settings.central_forms]
            else:
                project_id, form = parse_ref(value)
                refs.append(f"{project_id}/{form}")
        if not refs:
            raise HtsdError(CentralCode.NO_FORMS, where="--central")
        return list(dict.fromkeys(refs))

    def asset_uids(self, values: tuple[str, ...] | list[str]) -> list[str]:
        """The uids meant by --asset values (form names or uids); with none, every asset known
        for the server: [kobo.assets], and the forms `htsd forms deploy` put there."""
        return pipeline.resolve_assets(
            self.engine(), self.settings.kobo_url, list(values), self.settings.assets
        )

    def asset_uid(self, value: str) -> str:
        """The uid meant by one --asset value: a form name or a uid."""
        return pipeline.resolve_asset(
            self.engine(), self.settings.kobo_url, value, self.settings.assets
        )


def command_name() -> str:
    """The running subcommand as typed after `htsd` (`forms deploy`), for the warehouse lock."""
    ctx = click.get_current_context(silent=True)
    names = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names)) or "htsd"


def lock_wait() -> float | None:
    """Seconds a writing command waits for another one on the same warehouse, from
    HTSD_LOCK_WAIT (default: warehouse/lock.py LOCK_WAIT_S); unreadable values are ignored."""
    value = os.environ.get("HTSD_LOCK_WAIT", "")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def fail(lang: str, error: HtsdError) -> NoReturn:
    click.echo(render.error_line(error, lang), err=True)
    sys.exit(EXIT_REMOTE if error.retryable else EXIT_ERROR)


def _warehouse_where() -> str:
    """The warehouse URL of the running command (password hidden), for a database error."""
    ctx = click.get_current_context(silent=True)
    app = ctx.find_object(App) if ctx is not None else None
    return redact_url(app.settings.database_url) if app is not None else ""


def guarded(lang: Callable[[], str], body: Callable[[], T]) -> T:
    """Run `body`; an HtsdError becomes one line and exit code 1 (3 when retryable), Ctrl-C
    exit code 130 — never a traceback. A database failure becomes DB007 (DB008, exit code 3,
    when the connection was lost): its statement and parameters, which hold payloads, are
    never shown. The only error catcher of the command line."""
    try:
        return body()
    except HtsdError as error:
        fail(lang(), error)
    except SQLAlchemyError as error:
        fail(lang(), database_error(error, _warehouse_where()))
    except KeyboardInterrupt:
        click.echo(render.INTERRUPTED.get(lang()), err=True)
        sys.exit(EXIT_INTERRUPTED)


def current_lang() -> str:
    """The language of the running command: its root context object's `lang` (the resolved
    settings), else — before the settings exist, e.g. for a configuration error — the one
    pre-scanned from --lang, HTSD_LANG and htsd.toml (i18n.run_lang), else vi. The one
    place commands ask."""
    return i18n.run_lang()


def handle_errors(func: F) -> F:
    """For a command run on its own (tests, embedding): errors as under `htsd` itself."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return guarded(current_lang, lambda: func(*args, **kwargs))

    return wrapper  # type: ignore[return-value]


def emit_json(data: Any) -> None:
    click.echo(render.json_text(data))


pass_app = click.make_pass_decorator(App)


families_option = option(
    "--submissions",
    type=click.IntRange(1, 200_000),
    default=2500,
    show_default=True,
    help=Text(
        "Số phiếu đánh giá Gia đình học tập; các biểu mẫu khác có số bản ghi theo tỉ lệ.",
        "Learning Family evaluations; the other forms get a share of this.",
    ),
)
"""`--submissions` of `htsd demo` and `htsd serve-kobo`: the size of the generated province."""


# Options several commands share, with the same words.
ASSETS_OPTION = option(
    "--asset",
    "assets",
    multiple=True,
    metavar="FORM|UID",
    help=Text(
        "Tên biểu mẫu (vd. gia_dinh) hoặc mã dự án (asset uid); lặp lại được.",
        "Form name (e.g. gia_dinh) or asset uid (repeatable).",
    ),
)
JSON_OPTION = option(
    "--json",
    "as_json",
    is_flag=True,
    help=Text("In kết quả dạng JSON thay cho văn bản.", "Print JSON instead of text."),
)
