"""The pipeline: every stage of htsd as library functions that return result objects.

    extract (KoboToolbox pages, or files) → land raw → normalise → validate → write typed rows

`sync`, `import_files`, `rebuild` and `deploy` each run inside one run-log entry
(warehouse/runlog.py `logged_run`) and return what they did; the command line only renders
it. Raw payloads are landed for every asset before any typed table is loaded (design
invariant 1); loading is idempotent and resumable, so a run killed while loading leaves the
raw landing whole and the next run loads what differs. Each batch of the load is normalised,
handed to the validation seat (validation/batch.py), then written, in one transaction.

Long stages report progress through a callback `(asset uid, stage, done, total)`; the
command line draws it, a library caller may pass nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl import status_push
from etl.central import deploy as central_deploy
from etl.central import push as central_push
from etl.central import sync as central_sync
from etl.central.client import CentralClient
from etl.errors import SyncCode, SyncError
from etl.importer import FormFile, ImportResult, land_files, read_form_file
from etl.kobo.client import KoboClient, server_identity
from etl.kobo.deploy import DeployResult, content_digest, deploy_form
from etl.sync import SyncManifest, fetch_deployed_version, sync_asset
from forms.errors import RemoteError
from forms.reference import Reference
from forms.registry import RegistryCode, RegistryError, RegistryFile
from forms.rubric_load import load_rubrics
from forms.targets import load_targets
from validation.batch import validate_batch
from validation.queue import QueueItem, queue_items
from validation.review import (
    Decision,
    decide,
    find_submission,
    held_ids_select,
    held_submissions,
    submission_decisions,
    submission_findings,
    submission_state,
    submission_states,
)
from warehouse.assets import (
    asset_servers,
    deployed_assets,
    deployed_form_name,
    last_deployment,
    record_deployment,
    save_file_form,
)
from warehouse.db import check_connection, make_engine, require_existing
from warehouse.drift import Drift, asset_drift
from warehouse.load import LoadResult, load_asset
from warehouse.load import rebuild as rebuild_tables
from warehouse.lock import warehouse_lock
from warehouse.marts import report_data
from warehouse.messages import WarehouseCode, WarehouseError
from warehouse.migrate import upgrade
from warehouse.registry import RegistryImport
from warehouse.registry import store as store_registry
from warehouse.report.data import ReportData
from warehouse.runlog import logged_run
from warehouse.schema import kobo_asset
from warehouse.scores import AssetScores, Places, score_assets
from warehouse.status import warehouse_status
from warehouse.submission import SubmissionView, read_submission

if TYPE_CHECKING:  # imported where used: every command starts without pandas, GX, pyxform
    from forms.build import BuildResult
    from validation.run import AssetValidation
    from warehouse.report.render import ReportFiles

__all__ = ["Engine", "open_warehouse", "read_form"]

read_form = read_form_file

log = logging.getLogger(__name__)

Progress = Callable[[str, str, int, int | None], None]
"""(asset uid, stage, done, total or None)."""


def no_progress(_asset: str, _stage: str, _done: int, _total: int | None) -> None:
    return


def open_warehouse(
    url: str, *, create: bool = True, lock_wait: float | None = None, command: str = "htsd"
) -> Engine:
    """The warehouse at `url`, migrated to the current schema. With `create=False` (read-only
    commands) a SQLite file that does not exist is refused (DB006) instead of created.
    `lock_wait`: seconds a writer waits for another one (warehouse/lock.py); `command` names
    this one in another's refusal while it migrates."""
    if not create:
        require_existing(url)
    engine = make_engine(url)
    if lock_wait is not None:
        engine = engine.execution_options(htsd_lock_wait=lock_wait)
    check_connection(engine)
    upgrade(engine, command)
    return engine


def form_name(
    engine: Engine, server: str, asset_uid: str, form_names: Mapping[str, str] | None = None
) -> str | None:
    """The form an asset holds: from [kobo.assets] (`form_names`, uid → form), else the last
    `htsd forms deploy` to this server, else None."""
    if form_names and asset_uid in form_names:
        return form_names[asset_uid]
    with engine.connect() as conn:
        return deployed_form_name(conn, server_identity(server), asset_uid)


