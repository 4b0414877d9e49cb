"""The demo's registry of denominators: what the provincial association would know of each
commune for a year (member families, clans with a study-promotion fund, villages, units,
cadres to train), consistent with the evaluations the local KoboToolbox holds.

Every commune of the year's units (those in force on its 31 December) gets a row: the
subjects evaluated there that year, plus some not evaluated (a registry counts them all), so
that rates stay below 100 %. A commune with no evaluation at all (not surveyed) gets counts
of the usual size, so its district's rate shows the gap; a surveyed commune with no
evaluation of one title gets 0 or 1 for it (a sample of the province: few of its clans,
villages or units are in the demo). The file has the columns `htsd reference import` reads
(their codes as headers).
"""

from __future__ import annotations

import csv
import math
import random
from collections import Counter
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from forms.reference import Reference, era_on, unit_code
from localkobo.store import LocalKobo

# form → the registry measure its subjects are counted in
MEASURE_OF_FORM = {
    "gia_dinh": "families",
    "dong_ho": "clans",
    "cong_dong": "villages",
    "don_vi": "units",
}
# a commune's registry count over its subjects evaluated (most registered families are
# evaluated in a campaign; the rest pull the rate below the share recognised)
REGISTERED = (1.03, 1.2)
COLUMNS = (
    "year",
    "commune_code",
    "commune_name",
    "families",
    "clans",
    "villages",
    "units",
    "cadres",
)


def _commune(doc: Mapping[str, object], reference: Reference, year: int) -> str | None:
    """The commune of a submission in the units of `year`."""
    answered = doc.get("location/commune")
    day = str(doc.get("eval_date") or "")[:10]
    if not isinstance(answered, str) or not day:
        return None
    code = unit_code(answered)
    era = era_on(date.fromisoformat(day)).id
    target = era_on(date(year, 12, 31)).id
    if era == 2 and target == 3:
        return reference.crosswalk.get(code)
    return code


def demo_registry(
    kobo: LocalKobo, assets: Mapping[str, str], year: int, *, seed: int = 1
) -> list[dict[str, object]]:
    """One row per commune of the year's units: counts at least the subjects evaluated."""
    reference = Reference.load()
    rng = random.Random(seed * 7919 + year)
    evaluated: dict[str, Counter[str]] = {}
    for form, measure in MEASURE_OF_FORM.items():
        uid = assets.get(form)
        if uid is None:
            continue
        found: Counter[str] = Counter()
        for doc in kobo.assets[uid].submissions.values():
            if str(doc.get("eval_year") or str(doc.get("eval_date") or "")[:4]) != str(year):
                continue
            code = _commune(doc, reference, year)
            if code:
                found[code] += 1
        evaluated[measure] = found
    surveyed = {code for found in evaluated.values() for code in found}
    rows = []
    for unit in reference.communes(era_on(date(year, 12, 31)).id):
        row: dict[str, object] = {
            "year": year,
            "commune_code": unit.code,
            "commune_name": unit.name,
        }
        for measure, found in evaluated.items():
            done = found.get(unit.code, 0)
            typical = max(1, round(sum(found.values()) / max(1, len(found))))
            if done or unit.code not in surveyed:
                # rounded at random, up or down, to keep the share of small counts
                share = (done or typical) * rng.uniform(*REGISTERED)
                row[measure] = max(done, 1, math.floor(share + rng.random()))
            else:
                row[measure] = rng.randint(0, 1)
        row["cadres"] = rng.randint(15, 60)
        rows.append(row)
    return rows


def write_registry(rows: list[dict[str, object]], path: Path) -> Path:
    """Write the rows as the CSV `htsd reference import` reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def busiest_year(kobo: LocalKobo, uid: str) -> int:
    """The evaluation year most of an asset's submissions are for (the demo's report year)."""
    years = Counter(
        str(doc.get("eval_year") or str(doc.get("eval_date") or "")[:4])
        for doc in kobo.assets[uid].submissions.values()
    )
    found = [(n, int(y)) for y, n in years.items() if y.isdigit()]
    return max(found)[1] if found else date.today().year
