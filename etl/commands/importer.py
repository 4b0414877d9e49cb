"""`htsd import`: submissions from exported or saved files into the raw landing."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from etl.commands.common import App, emit_json, handle_errors, pass_app, run_logged
from etl.commands.warehouse import load_line
from etl.importer import ImportResult, import_files
from etl.pipeline import load_typed
from warehouse.load import LoadResult


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--asset", "asset_uid", metavar="UID", help="Asset uid, if not in the data.")
@click.option("--server", metavar="URL", help="Server the data came from (else KOBOTOOLBOX_URL).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
@handle_errors
def import_command(
    app: App, files: tuple[Path, ...], asset_uid: str | None, server: str | None, as_json: bool
) -> None:
    """Import a KoboToolbox JSON export or saved API data pages (e.g. from a USB stick).

    Submissions land exactly as `sync` lands them, so a later sync from the server adds no
    duplicates. Every file is checked before anything is written. The typed tables are
    loaded when the form's content is stored (after one htsd sync of the asset).

    Example: htsd import usb/gia_dinh-page1.json usb/gia_dinh-page2.json
    """
    origin = (server or app.settings.kobo_url).rstrip("/")
    results: list[ImportResult] = []
    loads: dict[str, LoadResult | None] = {}

    def body(run_id: int) -> dict[str, Any]:
        results.extend(import_files(app.engine(), origin, list(files), run_id, asset_uid))
        loads.update(
            load_typed(app.engine(), origin, [r.asset_uid for r in results], run_id, app.form_names)
        )
        return {
            "files": [asdict(r) for r in results],
            "load": {uid: r.as_dict() if r else None for uid, r in loads.items()},
        }

    counts = run_logged(app, "import", {"files": [str(f) for f in files], "server": origin}, body)
    if as_json:
        emit_json(counts)
        return
    for r in results:
        c = r.counts
        click.echo(
            f"{r.path} → {r.asset_uid}: "
            + app.t(
                f"{c.new} mới, {c.edited} sửa, {c.unchanged} không đổi",
                f"{c.new} new, {c.edited} edited, {c.unchanged} unchanged",
            )
        )
    for uid, load in loads.items():
        click.echo(load_line(app, uid, load))


COMMANDS = [import_command]
