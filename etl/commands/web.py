"""`htsd web`: serve the web app (etl/web/app.py) over the configured warehouse."""

from __future__ import annotations

import click

from etl.commands.common import App, handle_errors, pass_app
from etl.commands.i18n import command, help_text, option
from etl.web.app import WebSettings, create_app
from forms.text import Text
from warehouse import users
from warehouse.db import redact_url

HELP = help_text(
    """Chạy ứng dụng web: hàng đợi rà soát, trang bản ghi, tình hình đồng bộ, báo cáo.

    Cùng kho dữ liệu với các lệnh khác (HTSD_DATABASE_URL). Chưa có tài khoản mặc định:
    tạo người quản trị đầu tiên bằng htsd users add TÊN --role admin. Khi chạy thật,
    đặt sau một reverse proxy có HTTPS (xem README): cookie khi đó chỉ gửi qua HTTPS, và
    --forwarded-allow-ips cho biết địa chỉ của proxy được tin.
    """,
    """Serve the web app: the review queue, submission pages, sync status, reports.

    The same warehouse as the other commands (HTSD_DATABASE_URL). There is no default
    account: create the first admin with htsd users add NAME --role admin. In production,
    run it behind a reverse proxy with HTTPS (see the README): cookies are then sent over
    HTTPS only, and --forwarded-allow-ips names the proxy addresses to trust.
    """,
    "htsd web --host 127.0.0.1 --port 8000",
)


@command("web", help=HELP)
@option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help=Text("Địa chỉ lắng nghe.", "Address to listen on."),
)
@option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help=Text("Cổng lắng nghe.", "Port to listen on."),
)
@option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help=Text(
        "Địa chỉ proxy được tin tiêu đề X-Forwarded-For/-Proto (cách nhau bằng dấu phẩy).",
        "Proxy addresses whose X-Forwarded-For/-Proto headers are trusted (comma-separated).",
    ),
)
@option(
    "--session-hours",
    type=click.FloatRange(0.05, 24 * 30),
    default=users.SESSION_HOURS,
    show_default=True,
    help=Text("Phiên đăng nhập hết hạn sau chừng này giờ.", "Sessions expire after these hours."),
)
@pass_app
@handle_errors
def web_command(
    app: App, host: str, port: int, forwarded_allow_ips: str, session_hours: float
) -> None:
    """`htsd web` (help: HELP)."""
    import uvicorn

    engine = app.engine()
    with engine.connect() as conn:
        nobody = not users.list_users(conn)
    settings = WebSettings(
        session_hours=session_hours,
        kobo_url=app.settings.kobo_url,
        kobo_token=app.settings.kobo_token,
        assets=app.settings.assets,
        default_lang=app.lang,
    )
    if nobody:
        click.echo(
            Text(
                "Chưa có người dùng nào: tạo người quản trị bằng htsd users add TÊN --role admin",
                "No users yet: create an admin with htsd users add NAME --role admin",
            ).get(app.lang),
            err=True,
        )
    click.echo(f"{redact_url(app.settings.database_url)} → http://{host}:{port}/", err=True)
    uvicorn.run(
        create_app(engine, settings),
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level="warning" if app.silent else "info",
    )


COMMANDS = [web_command]