# -- which assets: by form name or uid ------------------------------------------------------

_UID = re.compile(r"^a[A-Za-z0-9]{9,}$")


def known_assets(engine: Engine, server: str, configured: Mapping[str, str]) -> dict[str, str]:
    """Form name → asset uid: the forms `htsd forms deploy` put on this server, overridden by
    [kobo.assets] (`configured`, form → uid) from htsd.toml."""
    deployed = deployed_assets(engine, server_identity(server))
    known = {form: min(uids) for form, uids in deployed.items() if len(uids) == 1}
    known.update(configured)
    return dict(sorted(known.items()))


def resolve_asset(engine: Engine, server: str, value: str, configured: Mapping[str, str]) -> str:
    """The asset uid meant by `value`: a form name ([kobo.assets], else the asset the form
    was last deployed to on this server, else on any server when that is one asset) or a
    uid as it is. SYNC002 for a name no asset is known by, SYNC003 when several are."""
    value = value.strip()
    known = known_assets(engine, server, configured)
    if value in known:
        return known[value]
    if value in known.values() or _UID.match(value):
        return value
    anywhere = deployed_assets(engine).get(value, set())
    if len(anywhere) == 1:
        return anywhere.pop()
    if anywhere:
        raise SyncError(
            SyncCode.AMBIGUOUS_FORM,
            where=value,
            params={"form": value, "uids": ", ".join(sorted(anywhere))},
        )
    raise SyncError(
        SyncCode.UNKNOWN_FORM,
        where=value,
        params={"form": value, "known": ", ".join(known) or "—"},
    )


def resolve_assets(
    engine: Engine, server: str, values: Sequence[str], configured: Mapping[str, str]
) -> list[str]:
    """The asset uids of `values` (form names or uids); with none, every known asset of the
    server ([kobo.assets] and what `htsd forms deploy` put there). SYNC001 when none is."""
    if values:
        return list(dict.fromkeys(resolve_asset(engine, server, v, configured) for v in values))
    chosen = list(dict.fromkeys(known_assets(engine, server, configured).values()))
    if not chosen:
        raise SyncError(SyncCode.NO_ASSET, where="--asset")
    return chosen


# -- normalise, validate, write ------------------------------------------------------------


def load_typed(
    engine: Engine,
    server: str,
    asset_uids: Iterable[str],
    run_id: int | None,
    form_names: Mapping[str, str] | None = None,
) -> dict[str, LoadResult | None]:
    """Asset uid → its load result, or None when no form content is stored for it yet (data
    imported from files before any sync: a later `htsd sync` reads the content).

    `form_names` (asset uid → form, from [kobo.assets]) names an asset's tables on its first
    load; otherwise the form recorded by `htsd forms deploy` does, else the asset uid."""
    results: dict[str, LoadResult | None] = {}
    names = form_names or {}
    for uid in dict.fromkeys(asset_uids):
        try:
            results[uid] = load_asset(
                engine, server, uid, run_id, form_name=names.get(uid), validate=validate_batch
            )
        except WarehouseError as error:
            if error.code != WarehouseCode.NO_CONTENT:
                raise
            log.info("asset %s: no form content stored; typed tables wait for sync", uid)
            results[uid] = None
    return results


def _loads_dict(loads: Mapping[str, LoadResult | None]) -> dict[str, Any]:
    return {uid: result.as_dict() if result else None for uid, result in loads.items()}


# -- sync -----------------------------------------------------------------------------------


@dataclass
class SyncRun:
    """What one sync did: its run id, each asset's manifest and typed-table load."""

    run_id: int
    manifests: list[SyncManifest]
    loads: dict[str, LoadResult | None]
    validation: list[AssetValidation] | None = None  # None: not validated (--no-validate)
    scores: list[AssetScores] | None = None  # None: not scored (not validated)

    @property
    def new_errors(self) -> int:
        return sum(a.recorded.new_errors for a in self.validation or ())

    def as_dict(self) -> dict[str, Any]:
        loads = _loads_dict(self.loads)
        checked = {a.asset_uid: a.as_dict() for a in self.validation or ()}
        scored = {a.asset_uid: a.as_dict() for a in self.scores or ()}
        return {
            "run_id": self.run_id,
            "assets": {
                m.asset_uid: {
                    **m.as_dict(),
                    "load": loads.get(m.asset_uid),
                    "validation": checked.get(m.asset_uid),
                    "score": scored.get(m.asset_uid),
                }
                for m in self.manifests
            },
        }


