"""Everything the command line shows a person: one module, every text in both languages.

Results come from the library (etl/pipeline.py) as objects; these functions turn them into
lines in the user's language (`vi` by default, `en`). Every text is a `Text` (forms/text.py),
the project's one way of saying a thing in two languages. Progress bars go to stderr.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from etl.importer import ImportResult
from etl.kobo.deploy import DeployResult
from etl.pipeline import Progress as ProgressCallback
from etl.pipeline import ReportRun, SyncRun
from etl.sync import SyncManifest
from forms.errors import HtsdError
from forms.text import Text, format_number, local_time
from validation.review import ACCEPT, Decision
from warehouse.drift import Drift
from warehouse.export import ExportResult
from warehouse.load import LoadResult
from warehouse.registry import RegistryImport

INTERRUPTED = Text("Đã dừng", "Interrupted")
ERROR = Text("Lỗi", "Error")
LOCAL_SERVER = Text("Máy chủ KoboToolbox cục bộ", "Local KoboToolbox server")
WAREHOUSE = Text("Kho dữ liệu", "Warehouse")
ASSET = Text("Dự án", "Asset")
PRESS_CTRL_C = Text("Nhấn Ctrl-C để dừng.", "Press Ctrl-C to stop.")
NO_ASSET_YET = Text("Kho dữ liệu chưa có dự án nào.", "The warehouse holds no asset yet.")
NO_DATA_YET = Text("Chưa có dữ liệu nào.", "No data yet.")
NO_CHANGES = Text("Không có thay đổi nào.", "No changes.")
UPGRADED = Text("Đã nâng cấp", "Upgraded")
UP_TO_DATE = Text("Đã ở phiên bản mới nhất", "Already at the latest revision")

RUN_STATUS = {  # run-log status → words for people; JSON keeps the code
    "ok": Text("xong", "ok"),
    "failed": Text("lỗi", "failed"),
    "running": Text("đang chạy", "running"),
    "interrupted": Text("bị ngắt giữa chừng", "interrupted"),
}
DEPLOY_ACTIONS = {
    "created": Text("đã tạo và triển khai", "created and deployed"),
    "updated": Text("đã cập nhật và triển khai lại", "replaced and redeployed"),
    "unchanged": Text("không đổi", "unchanged"),
}
STAGES = {  # progress stages of a sync (etl/sync.py)
    "new": Text("tải bản ghi mới", "new submissions"),
    "sweep": Text("rà soát bản sửa, bản xóa", "checking edits and deletions"),
    "changes": Text("tải bản đã sửa", "fetching edited submissions"),
    "validate": Text("kiểm tra dữ liệu", "validating"),
}
DRIFT_CHANGES = {
    "renamed": Text("đổi tên", "renamed"),
    "added": Text("thêm", "added"),
    "removed": Text("bỏ", "removed"),
    "retyped": Text("đổi kiểu", "retyped"),
}


def error_line(error: HtsdError, lang: str) -> str:
    """`Lỗi [CODE] where: what — fix` (`Error ...` in English)."""
    return f"{ERROR.get(lang)} {error.render(lang)}"


def findings_text(count: int, when: Text | None = None) -> Text:
    """Load findings counted: `không có cảnh báo khi nạp` / `3 cảnh báo khi nạp`."""
    suffix = when or Text("", "")
    if not count:
        return Text(f"không có cảnh báo{suffix.vi}", f"no{suffix.en} findings")
    return Text(f"{count} cảnh báo{suffix.vi}", f"{count}{suffix.en} findings")


def json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def label(uid: str, form: str | None) -> str:
    """`gia_dinh (aBc…)` when the asset's form is known, else the uid alone."""
    return f"{form} ({uid})" if form else uid


