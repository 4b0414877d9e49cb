"""`htsd forms deploy`: put the built forms on KoboToolbox and deploy them."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from etl.commands.common import App, emit_json, handle_errors, pass_app, run_logged
from etl.kobo.client import KoboClient
from etl.kobo.deploy import DeployResult, content_digest, deploy_form
from forms.build import BuildResult, build_forms
from forms.rubric_load import CRITERIA_DIR
from warehouse.assets import last_deployment, record_deployment


def deploy_built(
    app: App, client: KoboClient, built: list[BuildResult], run_id: int
) -> list[DeployResult]:
    """Deploy each built form to its asset (from [kobo.assets], else the one recorded at the
    last deploy, else a new one) and record the deployment in the warehouse."""
    engine = app.engine()
    results = []
    for form in built:
        previous = last_deployment(engine, client.server, form.form_id)
        uid = app.settings.assets.get(form.form_id) or (
            str(previous["asset_uid"]) if previous else None
        )
        known = str(previous["xlsform_hash"]) if previous and previous["asset_uid"] == uid else None
        result = deploy_form(
            client,
            form.form_id,
            form.xlsx,
            content_digest(form.xform),
            asset_uid=uid,
            known_hash=known,
        )
        results.append(result)
        with engine.begin() as conn:
            record_deployment(
                conn,
                server=client.server,
                form_name=result.form,
                asset_uid=result.asset_uid,
                version_id=result.version_id,
                xlsform_hash=result.xlsform_hash,
                action=result.action,
                run_id=run_id,
            )
    return results


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
    client = KoboClient(app.settings.kobo_url, app.settings.kobo_token)
    built = build_forms(list(form_ids) or None, criteria_dir=criteria_dir, validate=not no_validate)
    results: list[DeployResult] = []

    def body(run_id: int) -> dict[str, Any]:
        results.extend(deploy_built(app, client, built, run_id))
        return {"forms": [asdict(r) for r in results]}

    counts = run_logged(
        app, "forms deploy", {"forms": list(form_ids), "server": client.server}, body
    )
    if as_json:
        emit_json(counts)
        return
    words = {
        "created": app.t("đã tạo và triển khai", "created and deployed"),
        "updated": app.t("đã cập nhật và triển khai lại", "replaced and redeployed"),
        "unchanged": app.t("không đổi", "unchanged"),
    }
    for r in results:
        click.echo(f"{r.form}: {r.asset_uid} {r.version_id} — {words.get(r.action, r.action)}")
