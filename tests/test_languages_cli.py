"""One language per run (issue 10, "Must show" item 4).

With `--lang en` (before or after the subcommand) or HTSD_LANG=en, nothing a person reads is
Vietnamese: every command's help, click's own words, usage errors, every coded error of the
catalogue, configuration errors, `htsd status`. With the default language nothing is an
English sentence. Vietnamese is recognised by its letters (ă â đ ê ô ơ ư, and any combining
accent on a Latin letter, found with unicodedata); English by ~50 common function words
matched as whole words, after code-like tokens (options, paths, file names, metavars,
environment variables, backticks, the example lines) are taken out.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import string
import subprocess
import sys
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from rich.console import Console

import validation.batch  # noqa: F401 - registers its error family
from etl.cli import main
from etl.commands import i18n, render
from forms.errors import ErrorCode, HtsdError, all_codes
from forms.text import Text
from tests.helpers import command_paths
from warehouse.db import make_engine
from warehouse.migrate import upgrade
from warehouse.runlog import last_run, logged_run

HTSD = str(Path(sys.executable).parent / "htsd")  # the installed console script

VIETNAMESE_LETTERS = set("ăâđêôơưĂÂĐÊÔƠƯ")
PROPER_NAMES = ("Bắc Kạn",)  # a place name keeps its spelling in English
ENGLISH_WORDS = {
    "the", "and", "of", "is", "are", "not", "with", "for", "from", "this", "that", "these",
    "show", "run", "use", "each", "every", "when", "else", "only", "or", "be", "by", "at",
    "it", "its", "as", "into", "than", "then", "after", "before", "without", "there", "was",
    "were", "has", "have", "print", "write", "any", "all", "must", "which", "if", "one",
    "been", "given", "found", "missing", "none", "your",
}  # fmt: skip
# Vietnamese words spelled like English ones are left out of the list: "to" (big), "in"
# (print), "an" (an toàn), "do" (because), "can".
EXAMPLE_LINE = re.compile(r"^\s*(Ví dụ|Example):.*$", re.MULTILINE)
BACKTICKS = re.compile(r"`[^`]*`")
CODE_TOKEN = re.compile(
    r"\S*[-/.=_<>\[\]{}\\]\S*"  # options, paths, file names, URLs, keys, metavars in brackets
    r"|\b[A-Z][A-Z0-9]+\b"  # metavars, environment variables, codes
)


def vietnamese(text: str) -> list[str]:
    """The words of `text` written with Vietnamese letters."""
    for name in PROPER_NAMES:
        text = text.replace(name, "")
    found = []
    for word in re.findall(r"\S+", text):
        for ch in word:
            decomposed = unicodedata.normalize("NFD", ch)
            accented = any(unicodedata.combining(c) for c in decomposed) and (
                (decomposed[0].isascii() and decomposed[0].isalpha()) or unicodedata.combining(ch)
            )
            if ch in VIETNAMESE_LETTERS or accented:
                found.append(word)
                break
    return found


def english(text: str) -> list[str]:
    """The English function words of `text`, code-like tokens and examples taken out."""
    text = EXAMPLE_LINE.sub("", text)
    text = BACKTICKS.sub("", text)
    text = CODE_TOKEN.sub("", text)
    return [w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in ENGLISH_WORDS]


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None, path
        command = found
    return command


def _own_options(command: click.Command) -> set[str]:
    return {
        name
        for p in command.params
        if isinstance(p, click.Option)
        for name in (*p.opts, *p.secondary_opts)
    }


COMMANDS = command_paths(main)
IDS = [" ".join(p) or "htsd" for p in COMMANDS]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner in an empty folder (no htsd.toml) with no HTSD_/KOBOTOOLBOX_ variable."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("HTSD_", "KOBOTOOLBOX_")):
            monkeypatch.delenv(name)
    return CliRunner()


# -- help -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_help_in_english_has_no_vietnamese(path: tuple[str, ...], runner: CliRunner) -> None:
    variants = [["--lang", "en", *path, "--help"]]
    if "--lang" not in _own_options(_command(path)):  # else --lang after it is its own
        variants.append([*path, "--help", "--lang", "en"])
        variants.append([*path, "--lang=en", "--help"])
    for args in variants:
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "Example:" in result.output and "Usage:" in result.output
        assert not vietnamese(result.output), (args, vietnamese(result.output))
    env = runner.invoke(main, [*path, "--help"], env={"HTSD_LANG": "en"})
    assert env.output == runner.invoke(main, variants[0]).output


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_help_by_default_is_vietnamese(path: tuple[str, ...], runner: CliRunner) -> None:
    result = runner.invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Ví dụ:" in result.output and "Cách dùng:" in result.output
    assert "Tùy chọn:" in result.output
    assert not english(result.output), english(result.output)


def test_the_language_of_htsd_toml_applies_to_help(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "htsd.toml").write_text('language = "en"\n', encoding="utf-8")
    assert "Usage:" in runner.invoke(main, ["status", "--help"]).output
    flag = runner.invoke(main, ["status", "--help", "--lang", "vi"])
    assert "Cách dùng:" in flag.output  # --lang > htsd.toml
    env = runner.invoke(main, ["status", "--help"], env={"HTSD_LANG": "vi"})
    assert "Cách dùng:" in env.output  # HTSD_LANG > htsd.toml
    (tmp_path / "htsd.toml").write_text("language = \n", encoding="utf-8")  # broken
    assert "Cách dùng:" in runner.invoke(main, ["--help"]).output


def test_version_in_each_language(runner: CliRunner) -> None:
    assert runner.invoke(main, ["--version"]).output.strip() == "htsd, phiên bản 0.1.0"
    assert runner.invoke(main, ["--lang", "en", "--version"]).output.strip() == (
        "htsd, version 0.1.0"
    )


# -- usage errors (click's own words) -------------------------------------------------------

USAGE_ERRORS = [
    ["status", "--bogus"],
    ["statu"],
    ["sync", "--page-size", "0"],
    ["forms", "drift"],
    ["forms", "build", "--form", "nope"],
    ["import"],
    ["--lang", "fr", "status"],
]


@pytest.mark.parametrize("args", USAGE_ERRORS, ids=" ".join)
def test_usage_errors_in_one_language(args: list[str], runner: CliRunner) -> None:
    vi = runner.invoke(main, args)
    assert vi.exit_code == 2
    assert "Lỗi:" in vi.output and "Cách dùng:" in vi.output
    assert not english(vi.output), english(vi.output)
    if args[0] != "--lang":
        for en_args in (["--lang", "en", *args], [*args, "--lang", "en"]):
            en = runner.invoke(main, en_args)
            assert en.exit_code == 2
            assert "Error:" in en.output and "Usage:" in en.output
            assert not vietnamese(en.output), vietnamese(en.output)


def test_every_click_msgid_translated_is_one_of_clicks() -> None:
    """CLICK_VI follows the installed click: a msgid click no longer has would silently
    leave its message in English."""
    msgids: set[str] = set()
    root = Path(click.__file__).parent
    for name in i18n.CLICK_MODULES:
        for node in ast.walk(ast.parse((root / f"{name}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("_", "ngettext"):
                msgids |= {a.value for a in node.args if isinstance(a, ast.Constant)}
    msgids.add("required")  # passed to _() through a variable
    assert set(i18n.CLICK_VI) <= msgids, sorted(set(i18n.CLICK_VI) - msgids)
    for message, vi in i18n.CLICK_VI.items():
        assert vi != message and not english(vi), message


# -- every coded error ----------------------------------------------------------------------


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("code", all_codes(), ids=str)
def test_each_error_code_in_one_language(code: ErrorCode) -> None:
    wanted = _placeholders(code.message.what_en + code.message.fix_en)
    error = HtsdError(code, where="htsd.toml", params={n: f"X{i}" for i, n in enumerate(wanted)})
    en = render.error_line(error, "en")
    assert en.startswith("Error [") and not vietnamese(en), vietnamese(en)
    vi = render.error_line(error, "vi")
    assert vi.startswith("Lỗi [") and not english(vi), english(vi)


# -- the real command, as a data manager runs it --------------------------------------------


def _run(args: list[str], cwd: Path, env: Mapping[str, str] | None = None) -> Any:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HTSD_", "KOBOTOOLBOX_"))}
    clean.update(env or {})
    return subprocess.run(
        [HTSD, *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--lang", "en", "status"], {}), (["status", "--lang", "en"], {}), (["status"], {})],
    ids=["--lang-first", "--lang-after", "HTSD_LANG"],
)
def test_a_config_error_in_english_is_one_english_line(
    args: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "htsd.toml").write_text('databse_url = "sqlite:///x.sqlite"\n', encoding="utf-8")
    result = _run(args, tmp_path, env or {"HTSD_LANG": "en"})
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("Error [CFG003] htsd.toml: key 'databse_url' is invalid: "), lines
    assert not vietnamese(lines[0]), lines[0]


def test_a_config_error_by_default_is_vietnamese(tmp_path: Path) -> None:
    (tmp_path / "htsd.toml").write_text('databse_url = "x"\n', encoding="utf-8")
    result = _run(["status"], tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith("Lỗi [CFG003] htsd.toml: khóa 'databse_url' không hợp lệ: ")
    assert not english(lines[0]), english(lines[0])


def test_an_unreadable_config_in_english(tmp_path: Path) -> None:
    (tmp_path / "htsd.toml").write_text("database_url = \n", encoding="utf-8")
    result = _run(["status"], tmp_path, {"HTSD_LANG": "en"})
    assert result.stderr.startswith("Error [CFG002]") and not vietnamese(result.stderr)
    vi = _run(["status"], tmp_path)
    assert "dòng 1, cột 16" in vi.stderr and not english(vi.stderr), vi.stderr


def _failed_and_interrupted_runs(folder: Path) -> None:
    engine = make_engine(f"sqlite:///{folder / 'htsd.sqlite'}")
    upgrade(engine)
    remote = next(code for code in all_codes() if code == "KOBO502")
    wanted = _placeholders(remote.message.what_en + remote.message.fix_en)
    with pytest.raises(HtsdError), logged_run(engine, "sync"):
        raise HtsdError(remote, "http://127.0.0.1:9", {n: "ConnectionError" for n in wanted})
    with pytest.raises(KeyboardInterrupt), logged_run(engine, "import"):
        raise KeyboardInterrupt
    engine.dispose()


def test_status_shows_the_last_error_in_the_run_language(tmp_path: Path) -> None:
    _failed_and_interrupted_runs(tmp_path)
    en = _run(["status", "--lang", "en"], tmp_path)
    assert en.returncode == 0, en.stderr
    last = en.stdout.strip().splitlines()[-1]
    assert last.startswith("Last run: #2 htsd import, interrupted, started 20"), last
    assert last.endswith("(Vietnam time) — stopped by the user (Ctrl-C)"), last
    assert not vietnamese(en.stdout), vietnamese(en.stdout)
    vi = _run(["status"], tmp_path)
    last = vi.stdout.strip().splitlines()[-1]
    assert last.startswith("Lần chạy cuối: #2 htsd import, bị ngắt giữa chừng, bắt đầu 20")
    assert last.endswith("(giờ Việt Nam) — người dùng đã dừng lần chạy (Ctrl-C)"), last
    assert not english(vi.stdout), english(vi.stdout)


def test_status_of_a_failed_run_keeps_its_coded_line_in_each_language(tmp_path: Path) -> None:
    _failed_and_interrupted_runs(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'htsd.sqlite'}")
    failed = last_run(engine, "sync")
    engine.dispose()
    assert failed is not None and failed["status"] == "failed"
    assert failed["error"].startswith("[KOBO502]") and failed["error_vi"].startswith("[KOBO502]")
    assert not vietnamese(failed["error"]) and not english(failed["error_vi"])
    assert failed["started_at"].endswith("+00:00")
    assert json.loads(render.json_text(failed)) == failed  # JSON: both texts, UTC time
    vi_line = render.last_run_line(failed, "vi")
    assert failed["error_vi"] in vi_line and "cannot reach" not in vi_line
    assert failed["error"] in render.last_run_line(failed, "en")


# -- the pieces -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "moved", "lang"),
    [
        (["status", "--lang", "en"], ["--lang", "en", "status"], "en"),
        (["status", "--lang=en", "--json"], ["--lang=en", "status", "--json"], "en"),
        (["-v", "sync", "--asset", "aX", "-vv"], ["-v", "-vv", "sync", "--asset", "aX"], "vi"),
        (
            ["forms", "deploy", "gia_dinh", "--config", "h.toml", "--silent"],
            ["--config", "h.toml", "--silent", "forms", "deploy", "gia_dinh"],
            "vi",
        ),
        (
            ["--lang", "vi", "status", "--lang", "en"],
            ["--lang", "vi", "--lang", "en", "status"],
            "en",
        ),  # the last one typed wins, as click sees it
        (["sync", "--asset", "--lang"], ["sync", "--asset", "--lang"], "vi"),  # a value
        (["import", "--", "--lang", "en"], ["import", "--", "--lang", "en"], "vi"),
        (["export", "gia_dinh", "--lang", "en"], ["export", "gia_dinh", "--lang", "en"], "vi"),
        (
            ["db", "--database-url=sqlite://", "upgrade"],
            ["--database-url=sqlite://", "db", "upgrade"],
            "vi",
        ),
    ],
)
def test_prescan_moves_global_options_to_the_front(
    argv: list[str], moved: list[str], lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert i18n.prescan(main, argv, env={}) == (moved, lang)


def test_prescan_language_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "other.toml"
    config.write_text('language = "en"\n', encoding="utf-8")
    assert i18n.prescan(main, ["status"], env={})[1] == "vi"
    assert i18n.prescan(main, ["status", "--config", str(config)], env={})[1] == "en"
    assert i18n.prescan(main, ["status"], env={"HTSD_CONFIG": str(config)})[1] == "en"
    env = {"HTSD_CONFIG": str(config), "HTSD_LANG": "vi"}
    assert i18n.prescan(main, ["status"], env=env)[1] == "vi"
    assert i18n.prescan(main, ["status", "--lang", "en"], env={"HTSD_LANG": "vi"})[1] == "en"


def test_no_subcommand_takes_a_global_option_name() -> None:
    """-v and the other global options mean the same after any subcommand; the one
    exception is export's own --lang (the language of the labels, said in its help)."""
    shared = {
        name
        for p in main.params
        if isinstance(p, click.Option) and not p.is_eager
        for name in (*p.opts, *p.secondary_opts)
    }
    clashes = {
        (" ".join(path), name)
        for path in COMMANDS
        if path
        for name in _own_options(_command(path)) & shared
    }
    assert clashes <= {("export", "--lang")}, clashes