def sync_line(name: str, m: SyncManifest, lang: str) -> str:
    """What a sync pulled: new, edited, changed without an edit (attachments, server
    fields), validation statuses changed, restored, deleted, unchanged answers, the cost."""
    restored = Text(f", {m.restored} khôi phục", f", {m.restored} restored") if m.restored else None
    return Text(
        f"{name}: {m.new} mới, {m.edited} sửa, {m.changed} thay đổi khác, "
        f"{m.status_changed} đổi trạng thái kiểm duyệt, {m.deleted} xóa"
        f"{restored.vi if restored else ''}, {m.unchanged} không đổi câu trả lời "
        f"({m.pages} trang, {m.retries} lần thử lại, {m.duration_s:.1f} giây)",
        f"{name}: {m.new} new, {m.edited} edited, {m.changed} changed otherwise, "
        f"{m.status_changed} validation status changed, {m.deleted} deleted"
        f"{restored.en if restored else ''}, {m.unchanged} with unchanged answers "
        f"({m.pages} pages, {m.retries} retries, {m.duration_s:.1f} s)",
    ).get(lang)


def load_line(name: str, uid: str, r: LoadResult | None, lang: str) -> str:
    """One line on an asset's typed tables after a load (sync, import or rebuild)."""
    if r is None:
        return Text(
            f"{name}: bảng dữ liệu chờ nội dung biểu mẫu (chạy htsd sync --asset {uid})",
            f"{name}: typed tables wait for the form content (run htsd sync --asset {uid})",
        ).get(lang)
    where = (
        Text(
            f" — xem bảng load_finding (asset_uid = '{uid}') trong kho dữ liệu",
            f" — see table load_finding (asset_uid = '{uid}') in the warehouse",
        )
        if r.findings
        else Text("", "")
    )
    findings = findings_text(r.findings)
    return Text(
        f"{name}: {r.live} hiện hành, {r.deleted} đã xóa, {len(r.tables)} bảng "
        f"({r.loaded} nạp, {r.unchanged} không đổi), {findings.vi} "
        f"({r.duration_s:.1f} giây){where.vi}",
        f"{name}: {r.live} current, {r.deleted} deleted, {len(r.tables)} tables "
        f"({r.loaded} loaded, {r.unchanged} unchanged), {findings.en} "
        f"({r.duration_s:.1f} s){where.en}",
    ).get(lang)


def sync_run_lines(run: SyncRun, name_of: Callable[[str, str], str], lang: str) -> list[str]:
    """Per asset of a sync: what was pulled, its typed tables, then its validation.
    `name_of(uid, server)` names an asset."""
    lines = []
    checked = {a.asset_uid: a for a in run.validation or ()}
    for m in run.manifests:
        name = name_of(m.asset_uid, m.server)
        lines.append(sync_line(name, m, lang))
        lines.append(load_line(name, m.asset_uid, run.loads.get(m.asset_uid), lang))
        if m.asset_uid in checked:
            lines.append(validation_line(name, checked[m.asset_uid].as_dict(), lang))
    return lines


def validation_line(name: str, data: Mapping[str, Any], lang: str) -> str:
    """One asset's validation: how many submissions were checked of how many, what stands
    open (errors, warnings, accepted), what is new and what was fixed."""
    warnings = data["warnings"]
    return Text(
        f"{name}: đã kiểm tra {data['checked']}/{data['current']} bản ghi; đang mở "
        f"{data['errors']} lỗi cần sửa, {warnings} cảnh báo, {data['accepted']} đã chấp "
        f"nhận; {data['new']} mới, {data['closed']} đã được sửa",
        f"{name}: {data['checked']}/{data['current']} submissions checked; standing "
        f"{data['errors']} errors to fix, {warnings} warnings, {data['accepted']} accepted; "
        f"{data['new']} new, {data['closed']} fixed",
    ).get(lang)


def import_line(r: ImportResult, lang: str) -> str:
    c = r.counts
    return f"{r.path} → {r.asset_uid}: " + Text(
        f"{c.new} mới, {c.edited} sửa, {c.unchanged} không đổi",
        f"{c.new} new, {c.edited} edited, {c.unchanged} unchanged",
    ).get(lang)


def import_lines(results: Sequence[ImportResult], lang: str) -> list[str]:
    """One line per file; then, for pages landed without their next pages, how many of the
    asset's submissions they held."""
    lines = [import_line(r, lang) for r in results]
    totals: dict[str, tuple[int, int]] = {}
    for r in results:
        if r.server_count is not None:
            held, count = totals.get(r.asset_uid, (0, 0))
            totals[r.asset_uid] = (held + r.submissions, max(count, r.server_count))
    for uid, (held, count) in totals.items():
        if held < count:
            lines.append(
                Text(
                    f"{uid}: nhập một phần — {held} trên {count} bản ghi của dự án",
                    f"{uid}: partial import — {held} of the asset's {count} submissions",
                ).get(lang)
            )
    return lines


