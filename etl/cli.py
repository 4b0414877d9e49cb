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

from etl.commands.common import App, current_lang, guarded
from etl.commands.i18n import HtsdGroup, help_text, option, version_option
from etl.config import load_settings
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
    "validate": "validate",
}


def _module(name: str) -> Any:
    return importlib.import_module(f"etl.commands.{name}")


class RootGroup(HtsdGroup):
    """The root group: an HtsdError or Ctrl-C from any subcommand becomes one line and an
    exit code (common.guarded). Its options are global: accepted after the subcommand too
    (i18n.prescan). Its commands are loaded when first asked for (COMMAND_MODULES)."""

    def invoke(self, ctx: click.Context) -> Any:
        return guarded(current_lang, lambda: super(RootGroup, self).invoke(ctx))

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
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings(config, database_url=database_url, language=lang)
    ctx.obj = App(settings=settings, silent=silent)
