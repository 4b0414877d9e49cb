"""`htsd forms deploy`: put the built forms on KoboToolbox and deploy them."""

from __future__ import annotations

from pathlib import Path

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import App, emit_json, handle_errors, pass_app
from etl.commands.i18n import command, help_text, option
from forms.build import build_forms, require_forms
from forms.rubric_load import CRITERIA_DIR
from forms.text import Text

HELP = help_text(
    """Tạo hoặc thay từng biểu mẫu trên KoboToolbox rồi triển khai (hoặc triển khai lại).

    Dựng các biểu mẫu từ bộ tiêu chí, nhập từng biểu mẫu vào dự án của nó (theo mục
    [kobo.assets] trong htsd.toml, nếu không thì dự án đã ghi ở lần triển khai trước, nếu
    không nữa thì một dự án mới), triển khai phiên bản mới và ghi mã dự án cùng phiên bản
    vào kho dữ liệu. Biểu mẫu không đổi thì để nguyên.
    """,
    """Create or replace each form on KoboToolbox and deploy or redeploy it.

    Builds the forms from the criteria, imports each into its asset (from [kobo.assets] in
    htsd.toml, else the one recorded at the last deploy, else a new one), deploys the new
    version, and records asset uid and version in the warehouse. An unchanged form is left
    alone.
    """,
    "KOBOTOOLBOX_TOKEN=... htsd forms deploy gia_dinh clc_assessment",
)


@command("deploy", help=HELP)
@click.argument("form_ids", nargs=-1, metavar="[FORM]...")
@option(
    "--criteria",
    "--criteria-dir",
    "criteria_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=CRITERIA_DIR,
    help=Text(
        "Thư mục bộ tiêu chí dùng để dựng biểu mẫu (mặc định: forms/criteria của dự án).",
        "Rubric folder to build from (default: the project's forms/criteria).",
    ),
)
@option(
    "--no-validate",
    is_flag=True,
    help=Text(
        "Bỏ qua ODK Validate (nhanh hơn; không dùng khi phát hành).",
        "Skip ODK Validate (faster; not for release).",
    ),
)
@option(
    "--to",
    "target",
    type=click.Choice(["kobo", "central"]),
    default="kobo",
    show_default=True,
    help=Text(
        "Máy chủ đích: KoboToolbox, hoặc ODK Central (tài khoản trong ODK_CENTRAL_URL, "
        "ODK_CENTRAL_USERNAME, ODK_CENTRAL_PASSWORD; dự án trong [central] project).",
        "Target server: KoboToolbox, or ODK Central (account in ODK_CENTRAL_URL, "
        "ODK_CENTRAL_USERNAME, ODK_CENTRAL_PASSWORD; project in [central] project).",
    ),
)
@option(
    "--project",
    type=int,
    default=None,
    help=Text(
        "Với --to central: số dự án Central (mặc định: [central] project).",
        "With --to central: the Central project number (default: [central] project).",
    ),
)
@option(
    "--json",
    "as_json",
    is_flag=True,
    help=Text("In kết quả dạng JSON.", "Print the results as JSON."),
)
@pass_app
@handle_errors
def deploy_command(
    app: App,
    form_ids: tuple[str, ...],
    criteria_dir: Path,
    no_validate: bool,
    target: str,
    project: int | None,
    as_json: bool,
) -> None:
    """`htsd forms deploy` (help: HELP)."""
    require_forms(form_ids)  # a mistyped name, before the server and the build
    if target == "central":
        _deploy_central(app, form_ids, criteria_dir, no_validate, project, as_json)
        return
    client = app.kobo()
    client.check_access()  # a server that is down or a wrong token: said before building
    built = build_forms(list(form_ids) or None, criteria_dir=criteria_dir, validate=not no_validate)
    run = pipeline.deploy(
        app.engine(), client, built, app.settings.assets, requested=list(form_ids)
    )
    if as_json:
        emit_json(run.as_dict())
        return
    for result in run.results:
        click.echo(render.deploy_line(result, app.lang))
    forms = {r.form: r.asset_uid for r in run.results}
    for line in render.assets_block(forms, app.lang):
        click.echo(line)


def _deploy_central(
    app: App,
    form_ids: tuple[str, ...],
    criteria_dir: Path,
    no_validate: bool,
    project: int | None,
    as_json: bool,
) -> None:
    """`htsd forms deploy --to central`: publish the built forms to a Central project."""
    from etl.central.errors import CentralCode, CentralError

    project_id = project if project is not None else app.settings.central_project
    if project_id is None:
        raise CentralError(CentralCode.NO_PROJECT, where="--project")
    client = app.central()
    client.check_access(project_id)  # a wrong password or project: said before building
    built = build_forms(list(form_ids) or None, criteria_dir=criteria_dir, validate=not no_validate)
    run = pipeline.deploy_central(app.engine(), client, project_id, built, requested=list(form_ids))
    if as_json:
        emit_json(run.as_dict())
        return
    words = {
        "created": Text("đã tạo và phát hành", "created and published"),
        "updated": Text("đã phát hành phiên bản mới", "published a new version"),
        "unchanged": Text("không đổi", "unchanged"),
    }
    for result in run.results:
        click.echo(
            f"{result.form}: {words[result.action].get(app.lang)} "
            f"({result.asset_uid}, {result.version_id})"
        )
    click.echo("[central]")
    click.echo(f"project = {project_id}")
    click.echo("forms = [" + ", ".join(f'"{r.form}"' for r in run.results) + "]")
