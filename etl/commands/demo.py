"""`htsd demo`: the embedded default — local KoboToolbox, SQLite, the pipeline, the status.

The demo takes the path a data manager takes: the six forms are built from the criteria
(checked by ODK Validate), deployed to a local KoboToolbox over its API, answered there with
synthetic submissions, synced and loaded into a fresh SQLite warehouse.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from etl.commands.common import App, handle_errors, pass_app, run_logged
from etl.commands.deploy import deploy_built
from etl.commands.status import status_command
from etl.commands.sync import echo_run, run_sync
from etl.config import Settings
from etl.kobo.client import KoboClient
from etl.kobo.deploy import DeployResult
from forms.build import build_forms
from localkobo import LocalKoboServer
from localkobo.province import demo_counts, province_kobo


@click.command("demo")
@click.option("--out", default="demo-output", show_default=True, help="Folder for the results.")
@click.option(
    "--submissions",
    default=2500,
    show_default=True,
    help="Learning Family evaluations; the other forms get a share of this.",
)
@click.option("--seed", default=1, show_default=True, help="Random seed of the generated data.")
@click.pass_context
@pass_app
@handle_errors
def demo_command(app: App, ctx: click.Context, out: str, submissions: int, seed: int) -> None:
    """Run the whole pipeline on generated data: no account, no network.

    Builds the six forms, deploys them to a local KoboToolbox-compatible server, fills them
    with synthetic submissions for the province, syncs them into a fresh SQLite warehouse in
    OUT, loads the typed tables and prints the status.

    Example: htsd demo --out demo-output --submissions 2500
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "htsd-demo.sqlite"
    for stale in folder.glob("htsd-demo.sqlite*"):
        stale.unlink()
    kobo, token = province_kobo(seed=seed)
    built = build_forms(None, validate=True)
    with LocalKoboServer(kobo) as server:
        settings = Settings(
            database_url=f"sqlite:///{database}",
            kobo_url=server.url,
            kobo_token=token,
            language=app.settings.language,
        )
        demo_app = App(settings=settings, silent=app.silent)
        t = app.t
        click.echo(t("Máy chủ KoboToolbox cục bộ", "Local KoboToolbox server") + f": {server.url}")
        client = KoboClient(server.url, token)
        deployed: list[DeployResult] = []

        def deploy(run_id: int) -> dict[str, Any]:
            deployed.extend(deploy_built(demo_app, client, built, run_id))
            return {"forms": [asdict(r) for r in deployed]}

        run_logged(demo_app, "forms deploy", {"forms": [], "server": server.url}, deploy)
        counts = demo_counts(submissions)
        for result in deployed:
            kobo.generate(result.asset_uid, counts[result.form])
            click.echo(
                f"{result.form}: {result.asset_uid} "
                + t("đã triển khai", "deployed")
                + f", {counts[result.form]} "
                + t("bản ghi mẫu", "synthetic submissions")
            )
        echo_run(demo_app, run_sync(demo_app, client, [r.asset_uid for r in deployed]))
    ctx.obj = demo_app
    ctx.invoke(status_command, as_json=False)
    click.echo(t("Kho dữ liệu", "Warehouse") + f": {database}")


COMMANDS = [demo_command]
