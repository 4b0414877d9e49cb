"""`htsd sync`: pull submissions from KoboToolbox into the warehouse, load the typed tables,
then validate what changed."""

from __future__ import annotations

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import ASSETS_OPTION, App, emit_json, handle_errors, pass_app
from etl.commands.i18n import command, help_text, option
from forms.text import Text

HELP = help_text(
    """Tải bản ghi từ KoboToolbox vào kho dữ liệu, chỉ phần mới hoặc đã đổi.

    Mỗi bản ghi được lưu nguyên gốc trước; bản sửa giữ lại phiên bản cũ; bản ghi bị xóa
    được đánh dấu; sau đó các bảng dữ liệu của từng dự án được cập nhật và phần thay đổi
    được kiểm tra (như htsd validate; --no-validate để bỏ qua). Không có --asset
    thì tải mọi dự án đã biết của máy chủ: mục [kobo.assets] của htsd.toml và các biểu mẫu
    htsd forms deploy đã triển khai lên đó.
    """,
    """Pull submissions from KoboToolbox into the warehouse, incrementally.

    Every payload is stored raw first; edits keep the earlier version; deletions are marked;
    then each asset's typed tables are brought up to date, and what changed is validated
    (as htsd validate does; --no-validate skips it). Without --asset, syncs every
    asset known for the server: [kobo.assets] in htsd.toml and the forms htsd forms deploy
    put there.
    """,
    "KOBOTOOLBOX_TOKEN=... htsd sync --asset aBcDeFgHiJkLmNoPqRsTuV",
)


@command("sync", help=HELP)
@ASSETS_OPTION
@option(
    "--central",
    "central",
    multiple=True,
    metavar="PROJECT/FORM",
    help=Text(
        "Tải từ ODK Central thay vì KoboToolbox: số dự án/mã biểu mẫu (ví dụ 3/gia_dinh), "
        "hoặc `all` cho mọi biểu mẫu của mục [central]. Tài khoản: biến ODK_CENTRAL_URL, "
        "ODK_CENTRAL_USERNAME, ODK_CENTRAL_PASSWORD.",
        "Pull from ODK Central instead of KoboToolbox: project number/form id (e.g. "
        "3/gia_dinh), or 'all' for every form of [central]. Account: the ODK_CENTRAL_URL, "
        "ODK_CENTRAL_USERNAME, ODK_CENTRAL_PASSWORD variables.",
    ),
)
@option(
    "--no-sweep",
    is_flag=True,
    help=Text(
        "Bỏ qua lượt rà soát tìm bản ghi đã sửa hoặc đã xóa.",
        "Skip the pass that finds edits and deletions.",
    ),
)
@option(
    "--page-size",
    type=click.IntRange(1, 1000),
    default=1000,
    show_default=True,
    help=Text(
        "Số bản ghi mỗi lần gọi máy chủ (1–1000, mức tối đa của máy chủ).",
        "Submissions per request (1–1000, the server's cap).",
    ),
)
@option(
    "--no-validate",
    is_flag=True,
    help=Text(
        "Không kiểm tra dữ liệu sau khi tải (chạy htsd validate sau).",
        "Do not validate after loading (run htsd validate later).",
    ),
)
@option(
    "--json",
    "as_json",
    is_flag=True,
    help=Text("In biên bản lần chạy dạng JSON.", "Print the run manifest as JSON."),
)
@pass_app
@handle_errors
def sync_command(
    app: App,
    assets: tuple[str, ...],
    central: tuple[str, ...],
    no_sweep: bool,
    page_size: int,
    no_validate: bool,
    as_json: bool,
) -> None:
    """`htsd sync` (help: HELP)."""
    client: pipeline.Source
    if central:
        if assets:
            raise click.UsageError(
                Text(
                    "--asset (KoboToolbox) và --central (ODK Central) không dùng cùng nhau",
                    "--asset (KoboToolbox) and --central (ODK Central) do not go together",
                ).get(app.lang)
            )
        chosen = app.central_refs(central)
        client = app.central()  # a wrong address or password is said first
        client.check_access(int(chosen[0].partition("/")[0]))
    else:
        client = app.kobo()  # a wrong server address is said first
        chosen = app.asset_uids(assets)
    with render.progress_bars(app.err, app.lang, app.asset_label) as progress:
        run = pipeline.sync(
            app.engine(),
            client,
            chosen,
            sweep=not no_sweep,
            page_size=page_size,
            form_names=app.form_names,
            progress=progress,
            validate=not no_validate,
        )
    if as_json:
        emit_json(run.as_dict())
        return
    for line in render.sync_run_lines(run, app.asset_label, app.lang):
        click.echo(line)


COMMANDS = [sync_command]
