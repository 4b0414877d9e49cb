"""`htsd sync`: pull submissions from KoboToolbox into the warehouse, then load the typed
tables."""

from __future__ import annotations

from dataclasses import dataclass
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
from etl.commands.warehouse import load_line
from etl.kobo.client import KoboClient
from etl.pipeline import load_typed
from etl.sync import SyncManifest, sync_asset
from forms.errors import ErrorCode, HtsdError, Message
from warehouse.load import LoadResult


class SyncCode(ErrorCode):
    """Codes of the sync command."""

    NO_ASSET = (
        "SYNC001",
        Message(
            "chưa chọn dự án nào để đồng bộ",
            "no project to sync",
            "dùng --asset UID, hoặc khai báo [kobo.assets] trong htsd.toml",
            "pass --asset UID, or list the projects under [kobo.assets] in htsd.toml",
        ),
    )


def summary_line(app: App, m: SyncManifest) -> str:
    label = app.asset_label(m.asset_uid)
    if app.lang == "en":
        return (
            f"{label}: {m.new} new, {m.edited} edited, {m.deleted} deleted, "
            f"{m.unchanged} unchanged ({m.pages} pages, {m.retries} retries, {m.duration_s:.1f} s)"
        )
    return (
        f"{label}: {m.new} mới, {m.edited} sửa, {m.deleted} xóa, {m.unchanged} không đổi "
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


@dataclass
class SyncRun:
    """What one `htsd sync` run did: its run id, each asset's manifest and typed-table load."""

    run_id: int
    manifests: list[SyncManifest]
    loads: dict[str, LoadResult | None]

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "assets": {
                m.asset_uid: {**m.as_dict(), "load": _load_dict(self.loads.get(m.asset_uid))}
                for m in self.manifests
            },
        }


def _load_dict(result: LoadResult | None) -> dict[str, Any] | None:
    return result.as_dict() if result else None


def run_sync(
    app: App, client: KoboClient, assets: list[str], *, sweep: bool = True, page_size: int = 1000
) -> SyncRun:
    """Sync the given assets in one logged run, then load their typed tables."""
    manifests: list[SyncManifest] = []
    loads: dict[str, LoadResult | None] = {}
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
        # Raw first for every asset (invariant 1), then the typed tables.
        loads.update(load_typed(app.engine(), client.server, assets, run_id, app.form_names))
        return {"assets": SyncRun(run_id, manifests, loads).as_dict()["assets"]}

    run_logged(app, "sync", {"assets": assets, "server": client.server}, body)
    return SyncRun(run_ids[0], manifests, loads)


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

    Every payload is stored raw first; edits keep the earlier version; deletions are marked;
    then each asset's typed tables are brought up to date. Without --asset, syncs every
    asset listed under [kobo.assets] in htsd.toml.

    Example: KOBOTOOLBOX_TOKEN=... htsd sync --asset aBcDeFgHiJkLmNoPqRsTuV
    """
    chosen = list(assets) or list(app.settings.assets.values())
    if not chosen:
        raise HtsdError(SyncCode.NO_ASSET, where="--asset")
    client = KoboClient(app.settings.kobo_url, app.settings.kobo_token)
    run = run_sync(app, client, chosen, sweep=not no_sweep, page_size=page_size)
    if as_json:
        emit_json(run.as_dict())
        return
    echo_run(app, run)


def echo_run(app: App, run: SyncRun) -> None:
    for manifest in run.manifests:
        click.echo(summary_line(app, manifest))
        click.echo(load_line(app, manifest.asset_uid, run.loads.get(manifest.asset_uid)))


COMMANDS = [sync_command]
