"""What the pages show and do, for a data manager over real HTTP: the submission page (labels
in the form's order, repeats as tables, findings beside their fields, the score, earlier
versions with what changed), decisions refused with a coded line, sync and validation
started from the status page, the language switch, and sign-in redirects kept on the site.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.warehouse.support import land_store
from tests.web.conftest import PASSWORD, Site, csrf_of
from warehouse.runlog import start_run
from warehouse.schema import web_audit


def test_submission_page_shows_answers_repeats_findings_and_history(site: Site) -> None:
    site.kobo.edit_submission(site.asset_uid, site.held_058, {"household/hh_code": "A13-mới"})
    land_store(site.engine, site.kobo, site.asset_uid, start_run(site.engine, "sync"))
    manager = site.client("qldl")
    page = manager.get(f"{site.url}/submissions/{site.asset_uid}/{site.held_058}").text
    paths = re.findall(r'<tr data-path="([^"]+)"', page)
    assert paths.index("location/district") < paths.index("household/head_name")
    assert paths.index("household/head_name") < paths.index("household/hkh_member")
    assert "Họ và tên chủ hộ" in page and "Thành phố Bắc Kạn" in page, "labels, choice labels"
    assert "Gia đình học tập năm 2020" in page, "${eval_year} in a label is the answer"
    row = re.search(r'<tr data-path="household/hkh_member".*?</tr>', page, re.S)
    assert row and 'data-finding="form.choice"' in row.group(0), "the finding beside its field"
    assert 'data-repeat="roster/members"' in page
    history = re.search(r"<table data-history>.*?</table>", page, re.S)
    assert history and "household/hh_code" in history.group(0) and "A13-mới" in history.group(0)
    assert 'data-pii="phone"' in page and 'data-pii="name"' in page

    english = manager.get(f"{site.url}/submissions/{site.asset_uid}/{site.held_058}?lang=en")
    assert "Earlier versions" in english.text and "Bắc Kạn city" in english.text
    switch = re.search(r'<a href="([^"]+)" lang="vi"', english.text)
    assert switch and switch.group(1) == f"/submissions/{site.asset_uid}/{site.held_058}?lang=vi"

    accepted = site.client("qldl").get(f"{site.url}/submissions/{site.asset_uid}/1")
    assert accepted.status_code == 200 and "data-score" in accepted.text, "a scored family"


def test_bad_decisions_are_one_coded_line(site: Site) -> None:
    manager = site.client("qldl")
    url = f"{site.url}/submissions/{site.asset_uid}/{site.script_058}"
    token = csrf_of(manager.get(url).text)
    empty = manager.post(
        f"{url}/decision", data={"csrf": token, "decision": "accept", "reason": "  "}
    )
    assert empty.status_code == 400 and "[VAL003]" in empty.text and "Traceback" not in empty.text
    odd = manager.post(f"{url}/decision", data={"csrf": token, "decision": "drop", "reason": "x"})
    assert odd.status_code == 400
    assert 'data-state="error"' in manager.get(url).text, "nothing was decided"


def test_status_runs_validation_and_reports_a_sync_it_cannot_do(site: Site) -> None:
    manager = site.client("qldl")
    page = manager.get(f"{site.url}/status")
    assert page.status_code == 200 and 'data-district="058"' in page.text
    token = csrf_of(page.text)
    ran = manager.post(f"{site.url}/status/validate", data={"csrf": token})
    assert ran.status_code == 200 and 'data-done="validate"' in ran.text
    assert re.search(r"<td>validate</td><td>[^<]*</td><td>ok</td>", ran.text)
    # no KoboToolbox token in this app's settings: the coded line, no traceback
    synced = manager.post(f"{site.url}/status/sync", data={"csrf": token})
    assert synced.status_code == 400 and "[KOBO" in synced.text and "Traceback" not in synced.text
    with site.engine.connect() as conn:
        runs = conn.execute(
            sa.select(web_audit.c.username, web_audit.c.target).where(web_audit.c.action == "run")
        ).all()
    assert [tuple(r) for r in runs] == [("qldl", "validate")]


def test_sign_in_redirects_stay_on_the_site(site: Site) -> None:
    for target, landed in (
        ("//evil.example/x", "/queue"),
        ("/\\evil.example", "/queue"),
        ("/status", "/status"),
    ):
        session = site.client()
        form = session.get(f"{site.url}/login", params={"next": target})
        answer = session.post(
            f"{site.url}/login",
            data={
                "csrf": csrf_of(form.text),
                "username": "qldl",
                "password": PASSWORD,
                "next": target,
            },
            allow_redirects=False,
        )
        assert answer.status_code == 303 and answer.headers["location"] == landed, target
