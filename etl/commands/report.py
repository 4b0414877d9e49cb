"""`htsd report`: the steering committee's report for one year (HTML, PDF for A4, Excel)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import JSON_OPTION, App, emit_json, handle_errors, pass_app
from etl.commands.i18n import command, help_text, option
from forms.targets import REMOTE_READINGS
from forms.text import Text

HELP = help_text(
    """Viết báo cáo của Ban chỉ đạo cho một năm: HTML, PDF khổ A4 và Excel.

    Tỷ lệ công nhận từng danh hiệu theo xã, huyện và toàn tỉnh so với chỉ tiêu của văn
    bản áp dụng cho năm đó, trong các đơn vị hành chính của năm (122 xã đến 2019, 108 xã
    2020–2024, 37 xã, phường của tỉnh Thái Nguyên từ 2025); tình hình Trung tâm học tập
    cộng đồng, các hoạt động của kế hoạch, tập huấn cán bộ; các lưu ý về chất lượng số
    liệu. Chỉ có số liệu tổng hợp, không có thông tin cá nhân; bản ghi bị giữ lại không
    được tính.
    """,
    """Write the steering committee's report for one year: HTML, PDF for A4 and Excel.

    Recognition rates per title by commune, district and province against the targets of
    the document that applies to the year, in the administrative units of that year (122
    communes until 2019, 108 in 2020-2024, the 37 communes and wards of Thai Nguyen from
    2025); the Community Learning Centres, the plan's activities, cadre training; the
    data-quality caveats. Aggregates only, no personal data; held submissions are not
    counted.
    """,
    "htsd report --year 2024 --out reports",
)


@command("report", help=HELP)
@option(
    "--year",
    type=click.IntRange(2014, 2035),
    default=None,
    help=Text("Năm báo cáo (mặc định: năm trước).", "The report year (default: last year)."),
)
@option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("bao-cao"),
    show_default=True,
    help=Text("Thư mục ghi báo cáo.", "The folder to write the report into."),
)
@option(
    "--no-pdf",
    is_flag=True,
    help=Text("Không viết bản PDF (không cần Chromium).", "Skip the PDF (no Chromium needed)."),
)
@option(
    "--remote-reading",
    type=click.Choice(REMOTE_READINGS),
    default=REMOTE_READINGS[0],
    show_default=True,
    help=Text(
        "Cách hiểu 'giảm 10%' ở xã đặc biệt khó khăn: điểm phần trăm (points) hay tương đối "
        "(relative).",
        "How '10% lower' in remote communes is read: percentage points or relative.",
    ),
)
@JSON_OPTION
@pass_app
@handle_errors
def report_command(
    app: App,
    year: int | None,
    out_dir: Path,
    no_pdf: bool,
    remote_reading: str,
    as_json: bool,
) -> None:
    """`htsd report` (help: HELP)."""
    this_year = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).year
    if year is not None and year > this_year:
        message = Text(
            f"năm {year} chưa tới (năm nay là {this_year}): chọn một năm đến {this_year}",
            f"{year} has not come yet (this is {this_year}): choose a year up to {this_year}",
        )
        raise click.BadParameter(message.get(app.lang), param_hint="'--year'")
    chosen = year or dt.date.today().year - 1
    result = pipeline.report(
        app.engine(must_exist=True),
        chosen,
        out_dir,
        lang=app.lang,
        pdf=not no_pdf,
        remote_reading=remote_reading,
    )
    if as_json:
        emit_json(result.as_dict())
        return
    for line in render.report_lines(result, app.lang):
        click.echo(line)


COMMANDS = [report_command]
