"""`htsd validate`: check the stored submissions against their forms and the programme's
rules, and keep what is found."""

from __future__ import annotations

import click

from etl import pipeline
from etl.commands.common import (
    ASSETS_OPTION,
    JSON_OPTION,
    App,
    emit_json,
    handle_errors,
    pass_app,
)
from etl.commands.i18n import command, help_text
from forms.text import Text

NEW_ERRORS_EXIT = 4

JSON_FORM = """
    \b
    {"run_id": N, "new_errors": N,
     "assets": {"<uid>": {"checked": N, "findings": N, "errors": N, "by_rule": {...},
                          "by_district": {...}, "by_surveyor": {...},
                          "new": N, "new_errors": N, "closed": N}},
     "findings": [{"rule", "severity", "asset", "submission", "field", "row", "value",
                   "message_vi", "message_en"}, ...]}
"""

HELP = help_text(
    f"""Kiểm tra các bản ghi đã lưu theo biểu mẫu và theo quy tắc của chương trình.

    Mỗi biểu mẫu sinh ra bộ kiểm tra riêng (câu bắt buộc, mã lựa chọn, khoảng giá trị,
    dạng dữ liệu, phiếu trùng); các quy tắc nghiệp vụ so điểm trên máy với điểm hệ thống,
    danh sách thành viên với chỉ tiêu, thời gian phỏng vấn. Lỗi được lưu lại: lần chạy sau
    cập nhật, không nhân đôi, và đóng lỗi của bản ghi đã sửa trên máy chủ. Thoát với mã 4
    khi có lỗi mới (để lịch chạy tự động cảnh báo), mã 0 nếu không. Không có --asset thì
    kiểm tra mọi dự án trong kho. Dạng JSON (--json):
    {JSON_FORM}""",
    f"""Check the stored submissions against their forms and the programme's rules.

    Each form gets its own generated checks (required answers, choice codes, ranges,
    patterns, duplicate submissions); the domain rules compare the device's score with the
    system's, the roster with the items derived from it, and the interview times. Findings
    are kept: a later run updates them, never twice, and closes those of submissions fixed
    on the server. Exits 4 when new errors appeared (so a scheduled run can alert), 0
    otherwise. Without --asset, checks every asset in the warehouse. JSON form (--json):
    {JSON_FORM}""",
    "htsd validate --asset gia_dinh --json",
)


@command("validate", help=HELP)
@ASSETS_OPTION
@JSON_OPTION
@pass_app
@handle_errors
def validate_command(app: App, assets: tuple[str, ...], as_json: bool) -> None:
    """`htsd validate` (help: HELP)."""
    engine = app.engine(must_exist=True)
    run = pipeline.validate(engine, pipeline.stored_assets(engine, assets))
    if as_json:
        emit_json(run.as_dict())
    else:
        for asset in run.assets:
            data = asset.as_dict()
            label = app.asset_label(asset.asset_uid, asset.server)
            click.echo(
                Text(
                    f"{label}: đã kiểm tra {data['checked']} bản ghi, {data['findings']} điều "
                    f"phát hiện ({data['errors']} lỗi cần sửa, còn lại là cảnh báo), "
                    f"{data['new']} mới, {data['closed']} đã được sửa",
                    f"{label}: {data['checked']} submissions checked, {data['findings']} "
                    f"findings ({data['errors']} errors to fix, the rest warnings), "
                    f"{data['new']} new, {data['closed']} fixed",
                ).get(app.lang)
            )
            for rule, count in data["by_rule"].items():
                click.echo(f"  {rule}: {count}")
            for key, title in (
                ("by_district", Text("theo huyện (mã)", "by district (code)")),
                ("by_surveyor", Text("theo điều tra viên", "by surveyor")),
            ):
                if data[key]:
                    counts = ", ".join(f"{k}: {n}" for k, n in data[key].items())
                    click.echo(f"  {title.get(app.lang)}: {counts}")
    if run.new_errors:
        click.get_current_context().exit(NEW_ERRORS_EXIT)


COMMANDS = [validate_command]
