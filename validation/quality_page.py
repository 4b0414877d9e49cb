"""The data-quality page of `htsd validate --html PATH`: one self-contained HTML file.

For a data manager in the provincial office: what the validation found and has not closed,
grouped by district and then by surveyor, in Vietnamese (default) or English. One file,
inline CSS, no script, no font or link to fetch but the links into KoboToolbox; it prints on
A4. At the top the totals (submissions checked, findings, errors, warnings, held
submissions) and the counts by rule, by district and by surveyor; below, one row per
finding: its submission `_id` (linked to KoboToolbox), form, rule, severity, field and
repeat row, value, message and status.

The page is a Jinja2 template (templates/quality_page.html.j2) with autoescape on: every
text that reaches it (values, messages, surveyors, district codes, form names, servers,
links) is escaped by the template engine, none by hand and none marked safe.

What is listed: the `validation_finding` rows of the assets' current submissions (not
deleted on the server) that are `open` or `accepted` (accepted by a data manager: shown,
no longer holding the submission), as `validation.run.standing_findings` reads them. The
counts follow `AssetValidation.as_dict`: findings are all listed, errors and warnings the
open ones, accepted apart. A submission is *held* as `validation.review.held` says: an open
error, or rejected by a data manager.

Personal data: the page names no person. Districts are shown by name (forms/reference.py),
surveyors by their account (`username`, else `deviceid`), submissions by `_id`. Values
are kept, since they are what must be fixed, except the value of a question the form tags
as personal (`pii`: a name, a phone number), which is masked, in the message too.

The link to a submission is `{server}/api/v2/assets/{uid}/data/{_id}/enketo/redirect/view/`.
KoboToolbox's web app has no page of one submission: its routes
(jsapp/js/router/routerConstants.ts in kobotoolbox/kpi) stop at the form's data table,
`#/forms/{uid}/data/table`, and the submission dialog opened from the table puts nothing in
the address. The table's "open"/"edit" buttons ask `…/data/{id}/enketo/view/` (or
`…/enketo/edit/`) for a JSON `{"url": …}` and open that Enketo address in a new tab
(jsapp/js/enketoHandler.tsx, jsapp/js/dataInterface.ts), which a plain link cannot do. The
`…/enketo/redirect/view/` alias (kpi/urls/router_api_v2.py, handled by `enketo_view` in
kpi/views/v2/data.py; documented in kpi/docs/api/v2/data/enketo_view.md; in KPI since
release 2.024.33) answers the same request with a 302 to that Enketo address, so a
logged-in data manager who clicks it sees the submission, read-only, with the permission to
view the project's submissions; KoboToolbox's own login page comes first otherwise. The
view mode is chosen over `…/enketo/redirect/edit/` so that reading the page never opens an
edit by accident; the submission is edited from KoboToolbox itself. The form's name links
to its data table.
"""

from __future__ import annotations

import functools
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy.engine import Connection, Engine

from forms.errors import HtsdError
from forms.reference import Reference, english_name
from forms.rules import Answers
from forms.text import Text, local_time
from validation.messages import ValidationCode, ValidationError
from validation.review import held
from validation.run import district_and_surveyor
from warehouse import jsontext
from warehouse.schema import kobo_asset, raw_submission, validation_finding
from warehouse.versions import form_versions

OPEN, ACCEPTED = "open", "accepted"
LISTED = (OPEN, ACCEPTED)
ERROR, WARNING = "error", "warning"
LANGS = ("vi", "en")

