"""`htsd db upgrade`: apply warehouse migrations explicitly (other commands do it too)."""

from __future__ import annotations

import click

from etl.commands import render
from etl.commands.common import App, handle_errors, pass_app
from warehouse.db import make_engine, redact_url
from warehouse.migrate import head_revision, upgrade


@click.group("db")
def db_group() -> None:
    """Warehouse maintenance.

    Example: htsd db upgrade
    """


@db_group.command("upgrade")
@pass_app
@handle_errors
def upgrade_command(app: App) -> None:
    """Bring the warehouse schema to the latest revision (safe to repeat).

    Example: HTSD_DATABASE_URL=postgresql://postgres@127.0.0.1/test htsd db upgrade
    """
    applied = upgrade(make_engine(app.settings.database_url))
    where = redact_url(app.settings.database_url)
    if applied:
        click.echo(f"{render.UPGRADED.get(app.lang)} {where} → {head_revision()}")
    else:
        click.echo(f"{render.UP_TO_DATE.get(app.lang)}: {where}")


COMMANDS = [db_group]
