"""What the committee's report shows, as typed rows: the contract between the marts (which
build a `ReportData` from the warehouse) and the renderings (HTML, PDF, Excel), which only
lay it out. Every row is an aggregate; none carries a name, a phone number or a submission.

Rates are percentages (0–100) of a registry denominator; `None` where the registry has no
count (the report says "no denominator" rather than inventing one). Texts are `Text` (Vietnamese
and English); the renderer picks the language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from forms.targets import GENERAL, REMOTE, UNRESOLVED
from forms.text import Text

# The titles in report order, and the measure of the registry each is a share of.
TITLES: tuple[str, ...] = ("gia_dinh", "dong_ho", "cong_dong", "don_vi")

# Levels of a rate row.
PROVINCE, DISTRICT, COMMUNE = "province", "district", "commune"

# How a row's target was chosen (forms.targets): the general one; the remote-commune one
# (QĐ 861 region III); or the general one because the commune's class is unresolved.
__all__ = ["GENERAL", "REMOTE", "UNRESOLVED"]


@dataclass(frozen=True)
class RateRow:
    """The recognition rate of one title in one unit (province, district or commune)."""

    level: str  # PROVINCE | DISTRICT | COMMUNE
    code: str  # GSO code ("06" for the province)
    name: Text
    title: str  # one of TITLES
    evaluated: int  # subjects evaluated (latest released evaluation of the year)
    recognised: int  # of them, passed
    denominator: int | None  # registry count, None when not imported
    rate: float | None  # recognised / denominator × 100, None without a denominator
    target: float | None  # percent, None when no document sets one for this title
    target_kind: str = GENERAL  # GENERAL | REMOTE | UNRESOLVED (commune rows; others GENERAL)
    achieved: bool | None = None  # rate >= target; None when either is missing
    district_code: str | None = None  # the district of a commune row
    remote_class: str | None = None  # QĐ 861 class of a commune row (I, II, III, I_or_II, unknown)
    provisional: bool = False  # scored with a provisional rubric (pass mark or points)


@dataclass(frozen=True)
class ClcRow:
    """The assessment of one commune's Community Learning Centre in the year."""

    commune_code: str
    commune_name: Text
    district_name: Text | None
    assessed: bool  # False: no released assessment this year
    percent: int | None  # index points over the applicable maximum
    class_label: Text | None
    provisional: bool = True  # the CLC index is the province's and provisional


@dataclass(frozen=True)
class ActivityRow:
    """One activity of the plan (task table of QĐ 1150) against its schedule."""

    task_code: str  # "5.2"
    task: Text  # the task (Nhiệm vụ) it belongs to
    activity: Text
    period: str  # as scheduled in the plan, e.g. "III/2014", "2016-2020"
    status: str  # "done" | "late" | "not_started" | "scheduled" (its period not reached)
    reports: int  # activity reports received for it
    participants: int
    last_date: dt.date | None


@dataclass(frozen=True)
class TrainingRow:
    """Association cadres trained in the year against the 100% target."""

    level: str  # PROVINCE | DISTRICT
    code: str
    name: Text
    cadres: int | None  # registry count
    trained: int  # reported in training activities
    rate: float | None
    target: float = 100.0


@dataclass(frozen=True)
class TrendRow:
    """One title's rate in one district (or the province) in one year, the units of every
    year mapped to the report's units (`ReportData.trend_units`)."""

    year: int
    code: str
    name: Text
    title: str
    recognised: int
    denominator: int | None
    rate: float | None


@dataclass(frozen=True)
class Caveat:
    """Something the committee must know to read the figures (held submissions and why,
    unresolved remote classes, provisional criteria, a year no target document covers)."""

    kind: str  # "held" | "remote_unresolved" | "provisional" | "target_year" | "no_registry"
    text: Text
    count: int | None = None


@dataclass(frozen=True)
class ReportData:
    """Everything one report shows for one year."""

    year: int
    province: Text  # "Tỉnh Bắc Kạn" / "Bắc Kạn province" (or Thái Nguyên from 2025-07-01)
    units: Text  # the administrative units the year is reported in (an era's label)
    data_as_of: dt.datetime  # the last successful sync (UTC, aware)
    targets_source: Text  # the document whose targets apply, e.g. "Quyết định 1150/QĐ-UBND"
    targets_note: Text | None  # e.g. "2024 is not covered; targets of 2020 (latest earlier)"
    remote_reading: Text  # how "10% lower" is read (points or relative)
    title_labels: dict[str, Text]  # TITLES → "Gia đình học tập" / "Learning Family"
    headline: tuple[RateRow, ...]  # PROVINCE rows, one per title
    districts: tuple[RateRow, ...]  # DISTRICT rows (empty for a year with no districts)
    communes: tuple[RateRow, ...]  # COMMUNE rows
    clc: tuple[ClcRow, ...] = ()
    activities: tuple[ActivityRow, ...] = ()
    training: tuple[TrainingRow, ...] = ()
    trend: tuple[TrendRow, ...] = ()
    trend_units: Text | None = None  # what the trend rows are grouped by
    caveats: tuple[Caveat, ...] = ()
    held: int = 0  # submissions held out (open errors or rejected)
    held_by_rule: dict[str, int] = field(default_factory=dict)  # rule id → held submissions
