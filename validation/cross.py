"""Cross-submission rules: small functions that read all current submissions of one asset and
yield findings, beside the per-submission rules of `validation.rules`.

`check_asset(payloads, schema, reference)` takes the payloads as KoboToolbox returns them
(answers as strings under full `/`-separated paths, `_id`, `meta/instanceID`,
`meta/rootUuid`), the asset's `FormSchema` (to find its fields) and the reference data:

- `duplicate.same_year` (warning): the same household, clan, village or unit evaluated twice
  for one evaluation year (`eval_year`, else the year of `eval_date`). A household is known
  by its code (`hh_code`, a code or house number: unique within its village) when answered,
  else by the head's name; a clan or unit by its name; a village (Learning Community) by its
  code in villages.csv, else by its typed name. Names are compared normalised (NFC,
  casefold, spaces collapsed) within the same village (its code, or its typed name in the
  commune); a unit's village is optional, so units are compared within the commune. Across
  the 2025 reform an era-2 commune meets its successor, but two era-2 communes merged into
  one stay apart. The finding goes on each later submission (by evaluation date, then `_id`)
  and names the first. Forms without such an identity (the CLC assessment, the activity
  report) are skipped;
- `duplicate.instance_id` (error): one `meta/instanceID`, or one `meta/rootUuid`, under
  several `_id`s (across form versions too): a finding on each `_id` after the smallest
  (one per pair: the rootUuid of a pair already found by its instanceID is not repeated);
- `place.commune_district`, `place.commune_date`, `place.village_commune` (errors): the
  commune chosen is not in the district chosen (a new unit of 2025: not formed from that
  former district); the commune (its era's list, its dated name) or the district is not a
  unit in force on the evaluation date; the village of villages.csv is not in the commune.
  Codes the reference does not know are left to the choice checks of `validation.suites`;
- `outlier.robust` (warning): a number of the submission level far from the others of its
  district: modified z-score 0.6745·(x − median)/MAD above 3.5 in absolute value, in groups
  of at least 10 values with MAD > 0. The evaluation year is a period, not a measure, and
  is left out;
- `geo.outside_province` (warning): a geopoint outside the province's bounding box on the
  evaluation date (forms/reference/province_bounding_boxes.csv: Bắc Kạn until 2025-06-30,
  then Thái Nguyên, the union of its two former provinces' boxes). A box, not an outline:
  a point outside the province but inside its box passes.

Payloads are read at the schema's paths (KoboToolbox's, the same in every version of our
forms) with a few dict look-ups each and no object per payload beyond a small record, so an
asset of 100,000 submissions takes seconds.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from forms.findings import Finding, Severity
from forms.messages import FormsCode, FormsError
from forms.reference import (
    ERAS,
    REFERENCE_DIR,
    AdminUnit,
    Era,
    Reference,
    UnitName,
    Village,
    english_name,
    era_on,
)
from forms.rubric_load import display_path
from forms.schema import FormSchema
from forms.subjects import IDENTITIES, Identity, identity_of, subject_of
from forms.text import Text, format_number

CROSS_RULES: tuple[str, ...] = (
    "duplicate.same_year",
    "duplicate.instance_id",
    "place.commune_district",
    "place.commune_date",
    "place.village_commune",
    "outlier.robust",
    "geo.outside_province",
)

BOXES = "province_bounding_boxes.csv"
BOX_COLUMNS = ("province", "valid_from", "valid_to", "min_lat", "max_lat", "min_lon", "max_lon")
Z_FACTOR = 0.6745
Z_LIMIT = 3.5
MIN_GROUP = 10
NOT_MEASURES = ("eval_year",)  # integer questions that are not measures
INSTANCE_KEYS = ("meta/instanceID", "meta/rootUuid")
_COMMUNE_FIELD = re.compile(r"^commune_e(\d+)$")


# -- reading payloads ------------------------------------------------------------------------


class _Fields:
    """The schema's submission-level paths, looked up by field name."""

    def __init__(self, schema: FormSchema) -> None:
        self.schema = schema
        self.paths = {f.name: f.path for f in schema.fields if f.repeat is None}
        self.commune_eras = sorted(
            int(match.group(1)) for name in self.paths if (match := _COMMUNE_FIELD.match(name))
        )
        self.commune_fields = [(era, f"commune_e{era}") for era in self.commune_eras]

    def path(self, name: str) -> str:
        return self.paths.get(name, name)

    def get(self, payload: Mapping[str, Any], name: str) -> str | None:
        """The answer to `name` at its path (the bare name when the schema has no such
        field); None when blank or absent."""
        value = payload.get(self.paths.get(name, name))
        if type(value) is str:
            return value.strip() or None
        if value is None or isinstance(value, list | dict):
            return None
        return str(value).strip() or None


