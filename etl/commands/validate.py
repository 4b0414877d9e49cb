"""`htsd validate`: check the stored submissions against their forms and the programme's
rules, and keep what is found."""

from __future__ import annotations

from pathlib import Path

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import (
    ASSETS_OPTION,
    JSON_OPTION,
    App,
    emit_json,
    handle_errors,
    pass_app,
)
from etl.commands.i18n import command, help_text, option
from etl.status_push import APPROVED, NOT_APPROVED, ON_HOLD, PushResult
from forms.text import Text

NEW_ERRORS_EXIT = 4

HOLD_STATUSES = {"on_hold": ON_HOLD, "not_approved": NOT_APPROVED, "approved": APPROVED}
"""`--hold-status`: the status of a submission with only warnings open."""

JSON_FORM = """
    \b
    {"run_id": N, "new_errors": N,
     "assets": {"<uid>": {"current": N, "checked": N, "findings": N, "errors": N,
                          "warnings": N, "accepted": N, "by_rule": {...},
                          "by_district": {...}, "by_surveyor": {...},
                          "new": N, "new_errors": N, "closed": N,
                          "push": {"sent": {"<status uid>": N}, "unchanged": N, "kept": N,
                                   "overridden": N, "not_on_server": N, "requests": N}}},
     "findings": [{"rule", "severity", "asset", "submission", "field", "row", "value",
                   "message_vi", "message_en", "status"}, ...]}
"""

HELP = help_text(
    f"""Kiểm tra các bản ghi đã lưu theo biểu mẫu và theo quy tắc của chương trình.

    Mỗi biểu mẫu sinh ra bộ kiểm tra riêng (câu bắt buộc, mã lựa chọn, khoảng giá trị,
    dạng dữ liệu, phiếu trùng); các quy tắc nghiệp vụ so điểm trên máy với điểm hệ thống,
    danh sách thành viên với chỉ tiêu, thời gian phỏng vấn. Lỗi được lưu lại: lần chạy sau
    cập nhật, không nhân đôi, và đóng lỗi của bản ghi đã sửa trên máy chủ. Thoát với mã 4
    khi có lỗi mới (để lịch chạy tự động cảnh báo), mã 0 nếu không. Chỉ kiểm tra phần mới
    hoặc đã sửa từ lần trước (--all: kiểm tra lại tất cả); kết quả liệt kê mọi điều phát
    hiện còn mở hoặc đã được chấp nhận. Không có --asset thì kiểm tra mọi dự án trong kho.
    Với --push-status, kết quả được ghi lên KoboToolbox thành trạng thái kiểm duyệt (có lỗi:
    không duyệt; chỉ có cảnh báo: tạm giữ; không có gì: đã duyệt); trạng thái do người đặt
    trên máy chủ được giữ nguyên, trừ khi có --force. Mục "push" chỉ có khi dùng
    --push-status. Dạng JSON (--json):
    {JSON_FORM}""",
    f"""Check the stored submissions against their forms and the programme's rules.

    Each form gets its own generated checks (required answers, choice codes, ranges,
    patterns, duplicate submissions); the domain rules compare the device's score with the
    system's, the roster with the items derived from it, and the interview times. Findings
    are kept: a later run updates them, never twice, and closes those of submissions fixed
    on the server. Exits 4 when new errors appeared (so a scheduled run can alert), 0
    otherwise. Checks only what is new or edited since the last validation (--all checks
    everything again); the output lists every finding still open or accepted. Without
    --asset, checks every asset in the warehouse. With --push-status the outcome is written
    back to KoboToolbox as validation statuses (an error: not approved; only warnings: on
    hold; nothing: approved); a status a person set on the server is left alone unless
    --force. "push" is there only with --push-status. JSON form (--json):
    {JSON_FORM}""",
    "htsd validate --asset gia_dinh --json",
)


def _push_line(label: str, result: PushResult | None, server: str, lang: str) -> str:
    """The line of one asset's push, or why it was not pushed."""
    if result is None:
        return Text(
            f"{label}: không gửi trạng thái kiểm duyệt: dữ liệu của máy chủ {server}, không "
            "phải máy chủ đang dùng",
            f"{label}: no validation statuses sent: its data is from {server}, not the "
            "server in use",
        ).get(lang)
    if "/" in result.asset_uid:  # an ODK Central form (PROJECT/FORM): review states
        rejected, issues, approved = (
            result.sent.get(s, 0) for s in ("rejected", "hasIssues", "approved")
        )
        return Text(
            f"{label}: trạng thái duyệt đã gửi lên ODK Central (kèm bình luận): {rejected} "
            f"từ chối, {issues} cần xem lại, {approved} đã duyệt; {result.unchanged} không "
            f"đổi, {result.kept} do người đặt được giữ nguyên, {result.overridden} bị ghi đè, "
            f"{result.not_on_server} không còn trên máy chủ",
            f"{label}: review states sent to ODK Central (with a comment): {rejected} "
            f"rejected, {issues} has issues, {approved} approved; {result.unchanged} unchanged, "
            f"{result.kept} set by hand kept, {result.overridden} overwritten, "
            f"{result.not_on_server} no longer on the server",
        ).get(lang)
    no, hold, yes = (result.sent.get(s, 0) for s in (NOT_APPROVED, ON_HOLD, APPROVED))
    forced = (
        Text(
            f", {result.overridden} do người đặt đã bị ghi đè (--force)",
            f", {result.overridden} set by hand overwritten (--force)",
        ).get(lang)
        if result.overridden
        else ""
    )
    return Text(
        f"{label}: trạng thái kiểm duyệt đã gửi lên KoboToolbox: {no} không duyệt, {hold} tạm "
        f"giữ, {yes} đã duyệt; {result.unchanged} không đổi, {result.kept} do người đặt được "
        f"giữ nguyên, {result.not_on_server} không còn trên máy chủ{forced}",
        f"{label}: validation statuses sent to KoboToolbox: {no} not approved, {hold} on "
        f"hold, {yes} approved; {result.unchanged} unchanged, {result.kept} set by hand "
        f"kept, {result.not_on_server} no longer on the server{forced}",
    ).get(lang)


