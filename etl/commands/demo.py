"""`htsd demo`: the embedded default — local KoboToolbox, SQLite, the pipeline, the status.

The submissions are answered as a campaign (localkobo.problems) and about 3% of each form's
are seeded with one problem each; OUT/problems-manifest.json lists the findings the
validation must report for them.

The demo takes the path a data manager takes: the six forms are built from the criteria
(checked by ODK Validate), deployed to a local KoboToolbox over its API, answered there with
synthetic submissions, synced and loaded into a fresh SQLite warehouse.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import App, families_option, handle_errors, pass_app
from etl.commands.i18n import command, help_text, option
from etl.config import Settings
from forms.registry import read_registry
from forms.text import Text
from localkobo import LocalKoboServer
from localkobo.problems import answer_campaign, seed_problems
from localkobo.province import demo_counts, province_kobo
from localkobo.registry import busiest_year, demo_registry, write_registry
from warehouse.db import redact_url

HELP = help_text(
    """Chạy toàn bộ quy trình trên dữ liệu tạo sẵn: không cần tài khoản, không cần mạng.

    Dựng sáu biểu mẫu, triển khai lên một máy chủ cục bộ tương thích KoboToolbox, điền bản
    ghi mẫu cho cả tỉnh (khoảng 3% có lỗi cài sẵn, --problems), tải chúng vào một kho dữ
    liệu SQLite mới trong thư mục OUT, nạp các bảng dữ liệu, kiểm tra, chấm điểm, nạp sổ
    mẫu số (OUT/registry-NĂM.csv) rồi viết báo cáo của Ban chỉ đạo (OUT/bao-cao).
    """,
    """Run the whole pipeline on generated data: no account, no network.

    Builds the six forms, deploys them to a local KoboToolbox-compatible server, fills them
    with synthetic submissions for the province (about 3% with a seeded problem,
    --problems), syncs them into a fresh SQLite warehouse in OUT, loads the typed tables,
    validates and scores them, imports a registry of denominators (OUT/registry-YEAR.csv)
    and writes the steering committee's report (OUT/bao-cao).
    """,
    "htsd demo --out demo-output --submissions 2500",
)
SEED = Text(
    "Giá trị khởi tạo ngẫu nhiên (seed) của dữ liệu tạo ra.", "Random seed of the generated data."
)


@command("demo", help=HELP)
@option(
    "--out",
    default="demo-output",
    show_default=True,
    help=Text("Thư mục ghi kết quả.", "Folder for the results."),
)
@families_option
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
@pass_app
@handle_errors
def demo_command(app: App, out: str, submissions: int, seed: int, problems: float) -> None:
    """`htsd demo` (help: HELP)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "htsd-demo.sqlite"
    for stale in folder.glob("htsd-demo.sqlite*"):
        stale.unlink()
    lang = app.lang
    kobo, token = province_kobo(seed=seed)
    from forms.build import build_forms  # pyxform: only when building

    built = build_forms(None, validate=True)
    with LocalKoboServer(kobo) as server:
        settings = Settings(
            database_url=f"sqlite:///{database}",
            kobo_url=server.url,
            kobo_token=token,
            language=lang,
        )
        demo_app = App(settings=settings, silent=app.silent)
        click.echo(f"{render.LOCAL_SERVER.get(lang)}: {server.url}")
        client = demo_app.kobo()
        engine = demo_app.engine()
        deployed = pipeline.deploy(engine, client, built).results
        counts = demo_counts(submissions)
        manifest: list[dict[str, object]] = []
        for result in deployed:
            answer_campaign(kobo, result.asset_uid, counts[result.form], seed=seed)
            if problems:
                manifest += seed_problems(kobo, result.asset_uid, problems, seed=seed)
            click.echo(render.demo_deployed_line(result, counts[result.form], lang))
        manifest_path = folder / "problems-manifest.json"
        manifest_path.write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        click.echo(
            Text(
                f"Đã cài {len(manifest)} lỗi mẫu vào dữ liệu để thử phần kiểm tra: {manifest_path}",
                f"{len(manifest)} problems seeded into the data to try the validation: "
                f"{manifest_path}",
            ).get(lang)
        )
        with render.progress_bars(demo_app.err, lang, demo_app.asset_label) as progress:
            run = pipeline.sync(engine, client, [r.asset_uid for r in deployed], progress=progress)
        for line in render.sync_run_lines(run, demo_app.asset_label, lang):
            click.echo(line)
        data = pipeline.status(engine)
        data["warehouse"] = redact_url(settings.database_url)
        for line in render.status_lines(data, lang):
            click.echo(line)
        assets = {r.form: r.asset_uid for r in deployed}
        year = busiest_year(kobo, assets["gia_dinh"])
        registry = write_registry(
            demo_registry(kobo, assets, year, seed=seed), folder / f"registry-{year}.csv"
        )
        imported = pipeline.import_registry(engine, read_registry(registry))
        click.echo(render.registry_line(imported, lang))
        written = pipeline.report(engine, year, folder / "bao-cao", lang=lang)
        for line in render.report_lines(written, lang):
            click.echo(line)
    engine.dispose()
    click.echo(f"{render.WAREHOUSE.get(lang)}: {database}")


COMMANDS = [demo_command]
