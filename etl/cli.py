"""The `htsd` command line. Commands parse flags, call the library and print; errors meant for a
person are `HtsdError`s, printed as one line `Lỗi [CODE] where: what — fix` (exit code 1, or
3 for a server or network failure worth retrying from cron). No database logic lives here.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click
from click import core as click_core

from etl.commands.i18n import HtsdGroup, help_text, option, run_lang, version_option
from forms.text import Text

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# command name → the module of etl.commands defining it (its COMMANDS). A command's module
# is imported when the command is run, so `htsd sync` never pays for pyxform, pandas or the
# report's chart libraries; `htsd --help` imports them all.
COMMAND_MODULES = {
    "db": "db",
    "demo": "demo",
    "export": "export",
    "forms": "forms",
    "import": "importer",
    "rebuild": "warehouse",
    "reference": "reference",
    "report": "report",
    "review": "review",
    "serve-central": "central",
    "serve-kobo": "kobo",
    "status": "status",
    "sync": "sync",
    "users": "users",
    "validate": "validate",
    "web": "web",
}


# each command's summary (the first paragraph of its help), so that `htsd --help` lists the
# commands without importing them; tests/test_cli_help.py checks it against the commands
SUMMARIES = {
    "db": Text(
        "Bảo trì kho dữ liệu.",
        "Warehouse maintenance.",
    ),
    "demo": Text(
        "Chạy trọn một năm đánh giá của tỉnh trên dữ liệu tạo sẵn: không cần tài khoản, không"
        " cần mạng, không cần cấu hình.",
        "Run a whole province-year on generated data: no account, no network, no configuration.",
    ),
    "export": Text(
        "Xuất câu trả lời của một biểu mẫu kèm nhãn.",
        "Export a form's answers with their labels.",
    ),
    "forms": Text(
        "Biểu mẫu: dựng, kiểm tra, liệt kê, triển khai.",
        "Forms: build, check, list and deploy them.",
    ),
    "import": Text(
        "Nhập tệp JSON xuất từ KoboToolbox hoặc các trang dữ liệu API đã lưu (ví dụ từ USB).",
        "Import a KoboToolbox JSON export or saved API data pages (e.g. from a USB stick).",
    ),
    "rebuild": Text(
        "Dựng lại các bảng dữ liệu từ bản ghi gốc đã lưu.",
        "Recreate the typed tables from the raw data stored.",
    ),
    "reference": Text(
        "Sổ số liệu nền (mẫu số của tỷ lệ từng danh hiệu): nhập từ Excel, ghi tệp mẫu.",
        "The registry of denominators (what each title's rate is a share of): import it from"
        " Excel, write a template.",
    ),
    "report": Text(
        "Viết báo cáo của Ban chỉ đạo cho một năm: HTML, PDF khổ A4 và Excel.",
        "Write the steering committee's report for one year: HTML, PDF for A4 and Excel.",
    ),
    "review": Text(
        "Bản ghi bị giữ lại: xem danh sách, chấp nhận hoặc loại.",
        "Held submissions: list them, accept or reject one.",
    ),
    "serve-central": Text(
        "Chạy một máy chủ ODK Central cục bộ (API v1, OData) với bản ghi tạo sẵn, đến khi bị dừng.",
        "Serve a local ODK Central (API v1, OData) with generated submissions until interrupted.",
    ),
    "serve-kobo": Text(
        "Chạy một máy chủ KoboToolbox cục bộ (API v2) với bản ghi tạo sẵn, đến khi bị dừng.",
        "Serve a local KoboToolbox (API v2) with generated submissions until interrupted.",
    ),
    "status": Text(
        "Cho biết kho dữ liệu đang giữ bao nhiêu bản ghi của từng dự án và lần chạy cuối.",
        "Show, per asset, the submissions stored and the last run.",
    ),
    "sync": Text(
        "Tải bản ghi từ KoboToolbox vào kho dữ liệu, chỉ phần mới hoặc đã đổi.",
        "Pull submissions from KoboToolbox into the warehouse, incrementally.",
    ),
    "users": Text(
        "Người dùng của ứng dụng web (htsd web): thêm, khóa, đổi mật khẩu, liệt kê.",
        "Users of the web app (htsd web): add, disable, change a password, list.",
    ),
    "validate": Text(
        "Kiểm tra các bản ghi đã lưu theo biểu mẫu và theo quy tắc của chương trình.",
        "Check the stored submissions against their forms and the programme's rules.",
    ),
    "web": Text(
        "Chạy ứng dụng web: hàng đợi rà soát, trang bản ghi, tình hình đồng bộ, báo cáo.",
        "Serve the web app: the review queue, submission pages, sync status, reports.",
    ),
}


def _module(name: str) -> Any:
    return importlib.import_module(f"etl.commands.{name}")


class RootGroup(HtsdGroup):
    """The root group: an HtsdError or Ctrl-C from any subcommand becomes one line and an
    exit code (common.guarded). Its options are global: accepted after the subcommand too
    (i18n.prescan). Its commands are loaded when first asked for (COMMAND_MODULES)."""

    def invoke(self, ctx: click.Context) -> Any:
        from etl.commands.common import current_lang, guarded

        return guarded(current_lang, lambda: super(RootGroup, self).invoke(ctx))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list of commands, as click writes it, from their summaries: a command not
        loaded yet stays so."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = []
        for name in names:
            loaded = self.commands.get(name)
            if loaded is not None:
                if not loaded.hidden:
                    rows.append((name, loaded.get_short_help_str(limit)))
            else:
                summary = click.Command(name, help=SUMMARIES[name].get(run_lang()))
                rows.append((name, summary.get_short_help_str(limit)))
        if rows:
            with formatter.section(click_core._("Commands")):
                formatter.write_dl(rows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            self._load(cmd_name)
        return self.commands.get(cmd_name)

    def _load(self, name: str) -> None:
        if name == "forms":  # `htsd forms` also holds deploy and drift
            forms = _module("forms")
            forms.forms_group.add_command(_module("deploy").deploy_command)
            forms.forms_group.add_command(_module("warehouse").drift_command)
            self.add_command(forms.forms_group)
            return
        for command in _module(COMMAND_MODULES[name]).COMMANDS:
            if command.name == name:
                self.add_command(command)

    def load_all(self) -> RootGroup:
        """Every command loaded (for listings of all commands, and the tests)."""
        for name in COMMAND_MODULES:
            self.get_command(click.Context(self), name)
        return self


HELP = help_text(
    """htsd — dữ liệu phong trào học tập suốt đời của tỉnh Bắc Kạn.

    Dựng các biểu mẫu khảo sát, tải bản ghi từ KoboToolbox, kiểm tra và báo cáo cho ban chỉ
    đạo. Cấu hình: htsd.toml, HTSD_DATABASE_URL, KOBOTOOLBOX_URL, KOBOTOOLBOX_TOKEN (chỉ
    đặt bằng biến môi trường). Các tùy chọn dưới đây dùng được cả sau tên lệnh.
    """,
    """htsd — data of the lifelong-learning programme of Bắc Kạn province.

    Builds the survey forms, pulls submissions from KoboToolbox, validates them and reports
    to the steering committee. Configuration: htsd.toml, HTSD_DATABASE_URL, KOBOTOOLBOX_URL,
    KOBOTOOLBOX_TOKEN (environment only). The options below may follow the command name too.
    """,
    "htsd demo",
)


@click.group(cls=RootGroup, context_settings=CONTEXT, help=HELP)
@option(
    "--config",
    "config",
    metavar="PATH",
    help=Text(
        "Tệp htsd.toml cần dùng (nếu không: HTSD_CONFIG).", "htsd.toml to use (else HTSD_CONFIG)."
    ),
)
@option(
    "--database-url",
    metavar="URL",
    help=Text(
        "Địa chỉ kho dữ liệu (nếu không: HTSD_DATABASE_URL).",
        "Warehouse URL (else HTSD_DATABASE_URL).",
    ),
)
@option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    help=Text(
        "Ngôn ngữ hiển thị (nếu không: HTSD_LANG, rồi language trong htsd.toml; mặc định vi).",
        "Language of messages and help (else HTSD_LANG, then language in htsd.toml; default vi).",
    ),
)
@option(
    "-v",
    "--verbose",
    count=True,
    help=Text(
        "Ghi thêm nhật ký ra stderr (-vv: chi tiết để gỡ lỗi).",
        "More log output on stderr (-vv for debug).",
    ),
)
@option(
    "--silent",
    is_flag=True,
    help=Text("Không hiện tiến độ trên stderr.", "No progress output on stderr."),
)
@version_option("0.1.0", prog_name="htsd")
@click.pass_context
def main(
    ctx: click.Context,
    config: str | None,
    database_url: str | None,
    lang: str | None,
    verbose: int,
    silent: bool,
) -> None:
    """The root: logging, then the settings every command gets (help: HELP)."""
    from etl.commands.common import App
    from etl.config import load_settings

    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    # psycopg warns when it tidies up after an error the command reports in its own line
    logging.getLogger("psycopg").setLevel(level if verbose else logging.ERROR)
    settings = load_settings(config, database_url=database_url, language=lang)
    ctx.obj = App(settings=settings, silent=silent)
