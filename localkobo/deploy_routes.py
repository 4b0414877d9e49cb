"""The write side of assets: creating one, importing an XLSForm into a new or an existing
asset, and deploying, redeploying, archiving or unarchiving it.

An import answers 201 `processing` at once; the task is run when it is first polled and
then reads `complete` (the asset created or updated) or `error` (a parse failure, or a
destination the user may not change, reported in the task only). The .xlsx is read as
KoboToolbox stores it, with `forms.kpi.xlsform_to_kpi_content`. A new deployment is
inactive unless the body says `active`; a PATCH whose body is `active` alone archives or
unarchives, any other PATCH redeploys the current version.
"""

from __future__ import annotations

import json
import random
import string
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from forms.kpi import xlsform_to_kpi_content
from localkobo.api import ApiError, Reply, Request
from localkobo.store import LocalAsset, LocalKobo
from localkobo.views import FORBIDDEN, NOT_FOUND, asset_json, username, visible_asset


def _form_fields(request: Request, body: bytes) -> dict[str, Any]:
    """multipart/form-data fields: text values as str, files as bytes (or a JSON body)."""
    content_type = request.header("Content-Type")
    if not content_type.startswith("multipart/form-data"):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        raw = part.get_payload(decode=True)
        payload = raw if isinstance(raw, bytes) else b""
        if part.get_filename():
            fields[str(name)] = payload
        else:
            fields[str(name)] = payload.decode("utf-8")
    return fields


def _uid(prefix: str, rng: random.Random) -> str:
    return prefix + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(21))


class DeployRoutes:
    """The routes that create, import and deploy assets; KoboApi lists them."""

    def __init__(self, kobo: LocalKobo) -> None:
        self.kobo = kobo

    def create_asset(self, request: Request, _params: dict[str, str], body: bytes) -> Reply:
        user = username(self.kobo, request, required=True)
        assert user is not None
        data = json.loads(body or b"{}")
        if not data.get("name"):
            raise ApiError(400, {"name": ["This field is required."]})
        asset = self.kobo.create_asset(
            user, str(data["name"]), None, asset_type=str(data.get("asset_type") or "empty")
        )
        return 201, asset_json(request, asset, True), {}

    def create_import(self, request: Request, _params: dict[str, str], body: bytes) -> Reply:
        user = username(self.kobo, request, required=True)
        assert user is not None
        fields = _form_fields(request, body)
        if "file" not in fields:
            raise ApiError(400, {"detail": "file, url or base64Encoded is required"})
        with self.kobo.lock:
            uid = _uid("i", self.kobo.rng)
            self.kobo.imports[uid] = {
                "uid": uid,
                "status": "processing",
                "messages": {},
                "date_created": "",
                "_user": user,
                "_fields": fields,
            }
        url = request.absolute(f"/api/v2/imports/{uid}/", {})
        return 201, {"uid": uid, "url": url, "status": "processing"}, {}

    def import_detail(
        self, request: Request, _params: dict[str, str], _body: bytes, uid: str
    ) -> Reply:
        username(self.kobo, request, required=True)
        with self.kobo.lock:
            task = self.kobo.imports.get(uid)
            if task is None:
                raise ApiError(404, NOT_FOUND)
            if task["status"] == "processing":
                self._run_import(task)
            public = {k: v for k, v in task.items() if not k.startswith("_")}
        return 200, public, {}

    def _run_import(self, task: dict[str, Any]) -> None:
        fields, user = task["_fields"], task["_user"]
        try:
            content = xlsform_to_kpi_content(fields["file"])
        except Exception as exc:  # the real server reports any parse failure in the task
            task.update(
                status="error", messages={"error_type": type(exc).__name__, "error": str(exc)}
            )
            return
        title = (content.get("settings") or {}).get("form_title")
        destination = str(fields.get("destination") or "")
        if destination:
            target = destination.rstrip("/").split("/")[-1]
            asset = self.kobo.assets.get(target)
            if asset is None or not asset.can(user, "change_asset"):
                task.update(
                    status="error",
                    messages={
                        "error_type": "PermissionDenied",
                        "error": "user cannot update asset",
                    },
                )
                return
            self.kobo.replace_content(target, content, name=title)
            key = "updated"
        else:
            library = fields.get("library") not in ("false", False)
            survey_rows = [r for r in content.get("survey", []) if r.get("type")]
            kind = "survey" if not library else ("block" if len(survey_rows) > 1 else "question")
            name = title or str(fields.get("name") or "import").rsplit(".", 1)[0]
            asset = self.kobo.create_asset(user, name, content, asset_type=kind)
            key = "created"
        task.update(
            status="complete",
            messages={key: [{"uid": asset.uid, "kind": "asset", "owner__username": asset.owner}]},
        )

    def deployment(self, request: Request, _params: dict[str, str], body: bytes, uid: str) -> Reply:
        method = request.command
        with self.kobo.lock:
            asset, user = visible_asset(self.kobo, request, uid)
            if method == "GET":
                if not asset.deployed:
                    raise ApiError(404, NOT_FOUND)
                return 200, self._deployment_json(request, asset), {}
            if not asset.can(user, "change_asset"):
                raise ApiError(403, FORBIDDEN)
            data = json.loads(body or b"{}")
            if method == "POST" and asset.deployed:
                raise ApiError(405, {"detail": "Use PATCH to update an existing deployment"})
            if method == "PATCH" and not asset.deployed:
                raise ApiError(405, {"detail": "Use POST to create a new deployment"})
            if asset.asset_type != "survey":
                raise ApiError(500, {"detail": "BadAssetTypeException"})
            if method == "PATCH" and set(data) == {"active"}:
                asset.active = bool(data["active"])  # archive / unarchive only
                return 200, self._deployment_json(request, asset), {}
            if "version_id" in data and data["version_id"] != asset.version_id:
                raise ApiError(500, {"detail": "Only the current version_id can be deployed"})
            if not asset.versions:
                raise ApiError(400, {"error": "The form has no content"})
            self.kobo.deploy(uid, active=bool(data.get("active", False)))
            return 200, self._deployment_json(request, asset), {}

    def _deployment_json(self, request: Request, asset: LocalAsset) -> dict[str, Any]:
        return {
            "backend": "openrosa",
            "active": asset.active,
            "version_id": asset.deployed_version_id,
            "asset": asset_json(request, asset, True),
        }
