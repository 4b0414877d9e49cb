"""The marts: what the committee's report shows for one year, built from the warehouse as a
`warehouse.report.data.ReportData`.

- **Rates** per title by commune, district and province: recognised subjects (`recognition`:
  the latest released evaluation of each subject in the year, passed) over the registry's
  denominator of the commune and year (`registry_count`, imported with `htsd reference
  import`). A year is reported in the administrative units in force on its 31 December
  (122 communes until 2019, 108 from 2020 to 2024, the 37 of Thái Nguyên from 2025; no
  districts then). A district's denominator is the sum of its communes' counts and its rate
  counts only the communes that have one; a unit with no count has no rate ("no
  denominator"), never an invented one.
- **Targets** from forms/reference/targets.csv for the year (`forms.targets`): a commune of
  QĐ 861 region III gets the remote target when the document sets one; a commune whose
  class is unresolved is counted with the general target and marked. A district's or the
  province's target is the mean of its communes' targets weighted by their denominators
  (the general target where no commune has a count).
- **CLC indicators**: the latest released CLC assessment of each commune in the year.
- **The plan's activities** (QĐ 1150, section II.3) by task: done (a report dated within
  the period the plan set), late (reported only after it), not started (no report, period
  over), scheduled (period not over); recurring activities ("Quý/năm") are judged by the
  report year alone. **Training coverage**: cadres trained in the year's activity reports
  over the registry's cadres, against 100 %.
- **Trend**: every year with recognitions up to the report year, by (former) district —
  evaluations of the 37 new communes keep the former district the surveyor chose, so each
  evaluation is in exactly one district and the province total equals the sum of its
  districts.

Only released submissions are read (scores are computed without the held ones, and the
activity reports are read without them through `exclude`); no column tagged PII is read,
and nothing personal reaches the result.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from forms.reference import AdminUnit, Reference, english_name
from forms.registry import TITLE_LABELS, TITLE_MEASURE
from forms.rubric import Rubric
from forms.rules import Answers, number
from forms.targets import GENERAL, REMOTE, UNRESOLVED, TargetSet, remote_status
from forms.text import Text
from warehouse import jsontext
from warehouse.registry import denominators
from warehouse.report.data import (
    COMMUNE,
    DISTRICT,
    PROVINCE,
    TITLES,
    ActivityRow,
    Caveat,
    ClcRow,
    RateRow,
    ReportData,
    TrainingRow,
    TrendRow,
)
from warehouse.schema import kobo_asset, raw_submission, recognition, run_log, score
from warehouse.scores import year_era

ExcludeSelect = Callable[[str, str], sa.Select[Any]]

CLC_FORM = "clc_assessment"
ACTIVITY_FORM = "hoat_dong"
TRAINING_TYPES = ("training", "workshop", "conference")
UNKNOWN_DISTRICT = ""
_QUARTER = re.compile(r"^(I{1,3}|IV|[1-4])/(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "1": 1, "2": 2, "3": 3, "4": 4}
RECURRING = "recurring"
WHOLE_PROVINCE = Text("Toàn tỉnh", "Province")


def province_name(year: int) -> Text:
    if year_era(year).id == 3:
        return Text(
            "Tỉnh Thái Nguyên (địa bàn tỉnh Bắc Kạn cũ)",
            "Thái Nguyên province (the former Bắc Kạn province)",
        )
    return Text("Tỉnh Bắc Kạn", "Bắc Kạn province")


def _label(name: str) -> Text:
    return Text(name, english_name(name))


@dataclass
class _Count:
    evaluated: int = 0
    recognised: int = 0
    provisional: bool = False


def _recognitions(conn: Connection, year: int) -> dict[str, dict[tuple[str, str], _Count]]:
    """title → (district, commune) → counts of the year's recognitions."""
    r = recognition
    rows = conn.execute(
        sa.select(
            r.c.form_name, r.c.district_code, r.c.commune_code, r.c.passed, r.c.provisional
        ).where(r.c.year == year)
    )
    found: dict[str, dict[tuple[str, str], _Count]] = defaultdict(dict)
    for row in rows:
        key = (row.district_code or UNKNOWN_DISTRICT, row.commune_code or "")
        count = found[row.form_name].setdefault(key, _Count())
        count.evaluated += 1
        count.recognised += bool(row.passed)
        count.provisional |= bool(row.provisional)
    return found


