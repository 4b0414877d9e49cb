"""State of the local KoboToolbox: users and tokens, assets with their versions, deployment
and sharing, submissions with their validation statuses (and every validation-status
request received, `status_requests`, for the tests to check what was sent), and the
`Faults` switched on.

Submissions are stored as the API returns them, minus the keys the server injects on the
way out (`rendered` adds `_validation_status`, `_attachments`, `_geolocation` and, with
`legacy_tags`, `_tags`/`_notes`). `generate` adds submissions answered by
`localkobo.generate` from the deployed content.
All answers are strings; unanswered questions are absent; repeats are lists of full-path
objects. Edits keep `_id`, `_submission_time` and `meta/rootUuid` and change `_uuid`,
`meta/instanceID` and `meta/deprecatedID`. Deletions are hard.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import string
import threading
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from localkobo.faults import Faults
from localkobo.generate import AnswerGenerator

VALIDATION_STATUSES = {
    "validation_status_not_approved": "Not Approved",
    "validation_status_approved": "Approved",
    "validation_status_on_hold": "On Hold",
}


def _kpi_uid(prefix: str, rng: random.Random | None = None) -> str:
    alphabet = string.ascii_letters + string.digits
    pick = rng.choice if rng else secrets.choice
    return prefix + "".join(pick(alphabet) for _ in range(21))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class AssetVersion:
    uid: str
    content: dict[str, Any]
    content_hash: str
    date_modified: str
    date_deployed: str | bool = False


@dataclass
class LocalAsset:
    uid: str
    name: str
    owner: str
    content: dict[str, Any]
    asset_type: str = "survey"
    date_created: str = field(default_factory=lambda: _iso(_now()))
    versions: list[AssetVersion] = field(default_factory=list)  # oldest first
    deployed: bool = False
    active: bool = False
    deployed_version_id: str | None = None
    deployment_uuid: str = field(default_factory=lambda: uuidlib.uuid4().hex)
    submissions: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[int, dict[str, Any]] = field(default_factory=dict)
    # username → the permissions shared with them (KPI's codenames: view_asset,
    # change_asset, view_submissions, change_submissions, delete_submissions,
    # validate_submissions); the owner has them all
    shared_with: dict[str, set[str]] = field(default_factory=dict)
    # the media and geopoint paths of `content`, with the content they were read from
    paths_read: tuple[dict[str, Any], list[str], list[str]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def version_id(self) -> str | None:
        return self.versions[-1].uid if self.versions else None

    def version(self, uid: str) -> AssetVersion | None:
        return next((v for v in self.versions if v.uid == uid), None)

    def can_view(self, username: str | None) -> bool:
        return self.can(username, "view_asset")

    def can(self, username: str | None, permission: str) -> bool:
        if username is None:
            return False
        return username == self.owner or permission in self.shared_with.get(username, set())


@dataclass(frozen=True)
class StatusRequest:
    """One validation-status request the server received (bulk or for one submission), as
    sent: the ids in the order given and the status uid as given (an unknown one too)."""

    asset_uid: str
    ids: tuple[int, ...]
    status_uid: str | None
    user: str
    at: datetime
    bulk: bool


def content_hash(content: dict[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class LocalKobo:
    """The whole server state, guarded by one lock (the HTTP server is threaded)."""

    def __init__(
        self, *, seed: int = 1, legacy_tags: bool = False, legacy_attachments: bool = False
    ) -> None:
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.tokens: dict[str, str] = {}
        self.assets: dict[str, LocalAsset] = {}
        self.imports: dict[str, dict[str, Any]] = {}
        self.faults = Faults()
        self.legacy_tags = legacy_tags  # `_tags`/`_notes` as before release 2.026.23
        self.legacy_attachments = legacy_attachments  # `_attachments` before 2.025.34
        self.base_url = "http://127.0.0.1"  # set by the HTTP server once it has a port
        self.next_id = 1
        self.clock = datetime(2026, 3, 1, 1, 0, 0, tzinfo=UTC)
        self.status_requests: list[StatusRequest] = []  # what the status routes received

    # -- users and assets ----------------------------------------------------------------

    def add_user(self, username: str, token: str | None = None) -> str:
        token = token or secrets.token_hex(20)
        with self.lock:
            self.tokens[token] = username
        return token

    def share(self, uid: str, username: str, *permissions: str) -> None:
        """Share an asset with a user, as the project owner does in the web UI."""
        with self.lock:
            self.assets[uid].shared_with.setdefault(username, set()).update(
                {"view_asset", *permissions}
            )

    def user_for(self, token: str) -> str | None:
        return self.tokens.get(token)

    def create_asset(
        self,
        owner: str,
        name: str,
        content: dict[str, Any] | None = None,
        *,
        uid: str | None = None,
        asset_type: str = "survey",
    ) -> LocalAsset:
        with self.lock:
            asset = LocalAsset(
                uid=uid or _kpi_uid("a", self.rng),
                name=name,
                owner=owner,
                content=content or {"schema": "1", "survey": [], "choices": [], "settings": {}},
                asset_type=asset_type,
            )
            self.assets[asset.uid] = asset
            if content:
                self._new_version(asset)
            return asset

    def _new_version(self, asset: LocalAsset) -> AssetVersion:
        digest = content_hash({"name": asset.name, "content": asset.content})
        current = asset.versions[-1] if asset.versions else None
        if current and current.content_hash == digest:
            return current
        version = AssetVersion(
            uid=_kpi_uid("v", self.rng),
            content=json.loads(json.dumps(asset.content)),
            content_hash=digest,
            date_modified=_iso(_now()),
        )
        asset.versions.append(version)
        return version

    def replace_content(self, uid: str, content: dict[str, Any], name: str | None = None) -> None:
        with self.lock:
            asset = self.assets[uid]
            asset.content = _strip_version_rows(content)
            if name:
                asset.name = name
            if asset.asset_type == "empty":
                asset.asset_type = "survey"
            self._new_version(asset)

    def deploy(self, uid: str, active: bool = True) -> LocalAsset:
        with self.lock:
            asset = self.assets[uid]
            version = asset.versions[-1]
            if version.date_deployed is False:
                version.date_deployed = _iso(_now())
            asset.deployed = True
            asset.active = active
            asset.deployed_version_id = version.uid
            return asset

    # -- submissions ---------------------------------------------------------------------

    def _tick(self) -> datetime:
        self.clock += timedelta(seconds=self.rng.randint(1, 90))
        return self.clock

    def add_submission(
        self, uid: str, answers: dict[str, Any], *, submitted_by: str | None = None
    ) -> dict[str, Any]:
        """Store one new submission with the system keys the server adds."""
        with self.lock:
            asset = self.assets[uid]
            instance = str(uuidlib.UUID(int=self.rng.getrandbits(128), version=4))
            doc: dict[str, Any] = {"_id": self.next_id}
            self.next_id += 1
            doc.update(answers)
            doc.update(
                {
                    "formhub/uuid": asset.deployment_uuid,
                    "__version__": asset.deployed_version_id,
                    "meta/instanceID": f"uuid:{instance}",
                    "meta/rootUuid": f"uuid:{instance}",
                    "_xform_id_string": asset.uid,
                    "_uuid": instance,
                    "_status": "submitted_via_web",
                    "_submission_time": _iso(self._tick()),
                    "_submitted_by": submitted_by,
                }
            )
            asset.submissions[doc["_id"]] = doc
            return doc

    def generate(self, uid: str, count: int, *, seed: int | None = None) -> list[int]:
        """Add `count` realistic submissions generated from the asset's deployed content."""
        rng = random.Random(seed) if seed is not None else self.rng
        with self.lock:
            asset = self.assets[uid]
            version = asset.version(asset.deployed_version_id or "") or asset.versions[-1]
            generator = AnswerGenerator(version.content)
            ids = []
            for _ in range(count):
                answers = generator.answers(rng, self.clock)
                ids.append(self.add_submission(uid, answers, submitted_by=asset.owner)["_id"])
            return ids

    def asset_with_versions(
        self,
        owner: str,
        name: str,
        contents: Sequence[dict[str, Any]],
        per_version: int,
        *,
        seed: int | None = None,
    ) -> LocalAsset:
        """An asset whose form was deployed once per content, in order, with `per_version`
        submissions collected under each version (seeds `seed`, `seed + 1`, ...)."""
        asset = self.create_asset(owner, name, contents[0])
        for number, content in enumerate(contents):
            if number:
                self.replace_content(asset.uid, content)
            self.deploy(asset.uid)
            self.generate(asset.uid, per_version, seed=None if seed is None else seed + number)
        return asset

    def edit_submission(self, uid: str, kobo_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """An edit as Enketo or the bulk-edit API makes it: same row, new instanceID."""
        with self.lock:
            asset = self.assets[uid]
            doc = dict(asset.submissions[kobo_id])
            previous = doc["meta/instanceID"]
            instance = str(uuidlib.UUID(int=self.rng.getrandbits(128), version=4))
            for key, value in changes.items():
                if value is None:
                    doc.pop(key, None)
                else:
                    doc[key] = value
            doc["meta/instanceID"] = f"uuid:{instance}"
            doc["meta/deprecatedID"] = previous
            doc["_uuid"] = instance
            asset.submissions[kobo_id] = doc
            return doc

    def delete_submissions(self, uid: str, ids: list[int]) -> int:
        with self.lock:
            asset = self.assets[uid]
            removed = 0
            for kobo_id in ids:
                if asset.submissions.pop(kobo_id, None) is not None:
                    asset.statuses.pop(kobo_id, None)
                    removed += 1
            return removed

    def record_status_request(
        self, uid: str, ids: Sequence[int], status_uid: str | None, user: str, *, bulk: bool
    ) -> None:
        """Keep a validation-status request the routes received (`status_requests`)."""
        with self.lock:
            self.status_requests.append(
                StatusRequest(uid, tuple(ids), status_uid, user, _now(), bulk)
            )

    def set_status(self, uid: str, ids: list[int], status_uid: str, by_whom: str) -> None:
        """Set the validation status of submissions as `by_whom`: what the status routes do,
        and what a test calls to set one by hand, as a person on the server would (the
        status routes record the request; this does not)."""
        with self.lock:
            asset = self.assets[uid]
            for kobo_id in ids:
                label = VALIDATION_STATUSES.get(status_uid)
                if label is None:  # the real bulk endpoint silently clears on an unknown uid
                    asset.statuses.pop(kobo_id, None)
                    continue
                asset.statuses[kobo_id] = {
                    "timestamp": int(_now().timestamp()),
                    "uid": status_uid,
                    "by_whom": by_whom,
                    "label": label,
                }

    def _attachments(self, asset: LocalAsset, doc: dict[str, Any]) -> list[dict[str, Any]]:
        """`_attachments` for answered top-level media questions, in the current shape or,
        with `legacy_attachments`, the shape before release 2.025.34 (integer ids)."""
        items = []
        for number, path in enumerate(_media_paths(asset), start=1):
            basename = doc.get(path)
            if not isinstance(basename, str):
                continue
            att = attachment_uid(doc["_id"], path)
            root = doc["meta/rootUuid"].removeprefix("uuid:")
            base = f"{self.base_url}/api/v2/assets/{asset.uid}/data/{doc['_id']}/attachments"
            item: dict[str, Any] = {
                "download_url": f"{base}/{att}/",
                "download_large_url": f"{base}/{att}/large/",
                "download_medium_url": f"{base}/{att}/medium/",
                "download_small_url": f"{base}/{att}/small/",
                "mimetype": "image/jpeg",
                "filename": f"{asset.owner}/attachments/{asset.deployment_uuid}/{root}/{basename}",
                "media_file_basename": basename,
                "uid": att,
                "question_xpath": path,
                "is_deleted": False,
            }
            if self.legacy_attachments:
                pk = doc["_id"] * 100 + number
                item.pop("uid")
                item.pop("is_deleted")
                item.update(id=pk, instance=doc["_id"], xform=1)
                for key in ("download_url", "download_large_url"):
                    item[key] = item[key].replace(att, str(pk))
                for key in ("download_medium_url", "download_small_url"):
                    item[key] = item[key].replace(att, str(pk))
            items.append(item)
        return items

    def attachment(self, uid: str, kobo_id: int, att: str) -> bytes | None:
        """The file of one attachment, by attachment uid or integer pk."""
        with self.lock:
            asset = self.assets[uid]
            doc = asset.submissions.get(kobo_id)
            if doc is None:
                return None
            for number, path in enumerate(_media_paths(asset), start=1):
                if isinstance(doc.get(path), str) and att in (
                    attachment_uid(kobo_id, path),
                    str(kobo_id * 100 + number),
                ):
                    return attachment_bytes(kobo_id, path)
        return None

    def rendered(self, asset: LocalAsset, doc: dict[str, Any]) -> dict[str, Any]:
        """The submission as the data endpoint returns it (server-injected keys added: the
        validation status and INJECTED)."""
        out = dict(doc)
        out["_validation_status"] = asset.statuses.get(doc["_id"], {})
        out["_attachments"] = self._attachments(asset, doc)
        out["_geolocation"] = _geolocation(asset, doc)
        if self.legacy_tags:
            out["_tags"] = []
            out["_notes"] = []
        return out


# keys the data endpoint adds to a stored submission, besides `_validation_status`
INJECTED = frozenset({"_attachments", "_geolocation", "_tags", "_notes"})
_MEDIA = ("image", "audio", "video", "file")


def _paths(asset: LocalAsset) -> tuple[list[str], list[str]]:
    """The top-level media questions and the geopoints of the asset's content, read once
    per content (a server reads them from the deployed form, not per submission)."""
    content = asset.content
    cached = asset.paths_read
    if cached is None or cached[0] is not content:
        media: list[str] = []
        geopoints: list[str] = []
        for row in content.get("survey", []):
            kind = str(row.get("type", ""))
            path = str(row.get("$xpath") or row.get("name") or row.get("$autoname"))
            if kind.split(" ")[0] in _MEDIA:
                media.append(path)
            elif kind == "geopoint":
                geopoints.append(path)
        cached = asset.paths_read = (content, media, geopoints)
    return cached[1], cached[2]


def _media_paths(asset: LocalAsset) -> list[str]:
    return _paths(asset)[0]


def attachment_uid(kobo_id: int, path: str) -> str:
    return "att" + hashlib.sha1(f"{kobo_id}|{path}".encode()).hexdigest()[:21]


def attachment_bytes(kobo_id: int, path: str) -> bytes:
    """A stand-in for the stored file: a few deterministic bytes with a JPEG signature."""
    return b"\xff\xd8\xff\xe0" + hashlib.sha256(f"{kobo_id}|{path}".encode()).digest()


def _geolocation(asset: LocalAsset, doc: dict[str, Any]) -> list[float | None]:
    for path in _paths(asset)[1]:
        value = doc.get(path)
        if isinstance(value, str):
            parts = value.split()
            return [float(parts[0]), float(parts[1])]
    return [None, None]


_VERSION_ROW = frozenset({"__version__", "_version_", "__version", "_version"})


def _strip_version_rows(content: dict[str, Any]) -> dict[str, Any]:
    """KPI strips rows named like `__version__` from content on save (it sets the version)."""
    survey = [
        row
        for row in content.get("survey", [])
        if str(row.get("name", "")).rstrip("0123456789") not in _VERSION_ROW
    ]
    return {**content, "survey": survey}
