"""`htsd sync` and `htsd status` end to end: real server, real CLI process, both databases."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import RunningKobo, start_kobo
from tests.helpers import run_htsd


@pytest.fixture(scope="module")
def kobo_2500() -> Iterator[RunningKobo]:
    yield from start_kobo(2500, seed=11)


def _env(kobo: RunningKobo, warehouse_url: str, *, token: str | None = None) -> dict[str, str]:
    env = {"KOBOTOOLBOX_URL": kobo.url, "KOBOTOOLBOX_TOKEN": token or kobo.token}
    if not warehouse_url.startswith("sqlite"):
        env["HTSD_DATABASE_URL"] = warehouse_url  # SQLite: the default URL in the cwd
    return env


def test_sync_2500_then_nothing_new(
    kobo_2500: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    env = _env(kobo_2500, warehouse_url)
    first = run_htsd(
        ["sync", "--no-validate", "--asset", kobo_2500.asset_uid, "--json"], cwd=tmp_path, env=env
    )
    assert first.returncode == 0, first.stderr
    manifest = json.loads(first.stdout)["assets"][kobo_2500.asset_uid]
    assert (manifest["new"], manifest["on_server"]) == (2500, 2500)
    assert manifest["pages"] >= 6  # 3 pages of new submissions, 3 of the sweep
    stages = manifest["stages"]  # where the time went, for the benchmark's table
    assert set(stages) == {"fetch", "land", "sweep", "versions"}
    assert all(seconds >= 0 for seconds in stages.values())
    assert sum(stages.values()) <= manifest["duration_s"] + 0.01
    load = json.loads(first.stdout)["assets"][kobo_2500.asset_uid]["load"]
    assert (load["loaded"], load["unchanged"], load["live"]) == (2500, 0, 2500)

    second = run_htsd(
        ["sync", "--no-validate", "--asset", kobo_2500.asset_uid, "--json"], cwd=tmp_path, env=env
    )
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)["assets"][kobo_2500.asset_uid]
    assert (again["new"], again["edited"], again["deleted"], again["unchanged"]) == (0, 0, 0, 2500)
    reload = json.loads(second.stdout)["assets"][kobo_2500.asset_uid]["load"]
    assert (reload["loaded"], reload["unchanged"], reload["deleted"]) == (0, 2500, 0)

    status = run_htsd(["status", "--json"], cwd=tmp_path, env=env)
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["assets"][kobo_2500.asset_uid]["submissions"] == 2500
    assert data["last_run"]["command"] == "sync" and data["last_run"]["status"] == "ok"
    if warehouse_url.startswith("sqlite"):
        assert (tmp_path / "htsd.sqlite").is_file()
    else:
        engine = sa.create_engine(warehouse_url)
        with engine.connect() as conn:
            count = conn.execute(sa.text("SELECT count(*) FROM raw_submission")).scalar()
        engine.dispose()
        assert count == 2500


def test_edits_deletions_and_late_arrivals(
    kobo: RunningKobo, warehouse_url: str, tmp_path: Path
) -> None:
    env = _env(kobo, warehouse_url)
    assert (
        run_htsd(
            ["sync", "--no-validate", "--asset", kobo.asset_uid], cwd=tmp_path, env=env
        ).returncode
        == 0
    )
    for kobo_id in (3, 30, 60):
        kobo.kobo.edit_submission(kobo.asset_uid, kobo_id, {"eval_year": "2027"})
    kobo.kobo.delete_submissions(kobo.asset_uid, [10, 20])
    kobo.kobo.generate(kobo.asset_uid, 4)
    result = run_htsd(
        ["sync", "--no-validate", "--asset", kobo.asset_uid, "--json"], cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    m = json.loads(result.stdout)["assets"][kobo.asset_uid]
    assert (m["new"], m["edited"], m["deleted"]) == (4, 3, 2)
    status = json.loads(run_htsd(["status", "--json"], cwd=tmp_path, env=env).stdout)
    entry = status["assets"][kobo.asset_uid]
    assert (entry["submissions"], entry["edited"], entry["deleted"], entry["history"]) == (
        252,
        3,
        2,
        3,
    )
    load = m["load"]  # the typed tables follow the raw landing in the same run
    assert (load["live"], load["deleted"], load["loaded"]) == (252, 2, 9)
    url = warehouse_url if not warehouse_url.startswith("sqlite") else _default_sqlite(tmp_path)
    engine = sa.create_engine(url)
    main, view = load["tables"][0], load["tables"][0] + "__current"
    with engine.connect() as conn:
        current = dict(conn.execute(sa.text(f'SELECT _id, eval_year FROM "{view}"')).all())
        kept = conn.execute(sa.text(f'SELECT count(*) FROM "{main}"')).scalar()
    engine.dispose()
    assert len(current) == 252 and kept == 254  # deleted ones leave the view, stay in the table
    assert 10 not in current and 20 not in current
    assert all(current[kobo_id] == 2027 for kobo_id in (3, 30, 60))


def _default_sqlite(cwd: Path) -> str:
    return f"sqlite:///{cwd}/htsd.sqlite"


def _all_text(warehouse_url: str) -> str:
    engine = sa.create_engine(warehouse_url)
    chunks = []
    with engine.connect() as conn:
        for table in sa.inspect(engine).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                chunks.append(" ".join(str(v) for v in row))
    engine.dispose()
    return "\n".join(chunks)


def test_wrong_token_one_clear_line(kobo: RunningKobo, warehouse_url: str, tmp_path: Path) -> None:
    bad = "f" * 40
    env = _env(kobo, warehouse_url, token=bad)
    result = run_htsd(
        ["-v", "sync", "--no-validate", "--asset", kobo.asset_uid], cwd=tmp_path, env=env
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith(("Lỗi", "Error"))]
    assert len(errors) == 1, result.stderr
    assert kobo.url in errors[0] and "KOBOTOOLBOX_TOKEN" in errors[0]
    assert "Traceback" not in result.stderr
    assert bad not in result.stdout + result.stderr
    url = (
        warehouse_url
        if not warehouse_url.startswith("sqlite")
        else f"sqlite:///{tmp_path}/htsd.sqlite"
    )
    stored = _all_text(url)
    assert bad not in stored and "failed" in stored  # the failed run is logged, without the token
    english = run_htsd(
        ["--lang", "en", "sync", "--no-validate", "--asset", kobo.asset_uid], cwd=tmp_path, env=env
    )
    assert english.stderr.startswith("Error [KOBO401]")


def _one_error_line(result: subprocess.CompletedProcess[str], code: str, token: str) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert f"[{code}]" in lines[0] and "Traceback" not in result.stderr
    assert token not in result.stdout + result.stderr
    return lines[0]


def test_undeployed_asset_and_unreachable_server(kobo: RunningKobo, tmp_path: Path) -> None:
    draft = kobo.kobo.create_asset("hoikhuyenhoc", "Bản nháp", {"survey": [], "choices": []})
    env = {"KOBOTOOLBOX_URL": kobo.url, "KOBOTOOLBOX_TOKEN": kobo.token}
    result = run_htsd(
        ["--lang", "en", "sync", "--no-validate", "--asset", draft.uid], cwd=tmp_path, env=env
    )
    line = _one_error_line(result, "KOBO409", kobo.token)
    assert result.returncode == 1 and draft.uid in line and "deploy" in line
    env["KOBOTOOLBOX_URL"] = "http://127.0.0.1:9"
    result = run_htsd(
        ["--lang", "en", "sync", "--no-validate", "--asset", kobo.asset_uid], cwd=tmp_path, env=env
    )
    line = _one_error_line(result, "KOBO502", kobo.token)
    assert result.returncode == 3 and "http://127.0.0.1:9" in line and "KOBOTOOLBOX_URL" in line


def test_token_without_access_is_the_404_case(kobo: RunningKobo, tmp_path: Path) -> None:
    stranger = kobo.kobo.add_user("nguoi_la")
    env = {"KOBOTOOLBOX_URL": kobo.url, "KOBOTOOLBOX_TOKEN": stranger}
    result = run_htsd(["sync", "--no-validate", "--asset", kobo.asset_uid], cwd=tmp_path, env=env)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "[KOBO404]" in lines[0] and kobo.asset_uid in lines[0]
    assert "KOBOTOOLBOX_TOKEN" in lines[0] and stranger not in result.stderr


def test_shared_without_view_submissions_is_the_403_case(kobo: RunningKobo, tmp_path: Path) -> None:
    """A project shared with the token's account for viewing the form only: the asset reads,
    the data answers 403, and sync says what permission to ask the owner for."""
    viewer = kobo.kobo.add_user("can_bo_xa")
    kobo.kobo.share(kobo.asset_uid, "can_bo_xa")  # view_asset only
    env = {"KOBOTOOLBOX_URL": kobo.url, "KOBOTOOLBOX_TOKEN": viewer}
    result = run_htsd(
        ["--lang", "en", "sync", "--no-validate", "--asset", kobo.asset_uid], cwd=tmp_path, env=env
    )
    line = _one_error_line(result, "KOBO403", viewer)
    assert result.returncode == 1 and kobo.asset_uid in line and "share" in line
    kobo.kobo.share(kobo.asset_uid, "can_bo_xa", "view_submissions")
    result = run_htsd(
        ["sync", "--no-validate", "--asset", kobo.asset_uid, "--json"], cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["assets"][kobo.asset_uid]["new"] == 250
