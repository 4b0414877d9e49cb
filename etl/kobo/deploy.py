"""Create or replace a form on KoboToolbox and (re)deploy it (docs/KOBO-API.md §7).

`deploy_form` compares the built form's content digest with the one recorded at the last
deploy (etl/pipeline.py `deploy` passes it) and leaves an unchanged, deployed form alone;
otherwise it:
1. creates an empty survey asset when the form has none yet;
2. imports the .xlsx with `destination` (replacing the content) and polls the import task;
3. POSTs the deployment the first time, PATCHes it with the current `version_id` afterwards —
   only when the deployed version is not already the current one.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from etl.kobo.client import KoboClient
from etl.kobo.errors import KoboError
from forms.errors import ErrorCode, Message


class DeployCode(ErrorCode):
    """Codes of deploying forms to KoboToolbox."""

    IMPORT_FAILED = (
        "DEP001",
        Message(
            "nhập biểu mẫu {form} lên máy chủ thất bại: {detail}",
            "importing form {form} failed on the server: {detail}",
            "sửa lỗi trong tệp XLSForm rồi chạy lại htsd forms deploy",
            "fix the XLSForm and run htsd forms deploy again",
        ),
    )
    IMPORT_TIMEOUT = (
        "DEP002",
        Message(
            "máy chủ chưa xử lý xong việc nhập biểu mẫu {form} sau {seconds} giây",
            "the server did not finish importing form {form} within {seconds} s",
            "thử lại sau",
            "try again later",
        ),
    )


def content_digest(xform_xml: str) -> str:
    """What identifies a built form's content: the hash of its XForm XML (builds are
    deterministic, unlike the .xlsx bytes, which carry a creation time)."""
    return hashlib.sha256(xform_xml.encode("utf-8")).hexdigest()


@dataclass
class DeployResult:
    form: str
    asset_uid: str
    version_id: str
    action: str  # created | updated | unchanged
    xlsform_hash: str


def _wait_for_import(client: KoboClient, form: str, url: str, timeout: float) -> dict[str, Any]:
    delay, waited = 0.1, 0.0
    while True:
        task: dict[str, Any] = client.request("GET", url)
        status = task.get("status")
        if status == "complete":
            return task
        if status == "error":
            messages = task.get("messages") or {}
            detail = f"{messages.get('error_type', '')}: {messages.get('error', '')}".strip(": ")
            raise KoboError(
                DeployCode.IMPORT_FAILED,
                where=client.server,
                params={"form": form, "detail": detail},
            )
        if waited >= timeout:
            raise KoboError(
                DeployCode.IMPORT_TIMEOUT,
                where=client.server,
                params={"form": form, "seconds": timeout},
            )
        time.sleep(delay)
        waited += delay
        delay = min(delay * 2, 3.0)


def deploy_form(
    client: KoboClient,
    form: str,
    xlsx: bytes,
    digest: str,
    *,
    asset_uid: str | None = None,
    known_hash: str | None = None,
    timeout: float = 120.0,
) -> DeployResult:
    """Create or replace, then deploy or redeploy, one built form."""
    created = False
    if asset_uid:
        asset = client.get_asset(asset_uid)
        if (
            known_hash == digest
            and asset.get("has_deployment")
            and asset.get("deployed_version_id") == asset.get("version_id")
        ):
            return DeployResult(form, asset_uid, str(asset["version_id"]), "unchanged", digest)
    else:
        asset = client.request(
            "POST", "/api/v2/assets/", json_body={"name": form, "asset_type": "survey"}
        )
        asset_uid = str(asset["uid"])
        created = True
    destination = str(asset.get("url") or f"{client.server}/api/v2/assets/{asset_uid}/")
    filename = f"{form}.xlsx"
    task = client.request(
        "POST",
        "/api/v2/imports/",
        asset=asset_uid,
        data={"destination": destination, "name": filename, "library": "false"},
        files={"file": (filename, xlsx, "application/vnd.ms-excel")},
    )
    _wait_for_import(client, form, str(task["url"]), timeout)
    asset = client.get_asset(asset_uid)
    version_id = str(asset["version_id"])
    if not asset.get("has_deployment"):
        client.request(
            "POST",
            f"/api/v2/assets/{asset_uid}/deployment/",
            asset=asset_uid,
            json_body={"active": True, "version_id": version_id},
        )
        action = "created"
    elif asset.get("deployed_version_id") != version_id:
        client.request(
            "PATCH",
            f"/api/v2/assets/{asset_uid}/deployment/",
            asset=asset_uid,
            json_body={"active": True, "version_id": version_id},
        )
        action = "updated"
    else:
        action = "unchanged"
    if created:
        action = "created"
    return DeployResult(form, asset_uid, version_id, action, digest)