def _share(part: int, whole: int | None) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _achieved(rate: float | None, target: float | None) -> bool | None:
    return None if rate is None or target is None else rate >= target


class _Rates:
    """The rate rows of one year."""

    def __init__(
        self, reference: Reference, targets: TargetSet, counts: Mapping[tuple[str, str], int]
    ) -> None:
        self.reference = reference
        self.targets = targets
        self.counts = counts
        self.era = year_era(targets.year)
        self.units = reference.communes(self.era.id)
        self.district_names = {d.code: d.name for d in reference.districts}

    def commune_target(self, title: str, unit: AdminUnit) -> tuple[float | None, str, str | None]:
        general = self.targets.target(title)
        remote = self.targets.target(title, remote=True)
        if remote is None or remote == general:
            return general, GENERAL, unit.remote_class
        # QĐ 861's classes are of the 108 units; a unit of 2019 that went on unchanged has its
        # class, one that 2020's merger dissolved has none (unresolved)
        remote_class = unit.remote_class or self.reference.remote_class(unit.code)
        status = remote_status(remote_class)
        return (remote if status == REMOTE else general), status, remote_class

    def rows(
        self, title: str, found: Mapping[tuple[str, str], _Count]
    ) -> tuple[list[RateRow], list[RateRow], RateRow]:
        measure = TITLE_MEASURE[title]
        by_commune: dict[str, _Count] = defaultdict(_Count)
        by_district: dict[str, _Count] = defaultdict(_Count)
        for (district, commune), count in found.items():
            for bucket in (by_commune[commune], by_district[district]):
                bucket.evaluated += count.evaluated
                bucket.recognised += count.recognised
                bucket.provisional |= count.provisional
        communes: list[RateRow] = []
        # per district: [recognised where counted, denominator, target × denominator]
        sums: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0])
        for unit in self.units:
            count = by_commune.get(unit.code, _Count())
            denominator = self.counts.get((unit.code, measure))
            target, kind, remote_class = self.commune_target(title, unit)
            rate = _share(count.recognised, denominator)
            communes.append(
                RateRow(
                    COMMUNE,
                    unit.code,
                    unit.label,
                    title,
                    count.evaluated,
                    count.recognised,
                    denominator,
                    rate,
                    target,
                    kind,
                    _achieved(rate, target),
                    unit.district_code,
                    remote_class,
                    count.provisional,
                )
            )
            if denominator:
                for key in (unit.district_code or UNKNOWN_DISTRICT, PROVINCE):
                    sums[key][0] += count.recognised
                    sums[key][1] += denominator
                    sums[key][2] += (target or 0) * denominator
        districts = []
        if self.era.id != 3:
            for code, name in sorted(self.district_names.items()):
                districts.append(
                    self._aggregate(
                        DISTRICT,
                        code,
                        _label(name),
                        title,
                        by_district.get(code, _Count()),
                        sums.get(code),
                    )
                )
        total = _Count()
        for count in by_district.values():
            total.evaluated += count.evaluated
            total.recognised += count.recognised
            total.provisional |= count.provisional
        province = self._aggregate(PROVINCE, "", WHOLE_PROVINCE, title, total, sums.get(PROVINCE))
        return communes, districts, province

    def _aggregate(
        self, level: str, code: str, name: Text, title: str, count: _Count, sums: list[float] | None
    ) -> RateRow:
        general = self.targets.target(title)
        if sums and sums[1]:
            denominator = int(sums[1])
            rate = _share(int(sums[0]), denominator)
            target = round(sums[2] / sums[1], 1) if general is not None else None
        else:
            denominator, rate, target = None, None, general
        return RateRow(
            level,
            code,
            name,
            title,
            count.evaluated,
            count.recognised,
            denominator,
            rate,
            target,
            GENERAL,
            _achieved(rate, target),
            provisional=count.provisional,
        )


