"""The local ODK Central answers as the real one does on the facts htsd relies on (issue 17):
sessions, Basic refused over http, drafts and 409.6, newest-first OData with a skiptoken,
the 501 refusals, soft deletes, a silent empty page for a stale skiptoken."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from localcentral import LocalCentralServer
from localcentral.province import DemoCentral, built_xform, demo_central


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[DemoCentral, str, dict[str, str]]]:
    demo = demo_central(120, seed=6)
    with LocalCentralServer(demo.central) as server:
        token = requests.post(
            f"{server.url}/v1/sessions",
            json={"email": demo.email, "password": demo.password},
            timeout=10,
        ).json()["token"]
        yield demo, server.url, {"Authorization": f"Bearer {token}"}


def test_sessions_and_auth(served: tuple[DemoCentral, str, dict[str, str]]) -> None:
    demo, url, auth = served
    wrong = requests.post(f"{url}/v1/sessions", json={"email": demo.email, "password": "x"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "401.2")
    basic = requests.get(f"{url}/v1/projects", auth=(demo.email, demo.password))
    assert (basic.status_code, basic.json()["code"]) == (401, "401.3")
    assert requests.get(f"{url}/v1/projects", headers=auth).status_code == 200
    other = demo.central.add_project("Khác")
    denied = requests.get(f"{url}/v1/projects/{other.id}", headers=auth)
    assert (denied.status_code, denied.json()["code"]) == (403, "403.1")


def test_odata_paging_and_refusals(served: tuple[DemoCentral, str, dict[str, str]]) -> None:
    demo, url, auth = served
    svc = f"{url}/v1/projects/{demo.project_id}/forms/gia_dinh.svc/Submissions"
    first = requests.get(svc, params={"$top": 50, "$count": "true"}, headers=auth).json()
    assert first["@odata.count"] == 120 and len(first["value"]) == 50
    dates = [row["__system"]["submissionDate"] for row in first["value"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    link = first["@odata.nextLink"]
    assert "$skiptoken" in requests.utils.unquote(link)
    second = requests.get(link, headers=auth).json()
    assert len(second["value"]) == 50
    assert not {r["__id"] for r in first["value"]} & {r["__id"] for r in second["value"]}
    for params, code in (
        ({"$orderby": "__system/updatedAt", "$skiptoken": "01abc"}, "501.1"),
        ({"$filter": "eval_year eq 2025"}, "501.5"),
        ({"$select": "__id", "$expand": "*"}, "501.11"),
    ):
        refused = requests.get(svc, params=params, headers=auth)
        assert (refused.status_code, refused.json()["code"]) == (501, code)
    stale = requests.get(svc, params={"$top": 50, "$skiptoken": "01bm90LWEtdG9rZW4"}, headers=auth)
    assert stale.status_code == 200 and stale.json()["value"] == []
    # soft deletion: gone from the listing unless asked for by deletedAt
    victim = first["value"][0]["__id"]
    assert requests.delete(
        f"{svc[: -len('.svc/Submissions')]}/submissions/{victim}", headers=auth
    ).ok
    listed = requests.get(svc, params={"$count": "true", "$top": 1}, headers=auth).json()
    assert listed["@odata.count"] == 119
    trash = requests.get(
        svc, params={"$filter": "__system/deletedAt ne null"}, headers=auth
    ).json()["value"]
    assert [row["__id"] for row in trash] == [victim]


def test_drafts_publish_and_a_reused_version(
    served: tuple[DemoCentral, str, dict[str, str]],
) -> None:
    demo, url, auth = served
    project = demo.central.add_project("Triển khai", demo.email)
    forms = f"{url}/v1/projects/{project.id}/forms"
    xml = built_xform("hoat_dong").encode()
    xlsx = requests.post(
        forms,
        data=b"PK",
        headers={
            **auth,
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
    )
    assert (xlsx.status_code, xlsx.json()["code"]) == (501, "501.3")
    created = requests.post(forms, data=xml, headers={**auth, "Content-Type": "application/xml"})
    assert created.ok and created.json()["version"] is None  # a draft until published
    publish = f"{forms}/hoat_dong/draft/publish"
    assert requests.post(publish, params={"version": "v1"}, headers=auth).ok
    draft = requests.post(
        f"{forms}/hoat_dong/draft", data=xml, headers={**auth, "Content-Type": "application/xml"}
    )
    assert draft.ok
    again = requests.post(publish, params={"version": "v1"}, headers=auth)
    assert (again.status_code, again.json()["code"]) == (409, "409.6")
    assert requests.post(publish, params={"version": "v2"}, headers=auth).ok
    versions = requests.get(f"{forms}/hoat_dong/versions", headers=auth).json()
    assert [v["version"] for v in versions] == ["v2", "v1"]
    text = requests.get(f"{forms}/hoat_dong/versions/v1.xml", headers=auth).text
    assert 'version="v1"' in text
