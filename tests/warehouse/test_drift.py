"""Must show 4: two versions of one form — a question renamed, one added, one removed, one
retyped — load into one set of tables, and `htsd forms drift` lists exactly those four."""

from __future__ import annotations

import json
from collections.abc import Iterator

import click
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from etl.commands.common import App
from etl.commands.warehouse import drift_command, rebuild_command
from etl.config import Settings
from forms.schema import FormSchema
from localkobo import LocalKobo
from tests.warehouse.support import SERVER, content, end, land_store, read_answers, row
from warehouse.catalog import form_table
from warehouse.drift import Change, apply_policy, compare
from warehouse.layout import plan_layout
from warehouse.load import load_asset
from warehouse.runlog import start_run

V1 = content(
    [
        row("text", "ten", "Tên lớp", "Class name", required=True),
        row("integer", "so_hoc_vien", "Số học viên", "Learners", kuid="kLearners"),
        row("text", "ghi_chu", "Ghi chú", "Notes"),
        row("integer", "so_gio", "Số giờ", "Hours"),
    ],
    [],
)
V2 = content(
    [
        row("text", "ten", "Tên lớp", "Class name", required=True),
        row("integer", "hoc_vien", "Số học viên", "Learners", kuid="kLearners"),
        row("decimal", "so_gio", "Số giờ", "Hours"),
        row("text", "doi_tac", "Đối tác", "Partner"),
    ],
    [],
)
EXPECTED = [
    Change("renamed", "hoc_vien", "so_hoc_vien", "integer", "integer"),
    Change("added", "doi_tac", new_type="text"),
    Change("removed", "ghi_chu", old_type="text"),
    Change("retyped", "so_gio", None, "integer", "decimal"),
]


def test_compare_finds_the_four_changes() -> None:
    old, new = FormSchema.from_kpi_content(V1, "v1"), FormSchema.from_kpi_content(V2, "v2")
    assert compare(old, new) == EXPECTED
    assert compare(old, old) == []


@pytest.fixture
def two_versions(engine: Engine) -> Iterator[tuple[str, str, str]]:
    kobo = LocalKobo(seed=5)
    kobo.add_user("hoi")
    asset = kobo.asset_with_versions("hoi", "Lớp học", [V1, V2], 15, seed=1)
    run = start_run(engine, "sync")
    land_store(engine, kobo, asset.uid, run)
    load_asset(engine, SERVER, asset.uid, run)
    yield asset.uid, asset.versions[0].uid, asset.versions[1].uid


def test_both_versions_load_into_one_set_of_tables(
    engine: Engine, two_versions: tuple[str, str, str]
) -> None:
    uid, _v1, v2 = two_versions
    with engine.connect() as conn:
        tables = conn.execute(sa.select(form_table.c.table_name)).scalars().all()
    assert len(tables) == 1
    columns = [c["name"] for c in sa.inspect(engine).get_columns(tables[0])]
    answers = [c for c in columns if not c.startswith("_")]
    assert answers == ["ten", "so_hoc_vien", "ghi_chu", "so_gio", "so_gio__decimal", "doi_tac"]
    rows = read_answers(engine, SERVER, uid)
    with engine.connect() as conn:
        versions = dict(
            (r[0], r[1]) for r in conn.execute(sa.text(f'SELECT _id, _version FROM "{tables[0]}"'))
        )
        learners = dict(
            (r[0], r[1])
            for r in conn.execute(sa.text(f'SELECT _id, so_hoc_vien FROM "{tables[0]}"'))
        )
    for (kobo_id, _repeat, _index), (values, _unparsed) in rows.items():
        if versions[kobo_id] == v2:  # the renamed question goes on in the same column
            assert values.get("hoc_vien") == learners[kobo_id]
            assert "ghi_chu" not in values
            assert isinstance(values.get("so_gio", 0.5), float)
        else:
            assert values.get("so_hoc_vien") == learners[kobo_id]
            assert isinstance(values.get("so_gio", 1), int)


@pytest.fixture
def app(warehouse_url: str) -> Iterator[App]:
    application = App(settings=Settings(database_url=warehouse_url, language="en"))
    yield application
    if application._engine is not None:
        application._engine.dispose()


def test_drift_command_lists_exactly_the_four_changes(
    two_versions: tuple[str, str, str], app: App
) -> None:
    uid, v1, v2 = two_versions
    result = CliRunner().invoke(drift_command, [uid, "--from", v1, "--to", v2, "--json"], obj=app)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["from"], data["to"]) == (v1, v2)
    assert [(c["change"], c["path"], c["policy"], c["column"]) for c in data["changes"]] == [
        ("renamed", "hoc_vien", "same_column", "so_hoc_vien"),
        ("added", "doi_tac", "add_column", "doi_tac"),
        ("removed", "ghi_chu", "keep_column", "ghi_chu"),
        ("retyped", "so_gio", "new_column", "so_gio__decimal"),
    ]

    text = CliRunner().invoke(drift_command, [uid], obj=app)  # defaults: the last two
    assert text.exit_code == 0, text.output
    assert text.output.splitlines() == [
        f"{uid}: {v1} → {v2}",
        "  renamed   so_hoc_vien → hoc_vien — answers go on in column so_hoc_vien",
        "  added     doi_tac (text) — new column doi_tac; earlier submissions left NULL",
        "  removed   ghi_chu (text) — column ghi_chu kept; later submissions left NULL",
        "  retyped   so_gio (integer → decimal) — new column so_gio__decimal; "
        "column so_gio keeps the earlier values",
    ]


