"""One language per run: the command line's help, click's own words and every message.

The language of a run is decided before click parses anything (`prescan`): `--lang X` or
`--lang=X` wherever it is typed, else `HTSD_LANG`, else `language` in the htsd.toml in use
(a config file that cannot be read counts as none: load_settings reports it, in the language
decided here), else Vietnamese. The pre-scan also moves the global options (`--lang`,
`--config`, `--database-url`, `-v`/`--verbose`, `--silent`) typed after the subcommand name
to the front, so `htsd status --lang en` works as `htsd --lang en status`; an option the
subcommand itself defines under the same name stays the subcommand's.

Help texts are `Text(vi, en)` objects held by the classes below (`HtsdCommand`, `HtsdGroup`,
`HtsdOption`) and resolved in the run's language when help is formatted. Click's own words
("Usage:", "Options:", "No such option"...) go through gettext in click; while an htsd
command runs, click's gettext functions are answered from `CLICK_VI` in Vietnamese (and left
as they are in English).
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, overload

import click

from forms.text import Text

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"

EXAMPLE = Text("Ví dụ:", "Example:")
SHOW_HELP = Text("Hiện hướng dẫn này rồi thoát.", "Show this message and exit.")
SHOW_VERSION = Text("Hiện phiên bản rồi thoát.", "Show the version and exit.")
OPTIONS_METAVAR = Text("[TÙY CHỌN]", "[OPTIONS]")
COMMAND_METAVAR = Text("LỆNH [THAM SỐ]...", "COMMAND [ARGS]...")

F = TypeVar("F", bound=Callable[..., Any])

_running: list[str] = []  # the language of each htsd command running (innermost last)


# -- the language of the run ----------------------------------------------------------------


def run_lang() -> str:
    """The language of the running command: its root context object's `lang` (the resolved
    settings) once set, else the language pre-scanned for this run, else the one of the
    environment and the config file."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        lang = getattr(ctx.find_root().obj, "lang", None)
        if lang in LANGS:
            return str(lang)
    if _running:
        return _running[-1]
    return detect_lang(None, None, os.environ)


def _valid(value: object) -> str | None:
    return value if isinstance(value, str) and value in LANGS else None


