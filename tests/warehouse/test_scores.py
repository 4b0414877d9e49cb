"""Scores in the warehouse against hand-computed cases, on SQLite and PostgreSQL.

One evaluation per title is answered by hand on the local KoboToolbox (the built forms,
deployed), landed as `htsd sync` lands it, and scored by the pipeline. The expected totals,
applicable maxima, pass and class below are worked out by hand from the rubric files
(forms/criteria/*.yaml), not by calling the scoring code:

- family 2024 (gia_dinh, 100 points, pass 70): a child of 10 at school and an adult of 40,
  literate (level 1) and in a training, derive 1a, 2a and 2b fully met (10 + 10 + 10); 1b
  and 3d not applicable (10 + 5 taken out of the maximum: 85 applicable); 1c partly (5),
  2c fully (10), 3a partly (2.5), 3b met (5), 3c not met, 4a fully (8), 4b partly (3),
  4c not met: 63.5 of 85, 75 %, pass mark 70 × 85/100 = 59.5, recognised (dat);
- clan 2024 (dong_ho): 1a met (10), fund → 1b (10), 19 of 20 children at school → 2a partly
  (7.5), 2b not met, 4 of 10 families learning → 3a not met, 3b partly (7.5), 4a fully (10),
  4b partly (5): 50 of 100, not recognised (chua_dat);
- village 2024 (cong_dong): no adults counted → 2b not applicable (10 out: 90 applicable);
  30 of 50 households → 2a fully (15); 10 + 10 + 15 + 10 + 10 + 5 + 5 + 0 + 5 + 5 = 75 of
  90, 83 %, recognised;
- units, the rubric chosen by date and level: a district-level unit in 2024 is scored by
  TT 22/2020 (don_vi, from 21/9/2020): 19 of 20 disciplined → 2b not met, 1c and 3c not
  met, everything else full: 80 of 100, class kha (70–84); the same unit in 2019 has no
  rubric (TT 22 was not in force, don_vi_xa is for commune level) and gets no score; a
  commune-level unit in 2019 is scored by don_vi_xa: the same 80, kha.

Then the rubric file is edited (partly met worth 0.6 of the maximum instead of 0.5) in a
copy named by HTSD_CRITERIA_DIR, and `htsd rebuild` changes the family's score to
63.5 + 0.1 × (10 + 5 + 6) = 65.6 and the clan's to 50 + 0.1 × (15 + 15 + 10) = 54, with no
code change.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl.pipeline import score_released
from forms.rubric_load import CRITERIA_DIR
from localkobo.province import DEMO_USER, built_content
from localkobo.store import LocalKobo
from tests.helpers import run_htsd
from tests.warehouse.support import SERVER, land_store
from warehouse.runlog import start_run
from warehouse.schema import recognition, score, score_item

TITLE_FORMS = ("gia_dinh", "dong_ho", "cong_dong", "don_vi")


def _place(day: str, commune: str = "01891", district: str = "061") -> dict[str, Any]:
    era = "1" if day < "2020-02-01" else "2"
    return {
        "eval_date": day,
        "eval_year": day[:4],
        "era": era,
        "location/district": district,
        f"location/commune_e{era}": commune,
        "location/commune": commune,
        "location/village": "other",
        "location/village_other": "Bản Nà Làng",
    }


FAMILY = {
    **_place("2024-11-10"),
    "household/hh_code": "17",
    "household/head_name": "Hoàng Văn Thử",
    "household/hkh_member": "yes",
    "household/registered": "yes",
    "roster/members": [
        {
            "roster/members/m_person/m_name": "Hoàng Văn Thử",
            "roster/members/m_person/m_relation": "head",
            "roster/members/m_person/m_sex": "male",
            "roster/members/m_person/m_age": "40",
            "roster/members/m_study/m_literacy": "level1",
            "roster/members/m_study/m_learning": "training",
        },
        {
            "roster/members/m_person/m_name": "Hoàng Thị Bé",
            "roster/members/m_person/m_relation": "child",
            "roster/members/m_person/m_sex": "female",
            "roster/members/m_person/m_age": "10",
            "roster/members/m_study/m_school": "attending",
        },
    ],
    "criteria/g1/c1a": "fully",  # as the device derives them from this roster
    "criteria/g2/c2a": "fully",
    "criteria/g2/c2b": "fully",
    "criteria/g1/c1b": "not_applicable",
    "criteria/g1/c1c": "partly",
    "criteria/g2/c2c": "fully",
    "criteria/g3/c3a": "partly",
    "criteria/g3/c3b": "fully",
    "criteria/g3/c3c": "not_met",
    "criteria/g3/c3d": "not_applicable",
    "criteria/g4/c4a": "fully",
    "criteria/g4/c4b": "partly",
    "criteria/g4/c4c": "not_met",
}
CLAN = {
    **_place("2024-10-05"),
    "clan/clan_name": "Họ Hoàng",
    "clan/head_name": "Hoàng Văn Cả",
    "clan/n_families": "10",
    "clan/n_learning_families": "4",
    "clan/n_children_school_age": "20",
    "clan/n_children_school": "19",
    "clan/has_fund": "yes",
    "criteria/g1/c1a": "fully",
    "criteria/g2/c2b": "not_met",
    "criteria/g3/c3b": "partly",
    "criteria/g4/c4a": "fully",
    "criteria/g4/c4b": "partly",
}
VILLAGE = {
    **_place("2024-10-20"),
    "community/community_type": "ban",
    "community/leader_name": "Nông Văn Trưởng",
    "community/n_households": "50",
    "community/n_learning_families": "30",
    "community/n_adults": "0",
    "community/n_adults_learning": "0",
    "criteria/g1/c1a": "fully",
    "criteria/g1/c1b": "fully",
    "criteria/g2/c2c": "fully",
    "criteria/g3/c3a": "fully",
    "criteria/g3/c3b": "fully",
    "criteria/g3/c3c": "fully",
    "criteria/g4/c4a": "not_met",
    "criteria/g4/c4b": "partly",
    "criteria/g4/c4c": "fully",
}


def _unit(day: str, level: str, name: str) -> dict[str, Any]:
    return {
        **_place(day),
        "unit/unit_name": name,
        "unit/unit_type": "school",
        "unit/unit_level": level,
        "unit/head_name": "Lý Thị Hiệu",
        "unit/n_members": "20",
        "unit/n_self_study": "20",
        "unit/n_disciplined": "19",
        "unit/n_trained": "20",
        "unit/n_advanced": "20",
        "unit/n_learning_citizen": "20",
        "criteria/g1/c1a": "fully",
        "criteria/g1/c1b": "fully",
        "criteria/g1/c1c": "not_met",
        "criteria/g3/c3b": "fully",
        "criteria/g3/c3c": "not_met",
    }


# form → answers → (rubric, total, applicable maximum, percent, pass points, passed, class)
CASES: dict[str, list[tuple[dict[str, Any], tuple[Any, ...] | None]]] = {
    "gia_dinh": [(FAMILY, ("gia_dinh", 63.5, 85.0, 75, 59.5, True, "dat"))],
    "dong_ho": [(CLAN, ("dong_ho", 50.0, 100.0, 50, 70.0, False, "chua_dat"))],
    "cong_dong": [(VILLAGE, ("cong_dong", 75.0, 90.0, 83, 63.0, True, "dat"))],
    "don_vi": [
        (
            _unit("2024-10-01", "district", "Trường THPT Ba Bể"),
            ("don_vi", 80.0, 100.0, 80, 50.0, True, "kha"),
        ),
        (_unit("2019-10-01", "district", "Trường THPT Ba Bể"), None),
        (
            _unit("2019-10-02", "commune", "Trường Tiểu học Bành Trạch"),
            ("don_vi_xa", 80.0, 100.0, 80, 50.0, True, "kha"),
        ),
    ],
}


def _answered() -> tuple[LocalKobo, dict[str, str], dict[tuple[str, int], tuple[Any, ...] | None]]:
    kobo = LocalKobo(seed=3)
    kobo.add_user(DEMO_USER)
    assets: dict[str, str] = {}
    expected: dict[tuple[str, int], tuple[Any, ...] | None] = {}
    for form in TITLE_FORMS:
        asset = kobo.create_asset(DEMO_USER, form, built_content(form))
        kobo.deploy(asset.uid)
        assets[form] = asset.uid
        for answers, result in CASES[form]:
            doc = kobo.add_submission(asset.uid, dict(answers), submitted_by=DEMO_USER)
            expected[(form, doc["_id"])] = result
    return kobo, assets, expected


def _scores(engine: Engine) -> dict[tuple[str, int], tuple[Any, ...]]:
    s = score
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                s.c.form_name,
                s.c.kobo_id,
                s.c.rubric_id,
                s.c.total,
                s.c.applicable_max,
                s.c.percent,
                s.c.pass_points,
                s.c.passed,
                s.c.class_id,
            )
        ).all()
    return {(r[0], int(r[1])): tuple(r[2:]) for r in rows}


@pytest.fixture
def scored(engine: Engine) -> tuple[Engine, dict[str, str], dict[tuple[str, int], Any]]:
    kobo, assets, expected = _answered()
    run_id = start_run(engine, "sync")
    for uid in assets.values():
        land_store(engine, kobo, uid, run_id)
    results = score_released(engine, [(SERVER, uid) for uid in assets.values()], run_id)
    by_form = {r.form_name: r.as_dict() for r in results}
    assert by_form["don_vi"]["no_rubric"] == 1 and by_form["don_vi"]["scored"] == 2
    return engine, assets, expected


def test_stored_scores_equal_the_hand_computed_ones(scored: Any) -> None:
    engine, _, expected = scored
    stored = _scores(engine)
    assert {k: v for k, v in expected.items() if v is not None} == stored
    with engine.connect() as conn:
        items = {
            (r.item_id, r.answer, r.points, r.applicable_max)
            for r in conn.execute(
                sa.select(score_item).where(score_item.c.asset_uid == scored[1]["gia_dinh"])
            )
        }
    assert ("1a", "fully", 10.0, 10.0) in items, "derived from the roster"
    assert ("1b", "not_applicable", 0.0, 0.0) in items, "taken out of the maximum"
    assert ("4b", "partly", 3.0, 6.0) in items


def test_recognition_keeps_one_row_per_subject_and_year(scored: Any) -> None:
    engine, _, _ = scored
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                recognition.c.form_name,
                recognition.c.year,
                recognition.c.commune_code,
                recognition.c.district_code,
                recognition.c.passed,
                recognition.c.evaluations,
            )
        ).all()
    got = sorted(tuple(r) for r in rows)
    assert got == sorted(
        [
            ("cong_dong", 2024, "01891", "061", True, 1),
            ("dong_ho", 2024, "01891", "061", False, 1),
            ("don_vi", 2019, "01891", "061", True, 1),
            ("don_vi", 2024, "01891", "061", True, 1),
            ("gia_dinh", 2024, "01891", "061", True, 1),
        ]
    )


def test_an_edited_rubric_file_changes_the_scores_through_rebuild(
    scored: Any, warehouse_url: str, tmp_path: Path
) -> None:
    engine, _, _ = scored
    criteria = tmp_path / "criteria"
    shutil.copytree(CRITERIA_DIR, criteria)
    for form in ("gia_dinh", "dong_ho"):
        path = criteria / f"{form}.yaml"
        text = path.read_text(encoding="utf-8")
        assert "partly: {fraction: 0.5," in text
        path.write_text(text.replace("partly: {fraction: 0.5,", "partly: {fraction: 0.6,"))
    env = {"HTSD_DATABASE_URL": warehouse_url, "HTSD_CRITERIA_DIR": str(criteria)}
    result = run_htsd(["rebuild"], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    stored = _scores(engine)
    totals = {form: total for (form, _), (_, total, *_) in stored.items()}
    assert totals["gia_dinh"] == pytest.approx(65.6)
    assert totals["dong_ho"] == pytest.approx(54.0)
    assert totals["cong_dong"] == pytest.approx(75.0), "its rubric file was not edited"