def _payloads(conn: Connection, form: str, exclude: ExcludeSelect | None) -> Iterable[Answers]:
    """The current, released payloads of every asset of a form (by its recorded form name
    or its settings' form id)."""
    a, r = kobo_asset, raw_submission
    assets = conn.execute(sa.select(a.c.server, a.c.asset_uid, a.c.form_name, a.c.content)).all()
    for asset in assets:
        form_id = ""
        if asset.content:
            settings = (json.loads(asset.content) or {}).get("settings") or {}
            form_id = str(settings.get("id_string") or settings.get("form_id") or "")
        if form not in (asset.form_name, form_id):
            continue
        query = sa.select(r.c.payload).where(
            r.c.server == asset.server, r.c.asset_uid == asset.asset_uid, r.c.deleted_run.is_(None)
        )
        if exclude is not None:
            query = query.where(r.c.kobo_id.not_in(exclude(asset.server, asset.asset_uid)))
        for row in conn.execute(query):
            yield Answers(jsontext.loads(row.payload))


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _deadline(period: str) -> dt.date | str | None:
    """The last day of a plan period ("III/2014", "2016", "2014; 2016"), RECURRING for an
    activity every quarter or year, None when unreadable."""
    last: dt.date | None = None
    for part in (p.strip() for p in period.split(";")):
        if match := _QUARTER.match(part):
            quarter, year = _ROMAN[match.group(1)], int(match.group(2))
            end = dt.date(year + quarter // 4, quarter * 3 % 12 + 1, 1) - dt.timedelta(days=1)
        elif match := _YEAR.match(part):
            end = dt.date(int(match.group(1)), 12, 31)
        elif "năm" in part.lower() or "quý" in part.lower():
            return RECURRING
        else:
            continue
        last = end if last is None or end > last else last
    return last


def _activities(reference: Reference, reports: list[Answers], year: int) -> list[ActivityRow]:
    as_of = dt.date(year, 12, 31)
    by_task: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    for data in reports:
        day = _date(data.get("act_end")) or _date(data.get("eval_date"))
        code = data.get("task_code")
        if code and day and day <= as_of:
            people = number(data.get("n_participants"))
            by_task[code].append((day, 0 if people != people else int(people)))
    rows = []
    for task in reference.tasks:
        done = sorted(by_task.get(task.code, []))
        deadline = _deadline(task.period)
        if deadline == RECURRING:
            done = [d for d in done if d[0].year == year]
            status = "done" if done else ("not_started" if as_of < dt.date.today() else "scheduled")
        elif not isinstance(deadline, dt.date):
            status = "done" if done else "scheduled"
        elif done:
            status = "done" if done[0][0] <= deadline else "late"
        else:
            status = "not_started" if deadline < as_of else "scheduled"
        rows.append(
            ActivityRow(
                task.code,
                task.task_label,
                task.activity,
                task.period,
                status,
                len(done),
                sum(p for _, p in done),
                done[-1][0] if done else None,
            )
        )
    return rows


def _training(rates: _Rates, reports: list[Answers], year: int) -> list[TrainingRow]:
    trained: dict[str, int] = defaultdict(int)
    for data in reports:
        day = _date(data.get("act_end")) or _date(data.get("eval_date"))
        if day is None or day.year != year or data.get("activity_type") not in TRAINING_TYPES:
            continue
        people = number(data.get("n_cadres_trained"))
        if people == people:
            trained[data.get("district") or UNKNOWN_DISTRICT] += int(people)
    cadres: dict[str, int] = defaultdict(int)
    for unit in rates.units:
        count = rates.counts.get((unit.code, TITLE_MEASURE["training"]))
        if count:
            cadres[unit.district_code or UNKNOWN_DISTRICT] += count
    rows = []
    if rates.era.id != 3:
        for code, name in sorted(rates.district_names.items()):
            rows.append(
                TrainingRow(
                    DISTRICT,
                    code,
                    _label(name),
                    cadres.get(code),
                    trained.get(code, 0),
                    _share(trained.get(code, 0), cadres.get(code)),
                )
            )
    total_cadres = sum(cadres.values()) or None
    total = sum(trained.values())
    rows.append(
        TrainingRow(
            PROVINCE,
            "",
            WHOLE_PROVINCE,
            total_cadres,
            total,
            _share(total, total_cadres),
        )
    )
    return rows


def _clc(conn: Connection, rates: _Rates, year: int, rubric: Rubric | None) -> list[ClcRow]:
    s = score
    rows = conn.execute(
        sa.select(s.c.commune_code, s.c.eval_date, s.c.kobo_id, s.c.percent, s.c.class_id, s.c.era)
        .where(s.c.form_name == CLC_FORM, s.c.year == year)
        .order_by(s.c.eval_date, s.c.kobo_id)
    ).all()
    latest: dict[str | None, Any] = {}
    for row in rows:
        code = row.commune_code
        if row.era == 2 and rates.era.id == 3:
            code = rates.reference.crosswalk.get(code or "", code)
        latest[code] = row
    labels = {c.id: c.label for c in (rubric.classes if rubric else ())}
    if rubric is not None:
        labels[rubric.fail_class.id] = rubric.fail_class.label
        labels[rubric.cannot_assess_class.id] = rubric.cannot_assess_class.label
    out = []
    for unit in rates.units:
        found = latest.get(unit.code)
        district = rates.district_names.get(unit.district_code or "")
        out.append(
            ClcRow(
                unit.code,
                unit.label,
                _label(district) if district else None,
                found is not None,
                found.percent if found is not None else None,
                labels.get(found.class_id, Text.same(found.class_id))
                if found is not None
                else None,
                rubric.provisional if rubric is not None else True,
            )
        )
    return out


def _trend(conn: Connection, reference: Reference, year: int) -> list[TrendRow]:
    r = recognition
    rows = conn.execute(
        sa.select(r.c.year, r.c.form_name, r.c.district_code, r.c.commune_code, r.c.passed).where(
            r.c.year <= year
        )
    ).all()
    names = {d.code: d.name for d in reference.districts}
    recognised: dict[tuple[int, str, str], int] = defaultdict(int)
    years = sorted({row.year for row in rows})
    counted: dict[int, Mapping[tuple[str, str], int]] = {}
    for row in rows:
        for code in (row.district_code or UNKNOWN_DISTRICT, PROVINCE):
            recognised[(row.year, row.form_name, code)] += bool(row.passed)
    out = []
    for each in years:
        counted[each] = denominators(conn, each)
        units = {u.code: u for u in reference.communes(year_era(each).id)}
        for title in TITLES:
            measure = TITLE_MEASURE[title]
            by_district: dict[str, int] = defaultdict(int)
            for (commune, m), n in counted[each].items():
                unit = units.get(commune)
                if m == measure and unit is not None:
                    by_district[unit.district_code or UNKNOWN_DISTRICT] += n
            total = sum(by_district.values()) or None
            for code, name in [*sorted(names.items()), (UNKNOWN_DISTRICT, "")]:
                got = recognised.get((each, title, code), 0)
                if code == UNKNOWN_DISTRICT and not got:
                    continue
                denominator = by_district.get(code) if year_era(each).id != 3 else None
                label = _label(name) if name else Text("Không rõ huyện", "District unknown")
                out.append(
                    TrendRow(each, code, label, title, got, denominator, _share(got, denominator))
                )
            got = recognised.get((each, title, PROVINCE), 0)
            out.append(
                TrendRow(
                    each,
                    PROVINCE,
                    WHOLE_PROVINCE,
                    title,
                    got,
                    total,
                    _share(got, total),
                )
            )
    return out


def data_as_of(conn: Connection) -> dt.datetime | None:
    """When the last successful sync ended."""
    r = run_log
    return conn.execute(
        sa.select(sa.func.max(r.c.ended_at)).where(r.c.command == "sync", r.c.status == "ok")
    ).scalar()


def report_data(
    engine: Engine,
    year: int,
    reference: Reference,
    targets: TargetSet,
    rubrics: Mapping[str, Rubric],
    *,
    exclude: ExcludeSelect | None = None,
    held_by_rule: Mapping[str, int] | None = None,
    held: int = 0,
) -> ReportData:
    """Everything the report shows for `year` (see the module docstring). `exclude` gives
    the held `_id`s of an asset; `held`/`held_by_rule` what the validation holds."""
    with engine.connect() as conn:
        counts = denominators(conn, year)
        rates = _Rates(reference, targets, counts)
        found = _recognitions(conn, year)
        headline, districts, communes = [], [], []
        for title in TITLES:
            c, d, p = rates.rows(title, found.get(title, {}))
            communes += c
            districts += d
            headline.append(p)
        reports = list(_payloads(conn, ACTIVITY_FORM, exclude))
        clc_rubric = next((r for r in rubrics.values() if r.form == CLC_FORM), None)
        clc = _clc(conn, rates, year, clc_rubric)
        trend = _trend(conn, reference, year)
        as_of = data_as_of(conn)
    caveats = _caveats(rates, targets, communes, rubrics, held, held_by_rule or {})
    return ReportData(
        year=year,
        province=province_name(year),
        units=rates.era.label,
        data_as_of=as_of or dt.datetime.now(dt.UTC),
        targets_source=targets.document_title,
        targets_note=targets.note,
        remote_reading=targets.remote_reading_text,
        title_labels={t: TITLE_LABELS[t] for t in TITLES},
        headline=tuple(headline),
        districts=tuple(districts),
        communes=tuple(communes),
        clc=tuple(clc),
        activities=tuple(_activities(reference, reports, year)),
        training=tuple(_training(rates, reports, year)),
        trend=tuple(trend),
        trend_units=Text("huyện (cũ)", "(former) districts"),
        caveats=tuple(caveats),
        held=held,
        held_by_rule=dict(held_by_rule or {}),
    )


def _caveats(
    rates: _Rates,
    targets: TargetSet,
    communes: list[RateRow],
    rubrics: Mapping[str, Rubric],
    held: int,
    held_by_rule: Mapping[str, int],
) -> list[Caveat]:
    out = []
    if held:
        rules = ", ".join(f"{rule} ({n})" for rule, n in sorted(held_by_rule.items()))
        out.append(
            Caveat(
                "held",
                Text(
                    f"{held} phiếu bị giữ lại vì lỗi chưa sửa hoặc bị loại, không được tính: "
                    f"{rules}",
                    f"{held} submissions held back for unfixed errors or rejected, not "
                    f"counted: {rules}",
                ),
                held,
            )
        )
    unresolved = {r.code for r in communes if r.target_kind == UNRESOLVED}
    if unresolved:
        out.append(
            Caveat(
                "remote_unresolved",
                Text(
                    f"{len(unresolved)} xã chưa rõ khu vực theo QĐ 861: tính theo chỉ tiêu chung",
                    f"{len(unresolved)} communes with an unresolved QĐ 861 region: counted "
                    "with the general target",
                ),
                len(unresolved),
            )
        )
    provisional = sorted(r.id for r in rubrics.values() if r.kind == "title" and r.provisional)
    if provisional:
        out.append(
            Caveat(
                "provisional",
                Text(
                    "Tiêu chí, điểm chuẩn còn tạm tính (Hội Khuyến học tỉnh chưa xác nhận): "
                    + ", ".join(provisional),
                    "Criteria or pass marks still provisional (not yet confirmed by the "
                    "provincial association): " + ", ".join(provisional),
                ),
                len(provisional),
            )
        )
    if targets.note is not None:
        out.append(Caveat("target_year", targets.note))
    missing = {r.code for r in communes if r.evaluated and r.denominator is None}
    if missing:
        out.append(
            Caveat(
                "no_registry",
                Text(
                    f"{len(missing)} xã có đánh giá nhưng chưa có số liệu mẫu số "
                    "(htsd reference import)",
                    f"{len(missing)} communes with evaluations but no registry denominator "
                    "(htsd reference import)",
                ),
                len(missing),
            )
        )
    return out
