"""`htsd review`: the submissions the validation holds back, and a data manager's decision
to accept or reject one."""

from __future__ import annotations

import getpass

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
from etl.commands.i18n import HtsdGroup, help_text, option
from forms.text import Text
from validation.review import ACCEPT, REJECT, REJECTED

review_group = HtsdGroup(
    "review",
    help=help_text(
        """Bản ghi bị giữ lại: xem danh sách, chấp nhận hoặc loại.

        Bản ghi có lỗi chưa sửa bị giữ ngoài điểm số và báo cáo cho đến khi được sửa trên
        KoboToolbox (lần đồng bộ sau kiểm tra lại) hoặc được cán bộ quản lý dữ liệu chấp
        nhận. Mỗi quyết định ghi lại ai, lúc nào, vì sao; quyết định sau cùng có hiệu lực
        và được giữ qua htsd rebuild.
        """,
        """Held submissions: list them, accept or reject one.

        A submission with an unfixed error is held out of the scores and the report until
        it is fixed in KoboToolbox (the next sync checks it again) or a data manager accepts
        it. Each decision records who, when and why; the latest one counts, and decisions
        are kept through htsd rebuild.
        """,
        "htsd review list --asset gia_dinh",
    ),
)

_reason = option(
    "--reason",
    required=True,
    help=Text("Lý do của quyết định (bắt buộc).", "Why (required)."),
)
_by = option(
    "--by",
    "decided_by",
    default=None,
    help=Text(
        "Người quyết định (mặc định: tên người dùng trên máy).",
        "Who decides (default: the user name on this computer).",
    ),
)


def _decide(
    app: App,
    decision: str,
    submission: int,
    reason: str,
    decided_by: str | None,
    assets: tuple[str, ...],
    as_json: bool,
) -> None:
    engine = app.engine(must_exist=True)
    chosen = pipeline.stored_assets(engine, assets) if assets else []
    by = decided_by or getpass.getuser()
    result = pipeline.review(engine, submission, decision, reason, by, chosen)
    if as_json:
        emit_json(result.as_dict())
        return
    label = app.asset_label(result.asset_uid, result.server)
    click.echo(render.decision_line(label, result, app.lang))


def _decision_command(decision: str, vi: str, en: str) -> click.Command:
    """`htsd review accept` or `htsd review reject`: the same arguments, one decision."""

    @review_group.command(
        decision,
        help=help_text(vi, en, f'htsd review {decision} 1234 --reason "$REASON" --by qldl_bakan'),
    )
    @click.argument("submission", type=int, metavar="_ID")
    @_reason
    @_by
    @ASSETS_OPTION
    @JSON_OPTION
    @pass_app
    @handle_errors
    def decide_command(
        app: App,
        submission: int,
        reason: str,
        decided_by: str | None,
        assets: tuple[str, ...],
        as_json: bool,
    ) -> None:
        _decide(app, decision, submission, reason, decided_by, assets, as_json)

    return decide_command


accept_command = _decision_command(
    ACCEPT,
    "Chấp nhận một bản ghi bị giữ lại mà không cần sửa (ví dụ: số liệu đúng dù bất thường).",
    "Accept a held submission without a fix (e.g. an unusual but true answer).",
)
reject_command = _decision_command(
    REJECT,
    "Loại hẳn một bản ghi: không bao giờ vào điểm số và báo cáo.",
    "Reject a submission for good: it never reaches the scores or the report.",
)


@review_group.command(
    "list",
    help=help_text(
        "Liệt kê các bản ghi đang bị giữ lại và lỗi của chúng.",
        "List the held submissions and their findings.",
        "htsd review list --asset gia_dinh",
    ),
)
@ASSETS_OPTION
@JSON_OPTION
@pass_app
@handle_errors
def list_command(app: App, assets: tuple[str, ...], as_json: bool) -> None:
    """`htsd review list`."""
    engine = app.engine(must_exist=True)
    held = pipeline.held(engine, pipeline.stored_assets(engine, assets))
    if as_json:
        emit_json({"assets": {uid: submissions for (_server, uid), submissions in held.items()}})
        return
    for (server, uid), submissions in held.items():
        label = app.asset_label(uid, server)
        click.echo(
            Text(
                f"{label}: {len(submissions)} bản ghi bị giữ lại",
                f"{label}: {len(submissions)} submissions held",
            ).get(app.lang)
        )
        for item in submissions:
            if item["state"] == REJECTED:
                click.echo(
                    Text(
                        f"  {item['submission']}: đã bị loại", f"  {item['submission']}: rejected"
                    ).get(app.lang)
                )
            for finding in item["findings"]:
                message = finding["message_vi"] if app.lang == "vi" else finding["message_en"]
                click.echo(
                    f"  {item['submission']} [{finding['rule']}] {finding['field_path']}: {message}"
                )


COMMANDS = [review_group]
