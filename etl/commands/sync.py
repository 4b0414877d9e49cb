"""`htsd sync`: pull submissions from KoboToolbox into the warehouse."""

from __future__ import annotations

from typing import Any

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from etl.commands.common import App, emit_json, handle_errors, pass_app, run_logged
from etl.kobo.client import KoboClient
from etl.sync import SyncManifest, sync_asset
from forms.errors import HtsdError, Message, register_messages

register_messages(
    {
        "SYNC001": Message(
            "chưa chọn dự án nào để đồng bộ",
            "no project to sync",
            "dùng --asset UID, hoặc khai báo [kobo.assets] trong htsd.toml",
            "pass --asset UID, or list the projects under [kobo.assets] in htsd.toml",
        )
    }
)


def summary_line(app: App, m: SyncManifest) -> str:
    if app.lang == "en":
        return (
            f"{m.asset_uid}: {m.new} new, {m.edited} edited, {m.deleted} deleted, "
            f"{m.unchanged} unchanged ({m.pages} pages, {m.retries} retries, {m.duration_s:.1f} s)"
        )
    return (
        f"{m.asset_uid}: {m.new} mới, {m.edited} sửa, {m.deleted} xóa, {m.unchanged} không đổi "
        f"({m.pages} trang, {m.retries} lần thử lại, {m.duration_s:.1f} giây)"
    )


class _Bars:
    """One progress bar per stage of one asset's sync."""

    def __init__(self, bar: Progress, uid: str) -> None:
        self.bar = bar
        self.uid = uid
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(f"{self.uid} {stage}", total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)


def run_sync(
    app: App, client: KoboClient, assets: list[str], *, sweep: bool = True, page_size: int = 1000
) -> tuple[int, list[SyncManifest]]:
    """Sync the given assets in one logged run; returns the run id and the manifests."""
    manifests: list[SyncManifest] = []
    run_ids: list[int] = []

    def body(run_id: int) -> dict[str, Any]:
        run_ids.append(run_id)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        console = app.err
        with Progress(
            *columns, console=console, transient=True, disable=not console.is_terminal
        ) as bar:
            for uid in assets:
                progress = _Bars(bar, uid)
                manifests.append(
                    sync_asset(
                        app.engine(),
                        client,
                        uid,
                        run_id,
                        sweep=sweep,
                        page_size=page_size,
                        progress=progress,
                    )
                )
        return {"assets": {m.asset_uid: m.as_dict() for m in manifests}}

    run_logged(app, "sync", {"assets": assets, "server": client.server}, body)
    return run_ids[0], manifests


@click.command("sync")
@click.option("--asset", "assets", multiple=True, metavar="UID", help="Asset uid (repeatable).")
@click.option("--no-sweep", is_flag=True, help="Skip the pass that finds edits and deletions.")
@click.option("--page-size", default=1000, show_default=True, help="Submissions per request.")
@click.option("--json", "as_json", is_flag=True, help="Print the run manifest as JSON.")
@pass_app
@handle_errors
def sync_command(
    app: App, assets: tuple[str, ...], no_sweep: bool, page_size: int, as_json: bool
) -> None:
    """Pull submissions from KoboToolbox into the warehouse, incrementally.

    Every payload is stored raw first; edits keep the earlier version; deletions are marked.
    Without --asset, syncs every asset listed under [kobo.assets] in htsd.toml.

    Example: KOBOTOOLBOX_TOKEN=... htsd sync --asset aBcDeFgHiJkLmNoPqRsTuV
    """
    chosen = list(assets) or list(app.settings.assets.values())
    if not chosen:
        raise HtsdError("SYNC001", where="--asset")
    client = KoboClient(app.settings.kobo_url, app.settings.kobo_token)
    run_id, manifests = run_sync(app, client, chosen, sweep=not no_sweep, page_size=page_size)
    if as_json:
        emit_json({"run_id": run_id, "assets": {m.asset_uid: m.as_dict() for m in manifests}})
        return
    for manifest in manifests:
        click.echo(summary_line(app, manifest))


COMMANDS = [sync_command]
