"""From `htsd forms deploy` to the data without writing htsd.toml: the warehouse remembers
which asset holds which form, and every command takes a form name where it takes a uid
(issue 10, item 2)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from forms.build import FORM_IDS
from localkobo import LocalKobo, LocalKoboServer
from localkobo.province import province_kobo
from tests.helpers import run_htsd


@pytest.fixture
def empty_kobo() -> Iterator[tuple[LocalKobo, str, str]]:
    """A local KoboToolbox with no asset yet: (server state, its URL, the token)."""
    kobo, token = province_kobo(seed=3)
    with LocalKoboServer(kobo) as server:
        yield kobo, server.url, token


def test_deploy_then_sync_status_and_rebuild_by_form_name(
    empty_kobo: tuple[LocalKobo, str, str], tmp_path: Path
) -> None:
    kobo, url, token = empty_kobo
    env = {"KOBOTOOLBOX_URL": url, "KOBOTOOLBOX_TOKEN": token}
    assert not (tmp_path / "htsd.toml").exists()

    deploy = run_htsd(["forms", "deploy", "--no-validate"], cwd=tmp_path, env=env)
    assert deploy.returncode == 0, deploy.stderr
    lines = deploy.stdout.splitlines()
    block = lines[lines.index("[kobo.assets]") + 1 :]
    uids = {form: value.strip('"') for form, value in (line.split(" = ") for line in block)}
    assert list(uids) == list(FORM_IDS)
    kobo.generate(uids["gia_dinh"], 40)

    first = run_htsd(["sync", "--no-validate", "--json"], cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    pulled = json.loads(first.stdout)["assets"]
    assert set(pulled) == set(uids.values())
    assert pulled[uids["gia_dinh"]]["new"] == 40
    assert all(pulled[uids[f]]["new"] == 0 for f in FORM_IDS if f != "gia_dinh")

    status = run_htsd(["status", "--json"], cwd=tmp_path, env=env)
    assert status.returncode == 0, status.stderr
    assets = json.loads(status.stdout)["assets"]
    assert {uid: entry["form"] for uid, entry in assets.items()} == {
        uid: form for form, uid in uids.items()
    }
    assert assets[uids["gia_dinh"]]["submissions"] == 40
    assert [assets[uids[f]]["submissions"] for f in FORM_IDS if f != "gia_dinh"] == [0] * 5
    text = run_htsd(["--lang", "en", "status"], cwd=tmp_path, env=env).stdout
    assert all(f"{form} ({uid}): " in text for form, uid in uids.items()), text

    kobo.generate(uids["gia_dinh"], 5)
    by_name = run_htsd(
        ["sync", "--no-validate", "--asset", "gia_dinh", "--json"], cwd=tmp_path, env=env
    )
    assert by_name.returncode == 0, by_name.stderr
    assert {u: a["new"] for u, a in json.loads(by_name.stdout)["assets"].items()} == {
        uids["gia_dinh"]: 5
    }
    rebuilt = run_htsd(["rebuild", "--asset", "gia_dinh", "--json"], cwd=tmp_path, env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert list(json.loads(rebuilt.stdout)["assets"]) == [uids["gia_dinh"]]

    # redeployed with one question more, before any data of the new version: drift sees it
    content = copy.deepcopy(kobo.assets[uids["gia_dinh"]].content)
    content["survey"].insert(-1, {"type": "text", "name": "ghi_chu_them", "label": ["x", "x"]})
    kobo.replace_content(uids["gia_dinh"], content)
    kobo.deploy(uids["gia_dinh"])
    drift = run_htsd(["forms", "drift", "gia_dinh", "--json"], cwd=tmp_path, env=env)
    assert drift.returncode == 0, drift.stderr
    changes = json.loads(drift.stdout)["changes"]
    assert [(c["change"], c["path"].split("/")[-1]) for c in changes] == [("added", "ghi_chu_them")]

    typo = run_htsd(
        ["--lang", "en", "sync", "--no-validate", "--asset", "gia_dinhh"], cwd=tmp_path, env=env
    )
    assert typo.returncode == 1, typo.stderr
    (line,) = typo.stderr.strip().splitlines()
    assert line.startswith("Error [SYNC002] gia_dinhh: ") and "gia_dinh, " in line, line


def test_an_address_pasted_from_the_browser_works_with_a_notice(
    empty_kobo: tuple[LocalKobo, str, str], tmp_path: Path
) -> None:
    _kobo, url, token = empty_kobo
    env = {"KOBOTOOLBOX_URL": url + "/#/forms", "KOBOTOOLBOX_TOKEN": token}
    result = run_htsd(
        ["--lang", "en", "sync", "--no-validate", "--asset", "aNothingHere12345"],
        cwd=tmp_path,
        env=env,
    )
    assert (
        f"Note: KOBOTOOLBOX_URL {url}/#/forms is the address of a page; using the server's, {url}"
        in result.stderr
    )
    assert "[KOBO404]" in result.stderr  # the uid, not the address, is what is wrong now