def test_times_are_shown_in_vietnam_time() -> None:
    assert render.local_time("2026-12-02T16:06:41+00:00", "vi") == "2026-12-02 23:06 (giờ Việt Nam)"
    assert render.local_time("2026-12-02T20:30:00+00:00", "en") == (
        "2026-12-03 03:30 (Vietnam time)"
    )
    assert render.local_time(None, "en") == "" and render.local_time("?", "en") == "?"


def test_progress_bars_name_the_form_and_the_stage() -> None:
    for lang, stage in (("vi", "rà soát bản sửa, bản xóa"), ("en", "checking edits")):
        out = io.StringIO()
        console = Console(file=out, force_terminal=True, width=120)
        with render.progress_bars(console, lang, lambda uid: f"gia_dinh ({uid})") as progress:
            progress("aK2xyz", "sweep", 1, 10)
        assert f"gia_dinh (aK2xyz) — {stage}" in out.getvalue()


def test_interrupted_and_findings_lines_in_one_language() -> None:
    assert render.INTERRUPTED.get("en") == "Interrupted"
    assert render.INTERRUPTED.get("vi") == "Đã dừng"
    assert render.findings_text(0, Text(" khi nạp", " load")).get("vi") == (
        "không có cảnh báo khi nạp"
    )
    assert render.findings_text(3, Text(" khi nạp", " load")).get("en") == "3 load findings"