# A short readable name of each rule; a rule not named here is shown by its id.
RULE_NAMES: dict[str, Text] = {
    "form.required": Text("Thiếu câu trả lời bắt buộc", "Required answer missing"),
    "form.choice": Text("Mã lựa chọn không có trong danh sách", "Choice code not in the list"),
    "form.range": Text("Giá trị ngoài khoảng cho phép", "Value out of the form's range"),
    "form.date_range": Text("Ngày ngoài khoảng cho phép", "Date out of the form's range"),
    "form.pattern": Text("Sai dạng yêu cầu", "Not in the required form"),
    "form.unique": Text("Phiếu trùng (có thể gửi hai lần)", "Duplicate (possibly sent twice)"),
    "score.device_differs": Text(
        "Điểm trên máy khác điểm hệ thống", "Device score differs from the system's"
    ),
    "roster.contradicts_item": Text(
        "Chỉ tiêu mâu thuẫn với danh sách thành viên", "Item contradicts the household roster"
    ),
    "roster.head_count": Text(
        "Danh sách hộ không có đúng một chủ hộ", "Roster without exactly one household head"
    ),
    "time.end_before_start": Text(
        "Giờ kết thúc trước giờ bắt đầu", "Interview ends before it starts"
    ),
    "time.too_short": Text("Phỏng vấn quá ngắn", "Interview too short"),
    "time.eval_after_submission": Text(
        "Ngày đánh giá sau ngày gửi phiếu", "Evaluation dated after it was received"
    ),
}

SEVERITIES = {ERROR: Text("lỗi", "error"), WARNING: Text("cảnh báo", "warning")}
STATUSES = {OPEN: Text("chưa xử lý", "open"), ACCEPTED: Text("đã chấp nhận", "accepted")}
UNKNOWN = Text("chưa rõ", "unknown")
EMPTY = Text("(trống)", "(empty)")
MASKED = Text("[dữ liệu cá nhân]", "[personal data]")
MISSING_FOLDER = Text("thư mục chứa không tồn tại", "the folder does not exist")

T = {
    "title": Text("Chất lượng dữ liệu", "Data quality"),
    "generated": Text("Lập lúc", "Generated"),
    "forms": Text("Biểu mẫu", "Forms"),
    "servers": Text("Máy chủ", "Server"),
    "totals": Text("Tổng hợp", "Totals"),
    "current": Text("Bản ghi hiện có", "Current submissions"),
    "checked": Text("Bản ghi đã kiểm tra lần này", "Submissions checked by this run"),
    "findings": Text("Điều phát hiện", "Findings"),
    "errors": Text("Lỗi", "Errors"),
    "warnings": Text("Cảnh báo", "Warnings"),
    "accepted": Text("Đã chấp nhận", "Accepted"),
    "held": Text("Bản ghi bị giữ lại", "Held submissions"),
    "submissions": Text("Bản ghi có phát hiện", "Submissions with findings"),
    "by_rule": Text("Theo quy tắc", "By rule"),
    "by_district": Text("Theo huyện", "By district"),
    "by_surveyor": Text("Theo điều tra viên", "By surveyor"),
    "rule": Text("Quy tắc", "Rule"),
    "district": Text("Huyện", "District"),
    "surveyor": Text("Điều tra viên", "Surveyor"),
    "details": Text("Chi tiết theo huyện và điều tra viên", "By district and surveyor"),
    "id": Text("_id", "_id"),
    "form": Text("Biểu mẫu", "Form"),
    "severity": Text("Mức", "Severity"),
    "field": Text("Câu hỏi", "Field"),
    "value": Text("Giá trị", "Value"),
    "message": Text("Nội dung", "Message"),
    "status": Text("Trạng thái", "Status"),
    "row": Text("dòng", "row"),
    "none": Text("Không có điều phát hiện nào đang mở.", "No open findings."),
    "open_link": Text("Mở bản ghi trong KoboToolbox", "Open the submission in KoboToolbox"),
    "open_table": Text(
        "Mở bảng dữ liệu của biểu mẫu trong KoboToolbox",
        "Open the form's data table in KoboToolbox",
    ),
    "note_held": Text(
        "Bản ghi bị giữ lại: còn ít nhất một lỗi chưa xử lý (lỗi phải được sửa trên máy chủ "
        "hoặc được người quản lý dữ liệu chấp nhận), hoặc đã bị từ chối. Cảnh báo không giữ "
        "bản ghi lại. Lỗi và cảnh báo được đếm khi còn chưa xử lý; điều đã chấp nhận được "
        "đếm riêng.",
        "Held submission: one with at least one open error (an error must be fixed on the "
        "server or accepted by a data manager), or one rejected. Warnings do not hold a "
        "submission back. Errors and warnings are counted while open; accepted findings "
        "apart.",
    ),
    "note_link": Text(
        "Số _id mở bản ghi trong KoboToolbox (chế độ xem); cần đăng nhập KoboToolbox bằng "
        "tài khoản được xem dữ liệu của dự án. Tên biểu mẫu mở bảng dữ liệu của biểu mẫu.",
        "The _id opens the submission in KoboToolbox (view mode); it needs a KoboToolbox "
        "login allowed to view the project's data. The form's name opens its data table.",
    ),
    "note_pii": Text(
        "Trang này không ghi tên hay số điện thoại: giá trị của câu hỏi chứa dữ liệu cá nhân "
        "được thay bằng [dữ liệu cá nhân]; xem trong KoboToolbox.",
        "This page holds no names or phone numbers: the value of a question with personal "
        "data is replaced by [personal data]; see it in KoboToolbox.",
    ),
}


