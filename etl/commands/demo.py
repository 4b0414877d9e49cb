"""`htsd demo`: the embedded default — local KoboToolbox, SQLite, the pipeline, the status."""

from __future__ import annotations

from pathlib import Path

import click

from etl.commands.common import App, handle_errors, pass_app
from etl.commands.status import status_command
from etl.commands.sync import echo_run, run_sync
from etl.config import Settings
from etl.kobo.client import KoboClient
from etl.kobo.local.province import demo_kobo
from etl.kobo.local.server import LocalKoboServer


@click.command("demo")
@click.option("--out", default="demo-output", show_default=True, help="Folder for the results.")
@click.option("--submissions", default=2500, show_default=True, help="Generated submissions.")
@click.pass_context
@pass_app
@handle_errors
def demo_command(app: App, ctx: click.Context, out: str, submissions: int) -> None:
    """Run the whole pipeline on generated data: no account, no network.

    Starts a local KoboToolbox-compatible server with synthetic submissions for the
    province, syncs them into a fresh SQLite warehouse in OUT, loads the typed tables and
    prints the status.

    Example: htsd demo --out demo-output --submissions 2500
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "htsd-demo.sqlite"
    for stale in folder.glob("htsd-demo.sqlite*"):
        stale.unlink()
    demo = demo_kobo(submissions)
    with LocalKoboServer(demo.kobo) as server:
        settings = Settings(
            database_url=f"sqlite:///{database}",
            kobo_url=server.url,
            kobo_token=demo.token,
            assets={"gia_dinh": demo.asset_uid},
            language=app.settings.language,
        )
        demo_app = App(settings=settings, silent=app.silent)
        click.echo(
            app.t("Máy chủ KoboToolbox cục bộ", "Local KoboToolbox server") + f": {server.url}"
        )
        client = KoboClient(server.url, demo.token)
        echo_run(demo_app, run_sync(demo_app, client, [demo.asset_uid]))
    ctx.obj = demo_app
    ctx.invoke(status_command, as_json=False)


COMMANDS = [demo_command]
