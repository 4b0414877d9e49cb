"""`htsd forms deploy --to central` publishes the six forms (an unchanged redeploy changes
nothing, a changed form gets a new version, a version Central used before is not reused);
`htsd validate --push-status --central` sets review states with a Vietnamese comment, and a
second run sends nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localcentral import LocalCentralServer
from localcentral.province import province_central
from tests.central.support import start_central
from tests.helpers import run_htsd

SIX = {"gia_dinh", "dong_ho", "cong_dong", "don_vi", "clc_assessment", "hoat_dong"}


def test_deploy_six_forms_then_unchanged_then_a_new_version(tmp_path: Path) -> None:
    demo = province_central()
    with LocalCentralServer(demo.central) as server:
        env = {
            "ODK_CENTRAL_URL": server.url,
            "ODK_CENTRAL_USERNAME": demo.email,
            "ODK_CENTRAL_PASSWORD": demo.password,
            "HTSD_DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite'}",
            "PYODK_CONFIG_FILE": "/nonexistent",
        }
        deploy = ["forms", "deploy", "--to", "central", "--project", str(demo.project_id)]
        first = run_htsd([*deploy, "--no-validate", "--json"], cwd=tmp_path, env=env)
        assert first.returncode == 0, first.stderr
        forms = {f["form"]: f for f in json.loads(first.stdout)["forms"]}
        assert set(forms) == SIX and {f["action"] for f in forms.values()} == {"created"}
        published = {fid: f for (_, fid), f in demo.central.forms.items()}
        assert set(published) == SIX
        assert all(len(f.versions) == 1 and f.draft is None for f in published.values())
        # the PII tags travel with the XForm
        assert 'htsd:pii="' in published["gia_dinh"].versions[0].xml

        again = run_htsd([*deploy, "--no-validate", "--json"], cwd=tmp_path, env=env)
        assert again.returncode == 0, again.stderr
        assert {f["action"] for f in json.loads(again.stdout)["forms"]} == {"unchanged"}
        assert all(len(f.versions) == 1 for f in published.values())

        # a changed rubric: the family form changes, gets a new version; a version Central
        # has published before is never reused (409.6)
        criteria = tmp_path / "criteria"
        criteria.mkdir()
        source = Path(__file__).resolve().parents[2] / "forms" / "criteria"
        for path in source.iterdir():
            if path.is_file():
                (criteria / path.name).write_bytes(path.read_bytes())
        rubric = criteria / "gia_dinh.yaml"
        text = rubric.read_text(encoding="utf-8")
        assert "Các cháu trung thực" in text
        rubric.write_text(text.replace("Các cháu trung thực", "Các em trung thực"), "utf-8")
        form = published["gia_dinh"]
        changed = [*deploy, "gia_dinh", "--criteria", str(criteria), "--no-validate", "--json"]
        result = run_htsd(changed, cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        (entry,) = json.loads(result.stdout)["forms"]
        assert entry["action"] == "updated"
        assert len(form.versions) == 2 and form.versions[1].version == entry["version_id"]
        assert entry["version_id"] != form.versions[0].version
        # back to the first form: its version was published before, so another one is chosen
        rubric.write_text(text, "utf-8")
        result = run_htsd(changed, cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        (entry,) = json.loads(result.stdout)["forms"]
        assert entry["action"] == "updated" and entry["version_id"].endswith("-2")
        assert len({v.version for v in form.versions}) == 3


@pytest.mark.slow
def test_push_review_states_with_a_comment_then_nothing(tmp_path: Path) -> None:
    for running in start_central(150, seed=8):
        url = f"sqlite:///{tmp_path / 'w.sqlite'}"
        running.sync(url, tmp_path)
        push = ["validate", "--push-status", "--central", "--json"]
        first = running.htsd(url, tmp_path, *push, "--all")
        assert first.returncode in (0, 4), first.stderr
        data = json.loads(first.stdout)
        sent = data["assets"][running.ref]["push"]["sent"]
        findings = {f["submission"] for f in data["findings"] if f["severity"] == "error"}
        form = running.demo.form
        states = {s.review_state for s in form.submissions.values()}
        assert "approved" in states and sum(sent.values()) == 150
        if findings:
            assert "hasIssues" in states
        # a manager rejects one in htsd: it becomes rejected on the server
        some = sorted(form.submissions.values(), key=lambda s: s.serial)[0]
        from etl.central.records import central_id

        review = running.htsd(
            url,
            tmp_path,
            "review",
            "reject",
            str(central_id(some.iid)),
            "--reason",
            "trùng hộ",
            "--by",
            "tester",
        )
        assert review.returncode == 0, review.stderr
        second = running.htsd(url, tmp_path, *push)
        assert json.loads(second.stdout)["assets"][running.ref]["push"]["sent"] == {"rejected": 1}
        assert form.submissions[some.iid].review_state == "rejected"
        comments = form.comments[some.iid]
        assert comments[-1].body.startswith("htsd: bản ghi bị từ chối")
        third = running.htsd(url, tmp_path, *push)
        pushed = json.loads(third.stdout)["assets"][running.ref]["push"]
        assert pushed["sent"] == {} and pushed["unchanged"] == 150
        assert all(s.review_state for s in form.submissions.values())
        with_issue = [s for s in form.submissions.values() if s.review_state == "hasIssues"]
        for sub in with_issue[:3]:
            assert "phát hiện" in form.comments[sub.iid][0].body
