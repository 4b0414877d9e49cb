"""A year is reported in the administrative units in force then, and a trend across the two
reforms counts each evaluation once.

Family evaluations of 2019 (a commune of the 122), 2024 (of the 108) and 2026 (of the 37
communes of Thái Nguyên, with the former district the surveyor chose) are landed, validated
and scored. The report of 2019 lists 122 communes in 8 districts, 2024 108 in 8, 2026 the 37
and no district; the 2026 report's trend has every year, and in each the province total
equals the sum of its districts and the year's own headline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from etl.pipeline import report, validate
from localkobo.province import DEMO_USER, built_content
from localkobo.store import LocalKobo
from tests.warehouse.support import SERVER, land_store
from tests.warehouse.test_scores import FAMILY
from warehouse.runlog import start_run

# (date, era, district, commune), two households each
PLACES = [
    ("2019-10-10", "1", "061", "01891"),
    ("2024-10-10", "2", "060", "01858"),
    ("2026-01-10", "3", "058", "01840"),
    ("2026-01-11", "3", "063", "01849"),  # a new commune formed from two former districts
]


def _answers(day: str, era: str, district: str, commune: str, household: str) -> Any:
    fields = {f"location/commune_e{e}": (commune if e == era else None) for e in "123"}
    return {
        **FAMILY,
        "eval_date": day,
        "eval_year": day[:4],
        "era": era,
        "location/eval_day": day.replace("-", ""),
        "location/district": district,
        **fields,
        "location/commune": commune,
        "household/hh_code": household,
    }


def test_each_year_in_its_units_and_a_trend_without_double_counting(
    engine: Engine, tmp_path: Path
) -> None:
    kobo = LocalKobo(seed=9)
    kobo.add_user(DEMO_USER)
    asset = kobo.create_asset(DEMO_USER, "gia_dinh", built_content("gia_dinh"))
    kobo.deploy(asset.uid)
    ids = kobo.generate(asset.uid, 2 * len(PLACES))
    for number, kobo_id in enumerate(ids):
        kobo.edit_submission(asset.uid, kobo_id, _answers(*PLACES[number // 2], f"H{number}"))
    run_id = start_run(engine, "sync")
    land_store(engine, kobo, asset.uid, run_id)
    checked = validate(engine, [(SERVER, asset.uid)])
    errors = [
        (f["rule"], f["field_path"], f["message_en"])
        for a in checked.assets
        for f in a.standing
        if f["severity"] == "error"
    ]
    assert not errors, errors

    headline: dict[int, int] = {}
    for year, communes, districts in ((2019, 122, 8), (2024, 108, 8), (2026, 37, 0)):
        data = report(engine, year, tmp_path / str(year), pdf=False).data
        family = [r for r in data.communes if r.title == "gia_dinh"]
        assert len(family) == communes, year
        assert len({r.code for r in data.districts}) == districts, year
        province = next(r for r in data.headline if r.title == "gia_dinh")
        assert province.evaluated == sum(r.evaluated for r in family), year
        headline[year] = province.recognised
    assert headline == {2019: 2, 2024: 2, 2026: 4}

    trend = [r for r in data.trend if r.title == "gia_dinh"]
    years = sorted({r.year for r in trend})
    assert years == [2019, 2024, 2026]
    for year in years:
        rows = [r for r in trend if r.year == year]
        total = next(r for r in rows if r.code == "province")
        assert total.recognised == sum(r.recognised for r in rows if r.code != "province")
        assert total.recognised == headline[year]
    in_2026 = {r.code: r.recognised for r in trend if r.year == 2026 and r.recognised}
    assert in_2026 == {"058": 2, "063": 2, "province": 4}, "by the former district chosen"