@command("validate", help=HELP)
@ASSETS_OPTION
@option(
    "--all",
    "full",
    is_flag=True,
    help=Text(
        "Kiểm tra lại mọi bản ghi, không chỉ phần thay đổi từ lần kiểm tra trước.",
        "Check every submission again, not only what changed since the last validation.",
    ),
)
@option(
    "--push-status",
    is_flag=True,
    help=Text(
        "Sau khi kiểm tra, ghi kết quả lên KoboToolbox thành trạng thái kiểm duyệt của từng "
        "bản ghi (chỉ gửi phần khác với trạng thái đang có).",
        "After checking, write the outcome to KoboToolbox as each submission's validation "
        "status (only what differs from the status there is sent).",
    ),
)
@option(
    "--force",
    is_flag=True,
    help=Text(
        "Cùng --push-status: ghi đè cả trạng thái do người đặt trên máy chủ.",
        "With --push-status: overwrite statuses a person set on the server too.",
    ),
)
@option(
    "--hold-status",
    type=click.Choice(list(HOLD_STATUSES)),
    default=None,
    help=Text(
        "Cùng --push-status: trạng thái của bản ghi chỉ có cảnh báo (mặc định: on_hold).",
        "With --push-status: the status of a submission with only warnings (default: on_hold).",
    ),
)
@option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="PATH",
    help=Text(
        "Ghi trang chất lượng dữ liệu (một tệp HTML, theo huyện và điều tra viên, có liên kết "
        "mở từng bản ghi trên KoboToolbox).",
        "Write the data-quality page (one HTML file, by district and surveyor, with a link "
        "that opens each submission in KoboToolbox).",
    ),
)
@option(
    "--central",
    "to_central",
    is_flag=True,
    help=Text(
        "Với --push-status: ghi lên ODK Central (trạng thái duyệt approved/hasIssues/rejected "
        "và một bình luận liệt kê phát hiện) thay vì KoboToolbox.",
        "With --push-status: write to ODK Central (review states approved/hasIssues/rejected "
        "with a comment listing the findings) instead of KoboToolbox.",
    ),
)
@JSON_OPTION
@pass_app
@handle_errors
def validate_command(
    app: App,
    assets: tuple[str, ...],
    full: bool,
    push_status: bool,
    force: bool,
    hold_status: str | None,
    html_path: Path | None,
    to_central: bool,
    as_json: bool,
) -> None:
    """`htsd validate` (help: HELP)."""
    if (force or hold_status) and not push_status:
        raise click.UsageError(
            Text(
                "--force và --hold-status chỉ dùng cùng --push-status",
                "--force and --hold-status go with --push-status only",
            ).get(app.lang)
        )
    if html_path is not None:
        from validation.quality_page import check_page_path

        check_page_path(html_path)  # a mistyped path is said before validating
    client: pipeline.Source | None = None
    if push_status:  # a bad address first
        client = app.central() if to_central else app.kobo()
    engine = app.engine(must_exist=True)
    run = pipeline.validate(engine, pipeline.stored_assets(engine, assets), full=full)
    pushes: dict[str, PushResult | None] = {}
    if client is not None:
        pushes = pipeline.push_statuses(
            engine, client, run, hold_status=HOLD_STATUSES[hold_status or "on_hold"], force=force
        )
    if html_path is not None:
        written = pipeline.write_quality_page(engine, run, html_path, app.lang, app.form_names)
        if not app.silent:
            click.echo(
                Text(f"Trang chất lượng dữ liệu: {written}", f"Data-quality page: {written}").get(
                    app.lang
                ),
                err=as_json,
            )
    if as_json:
        data = run.as_dict()
        for uid, pushed in pushes.items():
            data["assets"][uid]["push"] = None if pushed is None else pushed.as_dict()
        emit_json(data)
    else:
        for asset in run.assets:
            data = asset.as_dict()
            label = app.asset_label(asset.asset_uid, asset.server)
            click.echo(render.validation_line(label, data, app.lang))
            for rule, count in data["by_rule"].items():
                click.echo(f"  {rule}: {count}")
            for key, title in (
                ("by_district", Text("theo huyện (mã)", "by district (code)")),
                ("by_surveyor", Text("theo điều tra viên", "by surveyor")),
            ):
                if data[key]:
                    counts = ", ".join(f"{k}: {n}" for k, n in data[key].items())
                    click.echo(f"  {title.get(app.lang)}: {counts}")
            if asset.asset_uid in pushes:
                pushed = pushes[asset.asset_uid]
                click.echo(_push_line(label, pushed, asset.server, app.lang))
    if run.new_errors:
        click.get_current_context().exit(NEW_ERRORS_EXIT)


COMMANDS = [validate_command]