class _Commune(NamedTuple):
    """The commune a submission chose: the era of its list, its field, choice and GSO code."""

    era: int
    path: str
    choice: str
    code: str


class _Submission(NamedTuple):
    """What several rules need of one payload, read once."""

    id: int
    payload: Mapping[str, Any]
    day: date | None  # the evaluation date
    era: Era | None  # the era of units in force on that day
    commune: _Commune | None


class _Days:
    """Dates and their eras, parsed once per distinct string."""

    def __init__(self) -> None:
        self.days: dict[str, date | None] = {}
        self.eras: dict[date, Era] = {}

    def day(self, text: str | None) -> date | None:
        if not text:
            return None
        key = text[:10]
        if key not in self.days:
            try:
                self.days[key] = date.fromisoformat(key)
            except ValueError:
                self.days[key] = None
        return self.days[key]

    def era(self, day: date) -> Era:
        if day not in self.eras:
            self.eras[day] = era_on(day)
        return self.eras[day]


def _chosen_commune(
    payload: Mapping[str, Any], era: Era | None, fields: _Fields
) -> _Commune | None:
    """The answered commune of the era of the evaluation date, else the first answered one;
    for a form without per-era lists, `commune` read in the era of the date."""
    first: tuple[int, str] | None = None
    for listed, name in fields.commune_fields:
        choice = fields.get(payload, name)
        if choice is None:
            continue
        if first is None or (era is not None and listed == era.id):
            first = (listed, choice)
    if first is None and not fields.commune_eras and era is not None:
        choice = fields.get(payload, "commune")
        first = (era.id, choice) if choice is not None else None
    if first is None:
        return None
    listed, choice = first
    name = f"commune_e{listed}" if fields.commune_eras else "commune"
    return _Commune(listed, fields.path(name), choice, choice.split("_", 1)[0])


def _submissions(
    payloads: Sequence[Mapping[str, Any]], fields: _Fields, days: _Days
) -> list[_Submission]:
    found = []
    for payload in payloads:
        try:
            kobo_id = int(payload["_id"])
        except (KeyError, TypeError, ValueError):
            continue
        day = days.day(fields.get(payload, "eval_date"))
        era = days.era(day) if day else None
        found.append(_Submission(kobo_id, payload, day, era, _chosen_commune(payload, era, fields)))
    return found


def _number(value: float) -> Text:
    return Text(format_number(value, "vi"), format_number(value, "en"))


