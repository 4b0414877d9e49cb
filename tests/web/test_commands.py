"""`htsd users` and `htsd web` as a person runs them: the first admin is created on the
command line with the password from HTSD_USER_PASSWORD (never printed, stored as an argon2
hash), bad requests are one coded line, and `htsd web` serves the sign-in page.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import requests
import sqlalchemy as sa

from tests.helpers import HTSD, run_htsd
from warehouse.schema import web_user

SECRET = "một-mật-khẩu-dài-42"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_users_add_list_passwd_disable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    env = {"HTSD_DATABASE_URL": url, "HTSD_USER_PASSWORD": SECRET}
    added = run_htsd(["users", "add", "admin1", "--role", "admin", "--json"], cwd=tmp_path, env=env)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {
        "username": "admin1",
        "role": "admin",
        "districts": [],
        "active": True,
    }
    scoped = run_htsd(
        ["users", "add", "qldl", "--role", "manager", "--district", "058", "--district", "060"],
        cwd=tmp_path,
        env=env,
    )
    assert scoped.returncode == 0 and "058, 060" in scoped.stdout
    for result in (added, scoped):
        assert SECRET not in result.stdout + result.stderr

    for args, code in (
        (["users", "add", "admin1", "--role", "viewer"], "[USR003]"),
        (["users", "add", "Bad Name", "--role", "viewer"], "[USR001]"),
        (["users", "add", "v1", "--role", "viewer", "--district", "058"], "[USR006]"),
        (["users", "add", "m1", "--role", "manager", "--district", "999"], "[USR005]"),
        (["users", "disable", "nobody"], "[USR002]"),
    ):
        refused = run_htsd(args, cwd=tmp_path, env=env)
        assert refused.returncode == 1 and code in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr and len(refused.stderr.splitlines()) == 1
    short = run_htsd(
        ["users", "passwd", "qldl", "--lang", "en"],
        cwd=tmp_path,
        env={**env, "HTSD_USER_PASSWORD": "short"},
    )
    assert short.returncode == 1 and "[USR004]" in short.stderr and "too short" in short.stderr
    unasked = run_htsd(["users", "passwd", "qldl"], cwd=tmp_path, env={"HTSD_DATABASE_URL": url})
    assert unasked.returncode == 1 and "[USR007]" in unasked.stderr

    changed = run_htsd(
        ["users", "passwd", "qldl"], cwd=tmp_path, env={**env, "HTSD_USER_PASSWORD": SECRET + "!"}
    )
    assert changed.returncode == 0, changed.stderr
    disabled = run_htsd(["users", "disable", "qldl", "--lang", "en"], cwd=tmp_path, env=env)
    assert disabled.returncode == 0 and "disabled" in disabled.stdout
    listed = run_htsd(["users", "list", "--json"], cwd=tmp_path, env=env)
    assert json.loads(listed.stdout)["users"] == [
        {"username": "admin1", "role": "admin", "districts": [], "active": True},
        {"username": "qldl", "role": "manager", "districts": ["058", "060"], "active": False},
    ]
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        hashes = conn.execute(sa.select(web_user.c.password_hash)).scalars().all()
    engine.dispose()
    assert all(h.startswith("$argon2id$") and SECRET not in h for h in hashes)


def test_web_serves_the_sign_in_page(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    port = _free_port()
    server = subprocess.Popen(
        [*HTSD, "web", "--port", str(port), "--lang", "en"],
        cwd=tmp_path,
        env={"HTSD_DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = requests.get(f"http://127.0.0.1:{port}/queue", timeout=2)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "htsd web did not start"
                time.sleep(0.2)
        assert page.status_code == 200 and page.url.endswith("/login?next=%2Fqueue")
        assert "Sign in" in page.text
        assert "script-src 'none'" in page.headers["Content-Security-Policy"]
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=15)
    assert "No users yet: create an admin with htsd users add NAME --role admin" in stderr