def deploy_line(r: DeployResult, lang: str) -> str:
    action = DEPLOY_ACTIONS.get(r.action)
    return f"{r.form}: {r.asset_uid} {r.version_id} — {action.get(lang) if action else r.action}"


def demo_deployed_line(r: DeployResult, count: int, lang: str) -> str:
    return Text(
        f"{r.form}: {r.asset_uid} đã triển khai, {count} bản ghi mẫu",
        f"{r.form}: {r.asset_uid} deployed, {count} synthetic submissions",
    ).get(lang)


def decision_line(label: str, result: Decision, lang: str) -> str:
    """A review decision as recorded: which submission, accepted or rejected, who and why."""
    submission, by = result.kobo_id, result.decided_by
    if result.decision == ACCEPT:
        return Text(
            f"{label}: bản ghi {submission} được chấp nhận ({result.findings_accepted} điều "
            f"phát hiện giữ lại, ghi là đã chấp nhận) — {by}: {result.reason}",
            f"{label}: submission {submission} accepted ({result.findings_accepted} findings "
            f"kept as accepted) — {by}: {result.reason}",
        ).get(lang)
    return Text(
        f"{label}: bản ghi {submission} bị loại, không vào điểm số và báo cáo — "
        f"{by}: {result.reason}",
        f"{label}: submission {submission} rejected, kept out of the scores and the "
        f"report — {by}: {result.reason}",
    ).get(lang)


def status_lines(data: Mapping[str, Any], lang: str) -> list[str]:
    """`htsd status` as text: the warehouse, each asset, its typed tables, the last run."""
    lines = [f"{WAREHOUSE.get(lang)}: {data['warehouse']}"]
    if not data["assets"]:
        lines.append(NO_DATA_YET.get(lang))
    for uid, entry in data["assets"].items():
        name = label(uid, entry.get("form"))
        lines.append(
            Text(
                f"{name}: {entry['submissions']} bản ghi, {entry['edited']} đã sửa, "
                f"{entry['deleted']} đã xóa, {entry['history']} bản trước khi sửa được giữ, "
                f"{entry['versions']} phiên bản biểu mẫu trong dữ liệu",
                f"{name}: {entry['submissions']} submissions, {entry['edited']} edited, "
                f"{entry['deleted']} deleted, {entry['history']} pre-edit copies kept, "
                f"{entry['versions']} form versions in the data",
            ).get(lang)
        )
        typed = entry.get("typed")
        if typed:
            tables, repeats = typed["tables"][0], len(typed["tables"]) - 1
            findings = findings_text(typed["findings"], Text(" khi nạp", " load"))
            lines.append(
                Text(
                    f"  {typed['current']} dòng hiện hành trong {tables} (+{repeats} bảng lặp), "
                    f"{findings.vi}",
                    f"  {typed['current']} current rows in {tables} (+{repeats} repeat tables), "
                    f"{findings.en}",
                ).get(lang)
            )
    run = data["last_run"]
    if run:
        lines.append(last_run_line(run, lang))
    return lines


def last_run_line(run: Mapping[str, Any], lang: str) -> str:
    """`Lần chạy cuối: #3 htsd sync, lỗi, bắt đầu 2026-12-02 23:06 (giờ Việt Nam) — [CODE] …`:
    the error as stored in the run's language (run_log.error_vi / error), the other one
    for a run logged before both were stored."""
    state = RUN_STATUS.get(run["status"], Text.same(run["status"])).get(lang)
    started = local_time(run.get("started_at"), lang)
    head = Text(
        f"Lần chạy cuối: #{run['id']} htsd {run['command']}, {state}, bắt đầu {started}",
        f"Last run: #{run['id']} htsd {run['command']}, {state}, started {started}",
    ).get(lang)
    vi, en = run.get("error_vi"), run.get("error")
    error = (vi or en) if lang == "vi" else (en or vi)
    return f"{head} — {error}" if error else head


