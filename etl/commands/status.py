"""`htsd status`: what the warehouse holds and how the last run went."""

from __future__ import annotations

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import JSON_OPTION, App, emit_json, handle_errors, pass_app
from etl.commands.i18n import command, help_text
from warehouse.db import redact_url

JSON_FORM = """
    \b
    {"assets": {"<uid>": {"submissions": N, "edited": N, "deleted": N, "versions": N,
      "history": N, "typed": {"tables": [...], "current": N, "findings": N}, ...}},
     "last_run": {...}}
"""

HELP = help_text(
    f"""Cho biết kho dữ liệu đang giữ bao nhiêu bản ghi của từng dự án và lần chạy cuối.

    Thời điểm hiện theo giờ Việt Nam. Dạng JSON (--json, thời điểm theo UTC):
    {JSON_FORM}""",
    f"""Show, per asset, the submissions stored and the last run.

    Times are shown in Vietnam time. JSON form (--json, times in UTC):
    {JSON_FORM}""",
    "htsd status --json",
)


@command("status", help=HELP)
@JSON_OPTION
@pass_app
@handle_errors
def status_command(app: App, as_json: bool) -> None:
    """`htsd status` (help: HELP)."""
    data = pipeline.status(app.engine(must_exist=True))
    data["warehouse"] = redact_url(app.settings.database_url)
    if as_json:
        emit_json(data)
        return
    for line in render.status_lines(data, app.lang):
        click.echo(line)


COMMANDS = [status_command]
