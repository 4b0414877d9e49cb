"""`htsd rebuild` and `htsd forms drift`: the typed tables of the warehouse."""

from __future__ import annotations

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import App, emit_json, handle_errors, pass_app


@click.command("rebuild")
@click.option("--asset", "asset_uid", metavar="UID", help="Only this asset (else every asset).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@pass_app
@handle_errors
def rebuild_command(app: App, asset_uid: str | None, as_json: bool) -> None:
    """Dựng lại các bảng dữ liệu từ bản ghi gốc / Recreate the typed tables from raw data.

    Drops each asset's typed tables, views and registry rows, then loads every stored
    submission again with the content of the form version it was collected with.

    Example: htsd rebuild --asset aBcDeFgHiJkLmNoPqRsTuV
    """
    engine = app.engine(must_exist=True)
    run = pipeline.rebuild(engine, app.asset_uid(asset_uid) if asset_uid else None)
    if as_json:
        emit_json(run.as_dict())
        return
    if not run.results:
        click.echo(render.NO_ASSET_YET.get(app.lang))
    for result in run.results:
        name = app.asset_label(result.asset_uid, result.server)
        click.echo(render.load_line(name, result.asset_uid, result, app.lang))


@click.command("drift")
@click.argument("asset_uid", metavar="ASSET")
@click.option(
    "--from", "from_version", metavar="V1", help="Older version uid (default: the one before --to)."
)
@click.option("--to", "to_version", metavar="V2", help="Newer version uid (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@pass_app
@handle_errors
def drift_command(
    app: App, asset_uid: str, from_version: str | None, to_version: str | None, as_json: bool
) -> None:
    """Thay đổi giữa hai phiên bản biểu mẫu / Changes between two form versions.

    Lists the questions renamed, added, removed or retyped, each with the policy the
    warehouse applies: a new column, a column kept, or answers going on in the same column.
    Versions are those stored by htsd sync.

    Example: htsd forms drift aBcDeFgHiJkLmNoPqRsTuV --from vAbc --to vDef
    """
    engine = app.engine(must_exist=True)
    uid = app.asset_uid(asset_uid)
    client = app.kobo() if app.settings.kobo_token else None  # offline: stored versions only
    drift = pipeline.drift(
        engine, uid, from_version, to_version, app.settings.kobo_url, client=client
    )
    if as_json:
        emit_json(drift.as_dict(app.lang))
        return
    for line in render.drift_lines(drift, app.lang):
        click.echo(line)


COMMANDS = [rebuild_command]  # drift_command is mounted under `htsd forms`
