"""`htsd serve-kobo`: run the local KoboToolbox-compatible server (for trials and tests)."""

from __future__ import annotations

import os
import threading

import click

from etl.commands import render
from etl.commands.common import App, emit_json, families_option, handle_errors, pass_app
from etl.commands.i18n import command, help_text, option
from etl.errors import ServeCode, ServeError
from forms.text import Text
from localkobo import LocalKoboServer
from localkobo.province import six_forms_kobo

HELP = help_text(
    """Chạy một máy chủ KoboToolbox cục bộ (API v2) với bản ghi tạo sẵn, đến khi bị dừng.

    Máy chủ có sáu biểu mẫu htsd dựng, đã triển khai và có bản ghi như bản chạy thử (htsd
    demo); in ra mục [kobo.assets] để chép vào htsd.toml. Máy chủ nhận token trong
    KOBOTOOLBOX_TOKEN nếu có; nếu không, tự tạo một token và in ra.
    """,
    """Serve a local KoboToolbox (API v2) with generated submissions until interrupted.

    It holds the six forms htsd builds, deployed and answered as in htsd demo, and prints
    the [kobo.assets] lines for htsd.toml. It accepts the token in KOBOTOOLBOX_TOKEN when
    set, else makes one and prints it.
    """,
    "htsd serve-kobo --port 8000 --submissions 2500",
)


@command("serve-kobo", help=HELP)
@option(
    "--port",
    default=0,
    show_default=True,
    help=Text("Cổng trên 127.0.0.1 (0: một cổng còn trống).", "Port on 127.0.0.1 (0: a free one)."),
)
@families_option
@option(
    "--seed",
    default=1,
    show_default=True,
    help=Text(
        "Giá trị khởi tạo ngẫu nhiên (seed) của dữ liệu tạo ra.",
        "Random seed of the generated data.",
    ),
)
@option(
    "--json",
    "as_json",
    is_flag=True,
    help=Text("In địa chỉ và dự án dạng JSON.", "Print the address and asset as JSON."),
)
@pass_app
@handle_errors
def serve_kobo_command(app: App, port: int, submissions: int, seed: int, as_json: bool) -> None:
    """`htsd serve-kobo` (help: HELP)."""
    env_token = os.environ.get("KOBOTOOLBOX_TOKEN")
    demo = six_forms_kobo(submissions, seed=seed, token=env_token)
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
        "assets": demo.assets,
        "submissions": demo.counts,
        # a token the user gave is never echoed; one made here is shown so it can be used
        "token": "(KOBOTOOLBOX_TOKEN)" if env_token else demo.token,
    }
    if as_json:
        emit_json(info)
    else:
        lang = app.lang
        click.echo(f"{render.LOCAL_SERVER.get(lang)}: {server.url}")
        for form, uid in demo.assets.items():
            click.echo(f"{render.ASSET.get(lang)} {form}: {uid} ({demo.counts[form]})")
        click.echo(f"KOBOTOOLBOX_TOKEN={info['token']}")
        click.echo("[kobo.assets]")
        for form, uid in demo.assets.items():
            click.echo(f'{form} = "{uid}"')
        click.echo(render.PRESS_CTRL_C.get(lang))
    try:
        threading.Event().wait()
    finally:
        server.stop()


COMMANDS = [serve_kobo_command]
