"""The plan of one province-year campaign, as `htsd demo` answers it: who is evaluated where,
when, and whether they will be recognised.

`ProvinceYear.plan(year, seed)` reads the communes of the units in force during the year's
evaluation season (1 September to 10 December, the province reporting before 15 December;
in the current year up to yesterday, and the month before at least): 108 communes of 8
districts from 2020 to 2024, the 37 units of Thái Nguyên from 2025 (each with the former
districts it took land from), 122 until 2019. Each district gets a quality of its own —
the share of its evaluated households, clans, villages and units that meet the criteria,
between 62 and 97 % — and the communes of QĐ 861 region III (an era-3 unit: most of its
former communes) 12 points less; a few communes (`UNSURVEYED`, never the last two of a
district) send no title evaluation at all, though their learning centre is assessed;
communes differ in size, so some send many more evaluations than others.

`slots(content, count)` then gives `count` submissions of a form, in the order they reach
the server: the answers a surveyor was sent out with (`given`: evaluation date and year,
district, commune), the moment of the interview (a working day, 8:00 to 16:30 Vietnam time)
and of its arrival (a tablet in a remote commune stays offline up to six days), and whether
the subject is to be recognised (`recognised`), which `localkobo.problems.answer_campaign`
answers by leaning the criteria towards `FAVOUR` and drawing again until the rubric agrees.
The learning-centre assessment (`clc_assessment`) has one slot per commune, whatever
`count` says.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from forms.reference import Reference, era_on

SEASON = ((9, 1), (12, 10))  # month, day: the evaluation season
UNSURVEYED = 0.05  # share of communes that send no title evaluation
REMOTE_PENALTY = 0.12  # a region III commune's quality, below its district's
QUALITY = (0.62, 0.97)  # the range of districts' qualities
ONE_PER_COMMUNE = ("clc_assessment",)
TITLE_FORMS = ("gia_dinh", "dong_ho", "cong_dong", "don_vi")
VIETNAM = timedelta(hours=7)
# how a subject that meets the criteria answers them: "fully met" far more often, children
# at school, adults literate and learning (choice name → weight; the others 1)
FAVOUR: Mapping[str, float] = {
    "fully": 8.0,
    "partly": 1.5,
    "not_met": 0.15,
    "not_applicable": 0.5,
    "dropped": 0.1,
    "never": 0.1,
    "illiterate": 0.1,
    "none": 0.2,
    "no": 0.5,
}


@dataclass(frozen=True)
class Commune:
    """A commune of the campaign's units: GSO code, districts (the former ones from 2025),
    whether it is remote (QĐ 861 region III), its size and its share of recognitions."""

    code: str
    districts: tuple[str, ...]
    remote: bool
    size: float
    quality: float
    surveyed: bool


@dataclass(frozen=True)
class Slot:
    """One submission of the campaign: the answers it is sent with, when it is made and
    arrives, and whether its subject is to be recognised."""

    given: Mapping[str, str]
    moment: datetime  # the interview's end (UTC)
    arrival: datetime  # when the server receives it (UTC)
    recognised: bool
    commune: str


@dataclass(frozen=True)
class ProvinceYear:
    year: int
    era: int
    seed: int
    first_day: date
    last_day: date
    communes: tuple[Commune, ...]
    quality: Mapping[str, float]  # district → share of its subjects recognised

    @classmethod
    def plan(cls, year: int, *, seed: int = 1, today: date | None = None) -> ProvinceYear:
        """The campaign of `year` (at most that of yesterday; see the module docstring)."""
        today = today or date.today()
        first, last = date(year, *SEASON[0]), date(year, *SEASON[1])
        yesterday = today - timedelta(days=1)
        if last > yesterday:  # the current year: its season so far, a month at least
            last = yesterday
            first = max(date(year, 1, 1), min(first, last - timedelta(days=30)))
        if first.year != year or last < first:
            raise ValueError(f"no evaluation season of {year} before {today}")
        season_era = era_on(last)
        if season_era.valid_from is not None and first < season_era.valid_from:
            first = season_era.valid_from  # a season across a reform: its later part
        era = season_era.id
        reference = Reference.load()
        rng = random.Random(f"campaign:{seed}:{year}")
        units = reference.communes(era)
        districts = {d for u in units for d in _districts(u.district_code, u.former_districts)}
        quality = {d: round(rng.uniform(*QUALITY), 3) for d in sorted(districts)}
        skipped = _unsurveyed(units, rng)
        communes = []
        for unit in units:
            own = _districts(unit.district_code, unit.former_districts)
            remote = _remote(reference, unit.code, era)
            base = sum(quality[d] for d in own) / len(own)
            communes.append(
                Commune(
                    unit.code,
                    own,
                    remote,
                    round(rng.lognormvariate(0, 0.5), 3),
                    round(max(0.05, base - (REMOTE_PENALTY if remote else 0.0)), 3),
                    unit.code not in skipped,
                )
            )
        return cls(year, era, seed, first, last, tuple(communes), quality)

    @property
    def districts(self) -> list[str]:
        return sorted(self.quality)

    def slots(self, form_id: str, content: Mapping[str, Any], count: int) -> list[Slot]:
        """The form's submissions in the order they arrive (see the module docstring)."""
        rng = random.Random(f"slots:{self.seed}:{self.year}:{form_id}")
        choices = _commune_choices(content, self.era)
        if form_id in ONE_PER_COMMUNE:
            chosen = list(self.communes)
        else:
            pool = [c for c in self.communes if c.surveyed or form_id not in TITLE_FORMS]
            chosen = rng.choices(pool, weights=[c.size for c in pool], k=count)
        slots = [self._slot(commune, choices, rng) for commune in chosen]
        return sorted(slots, key=lambda s: s.arrival)

    def _slot(
        self, commune: Commune, choices: Mapping[str, list[Mapping[str, str]]], rng: random.Random
    ) -> Slot:
        day = self.first_day + timedelta(days=rng.randint(0, (self.last_day - self.first_day).days))
        while day.weekday() == 6 and day > self.first_day:  # no interview on a Sunday
            day -= timedelta(days=1)
        local = datetime.combine(day, time(8, 0)) + timedelta(minutes=rng.randint(0, 510))
        moment = (local - VIETNAM).replace(tzinfo=UTC)
        offline = timedelta(hours=rng.uniform(0.2, 144 if commune.remote else 36))
        latest = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        arrival = min(moment + offline, max(moment, latest))
        district = rng.choice(commune.districts)
        given = {
            "eval_date": day.isoformat(),
            "eval_year": str(self.year),
            "district": district,
            f"commune_e{self.era}": _choice_on(choices.get(commune.code, []), commune.code, day),
        }
        recognised = rng.random() < commune.quality
        return Slot(given, moment, arrival, recognised, commune.code)