Source = KoboClient | CentralClient
"""Where submissions come from: a KoboToolbox server (assets by uid) or an ODK Central
server (forms as `PROJECT/FORM`, etl/central). `sync` and `push_statuses` take either."""


def sync(
    engine: Engine,
    client: Source,
    assets: Sequence[str],
    *,
    sweep: bool = True,
    page_size: int = 1000,
    form_names: Mapping[str, str] | None = None,
    progress: Progress = no_progress,
    validate: bool = True,
) -> SyncRun:
    """Pull the given assets into the raw landing, load their typed tables, then (unless
    `validate` is false) validate what changed and score what is released."""
    with (
        warehouse_lock(engine, "sync"),
        logged_run(engine, "sync", {"assets": list(assets), "server": client.server}) as run,
    ):
        manifests = []
        for uid in assets:

            def report(stage: str, done: int, total: int | None, uid: str = uid) -> None:
                progress(uid, stage, done, total)

            if isinstance(client, CentralClient):
                manifests.append(
                    central_sync.sync_form(
                        engine, client, uid, run.id, page_size=page_size, progress=report
                    )
                )
            else:
                manifests.append(
                    sync_asset(
                        engine,
                        client,
                        uid,
                        run.id,
                        sweep=sweep,
                        page_size=page_size,
                        progress=report,
                    )
                )
        if isinstance(client, CentralClient):  # a Central form's tables: its xmlFormId
            form_names = {
                **{ref: central_sync.parse_ref(ref)[1] for ref in assets},
                **(form_names or {}),
            }
        loads = load_typed(engine, client.server, assets, run.id, form_names)
        checked: list[AssetValidation] | None = None
        scored: list[AssetScores] | None = None
        if validate:
            for uid in assets:
                progress(uid, "validate", 0, None)
            chosen = [(client.server, uid) for uid in assets if loads.get(uid) is not None]
            checked = _validate_assets(engine, chosen, run.id)  # scores them too
            scored = [a.scores for a in checked if a.scores is not None]
        result = SyncRun(run.id, manifests, loads, checked, scored)
        run.counts = {"assets": result.as_dict()["assets"]}
    return result


# -- import ---------------------------------------------------------------------------------


@dataclass
class ImportRun:
    run_id: int
    server: str
    files: list[ImportResult]
    loads: dict[str, LoadResult | None]

    def as_dict(self) -> dict[str, Any]:
        return {"files": [asdict(r) for r in self.files], "load": _loads_dict(self.loads)}


def import_files(
    engine: Engine,
    server: str,
    paths: Sequence[Path],
    asset_uid: str | None = None,
    form_names: Mapping[str, str] | None = None,
    *,
    partial: bool = False,
    form: FormFile | None = None,
) -> ImportRun:
    """Land exported or saved files exactly as `sync` lands pages, then load the typed
    tables of the assets whose form content is stored. Saved pages that hold fewer
    submissions than their `count` are refused unless `partial`.

    `form` (an XLSForm or asset JSON read by `read_form`) gives the form of assets whose content the
    warehouse does not hold yet, so an offline team gets typed tables without the server;
    submissions are then read with that form (a `version.unknown` finding each says so) until
    a sync brings the server's versions."""
    server = server_identity(server)
    arguments = {
        "files": [str(p) for p in paths],
        "server": server,
        "partial": partial,
        "form": form.path if form else None,
    }
    with warehouse_lock(engine, "import"), logged_run(engine, "import", arguments) as run:
        files = land_files(engine, server, list(paths), run.id, asset_uid, partial=partial)
        names = dict(form_names or {})
        if form is not None:
            text = json.dumps(form.content, sort_keys=True, ensure_ascii=False)
            version = "file-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
            for uid in dict.fromkeys(r.asset_uid for r in files):
                with engine.begin() as conn:
                    save_file_form(conn, server, uid, form.content, form.title, version, run.id)
                if form.form_id:
                    names.setdefault(uid, form.form_id)
        loads = load_typed(engine, server, [r.asset_uid for r in files], run.id, names)
        result = ImportRun(run.id, server, files, loads)
        run.counts = result.as_dict()
    return result