def _float(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value - value == 0 else None  # NaN and infinities are no numbers here


# -- reference data ----------------------------------------------------------------------


class _Places:
    """The reference data indexed for the place and duplicate rules (built once a check)."""

    def __init__(self, reference: Reference) -> None:
        self.choices: dict[tuple[int, str], tuple[AdminUnit, UnitName]] = {}
        self.units: dict[tuple[int, str], AdminUnit] = {}
        self.districts: dict[int, set[str]] = {}
        for era in ERAS:
            in_era = self.districts.setdefault(era.id, set())
            for unit in reference.communes(era.id):
                self.units[(era.id, unit.code)] = unit
                for value, named in unit.choices():
                    self.choices[(era.id, value)] = (unit, named)
                in_era.update(unit.former_districts or (unit.district_code or "",))
            in_era.discard("")
        self.known_districts = set().union(*self.districts.values())
        self.district_names = {d.code: d.name for d in reference.districts}
        self.villages: dict[str, Village] = {v.code: v for v in reference.villages}
        self.crosswalk = reference.crosswalk

    def district_label(self, code: str) -> Text:
        name = self.district_names.get(code)
        return (
            Text(f"{name} ({code})", f"{english_name(name)} ({code})") if name else Text.same(code)
        )

    def commune_label(self, era: int, code: str) -> Text:
        unit = self.units.get((era, code))
        return _unit_label(unit.name, code) if unit else Text.same(code)

    @staticmethod
    def village_commune(village: Village, era: int) -> str:
        """The GSO code of the commune a village belongs to in an era ("" if unknown)."""
        if era == 1:
            return village.commune_code_until_2020
        if era == 2:
            return village.commune_code
        return village.successor_code


def _unit_label(name: str, code: str) -> Text:
    return Text(f"{name} ({code})", f"{english_name(name)} ({code})")


@cache
def _shipped_reference() -> Reference:
    return Reference.load()


@dataclass(frozen=True)
class _Box:
    """One bounding box of a province in a period (several rows of a period: their union)."""

    province: str
    valid_from: date | None
    valid_to: date | None
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    def contains(self, day: date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )

    def holds(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon

    def extent(self, lang: str) -> str:
        lat = f"{format_number(self.min_lat, lang)}–{format_number(self.max_lat, lang)}"
        lon = f"{format_number(self.min_lon, lang)}–{format_number(self.max_lon, lang)}"
        return f"vĩ độ {lat}, kinh độ {lon}" if lang == "vi" else f"latitude {lat}, longitude {lon}"


@cache
def _boxes(directory: Path) -> tuple[_Box, ...]:
    """The province boxes of `directory` when it has the file, else of forms/reference;
    FormsError FRM023 when the file cannot be read as expected."""
    path = directory / BOXES if (directory / BOXES).is_file() else REFERENCE_DIR / BOXES
    columns = ", ".join(BOX_COLUMNS)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in BOX_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ValueError("missing column(s) " + ", ".join(missing))
            return tuple(
                _Box(
                    row["province"].strip(),
                    date.fromisoformat(row["valid_from"]) if row["valid_from"] else None,
                    date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                    *(float(row[c]) for c in BOX_COLUMNS[3:]),
                )
                for row in reader
            )
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise FormsError(
            FormsCode.REFERENCE_UNREADABLE,
            display_path(path),
            {"detail": str(exc), "columns": columns},
        ) from exc


# -- duplicate.same_year ---------------------------------------------------------------------


class _Evaluated(NamedTuple):
    """One submission of a duplicate group: when, its exact commune, the field and answer."""

    day: date
    id: int
    commune: tuple[int, str] | None  # (era, code); None: a village code alone places it
    field: str
    shown: str
    by_code: bool


def _same_place(first: _Evaluated, later: _Evaluated) -> bool:
    """Members of one group are one place unless both name different communes of one era
    (the group holds an era-2 commune with its successor, so also its merged neighbours)."""
    if first.commune is None or later.commune is None:
        return True
    return first.commune[0] != later.commune[0] or first.commune == later.commune


def _key(
    sub: _Submission, identity: Identity, fields: _Fields, places: _Places
) -> tuple[tuple[str, ...], _Evaluated] | None:
    """The group key of a submission's subject (without the year) and its group entry."""
    commune = sub.commune
    if commune is None:
        now = ""
    elif commune.era == 2:  # compared through its unit of 2025
        now = "3:" + places.crosswalk.get(commune.code, commune.code)
    else:
        now = f"{commune.era}:{commune.code}"
    found = subject_of(identity, lambda name: fields.get(sub.payload, name), now)
    if found is None:
        return None
    where = None if found.by_village_code or commune is None else (commune.era, commune.code)
    entry = _Evaluated(
        sub.day or date.max,
        sub.id,
        where,
        fields.path(found.field),
        found.shown,
        found.field == identity.code,
    )
    return found.key, entry


def duplicate_same_year(
    subs: Sequence[_Submission], fields: _Fields, places: _Places
) -> Iterator[Finding]:
    identity = identity_of(fields.paths)
    if identity is None:
        return
    groups: dict[tuple[str, ...], list[_Evaluated]] = defaultdict(list)
    for sub in subs:
        year = fields.get(sub.payload, "eval_year") or (str(sub.day.year) if sub.day else None)
        found = _key(sub, identity, fields, places) if year else None
        if year and found:
            groups[(year, *found[0])].append(found[1])
    for (year, *_), members in groups.items():
        if len(members) < 2:
            continue
        members.sort(key=lambda m: (m.day, m.id))
        for index, later in enumerate(members[1:], start=1):
            first = next((m for m in members[:index] if _same_place(m, later)), None)
            if first is not None:
                yield Finding(
                    "duplicate.same_year",
                    later.field,
                    str(first.id),
                    _duplicate_message(identity, year, first.id, later),
                    Severity.WARNING,
                    later.id,
                )


def _duplicate_message(identity: Identity, year: str, first: int, later: _Evaluated) -> Text:
    what = (identity.code_label if later.by_code else None) or identity.name_label
    if identity.name is None:
        where = Text("", "") if later.by_code else Text(", cùng xã", ", same commune")
    elif identity.by_village:
        where = Text(", cùng thôn và xã", ", same village and commune")
    else:
        where = Text(", cùng xã", ", same commune")
    subject = identity.subject
    return Text(
        f"{subject.vi[:1].upper()}{subject.vi[1:]} này đã được đánh giá cho năm {year} ở phiếu "
        f"{first} (cùng {what.vi} '{later.shown}'{where.vi}): có thể là đánh giá trùng",
        f"this {subject.en} was already evaluated for {year} in submission {first} (same "
        f"{what.en} '{later.shown}'{where.en}): possibly evaluated twice",
    )


# -- duplicate.instance_id -------------------------------------------------------------------


def duplicate_instance_id(subs: Sequence[_Submission]) -> Iterator[Finding]:
    reported: set[tuple[int, int]] = set()
    for key in INSTANCE_KEYS:
        first_id: dict[str, int] = {}
        shared: dict[str, set[int]] = {}
        for sub in subs:
            value = sub.payload.get(key)
            if not isinstance(value, str) or not value:
                continue
            seen = first_id.setdefault(value, sub.id)
            if seen != sub.id:
                shared.setdefault(value, {seen}).add(sub.id)
        for value, ids in shared.items():
            first, *later = sorted(ids)
            for kobo_id in later:
                if (kobo_id, first) in reported:
                    continue  # the pair was found by its instanceID
                reported.add((kobo_id, first))
                yield Finding(
                    "duplicate.instance_id",
                    key,
                    value,
                    Text(
                        f"{key} '{value}' đã có ở phiếu {first}: một phiếu được lưu hai lần "
                        "(gửi lại hoặc nhập lại)",
                        f"{key} '{value}' is already that of submission {first}: one "
                        "submission stored twice (sent again or imported again)",
                    ),
                    Severity.ERROR,
                    kobo_id,
                )


# -- place.* ---------------------------------------------------------------------------------


def places_rules(
    subs: Sequence[_Submission], fields: _Fields, places: _Places
) -> Iterator[Finding]:
    has_district = "district" in fields.paths
    has_village = "village" in fields.paths
    for sub in subs:
        if sub.day is None or sub.era is None:
            continue
        district = fields.get(sub.payload, "district") if has_district else None
        if district not in places.known_districts:
            district = None  # none, or an unknown code: the choice checks report it
        elif district not in places.districts[sub.era.id]:
            yield _district_on_date(sub, fields.path("district"), district, places)
            district = None
        commune = sub.commune
        if commune is None:
            continue
        if fields.commune_eras:
            entry = places.choices.get((commune.era, commune.choice))
        else:  # `commune` alone: a bare GSO code, read in the era of the date
            found = places.units.get((commune.era, commune.code))
            entry = (found, UnitName(found.name)) if found else None
            listed = next((e.id for e in ERAS if (e.id, commune.code) in places.units), None)
            if entry is None and listed is not None:
                yield _wrong_era(sub, commune, listed, places)
        if entry is None:
            continue  # an unknown code: the choice checks report it
        unit, named = entry
        if commune.era != sub.era.id:
            yield _wrong_era(sub, commune, commune.era, places)
        else:
            if not named.contains(sub.day):
                yield _name_on_date(sub, commune, unit, named)
            if district is not None and not (
                district in unit.former_districts
                if unit.former_districts
                else district == unit.district_code
            ):
                yield _commune_district(sub, commune, unit, named, district, places)
        village = (
            places.villages.get(fields.get(sub.payload, "village") or "") if has_village else None
        )
        expected = places.village_commune(village, commune.era) if village else ""
        if village and expected and expected != unit.code:
            yield _village_commune(sub, fields.path("village"), village, expected, named, places)


def _district_on_date(sub: _Submission, path: str, district: str, places: _Places) -> Finding:
    assert sub.era is not None
    label = places.district_label(district)
    return Finding(
        "place.commune_date",
        path,
        district,
        Text(
            f"{label.vi} không phải đơn vị hành chính vào ngày đánh giá {sub.day} "
            f"(danh mục {sub.era.label.vi})",
            f"{label.en} is not an administrative unit on the evaluation date {sub.day} "
            f"(list {sub.era.label.en})",
        ),
        Severity.ERROR,
        sub.id,
    )


def _wrong_era(sub: _Submission, commune: _Commune, listed: int, places: _Places) -> Finding:
    assert sub.era is not None
    label = places.commune_label(listed, commune.code)
    of_list, of_day = ERAS[listed - 1].label, sub.era.label
    return Finding(
        "place.commune_date",
        commune.path,
        commune.choice,
        Text(
            f"{label.vi} thuộc danh mục đơn vị hành chính {of_list.vi}, không phải đơn vị vào "
            f"ngày đánh giá {sub.day} (danh mục {of_day.vi})",
            f"{label.en} is a unit of the list {of_list.en}, not an administrative unit on the "
            f"evaluation date {sub.day} (list {of_day.en})",
        ),
        Severity.ERROR,
        sub.id,
    )


def _name_on_date(sub: _Submission, commune: _Commune, unit: AdminUnit, named: UnitName) -> Finding:
    assert sub.day is not None
    then = unit.name_on(sub.day)
    start = named.valid_from.isoformat() if named.valid_from else "…"
    end = named.valid_to.isoformat() if named.valid_to else "…"
    return Finding(
        "place.commune_date",
        commune.path,
        commune.choice,
        Text(
            f"tên {named.name} ({commune.choice}) dùng từ {start} đến {end}, không phải tên "
            f"đơn vị vào ngày đánh giá {sub.day} (khi đó là {then})",
            f"the name {english_name(named.name)} ({commune.choice}) was in force from {start} "
            f"to {end}, not on the evaluation date {sub.day} (then {english_name(then)})",
        ),
        Severity.ERROR,
        sub.id,
    )


def _commune_district(
    sub: _Submission,
    commune: _Commune,
    unit: AdminUnit,
    named: UnitName,
    district: str,
    places: _Places,
) -> Finding:
    label = _unit_label(named.name, commune.choice)
    chosen = places.district_label(district)
    if unit.former_districts:
        formed = [places.district_label(d) for d in unit.former_districts]
        message = Text(
            f"{label.vi} không lập từ địa bàn huyện cũ {chosen.vi} (lập từ: "
            f"{', '.join(d.vi for d in formed)})",
            f"{label.en} was not formed from the former district {chosen.en} (formed from: "
            f"{', '.join(d.en for d in formed)})",
        )
    else:
        actual = places.district_label(unit.district_code or "")
        message = Text(
            f"{label.vi} không thuộc {chosen.vi} mà thuộc {actual.vi}",
            f"{label.en} is not in {chosen.en} but in {actual.en}",
        )
    return Finding(
        "place.commune_district", commune.path, commune.choice, message, Severity.ERROR, sub.id
    )


def _village_commune(
    sub: _Submission,
    path: str,
    village: Village,
    expected: str,
    named: UnitName,
    places: _Places,
) -> Finding:
    assert sub.commune is not None
    home = places.commune_label(sub.commune.era, expected)
    chosen = _unit_label(named.name, sub.commune.code)
    return Finding(
        "place.village_commune",
        path,
        village.code,
        Text(
            f"thôn {village.name} ({village.code}) thuộc {home.vi}, không thuộc {chosen.vi}",
            f"the village {village.name} ({village.code}) belongs to {home.en}, not to {chosen.en}",
        ),
        Severity.ERROR,
        sub.id,
    )


# -- outlier.robust --------------------------------------------------------------------------


def _median(ordered: Sequence[float]) -> float:
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def outlier_robust(
    subs: Sequence[_Submission], fields: _Fields, places: _Places
) -> Iterator[Finding]:
    numeric = [
        f.path
        for f in fields.schema.fields
        if f.repeat is None and f.type in ("integer", "decimal") and f.name not in NOT_MEASURES
    ]
    if not numeric:
        return
    # per district, per field: the values and the index of their submission in `subs`
    values: dict[str, dict[str, list[float]]] = {}
    owners: dict[str, dict[str, list[int]]] = {}
    for index, sub in enumerate(subs):
        payload = sub.payload
        district = fields.get(payload, "district") or ""
        if district not in values:
            values[district] = {path: [] for path in numeric}
            owners[district] = {path: [] for path in numeric}
        in_values, in_owners = values[district], owners[district]
        for path in numeric:
            raw = payload.get(path)
            if raw is None:
                continue
            try:
                value = float(raw)
            except (TypeError, ValueError):
                continue
            if value - value == 0:  # not NaN nor infinite
                in_values[path].append(value)
                in_owners[path].append(index)
    groups = {
        (path, district): (numbers, owners[district][path])
        for district, by_path in values.items()
        for path, numbers in by_path.items()
    }
    for group, (numbers, indexes) in groups.items():
        if len(numbers) < MIN_GROUP:
            continue
        median = _median(sorted(numbers))
        mad = _median(sorted([abs(v - median) for v in numbers]))
        if mad == 0:
            continue
        low, high = median - Z_LIMIT * mad / Z_FACTOR, median + Z_LIMIT * mad / Z_FACTOR
        for value, index in zip(numbers, indexes, strict=True):
            if low <= value <= high:
                continue
            z = Z_FACTOR * (value - median) / mad
            if abs(z) > Z_LIMIT:
                yield _outlier(subs[index], group, value, median, z, places)


def _outlier(
    sub: _Submission, group: tuple[str, str], value: float, median: float, z: float, places: _Places
) -> Finding:
    path, district = group
    where = places.district_label(district) if district else Text("không rõ huyện", "no district")
    shown, score = _number(median), _number(round(z, 2))
    return Finding(
        "outlier.robust",
        path,
        str(sub.payload.get(path)),
        Text(
            f"giá trị {format_number(value, 'vi')} khác xa các phiếu cùng huyện {where.vi}: "
            f"trung vị của huyện {shown.vi}, điểm z hiệu chỉnh {score.vi} (ngưỡng 3,5)",
            f"the value {format_number(value, 'en')} is far from the other submissions of "
            f"{where.en}: district median {shown.en}, modified z-score {score.en} (limit 3.5)",
        ),
        Severity.WARNING,
        sub.id,
    )


# -- geo.outside_province --------------------------------------------------------------------


def geo_outside_province(
    subs: Sequence[_Submission], fields: _Fields, boxes: Sequence[_Box], days: _Days
) -> Iterator[Finding]:
    points = [f.path for f in fields.schema.fields if f.repeat is None and f.type == "geopoint"]
    if not points:
        return
    valid: dict[date, list[_Box]] = {}
    for sub in subs:
        day = sub.day or days.day(str(sub.payload.get("_submission_time") or ""))
        if day is None:
            continue
        if day not in valid:
            valid[day] = [box for box in boxes if box.contains(day)]
        in_force = valid[day]
        for path in points:
            raw = sub.payload.get(path)
            parts = raw.split() if isinstance(raw, str) else ()
            lat, lon = (_float(parts[0]), _float(parts[1])) if len(parts) >= 2 else (None, None)
            if lat is None or lon is None or not in_force:
                continue
            if not any(box.holds(lat, lon) for box in in_force):
                yield _outside(sub.id, path, str(raw), lat, lon, day, in_force)


def _outside(
    kobo_id: int, path: str, raw: str, lat: float, lon: float, day: date, boxes: Sequence[_Box]
) -> Finding:
    province = boxes[0].province
    vi = " hoặc ".join(box.extent("vi") for box in boxes)
    en = " or ".join(box.extent("en") for box in boxes)
    return Finding(
        "geo.outside_province",
        path,
        raw,
        Text(
            f"vị trí {format_number(lat, 'vi')}, {format_number(lon, 'vi')} ngoài khung bao của "
            f"tỉnh {province} vào ngày {day} ({vi})",
            f"the position {format_number(lat, 'en')}, {format_number(lon, 'en')} is outside "
            f"the province's bounding box ({province} on {day}: {en})",
        ),
        Severity.WARNING,
        kobo_id,
    )


def cross_keys(schema: FormSchema) -> frozenset[str]:
    """The keys of a payload the rules read (of the form `schema`): a payload cut down to
    them gives the same findings, so a caller need not keep whole payloads for them."""
    fields = _Fields(schema)
    names = {"eval_date", "eval_year", "district", "village", "village_other", "commune"}
    names |= {name for _, name in fields.commune_fields}
    names |= {n for identity in IDENTITIES for n in (identity.code, identity.name) if n}
    measures = (f for f in schema.fields if f.repeat is None)
    return frozenset(
        {fields.path(name) for name in names}
        | {f.path for f in measures if f.type in ("integer", "decimal", "geopoint")}
        | {"_id", "_submission_time", *INSTANCE_KEYS}
    )


# -- all of them -----------------------------------------------------------------------------


def check_asset(
    payloads: Sequence[Mapping[str, Any]],
    schema: FormSchema,
    reference: Reference | None = None,
) -> list[Finding]:
    """Every finding of the cross-submission rules on the current submissions of one asset
    (`reference`: the shipped reference data when None), by rule, submission and field."""
    reference = reference or _shipped_reference()
    fields = _Fields(schema)
    places = _Places(reference)
    days = _Days()
    subs = _submissions(payloads, fields, days)
    findings = [
        *duplicate_same_year(subs, fields, places),
        *duplicate_instance_id(subs),
        *places_rules(subs, fields, places),
        *outlier_robust(subs, fields, places),
        *geo_outside_province(subs, fields, _boxes(reference.directory), days),
    ]
    order = {rule: index for index, rule in enumerate(CROSS_RULES)}
    findings.sort(key=lambda f: (order[f.rule], f.submission or 0, f.field))
    return findings
