"""`htsd sync`: pull submissions from KoboToolbox into the warehouse, then load the typed
tables."""

from __future__ import annotations

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import App, emit_json, handle_errors, pass_app


@click.command("sync")
@click.option("--asset", "assets", multiple=True, metavar="UID", help="Asset uid (repeatable).")
@click.option("--no-sweep", is_flag=True, help="Skip the pass that finds edits and deletions.")
@click.option(
    "--page-size",
    type=click.IntRange(1, 1000),
    default=1000,
    show_default=True,
    help="Submissions per request (1–1000, the server's cap).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run manifest as JSON.")
@pass_app
@handle_errors
def sync_command(
    app: App, assets: tuple[str, ...], no_sweep: bool, page_size: int, as_json: bool
) -> None:
    """Pull submissions from KoboToolbox into the warehouse, incrementally.

    Every payload is stored raw first; edits keep the earlier version; deletions are marked;
    then each asset's typed tables are brought up to date. Without --asset, syncs every
    asset listed under [kobo.assets] in htsd.toml.

    Example: KOBOTOOLBOX_TOKEN=... htsd sync --asset aBcDeFgHiJkLmNoPqRsTuV
    """
    client = app.kobo()  # a wrong server address is said first
    chosen = app.asset_uids(assets)
    with render.progress_bars(app.err) as progress:
        run = pipeline.sync(
            app.engine(),
            client,
            chosen,
            sweep=not no_sweep,
            page_size=page_size,
            form_names=app.form_names,
            progress=progress,
        )
    if as_json:
        emit_json(run.as_dict())
        return
    for line in render.sync_run_lines(run, app.asset_label, app.lang):
        click.echo(line)


COMMANDS = [sync_command]
