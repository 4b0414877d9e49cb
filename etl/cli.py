"""The `htsd` command line. Commands parse flags, call the library and print; errors meant for a
person are `HtsdError`s, printed as one line `Lỗi [CODE] where: what — fix` (exit code 1, or
3 for a server or network failure worth retrying from cron). No database logic lives here.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from etl.commands import db, demo, deploy, export, forms, importer, kobo, status, sync, warehouse
from etl.commands.common import App, current_lang, guarded
from etl.config import load_settings

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class HtsdGroup(click.Group):
    """The root group: an HtsdError or Ctrl-C from any subcommand becomes one line and an
    exit code (common.guarded)."""

    def invoke(self, ctx: click.Context) -> Any:
        return guarded(current_lang, lambda: super(HtsdGroup, self).invoke(ctx))


@click.group(cls=HtsdGroup, context_settings=CONTEXT)
@click.option("--config", "config", metavar="PATH", help="htsd.toml to use (else HTSD_CONFIG).")
@click.option("--database-url", metavar="URL", help="Warehouse URL (else HTSD_DATABASE_URL).")
@click.option("--lang", type=click.Choice(["vi", "en"]), help="Language of messages.")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.option("--silent", is_flag=True, help="No progress output on stderr.")
@click.version_option("0.1.0", prog_name="htsd")
@click.pass_context
def main(
    ctx: click.Context,
    config: str | None,
    database_url: str | None,
    lang: str | None,
    verbose: int,
    silent: bool,
) -> None:
    """htsd — dữ liệu phong trào học tập suốt đời / lifelong-learning programme data.

    Builds the survey forms, pulls submissions from KoboToolbox, validates them and reports
    to the steering committee. Configuration: htsd.toml, HTSD_DATABASE_URL, KOBOTOOLBOX_URL,
    KOBOTOOLBOX_TOKEN (environment only).

    Example: htsd demo
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings(config, database_url=database_url, language=lang)
    ctx.obj = App(settings=settings, silent=silent)


for _module in (db, demo, export, importer, kobo, status, sync, warehouse):
    for _command in _module.COMMANDS:
        main.add_command(_command)
forms.forms_group.add_command(deploy.deploy_command)
forms.forms_group.add_command(warehouse.drift_command)
main.add_command(forms.forms_group)