# -- rebuild and drift ----------------------------------------------------------------------


@dataclass
class RebuildRun:
    run_id: int
    results: list[LoadResult]
    scores: list[AssetScores]

    def as_dict(self) -> dict[str, Any]:
        scored = {a.asset_uid: a.as_dict() for a in self.scores}
        return {
            "assets": {
                r.asset_uid: {**r.as_dict(), "score": scored.get(r.asset_uid)} for r in self.results
            }
        }


def rebuild(engine: Engine, asset_uid: str | None = None) -> RebuildRun:
    """Drop and recreate the typed tables of every asset (or of one) from the raw landing,
    and score them again from the rubric files."""
    with (
        warehouse_lock(engine, "rebuild"),
        logged_run(engine, "rebuild", {"asset": asset_uid}) as run,
    ):
        results = rebuild_tables(engine, asset_uid=asset_uid, run_id=run.id)
        chosen = [(r.server, r.asset_uid) for r in results]
        result = RebuildRun(run.id, results, score_released(engine, chosen, run.id))
        run.counts = result.as_dict()
    return result


@dataclass
class ValidateRun:
    """What one validation did: its run id and each asset's checks and findings."""

    run_id: int
    assets: list[AssetValidation]
    scores: list[AssetScores]

    @property
    def new_errors(self) -> int:
        return sum(a.recorded.new_errors for a in self.assets)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "new_errors": self.new_errors,
            "assets": {a.asset_uid: a.as_dict() for a in self.assets},
            "scores": {a.asset_uid: a.as_dict() for a in self.scores},
            "findings": [
                {
                    "rule": f["rule"],
                    "severity": f["severity"],
                    "asset": a.asset_uid,
                    "submission": f["kobo_id"],
                    "field": f["field_path"],
                    "row": f["row_index"],
                    "value": f["value"],
                    "message_vi": f["message_vi"],
                    "message_en": f["message_en"],
                    "status": f["status"],
                }
                for a in self.assets
                for f in a.standing
            ],
        }


def stored_assets(engine: Engine, values: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(server, uid) of every asset stored in the warehouse, or of those whose uid or form
    name is among `values`; an unknown value is refused (WH002) naming what is stored."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(kobo_asset.c.server, kobo_asset.c.asset_uid, kobo_asset.c.form_name)
        ).all()
    if not values:
        return sorted((r.server, r.asset_uid) for r in rows)
    chosen = []
    for value in values:
        found = [(r.server, r.asset_uid) for r in rows if value in (r.asset_uid, r.form_name)]
        if not found:
            raise WarehouseError(WarehouseCode.NO_DATA, where=value, params={"asset": value})
        chosen += found
    return sorted(set(chosen))


def validate(
    engine: Engine, assets: Sequence[tuple[str, str]], *, full: bool = False
) -> ValidateRun:
    """Validate what changed of the stored submissions of the given assets since the last
    validation (everything with `full`) and record what is found."""
    with (
        warehouse_lock(engine, "validate"),
        logged_run(engine, "validate", {"assets": [uid for _, uid in assets], "all": full}) as run,
    ):
        checked = _validate_assets(engine, assets, run.id, full=full)
        scored = [a.scores for a in checked if a.scores is not None]
        result = ValidateRun(run.id, checked, scored)
        run.counts = {"assets": {a.asset_uid: a.as_dict() for a in result.assets}}
    return result


def score_released(
    engine: Engine, assets: Sequence[tuple[str, str]], run_id: int | None
) -> list[AssetScores]:
    """Score the released submissions of the assets (those of unscored forms are left out),
    leaving out what the validation holds."""
    return score_assets(
        engine, assets, load_rubrics(), Reference.load(), exclude=held_ids_select, run_id=run_id
    )


