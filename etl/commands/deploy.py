"""`htsd forms deploy`: put the built forms on KoboToolbox and deploy them."""

from __future__ import annotations

from pathlib import Path

import click

from etl import pipeline
from etl.commands import render
from etl.commands.common import App, emit_json, handle_errors, pass_app
from forms.build import build_forms, require_forms
from forms.rubric_load import CRITERIA_DIR


@click.command("deploy")
@click.argument("form_ids", nargs=-1, metavar="[FORM]...")
@click.option(
    "--criteria-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=CRITERIA_DIR,
    help="Rubric folder to build from (default: the project's forms/criteria).",
)
@click.option("--no-validate", is_flag=True, help="Skip ODK Validate (faster; not for release).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@pass_app
@handle_errors
def deploy_command(
    app: App, form_ids: tuple[str, ...], criteria_dir: Path, no_validate: bool, as_json: bool
) -> None:
    """Create or replace each form on KoboToolbox and deploy or redeploy it.

    Builds the forms from the criteria, imports each into its asset (from [kobo.assets] in
    htsd.toml, else the one recorded at the last deploy, else a new one), deploys the new
    version, and records asset uid and version in the warehouse. An unchanged form is left
    alone.

    Example: KOBOTOOLBOX_TOKEN=... htsd forms deploy gia_dinh clc_assessment
    """
    require_forms(form_ids)  # a mistyped name, before the server and the build
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
