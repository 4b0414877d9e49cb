"""Every command has help: a one-line summary and an example, in each language."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
from click.testing import CliRunner

from etl.cli import main
from tests.helpers import command_paths

EXAMPLE_LABEL = {"vi": "Ví dụ:", "en": "Example:"}


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path", command_paths(main), ids=lambda p: " ".join(p) or "htsd")
def test_help_has_summary_and_example(path: tuple[str, ...], lang: str) -> None:
    result = CliRunner().invoke(main, ["--lang", lang, *path, "--help"])
    assert result.exit_code == 0, result.output
    assert EXAMPLE_LABEL[lang] in result.output
    other = EXAMPLE_LABEL["en" if lang == "vi" else "vi"]
    assert other not in result.output, "one language per run"
    summary = result.output.split("\n\n")[1].strip()
    assert summary and len(summary.splitlines()[0]) > 10


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_command_list_is_what_the_commands_say(lang: str) -> None:
    """`htsd --help` lists the commands from etl.cli.SUMMARIES without loading them: each
    summary is the first paragraph of its command's help, and the list reads as click would
    write it from the commands themselves."""
    import inspect

    from etl.cli import COMMAND_MODULES, SUMMARIES

    assert set(SUMMARIES) == set(COMMAND_MODULES)
    fresh = copy.copy(main)
    fresh.commands = {}  # as in a new process: no command loaded
    listed = CliRunner().invoke(fresh, ["--lang", lang, "--help"], prog_name="htsd").output
    assert fresh.commands == {}
    loaded = main.load_all()
    for name in COMMAND_MODULES:
        text = inspect.cleandoc(loaded.commands[name].__dict__["_help_localized"].get(lang))
        assert SUMMARIES[name].get(lang) == " ".join(text.split("\n\n")[0].split()), name
    assert CliRunner().invoke(main, ["--lang", lang, "--help"], prog_name="htsd").output == listed


def test_help_imports_no_command() -> None:
    """`htsd --help` (measured: well under 0.3 s) imports no command and no heavy library."""
    code = (
        "import sys; from etl.cli import main\n"
        "try: main(['--help'])\n"
        "except SystemExit: pass\n"
        "heavy = [m for m in ('sqlalchemy', 'pandas', 'pyxform', 'requests', 'etl.pipeline',"
        " 'etl.commands.common', 'great_expectations') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout, out.stdout
