"""A hand-made `ReportData` of Bắc Kạn for 2024, as the marts would build it: the 8 districts
(058, 060–066), two communes of each (regions I, II, III and unresolved ones), the four
titles (units without a registry: no denominator), provisional clan scores, CLC assessments,
plan activities, training, a three-year trend and caveats. Commune figures add up to the
districts' and those to the province's, as in the warehouse."""

from __future__ import annotations

import datetime as dt

from forms.reference import english_name
from forms.text import Text
from warehouse.report.data import (
    COMMUNE,
    DISTRICT,
    GENERAL,
    PROVINCE,
    REMOTE,
    TITLES,
    UNRESOLVED,
    ActivityRow,
    Caveat,
    ClcRow,
    RateRow,
    ReportData,
    TrainingRow,
    TrendRow,
)

YEAR = 2024
DISTRICTS = (
    ("058", "Thành phố Bắc Kạn"),
    ("060", "Huyện Pác Nặm"),
    ("061", "Huyện Ba Bể"),
    ("062", "Huyện Ngân Sơn"),
    ("063", "Huyện Bạch Thông"),
    ("064", "Huyện Chợ Đồn"),
    ("065", "Huyện Chợ Mới"),
    ("066", "Huyện Na Rì"),
)
# (district, commune code, name, QĐ 861 region)
COMMUNES = (
    ("058", "01834", "Phường Nguyễn Thị Minh Khai", "I"),
    ("058", "01837", "Phường Sông Cầu", "I"),
    ("060", "01858", "Xã Bằng Thành", "III"),
    ("060", "01861", "Xã Nhạn Môn", "III"),
    ("061", "01888", "Thị trấn Chợ Rã", "unknown"),
    ("061", "01891", "Xã Bành Trạch", "unknown"),
    ("062", "01936", "Thị trấn Nà Phặc", "unknown"),
    ("062", "01939", "Xã Thượng Ân", "unknown"),
    ("063", "01969", "Thị trấn Phủ Thông", "unknown"),
    ("063", "01975", "Xã Vi Hương", "unknown"),
    ("064", "02020", "Thị trấn Bằng Lũng", "I_or_II"),
    ("064", "02023", "Xã Xuân Lạc", "III"),
    ("065", "02086", "Thị trấn Đồng Tâm", "I"),
    ("065", "02092", "Xã Thanh Vận", "II"),
    ("066", "02137", "Xã Văn Vũ", "III"),
    ("066", "02155", "Thị trấn Yến Lạc", "I"),
)
TARGETS = {"gia_dinh": 60.0, "dong_ho": 40.0, "cong_dong": 50.0, "don_vi": 50.0}
PROVINCE_NAME = Text("Tỉnh Bắc Kạn", "Bắc Kạn province")
REMOTE_POINTS = 10.0  # region III: 10 points lower
LABELS = {
    "gia_dinh": Text("Gia đình học tập", "Learning Family"),
    "dong_ho": Text("Dòng họ học tập", "Learning Clan"),
    "cong_dong": Text("Cộng đồng học tập", "Learning Community"),
    "don_vi": Text("Đơn vị học tập", "Learning Unit"),
}
# registry size of a commune, by title (None: no registry imported)
SIZES = {"gia_dinh": 900, "dong_ho": 14, "cong_dong": 11, "don_vi": None}


def name(vi: str) -> Text:
    return Text(vi, english_name(vi))


def _rate(recognised: int, denominator: int | None) -> float | None:
    return None if not denominator else recognised / denominator * 100


def _row(
    level: str,
    code: str,
    unit: Text,
    title: str,
    counts: tuple[int, int, int | None],
    target: float,
    **commune: str,
) -> RateRow:
    evaluated, recognised, denominator = counts
    rate = _rate(recognised, denominator)
    return RateRow(
        level=level,
        code=code,
        name=unit,
        title=title,
        evaluated=evaluated,
        recognised=recognised,
        denominator=denominator,
        rate=rate,
        target=target,
        achieved=None if rate is None else rate >= target,
        provisional=title == "dong_ho",
        **commune,  # type: ignore[arg-type]
    )


