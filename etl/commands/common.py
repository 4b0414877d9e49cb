"""What every command shares: the App context, error handling, the run log, JSON output."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click
from rich.console import Console
from sqlalchemy.engine import Engine

from etl.config import Settings
from forms.errors import HtsdError
from warehouse.assets import deployed_form_name
from warehouse.db import make_engine
from warehouse.migrate import upgrade
from warehouse.runlog import finish_run, start_run

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REMOTE = 3


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

    def asset_label(self, uid: str) -> str:
        """`gia_dinh (aBc…)` when the asset's form is known ([kobo.assets] or the last
        `htsd forms deploy` to the configured server), else the uid alone."""
        form = self.form_names.get(uid)
        if form is None:
            with self.engine().connect() as conn:
                form = deployed_form_name(conn, self.settings.kobo_url.rstrip("/"), uid)
        return f"{form} ({uid})" if form else uid

    def t(self, vi: str, en: str) -> str:
        return en if self.lang == "en" else vi

    @property
    def err(self) -> Console:
        return Console(stderr=True, quiet=self.silent, highlight=False)

    def engine(self) -> Engine:
        """The warehouse, migrated to the current schema on first use."""
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
            upgrade(self._engine)
        return self._engine


def fail(app: App | None, error: HtsdError) -> None:
    lang = app.lang if app else "vi"
    prefix = "Error" if lang == "en" else "Lỗi"
    click.echo(f"{prefix} {error.render(lang)}", err=True)
    sys.exit(EXIT_REMOTE if error.retryable else EXIT_ERROR)


def handle_errors(func: F) -> F:
    """Turn HtsdError into one line and an exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        app = ctx.find_object(App)
        try:
            return func(*args, **kwargs)
        except HtsdError as error:
            fail(app, error)
        except KeyboardInterrupt:
            click.echo("Interrupted / Đã dừng", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def run_logged(
    app: App, command: str, arguments: dict[str, Any], body: Callable[[int], dict[str, Any]]
) -> dict[str, Any]:
    """Run `body(run_id)` inside a run-log entry: ok with its counts, or failed with the error."""
    engine = app.engine()
    run_id = start_run(engine, command, arguments)
    try:
        counts = body(run_id)
    except HtsdError as error:
        finish_run(engine, run_id, "failed", error=error.render("en"))
        raise
    except BaseException as error:
        finish_run(engine, run_id, "failed", error=type(error).__name__)
        raise
    finish_run(engine, run_id, "ok", counts=counts)
    return counts


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


pass_app = click.make_pass_decorator(App)
