"""Every command has help: a one-line summary and an example."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from etl.cli import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", _commands(main), ids=lambda p: " ".join(p) or "htsd")
def test_help_has_summary_and_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    summary = result.output.split("\n\n")[1].strip()
    assert summary and len(summary.splitlines()[0]) > 10
