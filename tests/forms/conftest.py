"""Fixtures of the forms tests: the six forms built once per session, and the XForm engine.

`built_dir` runs `htsd forms build --out DIR` once (ODK Validate included: it needs Java and
fails, never skips, without it). `built` holds the same forms built in memory.
`xform_engine` runs tests/js/eval_xform.js (Enketo's openrosa-xpath-evaluator under Node);
it fails with the command to run when Node or the npm packages are missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from etl.commands.forms import forms_group
from forms.build import BuildResult, build_forms

JS_DIR = Path(__file__).resolve().parents[1] / "js"
Engine = Callable[[Sequence[tuple[Path, Sequence[dict[str, Any]]]]], list[list[dict[str, Any]]]]


@pytest.fixture(scope="session")
def built_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output of `htsd forms build --out DIR` (validated by ODK Validate)."""
    out = tmp_path_factory.mktemp("built")
    result = CliRunner().invoke(forms_group, ["build", "--out", str(out)])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return out


@pytest.fixture(scope="session")
def built() -> dict[str, BuildResult]:
    """The six forms built in memory (no ODK Validate: `built_dir` runs it)."""
    return {result.form_id: result for result in build_forms(validate=False)}


@pytest.fixture(scope="session")
def xform_engine() -> Engine:
    """Evaluate forms' calculations on answers: [(xform path, [answers...])] → values."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: run `make sysdeps` (or apt-get install nodejs npm)")
    if not (JS_DIR / "node_modules" / "openrosa-xpath-evaluator").is_dir():
        pytest.fail(f"npm packages missing in {JS_DIR}: run `make jsdeps`")

    def evaluate(
        forms: Sequence[tuple[Path, Sequence[dict[str, Any]]]],
    ) -> list[list[dict[str, Any]]]:
        payload = {"forms": [{"xform": str(path), "cases": list(cases)} for path, cases in forms]}
        completed = subprocess.run(
            [node, str(JS_DIR / "eval_xform.js")],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            cwd=JS_DIR,
            timeout=300,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        output = json.loads(completed.stdout)
        return [form["results"] for form in output["forms"]]

    return evaluate
