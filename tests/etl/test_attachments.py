"""Attachments in both server shapes (before and since release 2.025.34), downloaded by token."""

from __future__ import annotations

import pytest

from etl.kobo.client import KoboClient
from localkobo import LocalKobo, LocalKoboServer
from localkobo.province import DEMO_USER, built_content


@pytest.mark.parametrize("legacy", [False, True], ids=["current", "before-2.025.34"])
def test_attachment_shapes_and_download(legacy: bool) -> None:
    kobo = LocalKobo(seed=3, legacy_attachments=legacy)
    token = kobo.add_user(DEMO_USER)
    asset = kobo.create_asset(DEMO_USER, "Demo", built_content("hoat_dong"))  # it asks a photo
    kobo.deploy(asset.uid)
    kobo.generate(asset.uid, 30)
    with LocalKoboServer(kobo) as server:
        client = KoboClient(server.url, token)
        docs = [d for page in client.iter_data_pages(asset.uid) for d in page.results]
        with_files = [d for d in docs if d["_attachments"]]
        assert with_files
        for doc in with_files:
            item = doc["_attachments"][0]
            assert item["media_file_basename"] == doc["evidence/photo"]
            assert item["question_xpath"] == "evidence/photo"
            assert item["download_url"].startswith(server.url)
            assert ("id" in item and "instance" in item) == legacy
            assert ("uid" in item) != legacy
            data = client.download(item["download_url"], asset=asset.uid)
            assert data.startswith(b"\xff\xd8")
