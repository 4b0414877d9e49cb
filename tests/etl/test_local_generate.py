"""The local KoboToolbox answers the built Learning Family form as a surveyor's device would:
the cascade of administrative units holds, relevance and constraints are respected, every
household has members, calculations carry their values."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from forms.rubric_load import load_rubrics
from localkobo.generate import AnswerGenerator
from localkobo.province import built_content
from localkobo.xpath import parse, string

NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
MEMBERS = "roster/members"
PERSON, STUDY = f"{MEMBERS}/m_person", f"{MEMBERS}/m_study"


def _answers(count: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    content = built_content("gia_dinh")
    generator = AnswerGenerator(content)
    rng = random.Random(4)
    return content, [generator.answers(rng, NOW) for _ in range(count)]


def test_gia_dinh_answers_follow_the_form() -> None:
    content, docs = _answers(300)
    family = load_rubrics()["gia_dinh"]
    columns = {(c["list_name"], c["name"]): c for c in content["choices"]}
    eras = set()
    for doc in docs:
        era = doc["era"]
        eras.add(era)
        expected = (
            "1"
            if doc["eval_date"] < "2020-02-01"
            else "2"
            if doc["eval_date"] < "2025-07-01"
            else "3"
        )
        assert era == expected
        assert 2014 <= int(doc["eval_year"]) <= int(doc["eval_date"][:4])
        district = doc["location/district"]
        communes = [k for k in doc if k.startswith("location/commune_e")]
        assert communes == [f"location/commune_e{era}"]  # only the era's commune is asked
        commune = columns[(f"commune_e{era}", doc[communes[0]])]
        if era == "3":
            assert district in commune["districts"].split()
        else:
            assert commune["district"] == district
        assert doc["location/commune"] == doc[communes[0]]
        village = doc["location/village"]
        assert ("location/village_other" in doc) == (village == "other")
        assert village == "other" or columns[("village", village)][f"c{era}"] == commune["name"]
        members = doc[MEMBERS]
        assert members and doc["roster/n_members"] == str(len(members))
        heads = sum(m[f"{PERSON}/m_relation"] == "head" for m in members)
        assert heads == 1 and doc["roster/n_heads"] == "1", "the roster's constraint holds"
        assert doc["roster/roster_ok"] == "OK"
        for member in members:
            age = int(member[f"{PERSON}/m_age"])
            assert 0 <= age <= 120
            assert (f"{STUDY}/m_school" in member) == (6 <= age <= 14)
            assert (f"{STUDY}/m_literacy" in member) == (19 <= age <= 60)
            learning = member.get(f"{STUDY}/m_learning", "").split()
            assert bool(learning) == (19 <= age <= 60)
            assert "none" not in learning or learning == ["none"]
        phone = doc.get("household/head_phone")
        assert phone is None or (phone.startswith("0") and len(phone) in (10, 11))
        points = sum(float(doc[f"criteria/{g}/pts_{g}"]) for g in ("g1", "g2", "g3", "g4"))
        assert float(doc["summary/score_total"]) == points
        assert doc["summary/score_pass"] == ("yes" if family.score(doc).passed else "no")
        place = doc.get("location/village_other", village)
        day = "/".join(reversed(doc["eval_date"].split("-")))
        code = f" ({doc['household/hh_code']})" if "household/hh_code" in doc else ""
        name = f"GĐHT {doc['household/head_name']}{code}, {place}, {day}"
        assert doc["meta/instanceName"] == name
    assert eras == {"2", "3"}  # the last 300 days straddle the 1 July 2025 reform


class _Values:
    def __init__(self, refs: dict[str, Any], dot: str = "") -> None:
        self.refs, self.dot = refs, dot

    def ref(self, name: str) -> Any:
        return self.refs.get(name, "")

    def current(self) -> str:
        return self.dot

    def column(self, name: str) -> str:
        return ""

    def today(self) -> Any:
        return NOW.date()


def test_xpath_subset_as_the_form_engines_compute() -> None:
    def value(text: str, dot: str = "", **refs: Any) -> str:
        return string(parse(text)(_Values(refs, dot)))

    era = "if(${d} < date('2020-02-01'), 1, if(${d} < date('2025-07-01'), 2, 3))"
    assert [value(era, d=d) for d in ("2019-12-31", "2020-02-01", "2025-07-01")] == ["1", "2", "3"]
    assert value("sum(${x}) div count(${x})", x=["1", "2"]) == "1.5"
    assert value("${a} + ${b}", a="2.5", b="") == "NaN"  # an empty answer is NaN
    assert value("not(selected(., 'none') and count-selected(.) > 1)", "none reading") == "false"
    assert value(". <= number(format-date(${d}, '%Y'))", "2025", d="2025-06-30") == "true"
    assert value("regex(., '^(0|\\+84)[0-9]{9,10}$')", "0912345678") == "true"
    assert value("substring-before(${t}, '.')", t="3.2") == "3"
    bounds = [(op, b.text) for op, b in parse(". >= 1 and . <= ${n} and . != 3").bounds]
    assert [op for op, _ in bounds] == [">=", "<="]
