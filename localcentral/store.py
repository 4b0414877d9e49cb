"""The state of the local ODK Central: users and sessions, projects, forms with drafts and
published versions, submissions with their edits, review states, comments and soft deletes.

Facts it keeps (issue 17; central-backend): a session token lives `session_ttl` seconds
(24 h by default) and any request with an expired or unknown one is refused 401.2; a form is
a draft until published, and a published (xmlFormId, version) pair can never be published
again (409.6); a submission's `__id` is its first instanceID and never changes, an edit
gives a new `meta/instanceID`, sets the review state to `edited`, counts `__system/edits`
up and moves `updatedAt`, as any review does; a deletion only sets `deletedAt`.

Submissions are kept as the flat answers `localkobo.generate` gives (the KoboToolbox
shape); `localcentral.odata` renders them as Central's OData (nested groups, typed values,
GeoJSON) with the form's structure.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from forms.kpi import rows_to_kpi_content
from forms.xform import with_version, xform_settings, xform_to_xlsform
from localkobo.faults import Faults
from localkobo.generate import AnswerGenerator

DAY = 24 * 3600.0


def iso(moment: datetime) -> str:
    """Central's timestamps: UTC, milliseconds, `Z`."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


class CentralProblem(Exception):  # noqa: N818 - Central calls them problems
    """A refusal as Central words it: HTTP status, `code` (e.g. 409.6) and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class User:
    id: int
    email: str
    password: str = field(repr=False)
    display_name: str


@dataclass
class Session:
    email: str
    created: float
    expires: float


@dataclass
class FormVersion:
    version: str
    xml: str
    published_at: str
    content: dict[str, Any]


@dataclass
class Submission:
    iid: str  # __id: the first instanceID, for good
    instance_id: str  # meta/instanceID of the current version
    answers: dict[str, Any]  # flat, KoboToolbox-style paths
    created_at: datetime
    serial: int
    form_version: str
    submitter_id: int
    submitter_name: str
    updated_at: datetime | None = None
    review_state: str | None = None
    edits: int = 0
    deleted_at: datetime | None = None
    device_id: str | None = None


@dataclass
class Comment:
    body: str
    actor_id: int
    created_at: str


@dataclass
class CentralForm:
    project_id: int
    xml_form_id: str
    name: str
    created_at: str
    versions: list[FormVersion] = field(default_factory=list)
    draft: FormVersion | None = None
    submissions: dict[str, Submission] = field(default_factory=dict)
    comments: dict[str, list[Comment]] = field(default_factory=dict)

    @property
    def published(self) -> FormVersion | None:
        return self.versions[-1] if self.versions else None

    def version(self, version: str) -> FormVersion | None:
        return next((v for v in self.versions if v.version == version), None)


@dataclass
class Project:
    id: int
    name: str
    members: set[str] = field(default_factory=set)  # emails of users with access


class LocalCentral:
    """Everything the local Central holds; every change goes through `lock`."""

    def __init__(self, *, seed: int = 1, session_ttl: float = DAY) -> None:
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.session_ttl = session_ttl
        self.users: dict[str, User] = {}
        self.sessions: dict[str, Session] = {}
        self.projects: dict[int, Project] = {}
        self.forms: dict[tuple[int, str], CentralForm] = {}
        self.faults = Faults()
        self.base_url = ""
        self.clock = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
        self.serial = 0
        self.logins = 0  # sessions created: the tests see a renewed session here
        # expire every session once the data endpoint has answered this many requests
        self.expire_sessions_at: int | None = None
        self.data_requests = 0

    # -- users, sessions, projects ---------------------------------------------------------

    def add_user(self, email: str, password: str, display_name: str = "") -> User:
        with self.lock:
            user = User(len(self.users) + 1, email, password, display_name or email)
            self.users[email] = user
            return user

    def add_project(self, name: str, *members: str) -> Project:
        with self.lock:
            project = Project(len(self.projects) + 1, name, set(members))
            self.projects[project.id] = project
            return project

    def login(self, email: str, password: str) -> tuple[str, Session]:
        with self.lock:
            user = self.users.get(email)
            if user is None or not secrets.compare_digest(user.password, password):
                raise CentralProblem(
                    401, "401.2", "Could not authenticate with the provided credentials."
                )
            token = secrets.token_urlsafe(48)
            now = time.time()
            session = Session(email, now, now + self.session_ttl)
            self.sessions[token] = session
            self.logins += 1
            return token, session

    def expire_sessions(self) -> None:
        """Every session ends now, as 24 hours after login."""
        with self.lock:
            for session in self.sessions.values():
                session.expires = 0.0

    def user_for(self, token: str) -> User:
        with self.lock:
            session = self.sessions.get(token)
            if session is None or session.expires <= time.time():
                raise CentralProblem(
                    401, "401.2", "Could not authenticate with the provided credentials."
                )
            return self.users[session.email]

    def project(self, user: User, project_id: int) -> Project:
        with self.lock:
            project = self.projects.get(project_id)
            if project is None:
                raise CentralProblem(
                    404, "404.1", "Could not find the resource you were looking for."
                )
            if user.email not in project.members:
                raise CentralProblem(
                    403,
                    "403.1",
                    "The authenticated actor does not have rights to perform that action.",
                )
            return project

    def form(self, user: User, project_id: int, xml_form_id: str) -> CentralForm:
        self.project(user, project_id)
        with self.lock:
            form = self.forms.get((project_id, xml_form_id))
            if form is None:
                raise CentralProblem(
                    404, "404.1", "Could not find the resource you were looking for."
                )
            return form

    # -- forms -----------------------------------------------------------------------------

    def _tick(self, low: int = 1, high: int = 90) -> datetime:
        self.clock += timedelta(
            seconds=self.rng.randint(low, high), milliseconds=self.rng.randint(0, 999)
        )
        return self.clock

    def _version(self, xml: str) -> FormVersion:
        try:
            settings = xform_settings(xml)
            content = rows_to_kpi_content(xform_to_xlsform(xml))
        except Exception as error:  # the real server parses the XML and refuses it: 400.1
            raise CentralProblem(400, "400.1", f"Could not parse the given XML: {error}") from None
        return FormVersion(str(settings.get("version") or ""), xml, "", content)

    def create_form(self, project_id: int, xml: str, *, publish: bool = False) -> CentralForm:
        """`POST /v1/projects/{pid}/forms`: a new form, a draft unless `publish`."""
        draft = self._version(xml)
        settings = xform_settings(xml)
        form_id = str(settings["form_id"])
        with self.lock:
            if (project_id, form_id) in self.forms:
                raise CentralProblem(
                    409,
                    "409.3",
                    f"A resource already exists with xmlFormId value(s) of {form_id}.",
                )
            form = CentralForm(
                project_id, form_id, str(settings.get("title") or form_id), iso(self._tick())
            )
            form.draft = draft
            self.forms[(project_id, form_id)] = form
            if publish:
                self.publish(form)
            return form

    def set_draft(self, form: CentralForm, xml: str) -> None:
        draft = self._version(xml)
        if xform_settings(xml)["form_id"] != form.xml_form_id:
            raise CentralProblem(
                400,
                "400.8",
                "The form ID in the uploaded form does not match the form ID of the draft.",
            )
        with self.lock:
            form.draft = draft

    def publish(self, form: CentralForm, version: str | None = None) -> FormVersion:
        """`POST .../draft/publish[?version=]`: the draft becomes the published version."""
        with self.lock:
            if form.draft is None:
                raise CentralProblem(
                    404, "404.1", "Could not find the resource you were looking for."
                )
            draft = form.draft
            if version:
                draft.xml = with_version(draft.xml, version)
                draft.version = version
            if form.version(draft.version) is not None:
                raise CentralProblem(
                    409,
                    "409.6",
                    "The form you have uploaded attempts to change the version "
                    f"to '{draft.version}', but a published form with that version already "
                    "exists. Please change the version and try again.",
                )
            draft.published_at = iso(self._tick())
            form.versions.append(draft)
            form.draft = None
            return draft

    # -- submissions -----------------------------------------------------------------------

    def add_submission(
        self, form: CentralForm, answers: dict[str, Any], user: User | None = None
    ) -> Submission:
        with self.lock:
            published = form.published
            assert published is not None, "a form takes submissions once published"
            instance = f"uuid:{uuidlib.UUID(int=self.rng.getrandbits(128), version=4)}"
            self.serial += 1
            submitter = user or next(iter(self.users.values()))
            answers = dict(answers)
            answers["meta/instanceID"] = instance
            sub = Submission(
                iid=instance,
                instance_id=instance,
                answers=answers,
                created_at=self._tick(),
                serial=self.serial,
                form_version=published.version,
                submitter_id=submitter.id,
                submitter_name=submitter.display_name,
                device_id=f"collect:{self.rng.getrandbits(40):010x}",
            )
            form.submissions[instance] = sub
            return sub

    def generate(self, form: CentralForm, count: int, *, seed: int | None = None) -> list[str]:
        """Add `count` submissions answered from the published version's form."""
        rng = random.Random(seed) if seed is not None else self.rng
        with self.lock:
            published = form.published
            assert published is not None
            generator = AnswerGenerator(published.content)
            return [
                self.add_submission(form, generator.answers(rng, self.clock)).iid
                for _ in range(count)
            ]

    def edit(self, form: CentralForm, iid: str, changes: dict[str, Any]) -> Submission:
        """An edit (Enketo or a PUT of new XML): new instanceID, review state `edited`."""
        with self.lock:
            sub = form.submissions[iid]
            answers = dict(sub.answers)
            for key, value in changes.items():
                if value is None:
                    answers.pop(key, None)
                else:
                    answers[key] = value
            previous = sub.instance_id
            sub.instance_id = f"uuid:{uuidlib.UUID(int=self.rng.getrandbits(128), version=4)}"
            answers["meta/instanceID"] = sub.instance_id
            answers["meta/deprecatedID"] = previous
            sub.answers = answers
            sub.edits += 1
            sub.review_state = "edited"
            sub.updated_at = self._tick(1, 5)
            return sub

    def review(self, form: CentralForm, iid: str, state: str) -> Submission:
        if state not in ("approved", "hasIssues", "rejected", "edited", "received"):
            raise CentralProblem(400, "400.2", f"Unexpected reviewState value: {state}")
        with self.lock:
            sub = self._live(form, iid)
            sub.review_state = None if state == "received" else state
            sub.updated_at = self._tick(1, 5)
            return sub

    def comment(self, form: CentralForm, iid: str, body: str, user: User) -> Comment:
        with self.lock:
            self._live(form, iid)
            comment = Comment(body, user.id, iso(self._tick(1, 2)))
            form.comments.setdefault(iid, []).append(comment)
            return comment

    def delete(self, form: CentralForm, iids: list[str]) -> int:
        """Soft deletion: into the trash (`deletedAt` set), gone from OData."""
        with self.lock:
            done = 0
            for iid in iids:
                sub = form.submissions.get(iid)
                if sub is not None and sub.deleted_at is None:
                    sub.deleted_at = self._tick(1, 5)
                    done += 1
            return done

    def _live(self, form: CentralForm, iid: str) -> Submission:
        sub = form.submissions.get(iid)
        if sub is None or sub.deleted_at is not None:
            raise CentralProblem(404, "404.1", "Could not find the resource you were looking for.")
        return sub

    def count_data_request(self) -> None:
        """One more request to the data endpoint; sessions end when the tests said so."""
        with self.lock:
            self.data_requests += 1
            if (
                self.expire_sessions_at is not None
                and self.data_requests >= self.expire_sessions_at
            ):
                self.expire_sessions_at = None
                for session in self.sessions.values():
                    session.expires = 0.0
