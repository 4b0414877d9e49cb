"""`htsd status`: what the warehouse holds and how the last run went."""

from __future__ import annotations

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import App, emit_json, handle_errors, pass_app
from warehouse.db import redact_url


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_app
@handle_errors
def status_command(app: App, as_json: bool) -> None:
    """Show, per asset, the submissions stored and the last run.

    JSON form: {"assets": {"<uid>": {"submissions": N, "edited": N, "deleted": N,
    "versions": N, "history": N, "typed": {"tables": [...], "current": N, "findings": N},
    ...}}, "last_run": {...}}

    Example: htsd status --json
    """
    data = pipeline.status(app.engine(must_exist=True))
    data["warehouse"] = redact_url(app.settings.database_url)
    if as_json:
        emit_json(data)
        return
    for line in render.status_lines(data, app.lang):
        click.echo(line)


COMMANDS = [status_command]