def _validate_assets(
    engine: Engine, assets: Sequence[tuple[str, str]], run_id: int, *, full: bool = False
) -> list[AssetValidation]:
    from validation.run import validate_asset

    rubrics, places = load_rubrics(), Places(Reference.load())
    return [
        validate_asset(engine, server, uid, run_id, rubrics, full=full, places=places)
        for server, uid in assets
    ]


def drift(
    engine: Engine,
    asset_uid: str,
    from_version: str | None,
    to_version: str | None,
    default_server: str,
    client: KoboClient | None = None,
) -> Drift:
    """Questions changed between two stored versions of an asset. The asset's server is the
    one its data came from; `default_server` when the warehouse holds it from several or
    none. With a `client` of that server, the deployed version is fetched first when it is
    not stored, so a form redeployed since the last sync is compared with what is now on
    the tablets; the stored versions are compared when the server cannot be reached."""
    servers = asset_servers(engine, asset_uid)
    server = servers.pop() if len(servers) == 1 else server_identity(default_server)
    if client is not None and client.server == server:
        try:
            with (
                warehouse_lock(engine, "forms drift"),
                logged_run(engine, "forms drift", {"asset": asset_uid}) as run,
            ):
                deployed = fetch_deployed_version(engine, client, asset_uid, run.id)
                run.counts = {"deployed_version": deployed}
        except RemoteError as error:
            log.warning("%s: comparing the stored versions only", error.render("en"))
    return asset_drift(engine, server, asset_uid, from_version, to_version)


# -- deploy ---------------------------------------------------------------------------------


@dataclass
class DeployRun:
    run_id: int
    results: list[DeployResult]

    def as_dict(self) -> dict[str, Any]:
        return {"forms": [asdict(r) for r in self.results]}


def deploy(
    engine: Engine,
    client: KoboClient,
    built: Sequence[BuildResult],
    assets: Mapping[str, str] | None = None,
    *,
    requested: Sequence[str] = (),
) -> DeployRun:
    """Deploy each built form to its asset (from `assets`, form → uid as in [kobo.assets],
    else the one recorded at the last deploy to this server, else a new one) and record the
    deployment in the warehouse."""
    assets = assets or {}
    arguments = {"forms": list(requested), "server": client.server}
    with (
        warehouse_lock(engine, "forms deploy"),
        logged_run(engine, "forms deploy", arguments) as run,
    ):
        results = []
        for form in built:
            previous = last_deployment(engine, client.server, form.form_id)
            uid = assets.get(form.form_id) or (str(previous["asset_uid"]) if previous else None)
            known = (
                str(previous["xlsform_hash"]) if previous and previous["asset_uid"] == uid else None
            )
            result = deploy_form(
                client,
                form.form_id,
                form.xlsx,
                content_digest(form.xform),
                asset_uid=uid,
                known_hash=known,
            )
            results.append(result)
            _record_deployment(engine, client.server, result, run.id)
        done = DeployRun(run.id, results)
        run.counts = done.as_dict()
    return done


def _record_deployment(
    engine: Engine,
    server: str,
    result: DeployResult | central_deploy.CentralDeployResult,
    run_id: int,
) -> None:
    """What a deploy did to one form, in the warehouse (KoboToolbox and Central alike)."""
    with engine.begin() as conn:
        record_deployment(
            conn,
            server=server,
            form_name=result.form,
            asset_uid=result.asset_uid,
            version_id=result.version_id,
            xlsform_hash=result.xlsform_hash,
            action=result.action,
            run_id=run_id,
        )


@dataclass
class CentralDeployRun:
    run_id: int
    results: list[central_deploy.CentralDeployResult]

    def as_dict(self) -> dict[str, Any]:
        return {"forms": [asdict(r) for r in self.results]}


def deploy_central(
    engine: Engine,
    client: CentralClient,
    project_id: int,
    built: Sequence[BuildResult],
    *,
    requested: Sequence[str] = (),
) -> CentralDeployRun:
    """Publish each built form to the Central project (etl/central/deploy.py) and record
    the deployment in the warehouse (asset uid `PROJECT/FORM`)."""
    arguments = {"forms": list(requested), "server": client.server, "project": project_id}
    with (
        warehouse_lock(engine, "forms deploy"),
        logged_run(engine, "forms deploy", arguments) as run,
    ):
        results = []
        for form in built:
            result = central_deploy.deploy_form(client, project_id, form)
            results.append(result)
            _record_deployment(engine, client.server, result, run.id)
        done = CentralDeployRun(run.id, results)
        run.counts = done.as_dict()
    return done


