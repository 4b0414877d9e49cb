"""Reference data: administrative units of three eras, remote classes, villages, the plan's tasks.

Administrative units (GSO codes; sources in forms/reference/SOURCES.md):
- era 1, until 2020-01-31: the 122 commune-level units of Bắc Kạn (province 06);
- era 2, 2020-02-01 to 2025-06-30: the 108 units after NQ 855/NQ-UBTVQH14, from the GSO list
  of 2025-03-01. A unit renamed within the era has one row per name, with the dates the name
  was in force (`valid_from`, `valid_to`; empty: the era's own bounds): Vân Tùng (01954) is
  "Xã Vân Tùng" until 2023-04-09 and "Thị trấn Vân Tùng" from 2023-04-10 (NQ 722/NQ-UBTVQH15).
  The forms list each name as a choice of its own, shown only for evaluation dates in its
  period: the name in force at the era's end keeps the GSO code as its value, an earlier
  one gets `<code>_<last day, YYYYMMDD>` (`01954_20230409`); `unit_code` gives back the code;
- era 3, from 2025-07-01: the 37 communes and wards of Thái Nguyên (province 19) that the 108
  became under NQ 1683/NQ-UBTVQH15, reached through the crosswalk. Districts were abolished:
  for navigation a new unit is listed under each former district it took land from.
An evaluation is recorded against the units in force on its date (`era_on`).

Remote classes: khu vực I/II/III of QĐ 861/QĐ-TTg (2021–2025) for the era-2 units, with
`unknown` or `I_or_II` where the sources did not resolve it; the data manager completes it.

Villages (thôn, bản, tổ dân phố) are not in any public reference file. They live in
`forms/reference/villages.csv`, which the data manager maintains: one row per village with
`commune_code` (the era-2 GSO code of its commune, 2020-02-01..2025-06-30), a `village_code`
the manager assigns (letters, digits, `_`, `-`, `.`), the `village_name`, and
`commune_code_until_2020` when the village belonged to a commune merged away in 2020. The
forms list the villages of the chosen commune in every era (era 3 through the crosswalk) and
always offer "other village" with a free-text name, so surveys work before the list is filled.

Plan tasks: the activities 1.1–5.3 of QĐ 1150/QĐ-UBND section II.3 (ke_hoach_1150_tasks.csv).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from forms.messages import FormsCode, FormsError
from forms.rubric_load import display_path
from forms.text import Text

REFERENCE_DIR = Path(__file__).parent / "reference"
UNITS_ERA1 = "bac_kan_admin_units_until_2020-01-31.csv"
UNITS_ERA2 = "bac_kan_admin_units_2025-03-01.csv"
CROSSWALK = "bac_kan_2025_old_to_new_communes.csv"
REMOTE = "bac_kan_qd861_khu_vuc_2021-2025.csv"
VILLAGES = "villages.csv"
TASKS = "ke_hoach_1150_tasks.csv"

UNIT_COLUMNS = ("district_code", "district_name", "commune_code", "commune_name")
UNIT_DATES = ("valid_from", "valid_to")  # optional columns of the era-2 list
CROSSWALK_COLUMNS = (
    "old_district_code",
    "old_commune_code",
    "new_commune_code",
    "new_commune_name",
)
REMOTE_COLUMNS = ("commune_code", "khu_vuc_qd861")
VILLAGE_COLUMNS = ("commune_code", "village_code", "village_name", "commune_code_until_2020")
TASK_COLUMNS = (
    "task_code",
    "task",
    "task_vi",
    "task_en",
    "activity_vi",
    "activity_en",
    "period",
    "responsible_vi",
)
REMOTE_CLASSES = ("I", "II", "III", "I_or_II", "unknown")
# How the name of a unit begins, by level (GSO writes "Thành Phố"; the legal name is
# "Thành phố"). Checked by `Reference.problems`.
DISTRICT_PREFIXES = ("Thành phố ", "Thị xã ", "Huyện ")
COMMUNE_PREFIXES = ("Phường ", "Thị trấn ", "Xã ")
_VILLAGE_CODE = re.compile(r"^[A-Za-z0-9_.-]+$")

PROVINCE = "06"  # GSO code of Bắc Kạn, whose reference data htsd ships
SUCCESSOR_PROVINCE = "19"  # Thái Nguyên, which took it over on 2025-07-01


@dataclass(frozen=True)
class Era:
    """A period in which one list of administrative units is in force."""

    id: int
    valid_from: date | None
    valid_to: date | None
    label: Text
    expected_units: int

    @property
    def period(self) -> str:
        """`2020-02-01..2025-06-30`, open ends left empty."""
        start = self.valid_from.isoformat() if self.valid_from else ""
        end = self.valid_to.isoformat() if self.valid_to else ""
        return f"{start}..{end}"

    def contains(self, day: date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )


ERAS: tuple[Era, ...] = (
    Era(
        1,
        None,
        date(2020, 1, 31),
        Text("đến 31/01/2020 (122 đơn vị)", "until 31 January 2020 (122 units)"),
        122,
    ),
    Era(
        2,
        date(2020, 2, 1),
        date(2025, 6, 30),
        Text("01/02/2020 – 30/06/2025 (108 đơn vị)", "1 February 2020 – 30 June 2025 (108 units)"),
        108,
    ),
    Era(
        3,
        date(2025, 7, 1),
        None,
        Text(
            "từ 01/07/2025 (37 xã, phường thuộc tỉnh Thái Nguyên)",
            "from 1 July 2025 (37 communes and wards of Thái Nguyên)",
        ),
        37,
    ),
)


ERA2 = ERAS[1]


def era_on(day: date) -> Era:
    """The era whose units are in force on `day`."""
    for era in ERAS:
        if era.contains(day):
            return era
    raise ValueError(f"no era contains {day}")  # unreachable: the eras cover every date


_PREFIXES_EN = (
    ("Thành phố ", "{} city"),
    ("Thị xã ", "{} town"),
    ("Huyện ", "{} district"),
    ("Thị trấn ", "{} township"),
    ("Phường ", "{} ward"),
    ("Xã ", "{} commune"),
)


def english_name(name: str) -> str:
    """`Huyện Ba Bể` → `Ba Bể district`, `Xã Cao Kỳ` → `Cao Kỳ commune`; others unchanged."""
    for prefix, pattern in _PREFIXES_EN:
        if name.startswith(prefix):
            return pattern.format(name[len(prefix) :])
    return name


@dataclass(frozen=True)
class District:
    """A district-level unit of Bắc Kạn (eras 1 and 2; 'former district' in era 3)."""

    code: str
    name: str

    @property
    def label(self) -> Text:
        return Text(self.name, english_name(self.name))


@dataclass(frozen=True)
class UnitName:
    """A name a unit bore during part of its era (None: the era's own bound, for a unit
    never renamed)."""

    name: str
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def label(self) -> Text:
        return Text(self.name, english_name(self.name))

    def contains(self, day: date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )


def unit_choice(code: str, named: UnitName, *, latest: bool) -> str:
    """The form's choice value for one name of a unit: the GSO code for the name in force at
    the era's end (`latest`), `<code>_<YYYYMMDD of its last day>` for an earlier one."""
    if latest or named.valid_to is None:
        return code
    return f"{code}_{named.valid_to:%Y%m%d}"


