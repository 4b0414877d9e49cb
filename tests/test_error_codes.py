"""Every error code raised anywhere in the product renders in both languages.

Codes are `ErrorCode` enum members (forms/errors.py), so a code without a text cannot be
written. These tests read the source of every product module and check, for each place that
raises or collects a coded error, that the code is such a member (never a bare string) and
that the parameters given there fill every placeholder of the message in Vietnamese and in
English: no `{placeholder}` and no `k=v` fallback can reach a data manager.
"""

from __future__ import annotations

import ast
import importlib
import re
import string
from pathlib import Path

import pytest

from forms.errors import ErrorCode, HtsdError, all_codes

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("forms", "etl", "validation", "warehouse", "localkobo")
CODE_LITERAL = re.compile(r"^[A-Z]{2,5}\d{3}$")


def _import_all() -> None:
    """Import every product module (commands load lazily), so every family is registered."""
    for path in _sources():
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "migrations" in parts or parts[-1] == "__main__":
            continue
        importlib.import_module(".".join(p for p in parts if p != "__init__"))


def _families() -> dict[str, type[ErrorCode]]:
    return {type(code).__name__: type(code) for code in all_codes()}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


_import_all()


def _raise_sites() -> list[tuple[str, ErrorCode, set[str] | None]]:
    """(place, code, parameter names given there, or None when not written out literally)."""
    families = _families()
    sites = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            codes = [  # a raise site names its code first; `code=` keywords only select one
                a
                for a in node.args[:1]
                if isinstance(a, ast.Attribute)
                and isinstance(a.value, ast.Name)
                and a.value.id in families
            ]
            if not codes:
                continue
            code = families[codes[0].value.id][codes[0].attr]  # type: ignore[union-attr]
            names: set[str] | None = set()
            for argument in node.args[1:]:
                if isinstance(argument, ast.Dict):
                    names |= {k.value for k in argument.keys if isinstance(k, ast.Constant)}
            for keyword in node.keywords:
                if keyword.arg == "params":
                    if isinstance(keyword.value, ast.Dict) and names is not None:
                        names |= {
                            k.value for k in keyword.value.keys if isinstance(k, ast.Constant)
                        }
                    else:
                        names = None
                elif keyword.arg is None:  # **params
                    names = None
                elif keyword.arg not in ("where", "code") and names is not None:
                    names.add(keyword.arg)
            place = f"{path.relative_to(ROOT)}:{node.lineno}"
            sites.append((place, code, names))
    return sites


def test_every_code_has_both_texts_and_is_unique() -> None:
    codes = all_codes()
    assert len(codes) > 50
    assert len({str(c) for c in codes}) == len(codes), "two members share a code"
    for code in codes:
        message = code.message
        assert message.what_vi.strip() and message.what_en.strip(), code
        assert message.fix_vi.strip() and message.fix_en.strip(), code
        assert _placeholders(message.what_vi + message.fix_vi) == _placeholders(
            message.what_en + message.fix_en
        ), f"{code}: the two languages ask for different parameters"


def test_no_code_is_raised_as_a_bare_string() -> None:
    bare = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CODE_LITERAL.match(node.value)
            ):
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value}")
    # The only literals allowed are the codes' own definitions in their enums.
    defined = {str(c) for c in all_codes()}
    assert len(bare) == len(defined), [b for b in bare if b.split()[-1] not in defined]


def test_every_raise_site_fills_every_placeholder_in_both_languages() -> None:
    sites = _raise_sites()
    raised = {code for _, code, _ in sites}
    assert len(raised) > 40, "the scan found the raise sites"
    checked = 0
    for place, code, names in sites:
        if names is None:
            continue  # parameters built elsewhere: rendered below with the names it needs
        wanted = _placeholders(code.message.what_en + code.message.fix_en)
        missing = wanted - names
        assert not missing, f"{place}: {code} needs {sorted(missing)}"
        checked += 1
    assert checked > len(sites) // 2


@pytest.mark.parametrize("code", all_codes(), ids=str)
def test_each_code_renders_in_both_languages(code: ErrorCode) -> None:
    wanted = _placeholders(code.message.what_en + code.message.fix_en)
    error = HtsdError(code, "htsd.toml", {name: f"<{name}>" for name in wanted})
    for lang in ("vi", "en"):
        line = error.render(lang)
        assert line.startswith(f"[{code}] htsd.toml: ")
        assert "{" not in line and "=" not in line.split(":", 1)[1].split("—")[0]
        assert " — " in line, "the message says how to fix it"
    assert error.render("vi") != error.render("en")


def test_a_string_is_not_a_code() -> None:
    with pytest.raises(TypeError):
        HtsdError("KOBO404")  # type: ignore[arg-type]
