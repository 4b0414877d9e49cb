"""`htsd db upgrade`: apply warehouse migrations explicitly (other commands do it too)."""

from __future__ import annotations

import click

from etl.commands import render
from etl.commands.common import App, handle_errors, pass_app
from etl.commands.i18n import group, help_text
from warehouse.db import make_engine, redact_url
from warehouse.migrate import head_revision, upgrade


@group(
    "db",
    help=help_text(
        "Bảo trì kho dữ liệu.",
        "Warehouse maintenance.",
        "htsd db upgrade",
    ),
)
def db_group() -> None:
    """`htsd db`."""


@db_group.command(
    "upgrade",
    help=help_text(
        "Nâng cấu trúc kho dữ liệu lên phiên bản mới nhất (chạy lại nhiều lần vẫn an toàn).",
        "Bring the warehouse schema to the latest revision (safe to repeat).",
        "HTSD_DATABASE_URL=postgresql://postgres@127.0.0.1/test htsd db upgrade",
    ),
)
@pass_app
@handle_errors
def upgrade_command(app: App) -> None:
    """`htsd db upgrade`."""
    applied = upgrade(make_engine(app.settings.database_url))
    where = redact_url(app.settings.database_url)
    if applied:
        click.echo(f"{render.UPGRADED.get(app.lang)} {where} → {head_revision()}")
    else:
        click.echo(f"{render.UP_TO_DATE.get(app.lang)}: {where}")


COMMANDS = [db_group]
