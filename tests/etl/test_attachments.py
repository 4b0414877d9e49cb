"""Attachments in both server shapes (before and since release 2.025.34), downloaded by token."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from etl import pipeline
from etl.kobo.client import KoboClient
from localkobo import LocalKobo, LocalKoboServer
from localkobo.province import DEMO_USER, built_content
from warehouse.catalog import submission_attachment


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


@pytest.mark.parametrize("legacy", [False, True], ids=["current", "before-2.025.34"])
def test_sync_fills_the_attachment_table(legacy: bool, engine: Engine) -> None:
    kobo = LocalKobo(seed=4, legacy_attachments=legacy)
    token = kobo.add_user(DEMO_USER)
    asset = kobo.create_asset(DEMO_USER, "Demo", built_content("hoat_dong"))
    kobo.deploy(asset.uid)
    kobo.generate(asset.uid, 20)
    with LocalKoboServer(kobo) as server:
        client = KoboClient(server.url, token)
        run = pipeline.sync(engine, client, [asset.uid])
        docs = [d for page in client.iter_data_pages(asset.uid) for d in page.results]
    expected = sorted(
        (int(d["_id"]), "evidence/photo", d["evidence/photo"], item["download_url"])
        for d in docs
        for item in d["_attachments"]
    )
    assert expected and run.manifests[0].new == 20
    a = submission_attachment
    with engine.connect() as conn:
        stored = sorted(
            (int(r.kobo_id), r.question_path, r.filename, r.download_url)
            for r in conn.execute(sa.select(a).where(a.c.asset_uid == asset.uid))
        )
    assert stored == expected