# -- status ---------------------------------------------------------------------------------


def status(engine: Engine) -> dict[str, Any]:
    """Per asset: submissions, edits, deletions, versions, history, typed tables; last run."""
    return warehouse_status(engine)


# -- review ---------------------------------------------------------------------------------


def review(
    engine: Engine,
    kobo_id: int,
    decision: str,
    reason: str,
    decided_by: str,
    assets: Sequence[tuple[str, str]] = (),
) -> Decision:
    """Record a data manager's decision (accept or reject) on the current submission
    `kobo_id` (of one of `assets` when given): validation.review."""
    arguments = {"submission": kobo_id, "decision": decision, "by": decided_by}
    with warehouse_lock(engine, "review"), logged_run(engine, "review", arguments) as run:
        with engine.begin() as conn:
            server, uid = find_submission(conn, kobo_id, assets)
            result = decide(
                conn,
                server=server,
                asset_uid=uid,
                kobo_id=kobo_id,
                decision=decision,
                reason=reason,
                decided_by=decided_by,
                run_id=run.id,
            )
        score_released(engine, [(server, uid)], run.id)
        run.counts = result.as_dict()
    return result


def held(engine: Engine, assets: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[Any]]:
    """(server, uid) → the held submissions of each asset with their open findings."""
    with engine.connect() as conn:
        return {(server, uid): held_submissions(conn, server, uid) for server, uid in assets}


def review_queue(engine: Engine, assets: Sequence[tuple[str, str]] = ()) -> list[QueueItem]:
    """The held submissions of `assets` (default: every stored asset) with their district,
    commune, surveyor, form and date, for the review queue (validation/queue.py filters and
    pages them)."""
    with engine.connect() as conn:
        return queue_items(conn, list(assets) or stored_assets(engine))


@dataclass
class SubmissionPage:
    """One submission as the review shows it: answers, score, history (warehouse/submission.py),
    its findings, decisions and state (validation/review.py)."""

    view: SubmissionView
    state: str | None  # None: not current (deleted on the server)
    findings: list[dict[str, Any]]
    decisions: list[dict[str, Any]]


def submission(engine: Engine, server: str, asset_uid: str, kobo_id: int) -> SubmissionPage | None:
    """The submission `kobo_id` of an asset with its findings and decisions; None when the
    warehouse does not hold it."""
    view = read_submission(engine, server, asset_uid, kobo_id)
    if view is None:
        return None
    with engine.connect() as conn:
        return SubmissionPage(
            view,
            submission_state(conn, server, asset_uid, kobo_id),
            submission_findings(conn, server, asset_uid, kobo_id),
            submission_decisions(conn, server, asset_uid, kobo_id),
        )


# -- validation outcome: to the server, to a page ---------------------------------------------


def push_statuses(
    engine: Engine,
    client: Source,
    run: ValidateRun,
    *,
    hold_status: str = status_push.ON_HOLD,
    force: bool = False,
) -> dict[str, status_push.PushResult | None]:
    """Asset uid → what `htsd validate --push-status` set on the server for each validated
    asset (etl/status_push.py), from each submission's state (validation.review); None for an
    asset whose data came from another server than the client's."""
    pushes: dict[str, status_push.PushResult | None] = {}
    for validated in run.assets:
        server, uid = validated.server, validated.asset_uid
        if server != client.server:
            pushes[uid] = None  # its statuses are not ours to set from here
            continue
        with engine.connect() as conn:
            states = submission_states(conn, server, uid)
        if isinstance(client, CentralClient):  # review states and a comment
            pushes[uid] = central_push.push_review_states(
                engine, client, server, uid, states, force=force, run_id=run.run_id
            )
            continue
        pushes[uid] = status_push.push_statuses(
            engine,
            client,
            server,
            uid,
            states,
            hold_status=hold_status,
            force=force,
            run_id=run.run_id,
        )
    return pushes


