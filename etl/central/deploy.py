"""`htsd forms deploy --to central`: publish each built form to a Central project.

The XForm is the one htsd builds (pyxform, locally: Central's XLSForm upload needs a side
service, 501.3), with the `htsd:pii` tags (forms/xform.py). A new form is created as a
draft and published; a form whose published XForm differs from ours (its version aside)
gets a new draft published under a new version; an unchanged one is left alone. A published
version can never be reused on Central (409.6): the version is `<form version>-<digest>`,
and when Central has published it before (a form changed back), `-2`, `-3`, ... is tried.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from etl.central.client import CentralClient, VersionTaken
from etl.central.errors import CentralCode, CentralError
from forms.xform import with_pii, with_version

if TYPE_CHECKING:
    from forms.build import BuildResult

MAX_SUFFIX = 20


@dataclass
class CentralDeployResult:
    form: str
    asset_uid: str  # PROJECT/FORM
    version_id: str
    xlsform_hash: str
    action: str  # created | updated | unchanged


def digest(xml: str | bytes) -> str:
    """The digest of an XForm with its version left out."""
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    return hashlib.sha256(with_version(text, "").encode("utf-8")).hexdigest()


def publish_xml(built: BuildResult) -> str:
    return with_pii(built.xform, built.xlsform)


def deploy_form(client: CentralClient, project_id: int, built: BuildResult) -> CentralDeployResult:
    xml = publish_xml(built)
    ours = digest(xml)
    form_id = built.form_id
    uid = f"{project_id}/{form_id}"
    base = built.xlsform.settings.get("version") or "1"
    try:
        current = client.get_form(project_id, form_id)
    except CentralError as error:
        if error.code != CentralCode.NOT_FOUND:
            raise
        current = None
    if (
        current is not None
        and current.get("version") is not None
        and digest(client.published_xml(project_id, form_id)) == ours
    ):
        return CentralDeployResult(form_id, uid, str(current["version"]), ours, "unchanged")
    version = f"{base}-{ours[:8]}"
    if current is None:
        client.create_form(project_id, with_version(xml, version))
    else:
        client.set_draft(project_id, form_id, with_version(xml, version))
    for suffix in range(1, MAX_SUFFIX + 1):
        candidate = version if suffix == 1 else f"{version}-{suffix}"
        try:
            client.publish(project_id, form_id, candidate)
        except VersionTaken:
            continue
        action = "created" if current is None else "updated"
        return CentralDeployResult(form_id, uid, candidate, ours, action)
    raise VersionTaken(uid, version)
