"""`htsd serve-kobo`: run the local KoboToolbox-compatible server (for trials and tests)."""

from __future__ import annotations

import os
import threading

import click

from etl.commands import render
from etl.commands.common import App, emit_json, handle_errors, pass_app
from etl.errors import ServeCode, ServeError
from localkobo import LocalKoboServer
from localkobo.province import demo_kobo


@click.command("serve-kobo")
@click.option("--port", default=0, show_default=True, help="Port on 127.0.0.1 (0: a free one).")
@click.option("--submissions", default=2500, show_default=True, help="Generated submissions.")
@click.option("--seed", default=1, show_default=True, help="Random seed of the generated data.")
@click.option("--json", "as_json", is_flag=True, help="Print the address and asset as JSON.")
@pass_app
@handle_errors
def serve_kobo_command(app: App, port: int, submissions: int, seed: int, as_json: bool) -> None:
    """Serve a local KoboToolbox (API v2) with generated submissions until interrupted.

    It accepts the token in KOBOTOOLBOX_TOKEN when set, else makes one and prints it.

    Example: htsd serve-kobo --port 8000 --submissions 2500
    """
    env_token = os.environ.get("KOBOTOOLBOX_TOKEN")
    demo = demo_kobo(submissions, seed=seed, token=env_token)
    try:
        server = LocalKoboServer(demo.kobo, port=port).start()
    except OSError as error:  # the port is taken, or not ours to bind
        raise ServeError(
            ServeCode.PORT_UNAVAILABLE,
            where=f"--port {port}",
            params={"port": port, "detail": error.strerror or str(error)},
        ) from None
    info = {
        "url": server.url,
        "asset_uid": demo.asset_uid,
        "submissions": submissions,
        # a token the user gave is never echoed; one made here is shown so it can be used
        "token": "(KOBOTOOLBOX_TOKEN)" if env_token else demo.token,
    }
    if as_json:
        emit_json(info)
    else:
        lang = app.lang
        click.echo(f"{render.LOCAL_SERVER.get(lang)}: {server.url}")
        click.echo(f"{render.ASSET.get(lang)}: {demo.asset_uid} ({submissions})")
        click.echo(f"KOBOTOOLBOX_TOKEN={info['token']}")
        click.echo(render.PRESS_CTRL_C.get(lang))
    try:
        threading.Event().wait()
    finally:
        server.stop()


COMMANDS = [serve_kobo_command]