Submission = tuple[str, str, int]  # server, asset uid, `_id`


@dataclass(frozen=True)
class PageFinding:
    """One listed finding, with where its submission was made."""

    server: str
    asset_uid: str
    kobo_id: int
    rule: str
    field_path: str
    row_index: str
    severity: str
    value: str
    message: Text
    status: str
    district: str  # GSO code, "" when the submission names none
    surveyor: str  # `username`, else `deviceid`, "" when neither
    personal: bool = False  # the question is tagged `pii`: its value is masked

    @property
    def submission(self) -> Submission:
        return (self.server, self.asset_uid, self.kobo_id)

    def sort_key(self) -> tuple[object, ...]:
        rows = tuple(int(part) if part.isdigit() else 0 for part in self.row_index.split("."))
        return (
            self.asset_uid,
            self.kobo_id,
            self.severity != ERROR,
            self.rule,
            self.field_path,
            rows if self.row_index else (),
        )


# -- reading -------------------------------------------------------------------------------


def _personal(engine: Engine, server: str, asset_uid: str) -> tuple[set[str], set[str]]:
    """The paths and names of the questions any stored version of the form tags `pii`."""
    paths: set[str] = set()
    for version in form_versions(engine, server, asset_uid):
        paths.update(f.path for f in version.schema.pii_fields)
    return paths, {path.rsplit("/", 1)[-1] for path in paths}


def _where_from_payloads(
    conn: Connection, server: str, asset_uid: str, ids: Iterable[int]
) -> dict[int, tuple[str, str]]:
    """District code and surveyor of submissions, read from their stored payloads the way
    the validation run reads them (validation/run.py)."""
    r = raw_submission
    found: dict[int, tuple[str, str]] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = conn.execute(
            sa.select(r.c.kobo_id, r.c.payload).where(
                r.c.server == server, r.c.asset_uid == asset_uid, r.c.kobo_id.in_(chunk)
            )
        )
        for row in rows:
            try:
                answers = Answers(jsontext.loads(row.payload))
            except (TypeError, ValueError, AttributeError):
                continue
            found[int(row.kobo_id)] = district_and_surveyor(answers)
    return found


def _mask(value: str, message: Text) -> Text:
    """The message without the personal value it quotes."""
    if not value:
        return message
    return Text(message.vi.replace(value, MASKED.vi), message.en.replace(value, MASKED.en))


