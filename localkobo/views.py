"""What the read routes and the deploy routes both need: who is asking, which asset they may
see, and the JSON of an asset and of one of its versions.

Authentication is by `Authorization: Token <key>`. An asset the user cannot view is 404
(its existence stays hidden, anonymous requests included); one they can view but lack a
permission on is 403.
"""

from __future__ import annotations

from typing import Any

from localkobo.api import ApiError, Request
from localkobo.store import LocalAsset, LocalKobo

NOT_FOUND = {"detail": "Not found."}
FORBIDDEN = {"detail": "You do not have permission to perform this action."}


def username(kobo: LocalKobo, request: Request, *, required: bool) -> str | None:
    """The authenticated user; 401 for a bad token, None for an anonymous request (401
    instead when `required`)."""
    header = request.header("Authorization")
    if not header:
        if required:
            raise ApiError(401, {"detail": "Authentication credentials were not provided."})
        return None
    kind, _, key = header.partition(" ")
    user = kobo.user_for(key.strip()) if kind == "Token" else None
    if user is None:
        raise ApiError(401, {"detail": "Invalid token."}, {"WWW-Authenticate": "Session"})
    return user


def visible_asset(
    kobo: LocalKobo, request: Request, uid: str, needs: str | None = None
) -> tuple[LocalAsset, str]:
    """The asset and the user; 404 when the user cannot view it, 403 when they can but
    lack the permission `needs`."""
    user = username(kobo, request, required=False)
    asset = kobo.assets.get(uid)
    if asset is None or not asset.can_view(user):
        raise ApiError(404, NOT_FOUND)
    assert user is not None
    if needs is not None and not asset.can(user, needs):
        raise ApiError(403, FORBIDDEN)
    return asset, user


def asset_json(request: Request, asset: LocalAsset, full: bool) -> dict[str, Any]:
    """An asset as the list (`full=False`) or the detail endpoint (`full=True`) shows it."""
    url = request.absolute(f"/api/v2/assets/{asset.uid}/", {})
    deployed = [v for v in reversed(asset.versions) if v.date_deployed is not False]
    out: dict[str, Any] = {
        "url": url,
        "uid": asset.uid,
        "name": asset.name,
        "kind": "asset",
        "asset_type": asset.asset_type,
        "owner__username": asset.owner,
        "date_created": asset.date_created,
        "date_modified": asset.versions[-1].date_modified if asset.versions else None,
        "date_deployed": deployed[0].date_deployed if deployed else None,
        "version_id": asset.version_id,
        "deployed_version_id": asset.deployed_version_id,
        "has_deployment": asset.deployed,
        "deployment__active": asset.deployed and asset.active,
        "deployment__submission_count": len(asset.submissions) if asset.deployed else 0,
        "deployment__uuid": asset.deployment_uuid if asset.deployed else None,
        "deployment_status": (
            ("deployed" if asset.active else "archived") if asset.deployed else "draft"
        ),
        "data": request.absolute(f"/api/v2/assets/{asset.uid}/data/", {}),
        "settings": {},
    }
    if full:
        out["content"] = asset.content
        out["version__content_hash"] = asset.versions[-1].content_hash if asset.versions else None
        out["version_count"] = len(asset.versions)
        out["deployed_versions"] = {
            "count": len(deployed),
            "next": None,
            "previous": None,
            "results": [version_json(request, asset, v.uid) for v in deployed],
        }
    return out


def version_json(request: Request, asset: LocalAsset, vuid: str) -> dict[str, Any]:
    """One version of an asset, without its content."""
    version = asset.version(vuid)
    assert version is not None
    return {
        "uid": version.uid,
        "url": request.absolute(f"/api/v2/assets/{asset.uid}/versions/{version.uid}/", {}),
        "content_hash": version.content_hash,
        "date_deployed": version.date_deployed,
        "date_modified": version.date_modified,
    }
