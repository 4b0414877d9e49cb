"""`htsd demo`: the embedded default — a whole province-year of Bắc Kạn, from the forms to
the committee's report, with no network, account or configuration.

The demo takes the path a data manager takes, one stage after another (a progress line
per stage on stderr, none with --quiet):

1. the six forms are built from the criteria (checked by ODK Validate) and deployed to a
   local KoboToolbox-compatible server over its API;
2. surveyors answer them as a campaign of the year (localkobo.campaign, localkobo.problems):
   about 2,000 households, 200 clans, 150 villages, 100 units, the learning centre of every
   commune and 300 activity reports, with recognition rates that differ by district, remote
   communes lower, a few communes not surveyed, some surveyors more careless than others;
   about 3% of each form's submissions are seeded with one problem each, listed in
   OUT/problems-manifest.json with the finding the validation must report;
3. a first sync lands, loads, validates and scores them into a fresh SQLite in OUT;
4. the surveyors edit a few submissions on the server and a few are deleted; a second sync
   brings the edits (the earlier payload kept) and marks the deletions;
5. the data manager accepts one held submission (`htsd review accept`, with a reason);
6. a registry of denominators is written (OUT/registry-YEAR.csv) and imported as
   `htsd reference import` does;
7. the committee's report of the year is written (HTML, PDF, Excel in OUT/bao-cao).

It prints the headline rates and where the report is, and stops the server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import App, handle_errors, pass_app
from etl.commands.i18n import command, help_text, option
from etl.config import Settings
from etl.kobo.deploy import DeployResult
from forms.registry import read_registry
from forms.text import Text
from localkobo import LocalKobo, LocalKoboServer
from localkobo.campaign import ONE_PER_COMMUNE, ProvinceYear
from localkobo.problems import answer_campaign, revise_campaign, seed_problems
from localkobo.province import province_kobo
from localkobo.registry import demo_registry, write_registry
from validation.review import ACCEPT
from validation.review import Decision as ReviewDecision

HELP = help_text(
    """Chạy trọn một năm đánh giá của tỉnh trên dữ liệu tạo sẵn: không cần tài khoản,
    không cần mạng, không cần cấu hình.

    Dựng sáu biểu mẫu, triển khai lên một máy chủ cục bộ tương thích KoboToolbox; điều tra
    viên gửi phiếu như một đợt đánh giá thật của năm --year (khoảng 2.000 hộ gia đình theo
    --submissions, dòng họ, thôn bản, đơn vị, trung tâm học tập cộng đồng của mọi xã, báo cáo
    hoạt động; khoảng 3% có lỗi cài sẵn, --problems); đồng bộ vào một kho dữ liệu SQLite mới
    trong thư mục OUT, kiểm tra, chấm điểm; sửa và xóa vài bản ghi trên máy chủ rồi đồng bộ
    lại; chấp nhận một bản ghi bị giữ lại; nạp sổ mẫu số (OUT/registry-NĂM.csv) và viết báo
    cáo của Ban chỉ đạo (OUT/bao-cao: HTML, PDF, Excel). Tiến độ từng bước in ra stderr
    (tắt bằng --quiet).
    """,
    """Run a whole province-year on generated data: no account, no network, no configuration.

    Builds the six forms and deploys them to a local KoboToolbox-compatible server;
    surveyors answer them as a real campaign of --year would (about 2,000 households by
    --submissions, clans, villages, units, the learning centre of every commune, activity
    reports; about 3% with a seeded problem, --problems); syncs them into a fresh SQLite
    warehouse in OUT, validates and scores them; edits and deletes a few on the server and
    syncs again; accepts one held submission; imports a registry of denominators
    (OUT/registry-YEAR.csv) and writes the steering committee's report (OUT/bao-cao: HTML,
    PDF, Excel). Progress per stage goes to stderr (none with --quiet).
    """,
    "htsd demo --out demo-output --year 2024",
)
SEED = Text(
    "Giá trị khởi tạo ngẫu nhiên (seed) của dữ liệu tạo ra.", "Random seed of the generated data."
)
DEFAULT_YEAR = 2024
FIRST_YEAR = 2015
# Submissions of each form per 2,000 Learning Family evaluations (the learning centres: one
# per commune of the year's units, whatever the size)
PER_2000 = {"gia_dinh": 2000, "dong_ho": 200, "cong_dong": 150, "don_vi": 100, "hoat_dong": 300}
# shares of each form's submissions edited, deleted (one at least; no learning centre's
# assessment is deleted)
EDITS, DELETIONS = 0.02, 0.005
DATA_MANAGER = "qldl_bakan"

STAGE_BUILD = Text("Dựng sáu biểu mẫu (ODK Validate)", "Building the six forms (ODK Validate)")
STAGE_DEPLOY = Text(
    "Triển khai lên máy chủ KoboToolbox cục bộ", "Deploying to the local KoboToolbox server"
)
STAGE_ANSWER = Text("Điều tra viên gửi phiếu", "Surveyors submitting")
STAGE_SYNC = Text("Đồng bộ lần đầu, kiểm tra, chấm điểm", "First sync, validation, scoring")
STAGE_REVISE = Text("Sửa và xóa bản ghi trên máy chủ", "Edits and deletions on the server")
STAGE_RESYNC = Text("Đồng bộ lại: bản sửa, bản xóa", "Syncing again: edits and deletions")
STAGE_REVIEW = Text("Duyệt một bản ghi bị giữ lại", "Reviewing one held submission")
STAGE_REGISTRY = Text("Nạp sổ mẫu số", "Importing the registry of denominators")
STAGE_REPORT = Text("Viết báo cáo (HTML, PDF, Excel)", "Writing the report (HTML, PDF, Excel)")
REASONS = {  # the rule of the accepted submission's errors → the data manager's reason
    "form.range": Text(
        "Đã gọi điện cho điều tra viên xác minh: con số bất thường nhưng đúng với thực tế",
        "Checked by phone with the surveyor: an unusual number, but a true one",
    ),
}
REASON = Text(
    "Đã gọi điện cho điều tra viên xác minh: câu trả lời đúng với thực tế",
    "Checked by phone with the surveyor: the answer is true",
)
NOTHING_HELD = Text("Không có bản ghi nào bị giữ lại để duyệt.", "No held submission to review.")


def campaign_counts(families: int, communes: int) -> dict[str, int]:
    """How many submissions of each form a campaign of `families` households has."""
    counts = {form: max(1, round(n * families / 2000)) for form, n in PER_2000.items()}
    counts["clc_assessment"] = communes
    return counts


@command("demo", help=HELP)
@option(
    "--out",
    default="demo-output",
    show_default=True,
    help=Text("Thư mục ghi kết quả.", "Folder for the results."),
)
@option(
    "--year",
    type=click.IntRange(FIRST_YEAR, (date.today() - timedelta(days=1)).year),
    default=DEFAULT_YEAR,
    show_default=True,
    help=Text(
        "Năm đánh giá: báo cáo theo đơn vị hành chính của năm đó (2020–2024: 108 xã của 8 "
        "huyện; từ 2025: 37 xã, phường thuộc tỉnh Thái Nguyên).",
        "The evaluation year: the report is in that year's administrative units (2020–2024: "
        "the 108 communes of 8 districts; from 2025: the 37 communes and wards of the "
        "merged province).",
    ),
)
@option(
    "--submissions",
    type=click.IntRange(20, 200_000),
    default=2000,
    show_default=True,
    help=Text(
        "Số phiếu đánh giá Gia đình học tập; các biểu mẫu khác theo tỉ lệ (trung tâm học "
        "tập cộng đồng: một cho mỗi xã).",
        "Learning Family evaluations; the other forms in proportion (learning centres: one "
        "per commune).",
    ),
)
@option("--seed", default=1, show_default=True, help=SEED)
@option(
    "--problems",
    type=click.FloatRange(0, 0.5),
    default=0.03,
    show_default=True,
    help=Text(
        "Tỉ lệ bản ghi được cài sẵn một lỗi để thử phần kiểm tra (0: dữ liệu sạch); danh "
        "sách ghi ở OUT/problems-manifest.json.",
        "Share of submissions seeded with one problem each, to try the validation (0: clean "
        "data); listed in OUT/problems-manifest.json.",
    ),
)
@option(
    "--quiet",
    is_flag=True,
    help=Text("Không in tiến độ ra stderr.", "No progress on stderr."),
)
@pass_app
@handle_errors
def demo_command(
    app: App, out: str, year: int, submissions: int, seed: int, problems: float, quiet: bool
) -> None:
    """`htsd demo` (help: HELP)."""
    started = time.perf_counter()
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "htsd-demo.sqlite"
    for stale in folder.glob("htsd-demo.sqlite*"):
        stale.unlink()
    lang = app.lang
    silent = app.silent or quiet
    kobo, token = province_kobo(seed=seed)
    campaign = ProvinceYear.plan(year, seed=seed)
    counts = campaign_counts(submissions, len(campaign.communes))
    err = App(settings=app.settings, silent=silent).err
    with render.stages(err, lang) as stages:
        with stages.stage(STAGE_BUILD):
            from forms.build import build_forms  # pyxform: only when building

            built = build_forms(None, validate=True)
        with LocalKoboServer(kobo) as server:
            settings = Settings(
                database_url=f"sqlite:///{database}",
                kobo_url=server.url,
                kobo_token=token,
                language=lang,
            )
            demo_app = App(settings=settings, silent=silent)
            click.echo(f"{render.LOCAL_SERVER.get(lang)}: {server.url}")
            client = demo_app.kobo()
            engine = demo_app.engine()
            with stages.stage(STAGE_DEPLOY):
                deployed = pipeline.deploy(engine, client, built).results
            assets = {r.form: r.asset_uid for r in deployed}
            with stages.stage(STAGE_ANSWER, total=sum(counts.values())):
                manifest = _answer(kobo, deployed, campaign, counts, problems, seed, stages)
            for result in deployed:
                click.echo(render.demo_deployed_line(result, counts[result.form], lang))
            manifest_path = folder / "problems-manifest.json"
            manifest_path.write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            click.echo(_seeded_line(len(manifest), manifest_path, lang))
            uids = [r.asset_uid for r in deployed]
            name_of = {uid: form for form, uid in assets.items()}.__getitem__
            with stages.stage(STAGE_SYNC):
                first = pipeline.sync(engine, client, uids, progress=stages.sync_progress(name_of))
            click.echo(_sync_line(first, lang))
            with stages.stage(STAGE_REVISE):
                edited, deleted = _revise(kobo, assets, counts, manifest, seed)
            click.echo(_revised_line(edited, deleted, lang))
            with stages.stage(STAGE_RESYNC):
                again = pipeline.sync(engine, client, uids, progress=stages.sync_progress(name_of))
            click.echo(_sync_line(again, lang))
            with stages.stage(STAGE_REVIEW):
                decision = _review_one(engine, uids, assets["gia_dinh"], lang)
            if decision is None:
                click.echo(NOTHING_HELD.get(lang))
            else:
                label = render.label(decision.asset_uid, name_of(decision.asset_uid))
                click.echo(render.decision_line(label, decision, lang))
            with stages.stage(STAGE_REGISTRY):
                rows = demo_registry(kobo, assets, year, seed=seed)
                registry = write_registry(rows, folder / f"registry-{year}.csv")
                imported = pipeline.import_registry(engine, read_registry(registry))
            click.echo(render.registry_line(imported, lang))
            with stages.stage(STAGE_REPORT):
                written = pipeline.report(engine, year, folder / "bao-cao", lang=lang)
            for line in render.report_lines(written, lang):
                click.echo(line)
        engine.dispose()
    click.echo(f"{render.WAREHOUSE.get(lang)}: {database}")
    click.echo(_stopped_line(time.perf_counter() - started, lang))


def _answer(
    kobo: LocalKobo,
    deployed: Sequence[DeployResult],
    campaign: ProvinceYear,
    counts: Mapping[str, int],
    problems: float,
    seed: int,
    stages: render.Stages,
) -> list[dict[str, Any]]:
    """Answer every deployed form as the campaign plans it, seed the problems: the manifest."""
    manifest: list[dict[str, Any]] = []
    done = 0
    total = sum(counts.values())
    for result in deployed:
        stages.advance(done, total, result.form)
        content = kobo.assets[result.asset_uid].content
        plan = campaign.slots(result.form, content, counts[result.form])
        answer_campaign(kobo, result.asset_uid, len(plan), seed=seed, plan=plan)
        if problems:
            manifest += seed_problems(kobo, result.asset_uid, problems, seed=seed)
        done += counts[result.form]
    stages.advance(done, total)
    return manifest


def _revise(
    kobo: LocalKobo,
    assets: Mapping[str, str],
    counts: Mapping[str, int],
    manifest: Sequence[Mapping[str, Any]],
    seed: int,
) -> tuple[int, int]:
    """After the first sync, surveyors edit a few submissions and a few are deleted, none of
    the seeded problems (localkobo.problems.revise_campaign): how many edited, deleted."""
    edited = deleted = 0
    for form, uid in assets.items():
        revision = revise_campaign(
            kobo,
            uid,
            edits=max(1, round(EDITS * counts[form])),
            deletions=0 if form in ONE_PER_COMMUNE else max(1, round(DELETIONS * counts[form])),
            keep={int(e["submission"]) for e in manifest if e["asset_uid"] == uid},
            seed=seed,
        )
        edited += len(revision.edited)
        deleted += len(revision.deleted)
    return edited, deleted


def _review_one(
    engine: pipeline.Engine, uids: Sequence[str], first: str, lang: str
) -> ReviewDecision | None:
    """The data manager accepts one held submission, as `htsd review accept` does: one whose
    only error is a number out of its range (found true on the phone), else the first held
    one of the family evaluations, else of any form."""
    held = pipeline.held(engine, pipeline.stored_assets(engine, uids))
    candidates = []
    for (_, uid), items in sorted(held.items(), key=lambda kv: kv[0][1] != first):
        for item in items:
            rules = {f["rule"] for f in item["findings"] if f["severity"] == "error"}
            usual = bool(rules) and rules <= set(REASONS)
            candidates.append((not usual, uid, item["submission"], rules))
    if not candidates:
        return None
    _, uid, submission, rules = min(candidates, key=lambda c: c[0])
    reason = next((REASONS[r] for r in sorted(rules) if r in REASONS), REASON)
    chosen = pipeline.stored_assets(engine, [uid])
    return pipeline.review(engine, submission, ACCEPT, reason.get(lang), DATA_MANAGER, chosen)


def _seeded_line(count: int, path: Path, lang: str) -> str:
    return Text(
        f"Đã cài {count} lỗi mẫu vào dữ liệu để thử phần kiểm tra: {path}",
        f"{count} problems seeded into the data to try the validation: {path}",
    ).get(lang)


def _revised_line(edited: int, deleted: int, lang: str) -> str:
    return Text(
        f"Trên máy chủ: điều tra viên sửa {edited} bản ghi, {deleted} bản ghi bị xóa",
        f"On the server: surveyors edited {edited} submissions, {deleted} were deleted",
    ).get(lang)


def _sync_line(run: pipeline.SyncRun, lang: str) -> str:
    """A sync in one line: what was pulled, what the validation holds."""
    new = sum(m.new for m in run.manifests)
    edited = sum(m.edited for m in run.manifests)
    deleted = sum(m.deleted for m in run.manifests)
    checked = sum(a.checked for a in run.validation or ())
    errors = sum(a.as_dict()["errors"] for a in run.validation or ())
    warnings = sum(a.as_dict()["warnings"] for a in run.validation or ())
    return Text(
        f"Đồng bộ #{run.run_id}: {new} mới, {edited} sửa, {deleted} xóa; đã kiểm tra "
        f"{checked} bản ghi: đang mở {errors} lỗi cần sửa, {warnings} cảnh báo",
        f"Sync #{run.run_id}: {new} new, {edited} edited, {deleted} deleted; {checked} "
        f"submissions checked: {errors} errors to fix, {warnings} warnings standing",
    ).get(lang)


def _stopped_line(seconds: float, lang: str) -> str:
    return Text(
        f"Đã dừng máy chủ cục bộ; toàn bộ mất {seconds:.0f} giây.",
        f"Local server stopped; {seconds:.0f} s in all.",
    ).get(lang)


COMMANDS = [demo_command]
