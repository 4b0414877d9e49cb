"""The family roster on the device: at least one member and exactly one household head,
refused by the form's own constraints as the XForm engine evaluates them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forms.build import BuildResult
from tests.forms.conftest import Engine


def _family(result: BuildResult, relations: list[str]) -> dict[str, Any]:
    schema = result.schema
    path = schema.by_name("m_relation").repeat
    assert path is not None

    def member(index: int, relation: str) -> dict[str, str]:
        answers = {"m_name": f"Người {index}", "m_relation": relation, "m_sex": "male"}
        answers["m_age"] = str(40 - index)
        return {schema.by_name(name).path: value for name, value in answers.items()}

    out: dict[str, Any] = {
        schema.by_name("eval_date").path: "2024-05-10",
        schema.by_name("roster_ok").path: "OK",
    }
    if relations:
        out[path] = [member(i, r) for i, r in enumerate(relations, start=1)]
    return out


def test_a_roster_without_a_member_or_with_two_heads_is_refused(
    built: dict[str, BuildResult], built_dir: Path, xform_engine: Engine
) -> None:
    result = built["gia_dinh"]
    confirm = result.schema.by_name("roster_ok").path
    relation = result.schema.by_name("m_relation").path
    cases = [
        _family(result, []),
        _family(result, ["head", "head"]),
        _family(result, ["spouse", "child"]),
        _family(result, ["head", "spouse", "child"]),
    ]
    (outcomes,) = xform_engine([(built_dir / "gia_dinh.xml", cases)])
    refused = [set(o["violations"]) for o in outcomes]
    assert refused[0] == {confirm}, "no member: the roster cannot be confirmed"
    repeat = result.schema.by_name("m_relation").repeat or ""
    inner = relation[len(repeat) :]
    assert confirm in refused[1], "two heads: the roster cannot be confirmed"
    assert {f"{repeat}[1]{inner}", f"{repeat}[2]{inner}"} <= refused[1], "both heads flagged"
    assert refused[2] == {confirm}, "no head"
    assert refused[3] == set(), "one head: accepted"
    messages = result.schema.by_name("roster_ok").constraint_messages
    assert "chủ hộ" in messages["vi"] and "head" in messages["en"]