def read_findings(
    engine: Engine,
    assets: Sequence[tuple[str, str]],
    where: Mapping[tuple[str, int], tuple[str, str]] | None = None,
) -> list[PageFinding]:
    """The open and accepted findings of the assets' current submissions, personal values
    masked, each with its district and surveyor (from `where`, else the stored payload)."""
    t, r = validation_finding, raw_submission
    where = where or {}
    listed: list[PageFinding] = []
    for server, asset_uid in assets:
        paths, names = _personal(engine, server, asset_uid)
        current = sa.select(r.c.kobo_id).where(
            r.c.server == server, r.c.asset_uid == asset_uid, r.c.deleted_run.is_(None)
        )
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    t.c.kobo_id,
                    t.c.rule,
                    t.c.field_path,
                    t.c.row_index,
                    t.c.severity,
                    t.c.value,
                    t.c.message_vi,
                    t.c.message_en,
                    t.c.status,
                ).where(
                    t.c.server == server,
                    t.c.asset_uid == asset_uid,
                    t.c.status.in_(LISTED),
                    t.c.kobo_id.in_(current),
                )
            ).all()
            missing = {int(row.kobo_id) for row in rows} - {
                kobo_id for uid, kobo_id in where if uid == asset_uid
            }
            read = _where_from_payloads(conn, server, asset_uid, missing) if missing else {}
        for row in rows:
            kobo_id = int(row.kobo_id)
            district, surveyor = where.get((asset_uid, kobo_id)) or read.get(kobo_id, ("", ""))
            value, message = row.value or "", Text(row.message_vi, row.message_en)
            field_path = row.field_path or ""
            personal = bool(value) and (
                field_path in paths or field_path.rsplit("/", 1)[-1] in names
            )
            if personal:
                value, message = "", _mask(value, message)
            listed.append(
                PageFinding(
                    server,
                    asset_uid,
                    kobo_id,
                    row.rule,
                    field_path,
                    row.row_index or "",
                    row.severity,
                    value,
                    message,
                    row.status,
                    district or "",
                    surveyor or "",
                    personal,
                )
            )
    return sorted(listed, key=PageFinding.sort_key)


def _current_count(engine: Engine, assets: Sequence[tuple[str, str]]) -> int:
    r = raw_submission
    total = 0
    with engine.connect() as conn:
        for server, asset_uid in assets:
            total += conn.execute(
                sa.select(sa.func.count()).where(
                    r.c.server == server, r.c.asset_uid == asset_uid, r.c.deleted_run.is_(None)
                )
            ).scalar_one()
    return total


