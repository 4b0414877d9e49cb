"""`htsd users`: the people who sign in to `htsd web` (no account exists until one is added).

Passwords are read from a prompt (typed twice, not shown) or from the environment variable
HTSD_USER_PASSWORD, never from the command line, and never printed or logged; the warehouse
keeps an argon2 hash only.
"""

from __future__ import annotations

import os
import sys

import click

from etl.commands.common import JSON_OPTION, App, emit_json, handle_errors, pass_app
from etl.commands.i18n import HtsdGroup, help_text, option
from forms.reference import Reference
from forms.text import Text
from warehouse import users

PASSWORD_ENV = "HTSD_USER_PASSWORD"

users_group = HtsdGroup(
    "users",
    help=help_text(
        """Người dùng của ứng dụng web (htsd web): thêm, khóa, đổi mật khẩu, liệt kê.

        Vai trò: admin (quản trị: người dùng, nhật ký truy cập), manager (cán bộ quản lý
        dữ liệu: hàng đợi rà soát, bản ghi, quyết định; có thể giới hạn theo huyện bằng
        --district), viewer (Ban chỉ đạo: chỉ báo cáo tổng hợp). Mật khẩu nhập khi được
        hỏi hoặc đặt trong biến môi trường HTSD_USER_PASSWORD; không bao giờ ghi trên
        dòng lệnh.
        """,
        """Users of the web app (htsd web): add, disable, change a password, list.

        Roles: admin (users, the audit log), manager (data manager: the review queue,
        submissions, decisions; optionally scoped to districts with --district), viewer
        (the committee: aggregate reports only). The password is typed at the prompt or
        set in the environment variable HTSD_USER_PASSWORD; never on the command line.
        """,
        "htsd users add qldl_bakan --role manager --district 058",
    ),
)


def _password() -> str:
    """The new password: HTSD_USER_PASSWORD, else typed twice at a prompt (USR007 when
    there is neither)."""
    given = os.environ.get(PASSWORD_ENV)
    if given:
        return given
    if not sys.stdin.isatty():  # no one to ask: never read a password echoed from a pipe
        raise users.UserError(users.UserCode.NO_PASSWORD, where=PASSWORD_ENV)
    try:
        typed = click.prompt(
            Text("Mật khẩu", "Password").get(_lang()),
            hide_input=True,
            confirmation_prompt=Text("Nhập lại mật khẩu", "Repeat the password").get(_lang()),
            err=True,
        )
    except click.Abort:
        typed = ""
    if not typed:
        raise users.UserError(users.UserCode.NO_PASSWORD, where=PASSWORD_ENV)
    return str(typed)


def _lang() -> str:
    ctx = click.get_current_context(silent=True)
    app = ctx.find_object(App) if ctx else None
    return app.lang if app else "vi"


def _done(app: App, user: users.User, vi: str, en: str, as_json: bool) -> None:
    if as_json:
        emit_json(user.as_dict())
        return
    scope = ", ".join(user.districts)
    extra = Text(f" — huyện {scope}", f" — districts {scope}") if scope else Text("", "")
    click.echo(
        Text(f"{user.username} ({user.role}): {vi}", f"{user.username} ({user.role}): {en}")
        .map(extra.vi, extra.en)
        .get(app.lang)
    )


@users_group.command(
    "add",
    help=help_text(
        "Thêm một người dùng (mật khẩu: hỏi khi chạy, hoặc HTSD_USER_PASSWORD).",
        "Add a user (password: asked for, or HTSD_USER_PASSWORD).",
        "htsd users add admin1 --role admin",
    ),
)
@click.argument("username")
@option(
    "--role",
    type=click.Choice(users.ROLES),
    required=True,
    help=Text("Vai trò: admin, manager hoặc viewer.", "Role: admin, manager or viewer."),
)
@option(
    "--district",
    "districts",
    multiple=True,
    metavar="CODE",
    help=Text(
        "Mã huyện trong phạm vi của cán bộ quản lý dữ liệu (lặp lại được; không có: cả tỉnh).",
        "A district code of a data manager's scope (repeatable; none: the whole province).",
    ),
)
@JSON_OPTION
@pass_app
@handle_errors
def add_command(
    app: App, username: str, role: str, districts: tuple[str, ...], as_json: bool
) -> None:
    """`htsd users add`."""
    users.check_username(username)
    known = [d.code for d in Reference.load().districts]
    scope = users.check_scope(role, districts, known)
    password = _password()
    engine = app.engine()
    with engine.begin() as conn:
        user = users.add_user(conn, username, role, password, scope)
        users.audit(conn, "htsd users", "user_add", username, role)
    _done(app, user, "đã thêm", "added", as_json)


@users_group.command(
    "passwd",
    help=help_text(
        "Đặt mật khẩu mới cho một người dùng; các phiên đăng nhập của họ kết thúc.",
        "Set a new password for a user; their sessions end.",
        "htsd users passwd qldl_bakan",
    ),
)
@click.argument("username")
@JSON_OPTION
@pass_app
@handle_errors
def passwd_command(app: App, username: str, as_json: bool) -> None:
    """`htsd users passwd`."""
    engine = app.engine(must_exist=True)
    with engine.connect() as conn:
        if users.get_user(conn, username) is None:
            raise users.UserError(
                users.UserCode.UNKNOWN_USER, where=username, params={"username": username}
            )
    password = _password()
    with engine.begin() as conn:
        user = users.set_password(conn, username, password)
        users.audit(conn, "htsd users", "user_passwd", username)
    _done(app, user, "đã đổi mật khẩu", "password changed", as_json)


@users_group.command(
    "disable",
    help=help_text(
        "Khóa một người dùng: không đăng nhập được nữa, các phiên đang mở kết thúc.",
        "Disable a user: no more sign-ins, open sessions end.",
        "htsd users disable qldl_bakan",
    ),
)
@click.argument("username")
@JSON_OPTION
@pass_app
@handle_errors
def disable_command(app: App, username: str, as_json: bool) -> None:
    """`htsd users disable`."""
    engine = app.engine(must_exist=True)
    with engine.begin() as conn:
        user = users.disable_user(conn, username)
        users.audit(conn, "htsd users", "user_disable", username)
    _done(app, user, "đã khóa", "disabled", as_json)


@users_group.command(
    "list",
    help=help_text(
        "Liệt kê người dùng, vai trò, phạm vi và trạng thái.",
        "List the users, their roles, scopes and whether they are active.",
        "htsd users list --json",
    ),
)
@JSON_OPTION
@pass_app
@handle_errors
def list_command(app: App, as_json: bool) -> None:
    """`htsd users list`."""
    engine = app.engine(must_exist=True)
    with engine.connect() as conn:
        listed = users.list_users(conn)
    if as_json:
        emit_json({"users": [u.as_dict() for u in listed]})
        return
    if not listed:
        click.echo(
            Text(
                "Chưa có người dùng nào: htsd users add TÊN --role admin",
                "No users yet: htsd users add NAME --role admin",
            ).get(app.lang)
        )
    for user in listed:
        state = Text("", "") if user.active else Text(" — đã khóa", " — disabled")
        scope = ",".join(user.districts) or "*"
        click.echo(f"{user.username}\t{user.role}\t{scope}{state.get(app.lang)}")


COMMANDS = [users_group]