def test_drift_errors_name_the_versions(two_versions: tuple[str, str, str], app: App) -> None:
    uid, v1, v2 = two_versions
    result = CliRunner().invoke(drift_command, [uid, "--from", "vNope"], obj=app)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error [WH003] {uid}: version 'vNope' of asset {uid} is not in the warehouse — "
        f"stored versions: {v1}, {v2}"
    )
    result = CliRunner().invoke(drift_command, [uid, "--to", v1], obj=app)
    assert result.exit_code == 1 and "[WH004]" in result.output


@pytest.mark.parametrize("command", [rebuild_command, drift_command], ids=lambda c: c.name)
def test_commands_have_help_with_an_example(command: click.Command) -> None:
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0, result.output
    assert "Ví dụ: htsd " in result.output  # Vietnamese by default
    english = CliRunner(env={"HTSD_LANG": "en"}).invoke(command, ["--help"])
    assert english.exit_code == 0 and "Example: htsd " in english.output


def test_a_repeat_replaced_by_another_is_a_new_table_and_drift_says_where_the_old_answers_are() -> (
    None
):
    """A repeat whose `$kuid` changed too (deleted and made again) gets a new child table,
    and drift must not claim the answers go on in the same column; a renamed group keeps
    its questions' columns."""
    members = [row("integer", "members/age", "Tuổi", "Age", kuid="kAge")]
    people = [row("integer", "people/age", "Tuổi", "Age", kuid="kAge")]
    v1 = content([row("begin_repeat", "members", "TV", "Members"), *members, end("repeat")], [])
    v2 = content([row("begin_repeat", "people", "TV", "People"), *people, end("repeat")], [])
    old, new = FormSchema.from_kpi_content(v1, "v1"), FormSchema.from_kpi_content(v2, "v2")
    layout = plan_layout(SERVER, "aRepeatRenamed", [old, new])
    [change] = apply_policy(compare(old, new), layout, "v1", "v2")
    tables = {repeat: t.name for repeat, t in layout.tables.items()}
    assert (change.change, change.policy) == ("renamed", "new_column")
    assert (change.table, change.old_table) == (tables["people"], tables["members"])
    assert change.policy_text("en") == (
        f"new column {tables['people']}.age; "
        f"column {tables['members']}.age keeps the earlier values"
    )

    g1 = content(
        [row("begin_group", "g", "G", "G"), row("integer", "g/age", kuid="kB"), end("group")], []
    )
    g2 = content(
        [row("begin_group", "h", "G", "G"), row("integer", "h/age", kuid="kB"), end("group")], []
    )
    old, new = FormSchema.from_kpi_content(g1, "v1"), FormSchema.from_kpi_content(g2, "v2")
    [change] = apply_policy(compare(old, new), plan_layout(SERVER, "aG", [old, new]), "v1", "v2")
    assert (change.change, change.policy, change.column, change.old_table) == (
        "renamed",
        "same_column",
        "g__age",
        None,
    )


def test_a_renamed_repeat_goes_on_in_its_table(engine: Engine) -> None:
    """The roster repeat renamed in the form builder (same `$kuid`): both versions' items
    are rows of one child table, its question keeps its column, drift says so."""

    def form(repeat: str) -> dict[str, object]:
        return content(
            [
                row("text", "ho", "Hộ", "Household"),
                row("begin_repeat", repeat, "Thành viên", "Members", kuid="kRoster"),
                row("integer", f"{repeat}/tuoi", "Tuổi", "Age", kuid="kAge"),
                end("repeat"),
            ],
            [],
        )

    kobo = LocalKobo(seed=8)
    kobo.add_user("hoi")
    asset = kobo.asset_with_versions("hoi", "Hộ", [form("thanh_vien"), form("nguoi")], 12, seed=3)
    run = start_run(engine, "sync")
    land_store(engine, kobo, asset.uid, run)
    load_asset(engine, SERVER, asset.uid, run)
    v1, v2 = (v.uid for v in asset.versions)
    with engine.connect() as conn:
        tables = {
            r.repeat_path: r.table_name
            for r in conn.execute(sa.select(form_table).filter_by(asset_uid=asset.uid))
        }
        assert set(tables) == {"", "thanh_vien"}  # no second table for `nguoi`
        child = conn.execute(sa.text(f'SELECT _id, _i1, tuoi FROM "{tables["thanh_vien"]}"'))
        stored = {(r[0], r[1]): r[2] for r in child}
    expected = {
        (doc["_id"], i): int(item[f"{repeat}/tuoi"])
        for doc in asset.submissions.values()
        for repeat in ("thanh_vien", "nguoi")
        for i, item in enumerate(doc.get(repeat, []), start=1)
        if f"{repeat}/tuoi" in item
    }
    assert expected and {k: v for k, v in stored.items() if v is not None} == expected
    assert {k[0] for k in expected} & {
        d["_id"] for d in asset.submissions.values() if "nguoi" in d
    }  # items of the renamed repeat are there
    answers = read_answers(engine, SERVER, asset.uid)
    assert any(values.get("nguoi/tuoi") is not None for values, _ in answers.values())
    versions = [FormSchema.from_kpi_content(v.content, v.uid) for v in asset.versions]
    layout = plan_layout(SERVER, asset.uid, versions)
    [change] = apply_policy(compare(*versions), layout, v1, v2)
    assert (change.change, change.old_path, change.path) == (
        "renamed",
        "thanh_vien/tuoi",
        "nguoi/tuoi",
    )
    assert (change.policy, change.table, change.old_table) == (
        "same_column",
        layout.tables["thanh_vien"].name,
        None,
    )
