"""The KoboToolbox client against the real local server: paging, retries, errors."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from etl.kobo.client import KoboClient
from etl.kobo.errors import KoboError
from tests.conftest import RunningKobo, start_kobo, undone_after_each_test


@pytest.fixture(scope="module")
def _module_kobo() -> Iterator[RunningKobo]:
    yield from start_kobo(250)


@pytest.fixture
def kobo(_module_kobo: RunningKobo) -> Iterator[RunningKobo]:
    """One server for the module (starting one per test cost ~0.9 s of each test, most of
    what `make mutation` spent per client mutant); what a test changes is undone after it."""
    yield from undone_after_each_test(_module_kobo)


def test_follows_next_over_every_page(kobo: RunningKobo) -> None:
    client = KoboClient(kobo.url, kobo.token)
    pages = list(client.iter_data_pages(kobo.asset_uid, limit=100))
    assert len(pages) == 3
    ids = [doc["_id"] for page in pages for doc in page.results]
    assert ids == sorted(ids) and len(set(ids)) == 250


def test_retries_429_502_and_a_dropped_body(kobo: RunningKobo) -> None:
    faults = kobo.kobo.faults
    faults.rate_429, faults.rate_502, faults.retry_after = 0.2, 0.2, 0
    faults.drop_body_requests = {2}
    client = KoboClient(kobo.url, kobo.token, backoff=0.01)
    ids = [
        doc["_id"]
        for page in client.iter_data_pages(kobo.asset_uid, limit=25)
        for doc in page.results
    ]
    assert len(set(ids)) == 250 and len(ids) == 250
    assert client.stats.retries >= 1 and faults.injected >= 1


def test_gives_up_with_a_clear_error_after_retries(kobo: RunningKobo) -> None:
    kobo.kobo.faults.rate_502 = 1.0
    client = KoboClient(kobo.url, kobo.token, max_retries=2, backoff=0.01)
    with pytest.raises(KoboError) as caught:
        list(client.iter_data_pages(kobo.asset_uid))
    assert caught.value.code == "KOBO500"
    assert kobo.url in caught.value.render("en")


@pytest.mark.parametrize(
    ("token", "asset", "code"),
    [("0" * 40, None, "KOBO401"), (None, "aNoSuchAssetHere", "KOBO404")],
)
def test_errors_are_coded(
    kobo: RunningKobo, token: str | None, asset: str | None, code: str
) -> None:
    client = KoboClient(kobo.url, token or kobo.token)
    with pytest.raises(KoboError) as caught:
        client.get_asset(asset or kobo.asset_uid)
    assert caught.value.code == code
    assert (token or kobo.token) not in caught.value.render("vi")


def test_unreachable_server() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = KoboClient(f"http://127.0.0.1:{port}", "t" * 40, max_retries=1, backoff=0.01)
    with pytest.raises(KoboError) as caught:
        client.get_asset("aAny")
    assert caught.value.code == "KOBO502"


def test_missing_token_is_a_user_error() -> None:
    with pytest.raises(KoboError) as caught:
        KoboClient("http://127.0.0.1:1", None)
    assert caught.value.code == "KOBO001"


def test_a_dropped_connection_after_several_5xx_is_still_retried(kobo: RunningKobo) -> None:
    """429/502 answers and dropped connections have their own budgets: three 5xx/429 answers
    followed by a dropped body do not use up the tries a dropped connection gets."""
    kobo.kobo.faults.retry_after = 0
    kobo.kobo.faults.script = ["502", "502", "429", "drop", "504", "drop"]
    client = KoboClient(kobo.url, kobo.token, backoff=0.01)
    ids = [doc["_id"] for page in client.iter_data_pages(kobo.asset_uid) for doc in page.results]
    assert sorted(ids) == list(range(1, 251))
    assert client.stats.retries == 6 and kobo.kobo.faults.injected == 6


def test_validation_status_single_and_bulk_with_the_uid_checked_first(kobo: RunningKobo) -> None:
    client = KoboClient(kobo.url, kobo.token)
    uid = kobo.asset_uid
    single = client.set_validation_status(uid, 1, "validation_status_approved")
    assert single["uid"] == "validation_status_approved"
    assert client.get_validation_status(uid, 1)["uid"] == "validation_status_approved"
    client.set_validation_statuses(uid, [2, 3], "validation_status_on_hold")
    statuses = kobo.kobo.assets[uid].statuses
    assert {i: statuses[i]["uid"] for i in (1, 2, 3)} == {
        1: "validation_status_approved",
        2: "validation_status_on_hold",
        3: "validation_status_on_hold",
    }
    # the real server clears the statuses on an unknown uid and answers 200: never send one
    with pytest.raises(KoboError) as caught:
        client.set_validation_statuses(uid, [1, 2, 3], "approved")
    assert caught.value.code == "KOBO420" and "validation_status_approved" in str(caught.value)
    assert statuses[1]["uid"] == "validation_status_approved"  # nothing was sent
    assert statuses[2]["uid"] == "validation_status_on_hold"


def test_lists_survey_assets_over_pages_and_versions_newest_first(kobo: RunningKobo) -> None:
    store = kobo.kobo
    surveys = {kobo.asset_uid}
    for n in range(130):  # more than one page of 100
        surveys.add(store.create_asset("hoikhuyenhoc", f"Khảo sát {n}", {"survey": []}).uid)
    store.create_asset("hoikhuyenhoc", "Câu hỏi mẫu", {"survey": []}, asset_type="block")
    other = store.add_user("nguoi_khac")
    theirs = store.create_asset("nguoi_khac", "Không chia sẻ", {"survey": []}).uid
    client = KoboClient(kobo.url, kobo.token)
    listed = [a["uid"] for a in client.iter_assets()]
    assert len(listed) == len(set(listed)) and set(listed) == surveys  # no block, no stranger's
    assert client.stats.requests == 2
    assert [a["uid"] for a in KoboClient(kobo.url, other).iter_assets()] == [theirs]

    store.replace_content(kobo.asset_uid, {"survey": [{"type": "text", "name": "q"}]})
    store.deploy(kobo.asset_uid)
    versions = list(client.iter_versions(kobo.asset_uid))
    assert len(versions) == 2
    assert versions[0]["uid"] == store.assets[kobo.asset_uid].versions[-1].uid  # newest first
    assert [v["uid"] for v in client.iter_versions(kobo.asset_uid, deployed=True)] == [
        v["uid"] for v in versions if v.get("date_deployed")
    ]