def unit_code(choice: str) -> str:
    """The GSO code of a commune choice value: `01954_20230409` → `01954`."""
    return choice.split("_", 1)[0]


@dataclass(frozen=True)
class AdminUnit:
    """A commune-level unit in one era. Era-3 units have no district but former districts.

    `names` are the unit's names in the era, oldest first, when it was renamed within it
    (else empty); `name` is the one in force at the era's end.
    """

    code: str
    name: str
    era: int
    province_code: str
    district_code: str | None
    former_districts: tuple[str, ...] = ()
    remote_class: str | None = None
    names: tuple[UnitName, ...] = ()

    @property
    def label(self) -> Text:
        return Text(self.name, english_name(self.name))

    @property
    def dated_names(self) -> tuple[UnitName, ...]:
        """Its names with their periods (one name for the whole era when never renamed)."""
        return self.names or (UnitName(self.name),)

    def name_on(self, day: date) -> str:
        """The unit's name on `day` (its latest name when `day` is outside every period)."""
        return next((n.name for n in self.names if n.contains(day)), self.name)

    def choices(self) -> tuple[tuple[str, UnitName], ...]:
        """(choice value, name) for each of its names, as the forms list them."""
        names = self.dated_names
        return tuple(
            (unit_choice(self.code, named, latest=i == len(names) - 1), named)
            for i, named in enumerate(names)
        )


