"""Core warehouse tables (created by the Alembic migrations in warehouse/migrations).

- `run_log`: one row per command run.
- `raw_submission`: every submission as last pulled, keyed by server + asset uid + Kobo `_id`.
- `raw_submission_history`: each earlier version of an edited submission, kept whole.
- `sync_state`: the incremental watermark per server and asset, committed with the data.
- `validation_finding`: what the validation found, open, closed or accepted, first and last seen.
- `review_decision`, `validation_state`, `status_push`: review decisions, what was last
  validated, and the validation statuses pushed to the server.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

run_log = sa.Table(
    "run_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("command", sa.String(64), nullable=False),
    sa.Column("arguments", sa.Text, nullable=False, default="{}"),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("counts", sa.Text, nullable=False, default="{}"),
    sa.Column("error", sa.Text),  # the error line in English
    sa.Column("host", sa.String(255)),
    sa.Column("pid", sa.Integer),
    sa.Column("error_vi", sa.Text),  # the same in Vietnamese (NULL for runs before 0009)
)

raw_submission = sa.Table(
    "raw_submission",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("server", sa.String(255), nullable=False),
    sa.Column("asset_uid", sa.String(64), nullable=False),
    sa.Column("kobo_id", sa.BigInteger, nullable=False),
    sa.Column("uuid", sa.String(128), nullable=False),
    sa.Column("root_uuid", sa.String(128)),
    sa.Column("form_version", sa.String(64)),
    sa.Column("submission_time", sa.String(32)),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("validation_status", sa.String(64)),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("edits", sa.Integer, nullable=False, default=0),
    sa.Column("first_seen_run", sa.Integer, sa.ForeignKey("run_log.id"), nullable=False),
    sa.Column("last_seen_run", sa.Integer, sa.ForeignKey("run_log.id"), nullable=False),
    sa.Column("deleted_run", sa.Integer, sa.ForeignKey("run_log.id")),
    # `meta/deprecatedID`: the instance id this version replaced; set on a submission edited
    # before it was first pulled too, so its history can be followed back (migration 0007)
    sa.Column("deprecated_id", sa.String(128)),
    sa.UniqueConstraint("server", "asset_uid", "kobo_id", name="uq_raw_submission_key"),
    # each submission's state without its payload (migration 0014): what the sweep, the
    # deletion marking and the typed load compare, read from the index alone
    sa.Index(
        "ix_raw_submission_state",
        "server",
        "asset_uid",
        "kobo_id",
        "deleted_run",
        "uuid",
        "validation_status",
        "content_hash",
        "edits",
        "form_version",
    ),
)

raw_submission_history = sa.Table(
    "raw_submission_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("server", sa.String(255), nullable=False),
    sa.Column("asset_uid", sa.String(64), nullable=False),
    sa.Column("kobo_id", sa.BigInteger, nullable=False),
    sa.Column("uuid", sa.String(128), nullable=False),
    sa.Column("form_version", sa.String(64)),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("superseded_run", sa.Integer, sa.ForeignKey("run_log.id"), nullable=False),
    sa.Index("ix_raw_history_key", "server", "asset_uid", "kobo_id"),
)

sync_state = sa.Table(
    "sync_state",
    metadata,
    sa.Column("server", sa.String(255), primary_key=True),
    sa.Column("asset_uid", sa.String(64), primary_key=True),
    sa.Column("last_id", sa.BigInteger),
    sa.Column("last_submission_time", sa.String(32)),
    sa.Column("last_sweep_run", sa.Integer, sa.ForeignKey("run_log.id")),
    sa.Column("updated_run", sa.Integer, sa.ForeignKey("run_log.id")),
)

kobo_asset = sa.Table(
    "kobo_asset",
    metadata,
    sa.Column("server", sa.String(255), primary_key=True),
    sa.Column("asset_uid", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("form_name", sa.String(64)),
    sa.Column("version_id", sa.String(64)),
    sa.Column("deployed_version_id", sa.String(64)),
    sa.Column("deployment_uuid", sa.String(64)),
    sa.Column("has_deployment", sa.Boolean, nullable=False),
    sa.Column("content", sa.Text),
    sa.Column("fetched_run", sa.Integer, sa.ForeignKey("run_log.id")),
)

kobo_asset_version = sa.Table(
    "kobo_asset_version",
    metadata,
    sa.Column("server", sa.String(255), primary_key=True),
    sa.Column("asset_uid", sa.String(64), primary_key=True),
    sa.Column("version_uid", sa.String(64), primary_key=True),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("date_deployed", sa.String(40)),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("fetched_run", sa.Integer, sa.ForeignKey("run_log.id")),
)

form_deployment = sa.Table(
    "form_deployment",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("server", sa.String(255), nullable=False),
    sa.Column("form_name", sa.String(64), nullable=False),
    sa.Column("asset_uid", sa.String(64), nullable=False),
    sa.Column("version_id", sa.String(64), nullable=False),
    sa.Column("xlsform_hash", sa.String(64), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
    sa.Index("ix_form_deployment_form", "server", "form_name"),  # as migration 0002 creates
)

# Findings of the validation (expectation suites and domain rules), one row per submission,
# rule, field and repeat row: kept through re-runs (first and last seen) and closed when a
# later validation of the same submission no longer finds it. Not cleared by a rebuild.
validation_finding = sa.Table(
    "validation_finding",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("server", sa.String(255), nullable=False),
    sa.Column("asset_uid", sa.String(64), nullable=False),
    sa.Column("kobo_id", sa.BigInteger, nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("field_path", sa.Text, nullable=False),
    sa.Column("row_index", sa.String(64), nullable=False),  # repeat index path, "" for main
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("value", sa.Text),
    sa.Column("message_vi", sa.Text, nullable=False),
    sa.Column("message_en", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # open | closed
    sa.Column("first_run", sa.Integer, sa.ForeignKey("run_log.id")),
    sa.Column("last_run", sa.Integer, sa.ForeignKey("run_log.id")),
    sa.Column("closed_run", sa.Integer, sa.ForeignKey("run_log.id")),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint(
        "server",
        "asset_uid",
        "kobo_id",
        "rule",
        "field_path",
        "row_index",
        name="uq_validation_finding_key",
    ),
)

# Decisions of a data manager on a submission held by the validation (`htsd review`): every
# decision is kept, the latest of a submission counts. Not cleared by a rebuild.
review_decision = sa.Table(
    "review_decision",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("server", sa.String(255), nullable=False),
    sa.Column("asset_uid", sa.String(64), nullable=False),
    sa.Column("kobo_id", sa.BigInteger, nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),  # accept | reject
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("decided_by", sa.String(255), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("content_hash", sa.String(64)),  # the version of the submission decided on
    sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
    sa.Index("ix_review_decision_key", "server", "asset_uid", "kobo_id"),
)

# What each submission was last validated as: the content hash of the version checked and
# a digest of the checks (rubric files and htsd's version), so `htsd validate` checks only
# what changed since; `--all` checks everything again.
validation_state = sa.Table(
    "validation_state",
    metadata,
    sa.Column("server", sa.String(255), primary_key=True),
    sa.Column("asset_uid", sa.String(64), primary_key=True),
    sa.Column("kobo_id", sa.BigInteger, primary_key=True),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("checks_digest", sa.String(64), nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
)

# The validation status `htsd validate --push-status` last set on the server for each
# submission: a status on the server that differs from it was set there by a person.
status_push = sa.Table(
    "status_push",
    metadata,
    sa.Column("server", sa.String(255), primary_key=True),
    sa.Column("asset_uid", sa.String(64), primary_key=True),
    sa.Column("kobo_id", sa.BigInteger, primary_key=True),
    sa.Column("status_uid", sa.String(64), nullable=False),
    sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
)

# -- scores, recognition and the registry (migration 0012) ---------------------------------

# The authoritative score of each current, released submission of a scored form, from the
# rubric valid on its evaluation date (`forms.rubric.Rubric.score`), with the device's
# provisional score beside it. Recomputed from the raw landing and the rubric files by every
# scoring run (`htsd sync`, `htsd rebuild`, `htsd score`): it holds no fact of its own.
score = sa.Table(
    "score",
    metadata,
    sa.Column("server", sa.String(255), primary_key=True),
    sa.Column("asset_uid", sa.String(64), primary_key=True),
    sa.Column("kobo_id", sa.BigInteger, primary_key=True),
    sa.Column("form_name", sa.String(64), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),  # the version scored
    sa.Column("rubric_id", sa.String(64), nullable=False),
    sa.Column("rubric_version", sa.String(32), nullable=False),
    sa.Column("eval_date", sa.Date),
    sa.Column("year", sa.Integer),  # the evaluation year (eval_year, else eval_date's year)
    sa.Column("era", sa.Integer),  # the era of administrative units on eval_date
    sa.Column("district_code", sa.String(8)),  # the (former) district chosen
    sa.Column("commune_code", sa.String(8)),  # GSO code of the commune, in the units of era
    sa.Column("subject_key", sa.Text),  # who was evaluated (forms.subjects), None when unknown
    sa.Column("total", sa.Float, nullable=False),
    sa.Column("max_total", sa.Float, nullable=False),
    sa.Column("applicable_max", sa.Float, nullable=False),
    sa.Column("pass_points", sa.Float, nullable=False),
    sa.Column("percent", sa.Integer),
    sa.Column("assessable", sa.Boolean, nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("class_id", sa.String(32), nullable=False),
    sa.Column("score_provisional", sa.Boolean, nullable=False),
    sa.Column("pass_provisional", sa.Boolean, nullable=False),
    sa.Column("missing_items", sa.Integer, nullable=False),
    sa.Column("device_total", sa.Float),  # what the tablet computed (provisional)
    sa.Column("device_class", sa.String(32)),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
    sa.Index("ix_score_year", "form_name", "year"),
)

# One row per rubric item of each scored submission: the answer it used (recomputed for
# derived items; the device's stored answer beside it), points and maximum.
score_item = sa.Table(
    "score_item",
    metadata,
    sa.Column("server", sa.String(255), primary_key=True),
    sa.Column("asset_uid", sa.String(64), primary_key=True),
    sa.Column("kobo_id", sa.BigInteger, primary_key=True),
    sa.Column("item_id", sa.String(32), primary_key=True),
    sa.Column("group_id", sa.String(32), nullable=False),
    sa.Column("field", sa.String(64), nullable=False),  # the form field of the item
    sa.Column("answer", sa.String(32)),
    sa.Column("device_answer", sa.String(32)),
    sa.Column("derived", sa.Boolean, nullable=False),
    sa.Column("points", sa.Float, nullable=False),
    sa.Column("max_points", sa.Float, nullable=False),
    sa.Column("applicable_max", sa.Float, nullable=False),
    sa.Column("provisional", sa.Boolean, nullable=False),
)

# One row per evaluated household, clan, village or unit per year: the latest released
# evaluation of that year counts (`kobo_id`); `evaluations` says how many there were.
recognition = sa.Table(
    "recognition",
    metadata,
    sa.Column("form_name", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("subject_key", sa.Text, primary_key=True),
    sa.Column("server", sa.String(255), nullable=False),
    sa.Column("asset_uid", sa.String(64), nullable=False),
    sa.Column("kobo_id", sa.BigInteger, nullable=False),
    sa.Column("evaluations", sa.Integer, nullable=False),
    sa.Column("era", sa.Integer),
    sa.Column("district_code", sa.String(8)),
    sa.Column("commune_code", sa.String(8)),
    sa.Column("assessable", sa.Boolean, nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("class_id", sa.String(32), nullable=False),
    sa.Column("provisional", sa.Boolean, nullable=False),
)

# Registry denominators per commune (GSO code, in the units of that year) and year, as the
# data manager imported them (`htsd reference import`): `measure` is one of
# `forms.registry.MEASURES` (families, clans, villages, units, cadres). The latest import of
# a (commune, year, measure) replaces the earlier one.
registry_count = sa.Table(
    "registry_count",
    metadata,
    sa.Column("commune_code", sa.String(8), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("measure", sa.String(32), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("source", sa.Text, nullable=False),  # the file name imported
    sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
)

# The villages (thôn, bản, tổ dân phố) of each commune, imported with the registry.
registry_village = sa.Table(
    "registry_village",
    metadata,
    sa.Column("village_code", sa.String(32), primary_key=True),
    sa.Column("commune_code", sa.String(8), nullable=False),
    sa.Column("village_name", sa.Text, nullable=False),
    sa.Column("commune_code_until_2020", sa.String(8)),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("run_log.id")),
)

# The people who sign in to `htsd web` (`htsd users`): an argon2 hash of the password, never
# the password; a role (admin, manager, viewer) and, for a manager, the district codes of
# their scope (comma-separated; empty: the whole province). A disabled user is kept, for the
# audit log names them.
web_user = sa.Table(
    "web_user",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("districts", sa.Text, nullable=False, default=""),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Signed-in sessions of `htsd web`: the SHA-256 of the cookie's random token (the token
# itself is never stored), the CSRF token of the session, and when it expires.
web_session = sa.Table(
    "web_session",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("web_user.id"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("address", sa.String(64)),
)

# What `htsd web` users did that must be answerable later: every view of a submission page
# with personal data, every review decision, sign-ins, user changes (who, when, what, from
# where). Rows are only ever added.
web_audit = sa.Table(
    "web_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.Text, nullable=False, default=""),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("address", sa.String(64)),
    sa.Index("ix_web_audit_at", "at"),
)
