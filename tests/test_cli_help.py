"""Every command has help: a one-line summary and an example, in each language."""

from __future__ import annotations

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
