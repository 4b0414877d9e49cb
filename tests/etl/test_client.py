"""The KoboToolbox client against the real local server: paging, retries, errors."""

from __future__ import annotations

import logging
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


# -- what `make mutation` found surviving in the client (docs/MUTATION.md) -------------------


def _waits(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The waits the client announced before each retry (`retrying … (wait …)`)."""
    return [r.args[3] for r in caplog.records if r.msg.startswith("retrying")]  # type: ignore[index]


def test_the_backoff_doubles_from_its_start_up_to_max_wait(
    kobo: RunningKobo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="etl.kobo.client")
    kobo.kobo.faults.script = ["502", "503", "504"]
    client = KoboClient(kobo.url, kobo.token, backoff=0.05)
    assert len(next(client.iter_data_pages(kobo.asset_uid)).results) == 250
    assert _waits(caplog) == pytest.approx([0.05, 0.1, 0.2])
    caplog.clear()
    kobo.kobo.faults.script = ["502", "503", "504"]
    capped = KoboClient(kobo.url, kobo.token, backoff=0.05, max_wait=0.12)
    list(capped.iter_data_pages(kobo.asset_uid))
    assert _waits(caplog) == pytest.approx([0.05, 0.1, 0.12])


def test_retry_after_is_taken_as_given_zero_included_and_capped_at_max_wait(
    kobo: RunningKobo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="etl.kobo.client")
    faults = kobo.kobo.faults
    faults.retry_after, faults.script = 0, ["429"]
    client = KoboClient(kobo.url, kobo.token, backoff=5.0)  # a backoff would show as 5.0
    list(client.iter_data_pages(kobo.asset_uid))
    faults.retry_after, faults.script = 30, ["429"]
    list(
        KoboClient(kobo.url, kobo.token, backoff=5.0, max_wait=0.1).iter_data_pages(kobo.asset_uid)
    )
    assert _waits(caplog) == [0.0, 0.1]


NO_SUCH_ASSET = "aNoSuchAssetAtAll00000"


@pytest.mark.parametrize(
    "call",
    [
        "get_asset",
        "get_version",
        "iter_versions",
        "iter_data_pages",
        "get_validation_status",
        "set_validation_status",
        "set_validation_statuses",
    ],
)
def test_an_unknown_asset_is_named_in_the_error_of_each_endpoint(
    kobo: RunningKobo, call: str
) -> None:
    client = KoboClient(kobo.url, kobo.token)
    calls = {
        "get_asset": lambda: client.get_asset(NO_SUCH_ASSET),
        "get_version": lambda: client.get_version(NO_SUCH_ASSET, "vNoSuchVersion"),
        "iter_versions": lambda: list(client.iter_versions(NO_SUCH_ASSET)),
        "iter_data_pages": lambda: list(client.iter_data_pages(NO_SUCH_ASSET)),
        "get_validation_status": lambda: client.get_validation_status(NO_SUCH_ASSET, 1),
        "set_validation_status": lambda: client.set_validation_status(
            NO_SUCH_ASSET, 1, "validation_status_approved"
        ),
        "set_validation_statuses": lambda: client.set_validation_statuses(
            NO_SUCH_ASSET, [1], "validation_status_approved"
        ),
    }
    with pytest.raises(KoboError) as caught:
        calls[call]()
    assert caught.value.code == "KOBO404"
    assert caught.value.params["asset"] == NO_SUCH_ASSET
    assert caught.value.params["detail"] == "Not found."


def test_a_download_not_found_names_its_asset_or_none(kobo: RunningKobo) -> None:
    client = KoboClient(kobo.url, kobo.token)
    missing = f"{kobo.url}/api/v2/assets/{NO_SUCH_ASSET}/data/1/attachments/1/"
    for asset, shown in (("", "-"), (kobo.asset_uid, kobo.asset_uid)):
        with pytest.raises(KoboError) as caught:
            client.download(missing, asset=asset) if asset else client.download(missing)
        assert caught.value.code == "KOBO404" and caught.value.params["asset"] == shown


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"limit": "0"}, "A positive integer is required"),  # {"limit": …}
        ({"start": "-1"}, "A positive integer is required."),  # {"start": …}
        ({"query": "{not json"}, "Value must be valid JSON."),  # {"query": …}
        ({"query": '{"_id": {"$in": 1}}'}, "Unsupported query"),  # a list
    ],
)
def test_a_rejected_request_carries_the_servers_own_words(
    kobo: RunningKobo, params: dict[str, str], detail: str
) -> None:
    client = KoboClient(kobo.url, kobo.token)
    with pytest.raises(KoboError) as caught:
        client.request("GET", f"/api/v2/assets/{kobo.asset_uid}/data/", params=params)
    assert caught.value.code == "KOBO400"
    assert caught.value.params["detail"] == detail


def test_an_error_without_a_json_body_says_its_status(kobo: RunningKobo) -> None:
    kobo.kobo.faults.script = ["409"]
    client = KoboClient(kobo.url, kobo.token)
    with pytest.raises(KoboError) as caught:
        list(client.iter_data_pages(kobo.asset_uid))
    assert caught.value.params["detail"] == "HTTP 409"


def test_an_unknown_status_uid_is_refused_with_the_allowed_ones(kobo: RunningKobo) -> None:
    client = KoboClient(kobo.url, kobo.token)
    with pytest.raises(KoboError) as caught:
        client.set_validation_status(kobo.asset_uid, 1, "approved")
    assert caught.value.render("en") == (
        "[KOBO420] validation_status.uid: validation status 'approved' does not exist"
        " — use one of: validation_status_not_approved, validation_status_approved,"
        " validation_status_on_hold"
    )


def test_the_bulk_status_update_returns_the_servers_answer(kobo: RunningKobo) -> None:
    client = KoboClient(kobo.url, kobo.token)
    answer = client.set_validation_statuses(kobo.asset_uid, [4, 5], "validation_status_on_hold")
    assert answer == "2 submissions have been updated"


def test_the_deployed_versions_leave_out_a_draft(kobo: RunningKobo) -> None:
    store, uid = kobo.kobo, kobo.asset_uid
    deployed = store.assets[uid].versions[-1].uid
    store.replace_content(uid, {"survey": [{"type": "text", "name": "nhap"}]})  # not deployed
    draft = store.assets[uid].versions[-1].uid
    client = KoboClient(kobo.url, kobo.token)
    assert [v["uid"] for v in client.iter_versions(uid)] == [draft, deployed]
    assert [v["uid"] for v in client.iter_versions(uid, deployed=True)] == [deployed]


def test_assets_are_asked_for_a_hundred_a_page(kobo: RunningKobo) -> None:
    store = kobo.kobo
    for n in range(100):  # with the demo's own: 101 surveys, two pages of 100
        store.create_asset("hoikhuyenhoc", f"Khảo sát {n}", {"survey": []})
    client = KoboClient(kobo.url, kobo.token)
    assert len(list(client.iter_assets())) == 101
    assert (client.stats.requests, client.stats.pages) == (2, 2)


@pytest.mark.parametrize(
    ("script", "code", "retryable"),
    [
        ("300", "KOBO400", False),  # not a success
        ("410", "KOBO410", False),
        ("500", "KOBO500", True),  # not retried, but a server failure
        ("501", "KOBO500", True),
    ],
)
def test_each_answer_status_gives_its_error_with_server_asset_and_path(
    kobo: RunningKobo, script: str, code: str, retryable: bool
) -> None:
    kobo.kobo.faults.script = [script]
    client = KoboClient(kobo.url, kobo.token, backoff=0.01)
    with pytest.raises(KoboError) as caught:
        list(client.iter_data_pages(kobo.asset_uid))
    error = caught.value
    assert (error.code, error.retryable, error.where) == (code, retryable, client.server)
    assert {k: error.params[k] for k in ("server", "asset", "path")} == {
        "server": client.server,
        "asset": kobo.asset_uid,
        "path": f"/api/v2/assets/{kobo.asset_uid}/data/",
    }


def test_the_errors_of_the_server_name_it_and_the_request(kobo: RunningKobo) -> None:
    """401, 403, 404 and a data request to an asset not deployed: each coded, placed at
    the server, with the asset (or `-`) and the path asked."""
    store = kobo.kobo
    store.add_user("khach", token="k" * 40)
    store.share(kobo.asset_uid, "khach")  # view only: its data is 403
    draft = store.create_asset("khach", "Nháp", {"survey": []}).uid
    client = KoboClient(kobo.url, kobo.token)
    guest = KoboClient(kobo.url, "k" * 40)
    calls = {
        "KOBO401": (KoboClient(kobo.url, "z" * 40), "", "/api/v2/assets/"),
        "KOBO403": (guest, kobo.asset_uid, f"/api/v2/assets/{kobo.asset_uid}/data/"),
        "KOBO404": (client, "", "/api/v2/nothing/here/"),
        "KOBO409": (guest, draft, f"/api/v2/assets/{draft}/data/"),
    }
    for code, (who, asset, path) in calls.items():
        with pytest.raises(KoboError) as caught:
            who.request("GET", path, asset=asset) if asset else who.request("GET", path)
        error = caught.value
        assert (error.code, error.where) == (code, who.server), code
        expected = {"server": who.server, "asset": asset or "-", "path": path}
        assert {k: error.params[k] for k in expected} == expected, code


def test_dropped_connections_get_three_retries(kobo: RunningKobo) -> None:
    faults = kobo.kobo.faults
    faults.script = ["drop"] * 3
    client = KoboClient(kobo.url, kobo.token, backoff=0.01)
    assert len(next(client.iter_data_pages(kobo.asset_uid)).results) == 250
    faults.script = ["drop"] * 4
    with pytest.raises(KoboError) as caught:
        list(client.iter_data_pages(kobo.asset_uid))
    assert (caught.value.code, caught.value.where) == ("KOBO502", client.server)
    assert caught.value.params == {"server": client.server, "detail": "ChunkedEncodingError"}


def test_giving_up_says_the_last_failure_the_path_and_the_attempts(kobo: RunningKobo) -> None:
    path = f"/api/v2/assets/{kobo.asset_uid}/data/"
    for script, status in ((["502", "503"], "HTTP 503"), (["502", "drop"], "ChunkedEncodingError")):
        kobo.kobo.faults.script = list(script)
        client = KoboClient(kobo.url, kobo.token, max_retries=1, backoff=0.01)
        with pytest.raises(KoboError) as caught:
            list(client.iter_data_pages(kobo.asset_uid))
        assert (caught.value.code, caught.value.where) == ("KOBO500", client.server)
        assert caught.value.params == {
            "server": client.server,
            "status": status,
            "path": path,
            "attempts": 2,
        }


def test_an_unreachable_server_is_named(kobo: RunningKobo) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = KoboClient(f"http://127.0.0.1:{port}", "t" * 40, max_retries=1, backoff=0.01)
    with pytest.raises(KoboError) as caught:
        client.get_asset("aAny")
    assert caught.value.where == client.server
    assert caught.value.params == {"server": client.server, "detail": "ConnectionError"}


@pytest.mark.parametrize("url", ["ftp://kobo.example.vn", "https://", "kobo.example.vn"])
def test_an_address_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(KoboError) as caught:
        KoboClient(url, "t0ken")
    assert (caught.value.code, caught.value.where) == ("KOBO424", "KOBOTOOLBOX_URL")


def test_no_token_is_refused_naming_the_setting() -> None:
    with pytest.raises(KoboError) as caught:
        KoboClient("https://kf.kobotoolbox.org", "")
    assert caught.value.render("en").startswith("[KOBO001] KOBOTOOLBOX_TOKEN: ")


def test_pages_are_in_id_order_by_default_and_say_their_count(kobo: RunningKobo) -> None:
    docs = kobo.kobo.assets[kobo.asset_uid].submissions
    early = {i: docs.pop(i) for i in range(1, 101)}
    docs.update(early)  # the server holds 101–250 first
    client = KoboClient(kobo.url, kobo.token)
    pages = list(client.iter_data_pages(kobo.asset_uid, limit=100))
    assert [d["_id"] for p in pages for d in p.results] == list(range(1, 251))
    assert {p.count for p in pages} == {250} and client.stats.pages == 3
    none = list(client.iter_data_pages(kobo.asset_uid, query={"_id": {"$gt": 250}}))
    assert [(p.count, p.results) for p in none] == [(0, [])]


def test_a_link_from_the_server_keeps_its_path_and_query_on_our_host(kobo: RunningKobo) -> None:
    client = KoboClient(kobo.url + "/", kobo.token)
    uid = kobo.asset_uid
    elsewhere = f"https://elsewhere.example/api/v2/assets/{uid}/data/?limit=2&start=5&format=json"
    page = client.request("GET", elsewhere)
    assert [d["_id"] for d in page["results"]] == [6, 7]
    assert client.request("GET", f"//api/v2/assets/{uid}/")["uid"] == uid


def test_a_list_of_assets_refused_names_no_asset(kobo: RunningKobo) -> None:
    with pytest.raises(KoboError) as caught:
        list(KoboClient(kobo.url, "z" * 40).iter_assets())
    assert (caught.value.code, caught.value.params["asset"]) == ("KOBO401", "-")


def test_an_answer_that_is_not_json_names_the_server_and_the_path(kobo: RunningKobo) -> None:
    kobo.kobo.faults.script = ["html"]
    client = KoboClient(kobo.url, kobo.token)
    with pytest.raises(KoboError) as caught:
        list(client.iter_data_pages(kobo.asset_uid))
    assert (caught.value.code, caught.value.where) == ("KOBO422", client.server)
    assert caught.value.params["path"] == f"/api/v2/assets/{kobo.asset_uid}/data/"