def config_lang(config: str | None, env: Mapping[str, str]) -> str | None:
    """`language` of the htsd.toml in use (`--config`, HTSD_CONFIG, ./htsd.toml); None when
    there is none, it cannot be read or the value is not a language."""
    path = Path(config or env.get("HTSD_CONFIG") or "htsd.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, tomllib.TOMLDecodeError):
        return None
    return _valid(data.get("language"))


def detect_lang(flag: str | None, config: str | None, env: Mapping[str, str]) -> str:
    """--lang > HTSD_LANG > htsd.toml `language` > vi (what load_settings resolves too)."""
    return _valid(flag) or _valid(env.get("HTSD_LANG")) or config_lang(config, env) or DEFAULT_LANG


# -- the pre-scan of argv -------------------------------------------------------------------


def _options(command: click.Command) -> dict[str, click.Option]:
    """Every option name of a command (`--lang`, `-v`...) → the option."""
    table: dict[str, click.Option] = {}
    for param in command.params:
        if isinstance(param, click.Option):
            for name in (*param.opts, *param.secondary_opts):
                table[name] = param
    return table


def _takes_value(option: click.Option) -> bool:
    return not (option.is_flag or option.count)


_REPEATED_SHORT = re.compile(r"^-([A-Za-z])\1*$")  # -v, -vv, -vvv


def _match(token: str, table: Mapping[str, click.Option]) -> tuple[click.Option | None, bool]:
    """The option a token names in `table` and whether its value is inline (`--lang=en`)."""
    if not token.startswith("-") or token in ("-", "--"):
        return None, False
    if token.startswith("--") and "=" in token:
        return table.get(token.split("=", 1)[0]), True
    if token in table:
        return table[token], False
    repeated = _REPEATED_SHORT.match(token) if len(token) > 2 else None
    if repeated:
        option = table.get("-" + repeated.group(1))
        if option is not None and option.count:
            return option, False
    return None, False


def _named(root: click.Command, name: str) -> click.Option | None:
    return next((p for p in root.params if isinstance(p, click.Option) and p.name == name), None)


def _value_of(option: click.Option | None, tokens: Sequence[str]) -> str | None:
    """The last value given to `option` in root-level tokens."""
    if option is None:
        return None
    table = {name: option for name in (*option.opts, *option.secondary_opts)}
    value = None
    for i, token in enumerate(tokens):
        found, inline = _match(token, table)
        if found is None:
            continue
        if inline:
            value = token.split("=", 1)[1]
        elif i + 1 < len(tokens):
            value = tokens[i + 1]
    return value


def prescan(
    root: click.Command, argv: Sequence[str], env: Mapping[str, str] | None = None
) -> tuple[list[str], str]:
    """argv with the global options typed after the subcommand moved before it, and the
    language of the run. Global options are the root's own options that take no early
    action (not --version); a subcommand's option of the same name is left to it."""
    env = os.environ if env is None else env
    args = list(argv)
    root_table = _options(root)
    shared = (  # the options that may follow the subcommand name
        {name: option for name, option in root_table.items() if not option.is_eager}
        if isinstance(root, click.Group)
        else {}
    )
    i = 0  # the root's own tokens come first
    while i < len(args) and args[i].startswith("-") and args[i] not in ("-", "--"):
        option, inline = _match(args[i], root_table)
        i += 1
        if option is not None and _takes_value(option) and not inline:
            i += 1
    start = min(i, len(args))
    moved: list[str] = []
    kept: list[str] = []
    command = root
    own: dict[str, click.Option] = {}
    k = start
    while k < len(args):
        token = args[k]
        if token == "--":
            kept.extend(args[k:])
            break
        if isinstance(command, click.Group) and not token.startswith("-"):
            sub = command.commands.get(token)
            kept.append(token)
            k += 1
            if sub is None:  # unknown: click says so, in the language asked for after it
                sub = click.Command(token)
            command = sub
            own.update(_options(sub))
            continue
        option, inline = _match(token, own)
        target = kept
        if option is None:
            option, inline = _match(token, shared)
            target = moved if option is not None else kept
        target.append(token)
        k += 1
        if option is not None and _takes_value(option) and not inline and k < len(args):
            target.append(args[k])
            k += 1
    head = args[:start] + moved
    flag = _value_of(_named(root, "lang"), head)
    config = _value_of(_named(root, "config"), head)
    return head + kept, detect_lang(flag, config, env)


# -- click's own words ----------------------------------------------------------------------

CLICK_VI: dict[str, str] = {
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Tham số",
    "Show this message and exit.": SHOW_HELP.vi,
    "Show the version and exit.": SHOW_VERSION.vi,
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Xem hướng dẫn: '{command} {option}'.",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "Did you mean {possibility}?": "Có phải ý bạn là {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải ý bạn là một trong: {possibilities}?)",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing {param_type}": "Thiếu giá trị",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Missing command.": "Thiếu lệnh.",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Got unexpected extra argument ({args})": "Thừa tham số ({args})",
    "Got unexpected extra arguments ({args})": "Thừa tham số ({args})",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Option {name!r} requires an argument.": "Tùy chọn {name!r} cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "Tùy chọn {name!r} cần {nargs} giá trị.",
    "Argument {name!r} takes {nargs} values.": "Tham số {name!r} nhận {nargs} giá trị.",
    "Takes {nargs} values but 1 was given.": "Cần {nargs} giá trị nhưng chỉ có 1.",
    "Takes {nargs} values but {len} were given.": "Cần {nargs} giá trị nhưng có {len}.",
    "Value must be an iterable.": "Giá trị phải là một dãy.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "{value!r} is not {choice}.": "{value!r} không phải là {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} không thuộc các giá trị {choices}.",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải là một số hợp lệ.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} không phải giá trị đúng/sai hợp lệ. Các giá trị được nhận: {states}"
    ),
    "{value!r} is not a valid UUID.": "{value!r} không phải là UUID hợp lệ.",
    "{value!r} does not match the format {format}.": "{value!r} không khớp định dạng {format}.",
    "{value!r} does not match the formats {formats}.": (
        "{value!r} không khớp các định dạng {formats}."
    ),
    "{len_type} values are required, but {len_value} was given.": (
        "Cần {len_type} giá trị, nhưng có {len_value}."
    ),
    "{len_type} values are required, but {len_value} were given.": (
        "Cần {len_type} giá trị, nhưng có {len_value}."
    ),
    "{name} {filename!r} does not exist.": "Đường dẫn {filename!r} không tồn tại.",
    "{name} {filename!r} is a file.": "{filename!r} là một tệp, không phải thư mục.",
    "{name} {filename!r} is a directory.": "{filename!r} là một thư mục, không phải tệp.",
    "{name} {filename!r} is not readable.": "Không đọc được {filename!r}.",
    "{name} {filename!r} is not writable.": "Không ghi được vào {filename!r}.",
    "{name} {filename!r} is not executable.": "Không chạy được {filename!r}.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "default: {default}": "mặc định: {default}",
    "env var: {var}": "biến môi trường: {var}",
    "required": "bắt buộc",
    "(dynamic)": "(tùy lúc chạy)",
    "deprecated": "không còn dùng",
    "Aborted!": "Đã hủy!",
    "unknown error": "lỗi không xác định",
    "Do you want to continue?": "Tiếp tục không?",
    "Confirm the action without prompting.": "Xác nhận luôn, không hỏi lại.",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai giá trị đã nhập không khớp nhau.",
    "Error: invalid input": "Lỗi: giá trị nhập không hợp lệ",
    "Press any key to continue...": "Nhấn phím bất kỳ để tiếp tục...",
}
"""Click's msgids (its English text) → Vietnamese. tests/test_languages_cli.py checks that
each one is still a msgid of the installed click."""

CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui")


def _translating() -> bool:
    if _running:
        return True
    ctx = click.get_current_context(silent=True)
    return ctx is not None and isinstance(ctx.find_root().command, _HtsdCommandMixin)


def click_gettext(message: str) -> str:
    """click's `_()` while htsd runs: Vietnamese from CLICK_VI when the run is in vi."""
    if _translating() and run_lang() == "vi":
        return CLICK_VI.get(message, message)
    return message


def click_ngettext(singular: str, plural: str, n: int) -> str:
    return click_gettext(singular if n == 1 else plural)


def install_click_translation() -> None:
    """Point click's gettext functions at ours (click looks them up at every call)."""
    for name in CLICK_MODULES:
        module = sys.modules.get(f"click.{name}")
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = click_gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = click_ngettext  # type: ignore[attr-defined]


install_click_translation()


# -- help in the run's language -------------------------------------------------------------


class Localized:
    """An attribute holding a str or a `Text`, read as text in the run's language."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}_localized"

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Localized: ...
    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> str | None: ...
    def __get__(self, obj: object | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__.get(self.slot)
        if isinstance(value, Text):
            return inspect.cleandoc(value.get(run_lang()))
        return value

    def __set__(self, obj: object, value: str | Text | None) -> None:
        obj.__dict__[self.slot] = value


def help_text(vi: str, en: str, example: str) -> Text:
    """A command's help: its summary and details in each language, then its example line
    (kept on one line: `\\b` stops click from rewrapping it)."""
    return Text(
        f"{inspect.cleandoc(vi)}\n\n\b\n{EXAMPLE.vi} {example}",
        f"{inspect.cleandoc(en)}\n\n\b\n{EXAMPLE.en} {example}",
    )


class _HtsdCommandMixin(click.Command):
    """What HtsdCommand and HtsdGroup share: help resolved in the run's language, click's
    usage line and help option in it too, the pre-scan when run as a program."""

    help = Localized()
    short_help = Localized()
    epilog = Localized()

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = SHOW_HELP.get(run_lang())
        return option

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = super().collect_usage_pieces(ctx)
        lang = run_lang()
        return [
            OPTIONS_METAVAR.get(lang)
            if piece == OPTIONS_METAVAR.en
            else COMMAND_METAVAR.get(lang)
            if piece == COMMAND_METAVAR.en
            else piece
            for piece in pieces
        ]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:  # the command run as a program: global options to the front
            args, _lang = prescan(self, args)
        return super().parse_args(ctx, args)

    def main(self, args: Sequence[str] | None = None, *rest: Any, **extra: Any) -> Any:
        """Run as a program, in the language the pre-scan decides for this run."""
        _, lang = prescan(self, sys.argv[1:] if args is None else args)
        _running.append(lang)
        try:
            return super().main(args, *rest, **extra)
        finally:
            _running.pop()


class HtsdCommand(_HtsdCommandMixin, click.Command):
    """A command whose help (a `Text`) is shown in the run's language."""


class HtsdGroup(_HtsdCommandMixin, click.Group):
    """A group whose help (a `Text`) is shown in the run's language; its commands and
    subgroups are HtsdCommand / HtsdGroup by default."""

    command_class = HtsdCommand
    group_class = type


class HtsdOption(click.Option):
    """An option whose help (a `Text`) is shown in the run's language."""

    help = Localized()

    def __init__(
        self, param_decls: Sequence[str] | None = None, help: str | Text | None = None, **attrs: Any
    ) -> None:
        super().__init__(param_decls, help=None if isinstance(help, Text) else help, **attrs)
        if isinstance(help, Text):
            self.help = help


def option(*param_decls: str, help: Text, **attrs: Any) -> Callable[[F], F]:
    """`click.option` with a help text in both languages."""
    return click.option(*param_decls, cls=HtsdOption, help=help, **attrs)


def command(name: str, help: Text, **attrs: Any) -> Callable[[Callable[..., Any]], HtsdCommand]:
    """`click.command` with a help text in both languages."""
    return click.command(name, cls=HtsdCommand, help=help, **attrs)


def group(name: str, help: Text, **attrs: Any) -> Callable[[Callable[..., Any]], HtsdGroup]:
    """`click.group` with a help text in both languages."""
    return click.group(name, cls=HtsdGroup, help=help, **attrs)


def version_option(version: str, prog_name: str) -> Callable[[F], F]:
    """`--version`, its help and its line in the run's language."""

    def show(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value and not ctx.resilient_parsing:
            said = Text(f"{prog_name}, phiên bản {version}", f"{prog_name}, version {version}")
            click.echo(said.get(run_lang()))
            ctx.exit()

    return option(
        "--version",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=show,
        help=SHOW_VERSION,
    )
