"""`htsd import`: submissions from exported or saved files into the raw landing."""

from __future__ import annotations

from pathlib import Path

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import App, emit_json, handle_errors, pass_app


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--asset", "asset_uid", metavar="UID", help="Asset uid, if not in the data.")
@click.option("--server", metavar="URL", help="Server the data came from (else KOBOTOOLBOX_URL).")
@click.option(
    "--partial", is_flag=True, help="Land saved pages even when their next pages are missing."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--form",
    "form_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="The data's form (XLSForm .xlsx or asset JSON): typed tables without the server.",
)
@pass_app
@handle_errors
def import_command(
    app: App,
    files: tuple[Path, ...],
    asset_uid: str | None,
    server: str | None,
    partial: bool,
    as_json: bool,
    form_file: Path | None,
) -> None:
    """Import a KoboToolbox JSON export or saved API data pages (e.g. from a USB stick).

    Submissions land exactly as `sync` lands them, so a later sync from the server adds no
    duplicates. Every file is checked before anything is written: a file of another asset
    than --asset, or saved pages missing their next pages (unless --partial), change
    nothing. The typed tables are loaded when the form's content is stored (after one htsd
    sync of the asset), or at once from the form given with --form.

    Example: htsd import usb/gia_dinh-page1.json usb/gia_dinh-page2.json
    """
    form = pipeline.read_form(form_file) if form_file else None  # before any warehouse
    run = pipeline.import_files(
        app.engine(),
        server or app.settings.kobo_url,
        list(files),
        asset_uid.strip() if asset_uid else None,
        app.form_names,
        partial=partial,
        form=form,
    )
    if as_json:
        emit_json(run.as_dict())
        return
    for line in render.import_lines(run.files, app.lang):
        click.echo(line)
    for uid, load in run.loads.items():
        name = app.asset_label(uid, run.server)
        click.echo(render.load_line(name, uid, load, app.lang))


COMMANDS = [import_command]