def write_quality_page(
    engine: Engine,
    run: ValidateRun,
    path: Path,
    lang: str,
    form_names: Mapping[str, str] | None = None,
) -> Path:
    """The data-quality page of a validation's assets (validation/quality_page.py), written
    at `path`."""
    from validation.quality_page import quality_page
    from validation.quality_page import write_quality_page as save_quality_page

    where = {(a.asset_uid, k): v for a in run.assets for k, v in a.where.items()}
    html = quality_page(
        engine,
        [(a.server, a.asset_uid) for a in run.assets],
        lang=lang,
        where=where,
        form_names=form_names,
        checked=sum(a.checked for a in run.assets),
    )
    return save_quality_page(path, html)


# -- the registry of denominators -----------------------------------------------------------


def import_registry(engine: Engine, registry: RegistryFile) -> RegistryImport:
    """Store a registry file read by `forms.registry.read_registry` (`htsd reference
    import`), in one transaction under the lock and a run-log entry. A file with any problem
    stores nothing: REG000 (the run is logged as failed)."""
    arguments = {"file": registry.display}
    with (
        warehouse_lock(engine, "reference import"),
        logged_run(engine, "reference import", arguments) as run,
    ):
        if registry.problems:
            raise RegistryError(
                RegistryCode.REJECTED, registry.display, {"count": len(registry.problems)}
            )
        with engine.begin() as conn:
            result = store_registry(conn, registry, run.id)
        run.counts = result.as_dict()
    return result


# -- the committee's report ---------------------------------------------------------------------


@dataclass
class ReportRun:
    """What `htsd report` wrote: the files and the headline rates."""

    run_id: int
    data: ReportData
    files: ReportFiles

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "year": self.data.year,
            "files": {
                kind: str(path) if path else None
                for kind, path in (
                    ("html", self.files.html),
                    ("pdf", self.files.pdf),
                    ("xlsx", self.files.xlsx),
                )
            },
            "targets": self.data.targets_source.as_dict(),
            "held": self.data.held,
            "headline": [
                {
                    "title": row.title,
                    "evaluated": row.evaluated,
                    "recognised": row.recognised,
                    "denominator": row.denominator,
                    "rate": row.rate,
                    "target": row.target,
                    "achieved": row.achieved,
                    "provisional": row.provisional,
                }
                for row in self.data.headline
            ],
        }


def held_counts(engine: Engine) -> tuple[int, dict[str, int]]:
    """How many submissions the validation holds now, and per rule (a rejected submission
    with no open error counts under `review.rejected`)."""
    total, by_rule = 0, Counter[str]()
    with engine.connect() as conn:
        for server, uid in stored_assets(engine):
            for item in held_submissions(conn, server, uid):
                total += 1
                rules = {f["rule"] for f in item["findings"] if f["severity"] == "error"}
                by_rule.update(rules or {"review.rejected"})
    return total, dict(sorted(by_rule.items()))


def committee_data(engine: Engine, year: int, remote_reading: str = "points") -> ReportData:
    """What the committee's report for `year` shows, held submissions left out (the data
    `report` renders; the web app renders it live)."""
    held, by_rule = held_counts(engine)
    return report_data(
        engine,
        year,
        Reference.load(),
        load_targets().for_year(year, remote_reading),
        load_rubrics(),
        exclude=held_ids_select,
        held=held,
        held_by_rule=by_rule,
    )


def report(
    engine: Engine,
    year: int,
    out_dir: Path,
    *,
    lang: str = "vi",
    pdf: bool = True,
    remote_reading: str = "points",
) -> ReportRun:
    """Write the committee's report for `year` (HTML, PDF for A4, Excel) into `out_dir`."""
    from warehouse.report.render import write_report

    arguments = {"year": year, "lang": lang, "out": str(out_dir), "pdf": pdf}
    with logged_run(engine, "report", arguments) as run:
        data = committee_data(engine, year, remote_reading)
        result = ReportRun(run.id, data, write_report(data, out_dir, lang, pdf=pdf))
        run.counts = result.as_dict()
    return result