@dataclass(frozen=True)
class Village:
    """A village from the data manager's villages.csv, with its commune in each era."""

    code: str
    name: str
    commune_code: str
    commune_code_until_2020: str
    successor_code: str


@dataclass(frozen=True)
class PlanTask:
    """An activity of the plan (QĐ 1150/QĐ-UBND, section II.3), e.g. 4.1."""

    code: str
    task: int
    task_label: Text
    activity: Text
    period: str
    responsible: str


def _day(value: str, where: str, column: str, issues: list[FormsError]) -> date | None:
    """An optional ISO date of a reference row; a value that is not one is an issue."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        issues.append(
            FormsError(
                FormsCode.BAD_VALUE,
                where,
                {"value": value, "column": column, "allowed": "a date YYYY-MM-DD, or empty"},
            )
        )
        return None


def _era2_units(
    path: Path, rows: list[dict[str, str]], remote: dict[str, str], issues: list[FormsError]
) -> tuple[AdminUnit, ...]:
    """The era-2 units; a unit renamed within the era has several rows, one per name."""
    named: dict[str, list[tuple[dict[str, str], UnitName]]] = {}
    for line, row in enumerate(rows, start=2):
        where = f"{display_path(path)}: row {line} ({row['commune_code']})"
        start, end = (_day(row.get(c, ""), where, c, issues) for c in UNIT_DATES)
        name = UnitName(row["commune_name"], start or ERA2.valid_from, end or ERA2.valid_to)
        named.setdefault(row["commune_code"], []).append((row, name))
    units = []
    for code, versions in named.items():
        versions.sort(key=lambda version: version[1].valid_from or date.min)
        last = versions[-1][0]
        units.append(
            AdminUnit(
                code,
                last["commune_name"],
                2,
                PROVINCE,
                last["district_code"],
                remote_class=remote.get(code),
                names=tuple(name for _, name in versions) if len(versions) > 1 else (),
            )
        )
    return tuple(units)


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a reference CSV; FormsError FRM023 when it cannot be read as expected."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise FormsError(
                    FormsCode.REFERENCE_UNREADABLE,
                    display_path(path),
                    {
                        "detail": "missing column(s) " + ", ".join(missing),
                        "columns": ", ".join(columns),
                    },
                )
            return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FormsError(
            FormsCode.REFERENCE_UNREADABLE,
            display_path(path),
            {"detail": str(exc), "columns": ", ".join(columns)},
        ) from exc


@dataclass(frozen=True)
class Reference:
    """All reference data the forms use (load with `Reference.load`)."""

    directory: Path
    districts: tuple[District, ...]
    units: dict[int, tuple[AdminUnit, ...]]
    crosswalk: dict[str, str]
    villages: tuple[Village, ...]
    tasks: tuple[PlanTask, ...]
    issues: tuple[FormsError, ...] = ()  # values the loader could not read, for `problems`

    @classmethod
    def load(cls, directory: Path = REFERENCE_DIR) -> Reference:
        """Read the reference files; raises FormsError on an unreadable file."""
        issues: list[FormsError] = []
        era1 = _read_csv(directory / UNITS_ERA1, UNIT_COLUMNS)
        era2 = _read_csv(directory / UNITS_ERA2, UNIT_COLUMNS)
        links = _read_csv(directory / CROSSWALK, CROSSWALK_COLUMNS)
        remote = {
            r["commune_code"]: r["khu_vuc_qd861"]
            for r in _read_csv(directory / REMOTE, REMOTE_COLUMNS)
        }
        districts: dict[str, District] = {}
        for row in era2:
            districts.setdefault(
                row["district_code"], District(row["district_code"], row["district_name"])
            )
        units = {
            1: tuple(
                AdminUnit(r["commune_code"], r["commune_name"], 1, PROVINCE, r["district_code"])
                for r in era1
            ),
            2: _era2_units(directory / UNITS_ERA2, era2, remote, issues),
            3: _era3_units(links),
        }
        crosswalk = {r["old_commune_code"]: r["new_commune_code"] for r in links}
        villages = tuple(
            Village(
                code=r["village_code"],
                name=r["village_name"],
                commune_code=r["commune_code"],
                commune_code_until_2020=r["commune_code_until_2020"] or r["commune_code"],
                successor_code=crosswalk.get(r["commune_code"], ""),
            )
            for r in _read_csv(directory / VILLAGES, VILLAGE_COLUMNS)
        )
        tasks = tuple(
            PlanTask(
                r["task_code"],
                int(r["task"]),
                Text(r["task_vi"], r["task_en"]),
                Text(r["activity_vi"], r["activity_en"]),
                r["period"],
                r["responsible_vi"],
            )
            for r in _read_csv(directory / TASKS, TASK_COLUMNS)
        )
        return cls(
            directory,
            tuple(sorted(districts.values(), key=lambda d: d.code)),
            units,
            crosswalk,
            villages,
            tasks,
            tuple(issues),
        )

    def communes(self, era: int) -> tuple[AdminUnit, ...]:
        return self.units[era]

    def unit(self, code: str, era: int) -> AdminUnit:
        """The unit of a GSO code, or of a form's choice value (`01954_20230409`)."""
        code = unit_code(code)
        for unit in self.units[era]:
            if unit.code == code:
                return unit
        raise KeyError(f"{code} (era {era})")

    def successor(self, code: str) -> AdminUnit:
        """The era-3 unit an era-2 unit became on 2025-07-01."""
        return self.unit(self.crosswalk[code], 3)

    def remote_class(self, code: str) -> str | None:
        """QĐ 861 class (I, II, III, I_or_II, unknown) of an era-2 unit; None if not listed."""
        try:
            return self.unit(code, 2).remote_class
        except KeyError:
            return None

    def problems(self) -> list[FormsError]:
        """What `htsd forms check` reports about the reference data."""
        found: list[FormsError] = list(self.issues)
        files = {1: UNITS_ERA1, 2: UNITS_ERA2, 3: CROSSWALK}
        for era in ERAS:
            actual = len(self.units[era.id])
            if actual != era.expected_units:
                found.append(
                    FormsError(
                        FormsCode.UNIT_COUNT,
                        display_path(self.directory / files[era.id]),
                        {"era": era.period, "actual": actual, "expected": era.expected_units},
                    )
                )
        era1 = {u.code for u in self.units[1]}
        era2 = {u.code for u in self.units[2]}
        crosswalk_file = display_path(self.directory / CROSSWALK)
        for code in sorted(era2 - set(self.crosswalk)):
            found.append(
                FormsError(
                    FormsCode.UNKNOWN_UNIT, crosswalk_file, {"code": code, "era": "crosswalk"}
                )
            )
        remote_file = display_path(self.directory / REMOTE)
        for unit in self.units[2]:
            if unit.remote_class not in REMOTE_CLASSES:
                found.append(
                    FormsError(
                        FormsCode.BAD_VALUE,
                        f"{remote_file}: {unit.code}",
                        {
                            "value": unit.remote_class or "",
                            "column": "khu_vuc_qd861",
                            "allowed": ", ".join(REMOTE_CLASSES),
                        },
                    )
                )
        found.extend(self._name_problems(files))
        found.extend(self._village_problems(era1, era2))
        return found

    def _name_problems(self, files: dict[int, str]) -> list[FormsError]:
        """Names with the level written as the law writes it; dated names covering the era."""
        found: list[FormsError] = []

        def prefixed(name: str, prefixes: tuple[str, ...], where: str, column: str) -> None:
            if not name.startswith(prefixes):
                allowed = "a name beginning with " + ", ".join(p.strip() for p in prefixes)
                found.append(
                    FormsError(
                        FormsCode.BAD_VALUE,
                        where,
                        {"value": name, "column": column, "allowed": allowed},
                    )
                )

        era2_file = display_path(self.directory / files[2])
        for district in self.districts:
            prefixed(
                district.name, DISTRICT_PREFIXES, f"{era2_file}: {district.code}", "district_name"
            )
        for era in ERAS:
            file = display_path(self.directory / files[era.id])
            column = "new_commune_name" if era.id == 3 else "commune_name"
            for unit in self.units[era.id]:
                for named in unit.dated_names:
                    prefixed(named.name, COMMUNE_PREFIXES, f"{file}: {unit.code}", column)
                found.extend(_period_problems(unit, era, f"{file}: {unit.code}"))
        return found

    def _village_problems(self, era1: set[str], era2: set[str]) -> list[FormsError]:
        found: list[FormsError] = []
        file = display_path(self.directory / VILLAGES)
        seen: set[str] = set()
        for line, village in enumerate(self.villages, start=2):
            where = f"{file}: row {line} ({village.code or village.name})"
            if not _VILLAGE_CODE.match(village.code):
                found.append(
                    FormsError(
                        FormsCode.BAD_VALUE,
                        where,
                        {
                            "value": village.code,
                            "column": "village_code",
                            "allowed": "letters, digits, _ - .",
                        },
                    )
                )
            elif village.code in seen or village.code == "other":
                found.append(
                    FormsError(
                        FormsCode.DUPLICATE_ID, where, {"id": village.code, "kind": "village"}
                    )
                )
            seen.add(village.code)
            if not village.name:
                for lang in ("vi", "en"):
                    found.append(
                        FormsError(
                            FormsCode.CHOICE_LABEL_MISSING,
                            where,
                            {"choice": village.code, "language": lang},
                        )
                    )
            if village.commune_code not in era2:
                found.append(
                    FormsError(
                        FormsCode.UNKNOWN_UNIT,
                        where,
                        {"code": village.commune_code, "era": "2020-02-01..2025-06-30"},
                    )
                )
            if village.commune_code_until_2020 not in era1:
                found.append(
                    FormsError(
                        FormsCode.UNKNOWN_UNIT,
                        where,
                        {"code": village.commune_code_until_2020, "era": "..2020-01-31"},
                    )
                )
        return found


