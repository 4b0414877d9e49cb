"""`htsd serve-central`: run the local ODK Central stand-in (for trials and tests)."""

from __future__ import annotations

import os
import threading

import click

from etl.commands import render
from etl.commands.common import App, emit_json, families_option, handle_errors, pass_app
from etl.commands.i18n import command, help_text, option
from etl.errors import ServeCode, ServeError
from forms.text import Text
from localcentral import LocalCentralServer
from localcentral.province import DEMO_EMAIL, six_forms_central

HELP = help_text(
    """Chạy một máy chủ ODK Central cục bộ (API v1, OData) với bản ghi tạo sẵn, đến khi bị dừng.

    Máy chủ có một dự án với sáu biểu mẫu htsd dựng, đã phát hành và có bản ghi như bản
    chạy thử; in ra mục [central] để chép vào htsd.toml. Tài khoản là ODK_CENTRAL_USERNAME
    và mật khẩu ODK_CENTRAL_PASSWORD nếu có; nếu không, một tài khoản mẫu được in ra.
    """,
    """Serve a local ODK Central (API v1, OData) with generated submissions until interrupted.

    It holds one project with the six forms htsd builds, published and answered as in the
    demo, and prints the [central] lines for htsd.toml. The account is ODK_CENTRAL_USERNAME
    with the password ODK_CENTRAL_PASSWORD when set, else a sample account it prints.
    """,
    "htsd serve-central --port 8383 --submissions 2500",
)


@command("serve-central", help=HELP)
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
    help=Text("In địa chỉ và dự án dạng JSON.", "Print the address and project as JSON."),
)
@pass_app
@handle_errors
def serve_central_command(app: App, port: int, submissions: int, seed: int, as_json: bool) -> None:
    """`htsd serve-central` (help: HELP)."""
    email = os.environ.get("ODK_CENTRAL_USERNAME") or DEMO_EMAIL
    password = os.environ.get("ODK_CENTRAL_PASSWORD")
    demo = six_forms_central(submissions, seed=seed, **({"password": password} if password else {}))
    if email != demo.email:
        demo.central.users.pop(demo.email)
        demo.central.add_user(email, demo.password)
        demo.central.projects[demo.project_id].members = {email}
    try:
        server = LocalCentralServer(demo.central, port=port).start()
    except OSError as error:
        raise ServeError(
            ServeCode.PORT_UNAVAILABLE,
            where=f"--port {port}",
            params={"port": port, "detail": error.strerror or str(error)},
        ) from None
    counts = {form: len(f.submissions) for form, f in demo.forms.items()}
    info = {
        "url": server.url,
        "project": demo.project_id,
        "forms": counts,
        "username": email,
        # a password the user gave is never echoed; the sample one is shown so it can be used
        "password": "(ODK_CENTRAL_PASSWORD)" if password else demo.password,
    }
    if as_json:
        emit_json(info)
    else:
        lang = app.lang
        click.echo(f"{render.LOCAL_SERVER.get(lang)}: {server.url}")
        click.echo(f"ODK_CENTRAL_URL={server.url}")
        click.echo(f"ODK_CENTRAL_USERNAME={email}")
        click.echo(f"ODK_CENTRAL_PASSWORD={info['password']}")
        click.echo("[central]")
        click.echo(f"project = {demo.project_id}")
        click.echo("forms = [" + ", ".join(f'"{f}"' for f in counts) + "]")
        click.echo(render.PRESS_CTRL_C.get(lang))
    try:
        threading.Event().wait()
    finally:
        server.stop()


COMMANDS = [serve_central_command]
