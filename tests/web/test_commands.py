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

import pytest
import requests
import sqlalchemy as sa
from click.testing import CliRunner, Result

from etl.cli import main
from tests.helpers import HTSD, run_htsd
from warehouse.schema import web_user

SECRET = "một-mật-khẩu-dài-42"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_users_add_list_passwd_disable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    env = {"HTSD_DATABASE_URL": url, "HTSD_USER_PASSWORD": SECRET}
    # the first admin, as a person creates it: the real command in its own process
    added = run_htsd(["users", "add", "admin1", "--role", "admin", "--json"], cwd=tmp_path, env=env)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {
        "username": "admin1",
        "role": "admin",
        "districts": [],
        "active": True,
    }
    assert SECRET not in added.stdout + added.stderr

    monkeypatch.chdir(tmp_path)
    for name in ("HTSD_LANG", "HTSD_CONFIG", "HTSD_DATABASE_URL", "HTSD_USER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def htsd(args: list[str], **extra: str | None) -> Result:
        return runner.invoke(main, args, env={**env, **extra})

    scoped = htsd(
        ["users", "add", "qldl", "--role", "manager", "--district", "058", "--district", "060"]
    )
    assert scoped.exit_code == 0 and "058, 060" in scoped.stdout
    assert SECRET not in scoped.output
    for args, code in (
        (["users", "add", "admin1", "--role", "viewer"], "[USR003]"),
        (["users", "add", "Bad Name", "--role", "viewer"], "[USR001]"),
        (["users", "add", "v1", "--role", "viewer", "--district", "058"], "[USR006]"),
        (["users", "add", "m1", "--role", "manager", "--district", "999"], "[USR005]"),
        (["users", "disable", "nobody"], "[USR002]"),
    ):
        refused = htsd(args)
        assert refused.exit_code == 1 and code in refused.stderr, refused.output
        assert "Traceback" not in refused.output and len(refused.stderr.splitlines()) == 1
    short = htsd(["users", "passwd", "qldl", "--lang", "en"], HTSD_USER_PASSWORD="short")
    assert short.exit_code == 1 and "[USR004]" in short.stderr and "too short" in short.stderr
    unasked = htsd(["users", "passwd", "qldl"], HTSD_USER_PASSWORD=None)  # no one to ask
    assert unasked.exit_code == 1 and "[USR007]" in unasked.stderr

    changed = htsd(["users", "passwd", "qldl"], HTSD_USER_PASSWORD=SECRET + "!")
    assert changed.exit_code == 0, changed.output
    disabled = htsd(["users", "disable", "qldl", "--lang", "en"])
    assert disabled.exit_code == 0 and "disabled" in disabled.stdout
    listed = htsd(["users", "list", "--json"])
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