def _stored_names(engine: Engine, assets: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The form name (else the title) the warehouse keeps for each asset."""
    a = kobo_asset
    names: dict[str, str] = {}
    with engine.connect() as conn:
        for server, asset_uid in assets:
            row = conn.execute(
                sa.select(a.c.form_name, a.c.name).where(
                    a.c.server == server, a.c.asset_uid == asset_uid
                )
            ).first()
            if row is not None and (row.form_name or row.name):
                names[asset_uid] = row.form_name or row.name
    return names


# -- links and labels ----------------------------------------------------------------------


def _base(server: str) -> str | None:
    """The server's address when it is a web address (nothing else is linked)."""
    parts = urlsplit(server.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return server.strip().rstrip("/")


def submission_url(server: str, asset_uid: str, kobo_id: int) -> str | None:
    """The address that shows one submission in KoboToolbox (see the module docstring)."""
    base = _base(server)
    if base is None:
        return None
    uid = quote(asset_uid, safe="")
    return f"{base}/api/v2/assets/{uid}/data/{int(kobo_id)}/enketo/redirect/view/"


def data_table_url(server: str, asset_uid: str) -> str | None:
    """The form's data table in KoboToolbox's web app."""
    base = _base(server)
    if base is None:
        return None
    return f"{base}/#/forms/{quote(asset_uid, safe='')}/data/table"


class _Districts:
    """District names by GSO code, from the reference data htsd ships."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        try:
            districts = Reference.load().districts
        except HtsdError:  # unreadable reference files: the codes are shown as they are
            districts = ()
        self.names = {d.code: d.name for d in districts}

    def label(self, code: str) -> str:
        if not code:
            return UNKNOWN.get(self.lang)
        name = self.names.get(code)
        if name is None:
            return code
        return f"{name if self.lang == 'vi' else english_name(name)} ({code})"


# -- rendering -----------------------------------------------------------------------------

TEMPLATE = "quality_page.html.j2"
COUNT_KEYS = ("findings", "errors", "warnings", "accepted", "submissions", "held")
FINDING_KEYS = ("id", "form", "rule", "severity", "field", "value", "message", "status")


@functools.cache
def _environment() -> Environment:
    """The page's template (templates/quality_page.html.j2): every text it is given is
    escaped by autoescape, none is marked safe."""
    return Environment(
        loader=PackageLoader("validation", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def rule_name(rule: str, lang: str) -> str:
    """The rule's short name in `lang`, its id when it has none."""
    name = RULE_NAMES.get(rule)
    return name.get(lang) if name else rule


@dataclass
class _Counts:
    findings: int = 0
    errors: int = 0
    warnings: int = 0
    accepted: int = 0

    submissions: set[Submission] = field(default_factory=set)

    def add(self, finding: PageFinding) -> None:
        self.findings += 1
        self.submissions.add(finding.submission)
        if finding.status == ACCEPTED:
            self.accepted += 1
        elif finding.severity == ERROR:
            self.errors += 1
        else:
            self.warnings += 1

    def cells(self, held: set[Submission]) -> tuple[int, ...]:
        """The numbers of a counts row, in the order of COUNT_KEYS."""
        return (
            self.findings,
            self.errors,
            self.warnings,
            self.accepted,
            len(self.submissions),
            len(self.submissions & held),
        )


def _count_by(findings: Sequence[PageFinding], key: str) -> dict[str, _Counts]:
    """Counts per value of the finding's attribute `key`."""
    out: dict[str, _Counts] = {}
    for f in findings:
        out.setdefault(getattr(f, key), _Counts()).add(f)
    return out


def _order(keys: Iterable[str]) -> list[str]:
    """Sorted, the unknown ("") last."""
    return sorted(keys, key=lambda k: (k == "", k))


@dataclass(frozen=True)
class _Row:
    """One finding as its row of the page shows it (texts as they are: the template
    escapes them)."""

    kobo_id: int
    submission_url: str | None
    form: str
    table_url: str | None
    rule: str
    rule_name: str
    severity: str
    severity_text: str
    field_path: str
    row_index: str
    personal: bool
    value: str
    message: str
    status_text: str
    accepted: bool


@dataclass(frozen=True)
class _Group:
    """The findings of one surveyor within one district."""

    key: str
    label: str
    rows: list[_Row]


@dataclass(frozen=True)
class _District:
    code: str
    label: str
    total: int
    surveyors: list[_Group]


class _Page:
    """What the template is given: the page's texts and rows, unescaped."""

    def __init__(
        self,
        lang: str,
        findings: Sequence[PageFinding],
        forms: Mapping[str, str],
        servers: Sequence[str],
        held: set[Submission],
        current: int,
        checked: int | None,
        generated_at: datetime,
    ) -> None:
        self.lang = lang
        self.findings = findings
        self.forms = forms
        self.servers = servers
        self.held = held
        self.current = current
        self.checked = checked
        self.generated_at = generated_at
        self.districts = _Districts(lang)

    def t(self, key: str) -> str:
        return T[key].get(self.lang)

    def render(self) -> str:
        return _environment().get_template(TEMPLATE).render(self.context())

    def context(self) -> dict[str, object]:
        lang = self.lang
        return {
            "lang": lang,
            "t": self.t,
            "generated": local_time(self.generated_at, lang),
            "forms": list(self.forms.values()),
            "servers": list(self.servers),
            "totals": self._totals(),
            "count_keys": COUNT_KEYS,
            "finding_keys": FINDING_KEYS,
            "by_rule": self._by_rule(),
            "by_place": [
                ("district", self._by_place("district", self.districts.label)),
                ("surveyor", self._by_place("surveyor", self._surveyor)),
            ],
            "details": self._details(),
            "masked": MASKED.get(lang),
            "empty": EMPTY.get(lang),
        }

    def _surveyor(self, surveyor: str) -> str:
        return surveyor or UNKNOWN.get(self.lang)

    def _totals(self) -> list[tuple[str, int]]:
        counts = _Counts()
        for f in self.findings:
            counts.add(f)
        rows = [("current", self.current)]
        if self.checked is not None:
            rows.append(("checked", self.checked))
        rows += [
            ("findings", counts.findings),
            ("errors", counts.errors),
            ("warnings", counts.warnings),
            ("accepted", counts.accepted),
            ("held", len(self.held)),
        ]
        return rows

    def _by_rule(self) -> list[tuple[str, str, tuple[int, ...]]]:
        by = _count_by(self.findings, "rule")
        return [
            (rule, rule_name(rule, self.lang), by[rule].cells(self.held))
            for rule in sorted(by, key=lambda r: (-by[r].findings, r))
        ]

    def _by_place(
        self, key: str, label: Callable[[str], str]
    ) -> list[tuple[str, str, tuple[int, ...]]]:
        by = _count_by(self.findings, key)
        return [(value, label(value), by[value].cells(self.held)) for value in _order(by)]

    def _details(self) -> list[_District]:
        grouped: dict[str, dict[str, list[PageFinding]]] = defaultdict(lambda: defaultdict(list))
        for f in self.findings:
            grouped[f.district][f.surveyor].append(f)
        return [
            _District(
                district,
                self.districts.label(district),
                sum(len(rows) for rows in grouped[district].values()),
                [
                    _Group(s, self._surveyor(s), [self._row(f) for f in grouped[district][s]])
                    for s in _order(grouped[district])
                ],
            )
            for district in _order(grouped)
        ]

    def _row(self, f: PageFinding) -> _Row:
        lang = self.lang
        return _Row(
            kobo_id=f.kobo_id,
            submission_url=submission_url(f.server, f.asset_uid, f.kobo_id),
            form=self.forms.get(f.asset_uid, f.asset_uid),
            table_url=data_table_url(f.server, f.asset_uid),
            rule=f.rule,
            rule_name=rule_name(f.rule, lang),
            severity=f.severity,
            severity_text=SEVERITIES.get(f.severity, Text(f.severity, f.severity)).get(lang),
            field_path=f.field_path,
            row_index=f.row_index,
            personal=f.personal,
            value=f.value,
            message=f.message.get(lang),
            status_text=STATUSES.get(f.status, Text(f.status, f.status)).get(lang),
            accepted=f.status == ACCEPTED,
        )


def quality_page(
    engine: Engine,
    assets: Sequence[tuple[str, str]],
    *,
    lang: str = "vi",
    where: Mapping[tuple[str, int], tuple[str, str]] | None = None,
    form_names: Mapping[str, str] | None = None,
    checked: int | None = None,
    generated_at: datetime | None = None,
) -> str:
    """The data-quality page of the (server, asset uid) pairs, in `lang` ("vi" or "en").

    `where` maps (asset uid, `_id`) to the submission's district code and surveyor, as the
    validation run found them (`AssetValidation.where`); a submission missing from it is
    read from its stored payload. `form_names` maps an asset uid to its form's name (else
    the one the warehouse keeps, else the uid). `checked`, how many submissions the run
    checked, is shown beside the current submissions when given.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    findings = read_findings(engine, assets, where)
    names = _stored_names(engine, assets) | dict(form_names or {})
    forms = {uid: names.get(uid, uid) for _, uid in assets}
    servers = list(dict.fromkeys(server for server, _ in assets))
    with engine.connect() as conn:
        held_ids = {(s, uid, k) for s, uid in assets for k in held(conn, s, uid)}
    return _Page(
        lang,
        findings,
        forms,
        servers,
        held_ids,
        _current_count(engine, assets),
        checked,
        generated_at or datetime.now(UTC),
    ).render()


def check_page_path(path: str | os.PathLike[str]) -> Path:
    """The page's path, refused (VAL004) when its folder does not exist or is a file: asked
    before a validation runs, so a mistyped --html path is said at once."""
    target = Path(path)
    if not target.parent.is_dir():
        raise ValidationError(
            ValidationCode.PAGE_UNWRITABLE, str(target), {"detail": MISSING_FOLDER}
        )
    return target


def write_quality_page(path: str | os.PathLike[str], html: str) -> Path:
    """Write the page at `path` atomically (a temporary file beside it, then renamed);
    ValidationError VAL004 when its folder does not exist or it cannot be written."""
    target = check_page_path(path)
    folder = target.parent
    partial = folder / f".{target.name}.{os.getpid()}.part"
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(html)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ValidationError(
            ValidationCode.PAGE_UNWRITABLE,
            str(target),
            {"detail": error.strerror or type(error).__name__},
        ) from error
    return target