def drift_lines(drift: Drift, lang: str) -> list[str]:
    lines = [f"{drift.asset_uid}: {drift.from_version} → {drift.to_version}"]
    if not drift.changes:
        lines.append(NO_CHANGES.get(lang))
    for c in drift.changes:
        if c.change == "renamed":
            what = f"{c.old_path} → {c.path}"
        elif c.change == "retyped":
            what = f"{c.path} ({c.old_type} → {c.new_type})"
        else:
            what = f"{c.path} ({c.new_type or c.old_type})"
        change = DRIFT_CHANGES[c.change].get(lang)
        lines.append(f"  {change:<9} {what} — {c.policy_text(lang)}")
    return lines


def check_ok_line(count: int, lang: str) -> str:
    return Text(f"OK: {count} mục đã kiểm tra", f"OK: {count} items checked").get(lang)


@contextmanager
def progress_bars(
    console: Console, lang: str = "vi", name_of: Callable[[str], str] | None = None
) -> Iterator[ProgressCallback]:
    """A progress callback drawing one bar per asset and stage on stderr (a terminal only):
    `gia_dinh (aBc…) — rà soát bản sửa, bản xóa`. `name_of(uid)` names an asset (the form
    when known); it is asked once per asset, only when bars are drawn."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(
        *columns,
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        tasks: dict[tuple[str, str], TaskID] = {}
        names: dict[str, str] = {}

        def update(asset: str, stage: str, done: int, total: int | None) -> None:
            if bar.disable:
                return
            key = (asset, stage)
            if key not in tasks:
                if asset not in names:
                    names[asset] = name_of(asset) if name_of else asset
                what = STAGES.get(stage, Text.same(stage)).get(lang)
                tasks[key] = bar.add_task(f"{names[asset]} — {what}", total=total)
            bar.update(tasks[key], completed=done, total=total)

        yield update


def export_lines(r: ExportResult, lang: str) -> list[str]:
    """What `htsd export` wrote: where, how many rows and sheets (or files); the personal-data
    columns left out or kept. Never an answer."""
    sheets = (
        Text(f"{len(r.tables)} trang tính", f"{len(r.tables)} sheets")
        if r.format == "xlsx"
        else Text(f"{len(r.tables)} tệp CSV", f"{len(r.tables)} CSV files")
    )
    lines = [
        Text(
            f"Đã ghi {r.path}: {r.submissions} bản ghi (+{r.repeat_rows} dòng lặp), {sheets.vi}",
            f"Written to {r.path}: {r.submissions} submissions (+{r.repeat_rows} repeat rows), "
            f"{sheets.en}",
        ).get(lang)
    ]
    if r.with_pii:
        lines.append(
            Text(
                "Có thông tin cá nhân (--with-pii, đã ghi vào nhật ký chạy): giữ tệp cẩn thận.",
                "Holds personal data (--with-pii, recorded in the run log): keep the file safe.",
            ).get(lang)
        )
    elif r.pii_left_out:
        n = len(r.pii_left_out)
        lines.append(
            Text(
                f"Đã bỏ {n} cột thông tin cá nhân (thêm --with-pii để giữ).",
                f"{n} personal-data columns left out (add --with-pii to keep them).",
            ).get(lang)
        )
    return lines


def url_trimmed_line(pasted: str, address: str, lang: str) -> str:
    """The notice when KOBOTOOLBOX_URL was a page or API address, trimmed to the server's."""
    return Text(
        f"Lưu ý: KOBOTOOLBOX_URL {pasted} là địa chỉ một trang; dùng địa chỉ máy chủ {address}",
        f"Note: KOBOTOOLBOX_URL {pasted} is the address of a page; using the server's, {address}",
    ).get(lang)


def assets_block(forms: Mapping[str, str], lang: str) -> list[str]:
    """After `htsd forms deploy`: the projects recorded in the warehouse, as [kobo.assets]
    lines a data manager may copy into htsd.toml (not needed on this warehouse)."""
    if not forms:
        return []
    return [
        "",
        Text(
            "Đã ghi mã dự án vào kho dữ liệu: htsd sync, status, rebuild và forms drift tìm các"
            " biểu mẫu theo tên (vd. --asset gia_dinh). Dùng kho khác thì chép vào htsd.toml:",
            "The asset uids are recorded in the warehouse: htsd sync, status, rebuild and forms"
            " drift find the forms by name (e.g. --asset gia_dinh). For another warehouse, copy"
            " into htsd.toml:",
        ).get(lang),
        "[kobo.assets]",
        *(f'{form} = "{uid}"' for form, uid in forms.items()),
    ]