def _districts(district: str | None, former: Sequence[str]) -> tuple[str, ...]:
    return tuple(former) if former else ((district,) if district else ("",))


def _remote(reference: Reference, code: str, era: int) -> bool:
    """QĐ 861 region III; an era-3 unit when most of the communes it was made of were."""
    if era == 2:
        return reference.remote_class(code) == "III"
    if era == 3:
        former = [old for old, new in reference.crosswalk.items() if new == code]
        remote = [old for old in former if reference.remote_class(old) == "III"]
        return bool(former) and 2 * len(remote) > len(former)
    return False


def _unsurveyed(units: Sequence[Any], rng: random.Random) -> set[str]:
    """A few communes that send no evaluation, never the last one of a district."""
    wanted = round(UNSURVEYED * len(units))
    left: dict[str, int] = {}
    for unit in units:
        for district in _districts(unit.district_code, unit.former_districts):
            left[district] = left.get(district, 0) + 1
    skipped: set[str] = set()
    for unit in rng.sample(list(units), len(units)):
        if len(skipped) >= wanted:
            break
        own = _districts(unit.district_code, unit.former_districts)
        if all(left[d] > 2 for d in own):
            skipped.add(unit.code)
            for district in own:
                left[district] -= 1
    return skipped


def _commune_choices(content: Mapping[str, Any], era: int) -> dict[str, list[Mapping[str, str]]]:
    """GSO code → the choices of the era's commune list (several when renamed in the era)."""
    found: dict[str, list[Mapping[str, str]]] = {}
    for choice in content.get("choices", []):
        if choice.get("list_name") == f"commune_e{era}":
            found.setdefault(str(choice["name"]).split("_", 1)[0], []).append(choice)
    return found


def _choice_on(choices: Sequence[Mapping[str, str]], code: str, day: date) -> str:
    """The choice value of a commune on `day` (the name in force then)."""
    stamp = f"{day:%Y%m%d}"
    for choice in choices:
        if str(choice.get("from_day") or "0") <= stamp <= str(choice.get("to_day") or "99991231"):
            return str(choice["name"])
    return str(choices[-1]["name"]) if choices else code