def _commune_counts(index: int, title: str) -> tuple[int, int, int | None]:
    size = SIZES[title]
    base = size if size is not None else 6
    denominator = base + (index * 37) % (base // 2 + 1)
    evaluated = denominator * (70 + (index * 13) % 25) // 100
    recognised = evaluated * (55 + (index * 29) % 40) // 100
    return evaluated, recognised, (denominator if size is not None else None)


def _sum(rows: list[RateRow]) -> tuple[int, int, int | None]:
    denominators = [r.denominator for r in rows if r.denominator is not None]
    return (
        sum(r.evaluated for r in rows),
        sum(r.recognised for r in rows),
        sum(denominators) if denominators else None,
    )


def _trend(year: int, row: RateRow) -> TrendRow:
    """The row's title in an earlier year: fewer recognised, the same registry."""
    recognised = int(row.recognised * (1 - 0.08 * (YEAR - year)))
    return TrendRow(
        year,
        row.code,
        row.name,
        row.title,
        recognised,
        row.denominator,
        _rate(recognised, row.denominator),
    )


def communes() -> tuple[RateRow, ...]:
    rows = []
    for index, (district, code, commune_name, region) in enumerate(COMMUNES):
        kind = (
            REMOTE
            if region == "III"
            else UNRESOLVED
            if region in ("unknown", "I_or_II")
            else GENERAL
        )
        for title in TITLES:
            target = TARGETS[title] - (REMOTE_POINTS if kind == REMOTE else 0)
            rows.append(
                _row(
                    COMMUNE,
                    code,
                    name(commune_name),
                    title,
                    _commune_counts(index, title),
                    target,
                    target_kind=kind,
                    district_code=district,
                    remote_class=region,
                )
            )
    return tuple(rows)


def sample(year: int = YEAR) -> ReportData:
    commune_rows = communes()
    districts = tuple(
        _row(
            DISTRICT,
            code,
            name(district_name),
            title,
            _sum([r for r in commune_rows if r.district_code == code and r.title == title]),
            TARGETS[title],
        )
        for code, district_name in DISTRICTS
        for title in TITLES
    )
    headline = tuple(
        _row(
            PROVINCE,
            "06",
            PROVINCE_NAME,
            title,
            _sum([r for r in districts if r.title == title]),
            t,
        )
        for title, t in TARGETS.items()
    )
    return ReportData(
        year=year,
        province=PROVINCE_NAME,
        units=Text(
            "Đơn vị hành chính từ 01/02/2020 đến 30/06/2025 (8 huyện, thành phố)",
            "Administrative units of 1 February 2020 – 30 June 2025 (8 districts and city)",
        ),
        data_as_of=dt.datetime(2024, 12, 2, 16, 6, tzinfo=dt.UTC),
        targets_source=Text("Quyết định 1150/QĐ-UBND", "Decision 1150/QĐ-UBND"),
        targets_note=Text(
            "Năm 2024 không có trong văn bản; áp dụng chỉ tiêu năm 2020 (năm gần nhất trước đó)",
            "2024 is not covered; the targets of 2020 (latest earlier year) apply",
        ),
        remote_reading=Text(
            "xã khu vực III: chỉ tiêu thấp hơn 10 điểm phần trăm",
            "region III communes: a target 10 percentage points lower",
        ),
        title_labels=LABELS,
        headline=headline,
        districts=districts,
        communes=commune_rows,
        clc=(
            ClcRow(
                "01834",
                name("Phường Nguyễn Thị Minh Khai"),
                name("Thành phố Bắc Kạn"),
                True,
                86,
                Text("Tốt", "Good"),
            ),
            ClcRow(
                "01858", name("Xã Bằng Thành"), name("Huyện Pác Nặm"), True, 64, Text("Khá", "Fair")
            ),
            ClcRow(
                "01888", name("Thị trấn Chợ Rã"), name("Huyện Ba Bể"), True, 72, Text("Khá", "Fair")
            ),
            ClcRow("02023", name("Xã Xuân Lạc"), name("Huyện Chợ Đồn"), False, None, None),
            ClcRow(
                "02137",
                name("Xã Văn Vũ"),
                name("Huyện Na Rì"),
                True,
                48,
                Text("Trung bình", "Average"),
            ),
        ),
        activities=(
            ActivityRow(
                "1.1",
                Text("Xây dựng và thí điểm các mô hình", "Build and pilot the models"),
                Text(
                    "Hội thảo chuyên đề về các mô hình học tập",
                    "Thematic workshop on the learning models",
                ),
                "III/2014",
                "done",
                2,
                85,
                dt.date(2014, 9, 18),
            ),
            ActivityRow(
                "1.3",
                Text("Xây dựng và thí điểm các mô hình", "Build and pilot the models"),
                Text(
                    "Hội nghị tập huấn triển khai các mô hình",
                    "Training conference to roll out the models",
                ),
                "III/2014",
                "late",
                1,
                40,
                dt.date(2015, 3, 2),
            ),
            ActivityRow(
                "2.1",
                Text("Tuyên truyền về xã hội học tập", "Communication on the learning society"),
                Text(
                    "Tập huấn năng lực truyền thông cho cán bộ chủ chốt",
                    "Communication training for key cadres",
                ),
                "I/2015",
                "not_started",
                0,
                0,
                None,
            ),
            ActivityRow(
                "5.2",
                Text("Nhân rộng các mô hình", "Replicate the models"),
                Text(
                    "Đánh giá, công nhận các danh hiệu hằng năm",
                    "Yearly evaluation and recognition of the titles",
                ),
                "2016-2020",
                "done",
                14,
                1250,
                dt.date(2024, 11, 20),
            ),
            ActivityRow(
                "5.3",
                Text("Nhân rộng các mô hình", "Replicate the models"),
                Text("Tổng kết giai đoạn 2021-2030", "Review of the 2021-2030 period"),
                "IV/2030",
                "scheduled",
                0,
                0,
                None,
            ),
        ),
        training=(
            TrainingRow(PROVINCE, "06", PROVINCE_NAME, 412, 371, 371 / 412 * 100),
            TrainingRow(DISTRICT, "058", name("Thành phố Bắc Kạn"), 48, 48, 100.0),
            TrainingRow(DISTRICT, "060", name("Huyện Pác Nặm"), 51, 39, 39 / 51 * 100),
            TrainingRow(DISTRICT, "061", name("Huyện Ba Bể"), None, 22, None),
        ),
        trend=tuple(
            _trend(year, row)
            for year in (2022, 2023, 2024)
            for row in (*headline, *districts)
            if row.title in ("gia_dinh", "cong_dong")
        ),
        trend_units=Text("Đơn vị hành chính 2020–2025", "Administrative units of 2020–2025"),
        caveats=(
            Caveat(
                "held",
                Text(
                    "Phiếu có lỗi chưa xử lý không được tính",
                    "Submissions with open errors are not counted",
                ),
                7,
            ),
            Caveat(
                "remote_unresolved",
                Text(
                    "Xã chưa xác định khu vực theo QĐ 861 được tính theo chỉ tiêu chung",
                    "Communes without a QĐ 861 region are counted with the general target",
                ),
                8,
            ),
            Caveat(
                "provisional",
                Text(
                    "Điểm Dòng họ học tập chấm theo tiêu chí tạm thời",
                    "Learning Clan scores use provisional criteria",
                ),
            ),
            Caveat(
                "no_registry",
                Text(
                    "Chưa có danh sách đơn vị (mẫu số) của Đơn vị học tập",
                    "No registry (denominator) of Learning Units yet",
                ),
            ),
        ),
        held=7,
        held_by_rule={"gd_head_in_roster": 4, "gd_duplicate_household": 3},
    )
