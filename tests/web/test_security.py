"""The guards of `htsd web` over real HTTP: CSRF on every state-changing request, the sign-in
limit (the sixth wrong password within a minute is refused without being checked), expired
and forged session cookies, argon2 hashes, inert SQL metacharacters in query parameters,
and an audit log that holds every decision and every view of a submission page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from etl.web.auth import LoginLimiter, login_keys
from tests.web.conftest import PASSWORD, Site, csrf_of, login
from warehouse.schema import review_decision, web_audit, web_session, web_user

INJECTIONS = ("058' OR '1'='1", "x'; DROP TABLE web_user; --", '" OR ""="', "%' --", "1;SELECT 1")


def _count(site: Site, table: sa.Table) -> int:
    with site.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)


def test_state_changes_need_the_csrf_token(site: Site) -> None:
    manager = site.client("qldl")
    url = f"{site.url}/submissions/{site.asset_uid}/{site.held_058}"
    page = manager.get(url)
    token = csrf_of(page.text)
    before = _count(site, review_decision)
    for data in (
        {"decision": "reject", "reason": "không có mã"},
        {"decision": "reject", "reason": "mã sai", "csrf": token[:-2] + "xx"},
        {"decision": "reject", "reason": "mã rỗng", "csrf": ""},
    ):
        refused = manager.post(f"{url}/decision", data=data, allow_redirects=False)
        assert refused.status_code == 403, data
    for run in ("validate", "sync"):
        refused = manager.post(f"{site.url}/status/{run}", data={}, allow_redirects=False)
        assert refused.status_code == 403
    logout = manager.post(f"{site.url}/logout", data={}, allow_redirects=False)
    assert logout.status_code == 403
    assert _count(site, review_decision) == before, "nothing refused was recorded"
    assert manager.get(f"{site.url}/queue", allow_redirects=False).status_code == 200

    # a sign-in form posted from elsewhere has no token matching the sign-in cookie
    stranger = site.client()
    forged = stranger.post(
        f"{site.url}/login",
        data={"csrf": "forged", "username": "qldl", "password": PASSWORD},
        allow_redirects=False,
    )
    assert forged.status_code == 403 and "htsd_session" not in forged.cookies


def test_sixth_wrong_password_is_refused_unchecked(site: Site) -> None:
    session = site.client()
    for _ in range(5):
        wrong = login(site, session, "bcd", "not-the-password")
        assert wrong.status_code == 401 and 'data-problem="wrong"' in wrong.text
    sixth = login(site, session, "bcd", PASSWORD)  # the right one: never checked
    assert sixth.status_code == 429 and 'data-problem="limited"' in sixth.text
    assert session.get(f"{site.url}/reports", allow_redirects=False).status_code == 303
    assert site.client("qldl").get(f"{site.url}/queue").status_code == 200, "others sign in"
    with site.engine.connect() as conn:
        refused = conn.execute(
            sa.select(web_audit.c.detail).where(
                web_audit.c.action == "sign_in_refused", web_audit.c.target == "bcd"
            )
        ).scalars()
        assert sorted(refused) == ["rate limit"] + ["wrong password"] * 5


def test_expired_and_forged_sessions_are_refused(site: Site) -> None:
    manager = site.client("qldl_bk")
    assert manager.get(f"{site.url}/queue", allow_redirects=False).status_code == 200
    with site.engine.begin() as conn:
        conn.execute(
            web_session.update()
            .where(
                web_session.c.user_id.in_(
                    sa.select(web_user.c.id).where(web_user.c.username == "qldl_bk")
                )
            )
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    expired = manager.get(f"{site.url}/queue", allow_redirects=False)
    assert expired.status_code == 303 and expired.headers["location"].startswith("/login")
    forged = site.client()
    forged.cookies.set("htsd_session", "A" * 43)
    answer = forged.get(
        f"{site.url}/submissions/{site.asset_uid}/{site.held_058}", allow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_passwords_are_argon2_hashes(site: Site) -> None:
    with site.engine.connect() as conn:
        rows = conn.execute(sa.select(web_user)).all()
    assert len(rows) == 4
    for row in rows:
        assert row.password_hash.startswith("$argon2id$"), row.username
        assert PASSWORD not in " ".join(str(value) for value in row)


def test_sql_metacharacters_are_inert(site: Site) -> None:
    manager = site.client("qldl")
    for text in INJECTIONS:
        for name in ("district", "commune", "rule", "severity", "surveyor", "form"):
            page = manager.get(f"{site.url}/queue", params={name: text, "page": text})
            assert page.status_code == 200 and 'data-total="0"' in page.text, (name, text)
        dated = manager.get(f"{site.url}/queue", params={"date_from": text})
        assert dated.status_code == 200 and 'data-total="3"' in dated.text
        assert manager.get(f"{site.url}/submissions/{site.asset_uid}/{text}").status_code == 404
        assert manager.get(f"{site.url}/submissions/{text}/1").status_code == 404
        assert manager.get(f"{site.url}/reports", params={"year": text}).status_code == 200
        assert login(site, site.client(), text, text).status_code == 401
    assert 'data-total="3"' in manager.get(f"{site.url}/queue").text
    assert _count(site, web_user) == 4


def test_audit_log_holds_every_view_and_decision(site: Site) -> None:
    admin = site.client("admin1")
    start = datetime.now(UTC) - timedelta(seconds=1)
    with site.engine.connect() as conn:
        first = conn.execute(sa.select(sa.func.max(web_audit.c.id))).scalar() or 0
    url = f"{site.url}/submissions/{site.asset_uid}/{site.held_058}"
    for _ in range(2):
        assert admin.get(url).status_code == 200
    done = admin.post(
        f"{url}/decision",
        data={"csrf": csrf_of(admin.get(url).text), "decision": "reject", "reason": "phiếu thử"},
    )
    assert done.status_code == 200 and 'data-state="rejected"' in done.text
    with site.engine.connect() as conn:
        rows = conn.execute(
            sa.select(web_audit).where(web_audit.c.id > first).order_by(web_audit.c.id)
        ).all()
        decided = conn.execute(
            sa.select(review_decision).where(review_decision.c.kobo_id == site.held_058)
        ).all()
    target = f"{site.asset_uid}/{site.held_058}"
    actions = [(row.action, row.username, row.target) for row in rows]
    views = [("view_submission", "admin1", target)]
    assert actions == views * 3 + [("decision", "admin1", target)] + views, actions
    for row in rows:
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
        assert start <= at <= datetime.now(UTC) and row.address == "127.0.0.1"
    assert "pii: name,phone" in rows[0].detail
    assert rows[3].detail == "reject: phiếu thử"
    assert [(d.decision, d.decided_by) for d in decided] == [("reject", "admin1")]

    shown = admin.get(f"{site.url}/audit?action=decision")
    assert shown.status_code == 200 and "phiếu thử" in shown.text
    assert site.client("qldl").get(f"{site.url}/audit").status_code == 403


def test_the_sign_in_limit_lifts_after_the_minute() -> None:
    now = [1000.0]
    limiter = LoginLimiter(clock=lambda: now[0])
    user, other = login_keys("Qldl ", "10.0.0.1"), login_keys("bcd", "10.0.0.2")
    for _ in range(5):
        assert not limiter.blocked(user)
        limiter.failed(user)
    assert limiter.blocked(user) and not limiter.blocked(other)
    assert limiter.blocked(login_keys("qldl", "10.0.0.9")), "the user name, from anywhere"
    now[0] += 59.9
    assert limiter.blocked(user)
    now[0] += 0.2
    assert not limiter.blocked(user), "a minute after the failures"
    for n in range(20):  # one address, many names: its own, higher limit
        limiter.failed(login_keys(f"user{n}", "10.0.0.3"))
    assert limiter.blocked(login_keys("someone", "10.0.0.3"))