# -- registry and report ---------------------------------------------------------------------


def registry_line(result: RegistryImport, lang: str) -> str:
    """One line for an imported registry file."""
    years = ", ".join(str(y) for y in result.years)
    return Text(
        f"Đã nạp sổ mẫu số {result.file}: {result.counts} số liệu của {result.communes} xã, "
        f"năm {years}",
        f"Registry {result.file} imported: {result.counts} counts of {result.communes} "
        f"communes, year {years}",
    ).get(lang)


def report_lines(result: ReportRun, lang: str) -> list[str]:
    """The report's headline rates per title and the files written."""
    data = result.data
    lines = [
        Text(
            f"Báo cáo năm {data.year} ({data.units.vi}), chỉ tiêu theo {data.targets_source.vi}:",
            f"Report for {data.year} ({data.units.en}), targets of {data.targets_source.en}:",
        ).get(lang)
    ]
    for row in data.headline:
        title = data.title_labels[row.title].get(lang)
        if row.rate is None:
            rate = Text("chưa có mẫu số", "no denominator").get(lang)
        else:
            rate = f"{format_number(row.rate, lang)} %"
        target = f"{format_number(row.target, lang)} %" if row.target is not None else "—"
        lines.append(
            Text(
                f"  {title}: {row.recognised}/{row.evaluated} đạt, tỷ lệ {rate} "
                f"(chỉ tiêu {target})",
                f"  {title}: {row.recognised}/{row.evaluated} recognised, rate {rate} "
                f"(target {target})",
            ).get(lang)
        )
    files = result.files
    lines += [f"  → {path}" for path in (files.html, files.pdf, files.xlsx) if path is not None]
    return lines


# -- stages of a long command (htsd demo) ---------------------------------------------------


class Stages:
    """One line per stage on stderr: a live spinner, bar and elapsed time on a terminal,
    a line `✓ stage (12.3 s)` per finished stage otherwise; nothing on a quiet console."""

    def __init__(self, console: Console, lang: str, progress: Progress) -> None:
        self.console = console
        self.lang = lang
        self.progress = progress
        self.current: TaskID | None = None
        self.text = ""
        self.timings: list[tuple[str, float]] = []  # (stage, seconds), for the summary

    @contextmanager
    def stage(self, what: Text, total: int | None = None) -> Iterator[Stages]:
        """Run a stage: its line shows while it runs; `advance` and `detail` update it."""
        self.text = what.get(self.lang)
        self.current = self.progress.add_task(self.text, total=total)
        started = time.perf_counter()
        yield self
        seconds = time.perf_counter() - started
        self.timings.append((self.text, seconds))
        done = f"✓ {self.text} ({format_number(round(seconds, 1), self.lang)} s)"
        task = self.progress.tasks[self.current]
        self.progress.update(
            self.current, description=done, total=task.total or 1, completed=task.total or 1
        )
        if self.progress.disable:
            self.console.print(done, markup=False)
        self.current = None

    def advance(self, done: int, total: int | None = None, detail: str = "") -> None:
        """Set the current stage's progress (`done` of `total`) and what it is doing."""
        if self.current is None or self.progress.disable:
            return
        description = f"{self.text} — {detail}" if detail else self.text
        self.progress.update(self.current, completed=done, total=total, description=description)

    def sync_progress(self, name_of: Callable[[str], str]) -> ProgressCallback:
        """A sync's progress callback drawn on the current stage's line."""
        names: dict[str, str] = {}

        def update(asset: str, stage: str, done: int, total: int | None) -> None:
            if self.progress.disable:
                return
            if asset not in names:
                names[asset] = name_of(asset)
            what = STAGES.get(stage, Text.same(stage)).get(self.lang)
            self.advance(done, total, f"{names[asset]}: {what}")

        return update


@contextmanager
def stages(console: Console, lang: str) -> Iterator[Stages]:
    """The stage display of a long command on `console` (stderr; quiet with --quiet)."""
    with Progress(
        SpinnerColumn(finished_text=""),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal or console.quiet,
    ) as bar:
        yield Stages(console, lang, bar)