def _period_problems(unit: AdminUnit, era: Era, where: str) -> list[FormsError]:
    """A renamed unit's names must follow each other, day after day, across the whole era."""
    found = []
    expected = era.valid_from
    allowed = (
        f"periods covering {era.period} in order, each name from the day after the previous "
        "one's valid_to (empty: the era's bound)"
    )
    for index, named in enumerate(unit.names):
        wanted_to = era.valid_to if index == len(unit.names) - 1 else named.valid_to
        start, end = named.valid_from, named.valid_to
        bad_end = start is not None and end is not None and end < start
        bad_end |= end is not None and era.valid_to is not None and end > era.valid_to
        for column, value, wanted in (
            ("valid_from", named.valid_from, expected),
            ("valid_to", named.valid_to, wanted_to),
        ):
            if value != wanted or (column == "valid_to" and bad_end):
                found.append(
                    FormsError(
                        FormsCode.BAD_VALUE,
                        f"{where} ({named.name})",
                        {
                            "value": value.isoformat() if value else "",
                            "column": column,
                            "allowed": allowed,
                        },
                    )
                )
        expected = named.valid_to + timedelta(days=1) if named.valid_to else None
    return found


def _era3_units(links: list[dict[str, str]]) -> tuple[AdminUnit, ...]:
    """The 37 units of 2025-07-01, with the former districts each took land from."""
    names: dict[str, str] = {}
    districts: dict[str, set[str]] = {}
    for row in links:
        code = row["new_commune_code"]
        names[code] = row["new_commune_name"]
        districts.setdefault(code, set()).add(row["old_district_code"])
    return tuple(
        AdminUnit(code, names[code], 3, SUCCESSOR_PROVINCE, None, tuple(sorted(districts[code])))
        for code in sorted(names)
    )


def check_reference(directory: Path = REFERENCE_DIR) -> list[FormsError]:
    """Every problem in the reference files (an unreadable file is one problem)."""
    try:
        return Reference.load(directory).problems()
    except FormsError as error:
        return [error]
