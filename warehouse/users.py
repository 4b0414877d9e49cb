"""The people who sign in to `htsd web`, their sessions and the audit log of what they did.

Roles:

- `admin`: users and settings, the audit log; everything a manager may do, province-wide;
- `manager` (data manager), optionally scoped to district codes: the review queue and the
  submission pages of their scope, decisions, sync and validation runs;
- `viewer` (the committee): reports, charts and downloads — aggregates only.

Passwords are kept as argon2id hashes (argon2-cffi), never in clear; a hash made with older
parameters is replaced at the next successful sign-in. A session is a random token given to
the browser; the warehouse keeps its SHA-256 only, with its CSRF token and its expiry. The
audit log (`web_audit`) only ever grows.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Connection

from forms.errors import ErrorCode, HtsdError, Message
from warehouse.schema import web_audit, web_session, web_user

ADMIN, MANAGER, VIEWER = "admin", "manager", "viewer"
ROLES = (ADMIN, MANAGER, VIEWER)
MIN_PASSWORD = 10
SESSION_HOURS = 8.0

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_HASHER = PasswordHasher()
# verified against when the user is unknown, so an unknown name takes as long as a known one
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


class UserCode(ErrorCode):
    """Codes of the web app's users (`htsd users`)."""

    BAD_USERNAME = (
        "USR001",
        Message(
            "tên đăng nhập '{username}' không hợp lệ",
            "user name '{username}' is not valid",
            "dùng 2–64 chữ thường không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới",
            "use 2–64 lower-case letters without accents, digits, dots, dashes or underscores",
        ),
    )
    UNKNOWN_USER = (
        "USR002",
        Message(
            "không có người dùng '{username}'",
            "there is no user '{username}'",
            "htsd users list liệt kê người dùng; htsd users add tạo mới",
            "htsd users list shows the users; htsd users add creates one",
        ),
    )
    USER_EXISTS = (
        "USR003",
        Message(
            "người dùng '{username}' đã có",
            "user '{username}' already exists",
            "chọn tên khác, hoặc đổi mật khẩu bằng htsd users passwd {username}",
            "choose another name, or change the password with htsd users passwd {username}",
        ),
    )
    WEAK_PASSWORD = (
        "USR004",
        Message(
            "mật khẩu quá ngắn ({length} ký tự)",
            "the password is too short ({length} characters)",
            "dùng ít nhất {minimum} ký tự",
            "use at least {minimum} characters",
        ),
    )
    BAD_DISTRICT = (
        "USR005",
        Message(
            "mã huyện không có trong danh mục: {codes}",
            "district codes not in the reference: {codes}",
            "dùng mã huyện của tỉnh: {known}",
            "use the province's district codes: {known}",
        ),
    )
    SCOPE_NOT_MANAGER = (
        "USR006",
        Message(
            "chỉ cán bộ quản lý dữ liệu (manager) được giới hạn theo huyện",
            "only a data manager (manager) is scoped to districts",
            "bỏ --district, hoặc dùng --role manager",
            "leave out --district, or use --role manager",
        ),
    )
    NO_PASSWORD = (
        "USR007",
        Message(
            "chưa có mật khẩu",
            "no password given",
            "nhập mật khẩu khi được hỏi, hoặc đặt biến môi trường HTSD_USER_PASSWORD",
            "type it at the prompt, or set the environment variable HTSD_USER_PASSWORD",
        ),
    )


class UserError(HtsdError):
    """A user-management request an administrator must correct."""


@dataclass(frozen=True)
class User:
    """One user of the web app (never with their hash)."""

    id: int
    username: str
    role: str
    districts: tuple[str, ...]  # a manager's scope; () is the whole province
    active: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "role": self.role,
            "districts": list(self.districts),
            "active": self.active,
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back: they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _user(row: Any) -> User:
    districts = tuple(d for d in (row.districts or "").split(",") if d)
    return User(int(row.id), row.username, row.role, districts, bool(row.active))


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (USR004 when shorter than MIN_PASSWORD)."""
    if len(password) < MIN_PASSWORD:
        raise UserError(
            UserCode.WEAK_PASSWORD, params={"length": len(password), "minimum": MIN_PASSWORD}
        )
    return _HASHER.hash(password)


def check_username(username: str) -> str:
    if not _USERNAME.match(username):
        raise UserError(UserCode.BAD_USERNAME, where=username[:64], params={"username": username})
    return username


def check_scope(role: str, districts: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    """The district codes of a scope, checked against the reference's `known` codes."""
    assert role in ROLES, role
    chosen = tuple(sorted({d.strip() for d in districts if d.strip()}))
    if chosen and role != MANAGER:
        raise UserError(UserCode.SCOPE_NOT_MANAGER, where="--district")
    unknown = [d for d in chosen if d not in known]
    if unknown:
        raise UserError(
            UserCode.BAD_DISTRICT,
            where="--district",
            params={"codes": ", ".join(unknown), "known": ", ".join(known)},
        )
    return chosen


def get_user(conn: Connection, username: str) -> User | None:
    row = conn.execute(sa.select(web_user).where(web_user.c.username == username)).first()
    return _user(row) if row else None


def _existing(conn: Connection, username: str) -> User:
    found = get_user(conn, username)
    if found is None:
        raise UserError(UserCode.UNKNOWN_USER, where=username, params={"username": username})
    return found


def add_user(
    conn: Connection,
    username: str,
    role: str,
    password: str,
    districts: Sequence[str] = (),
) -> User:
    """Create a user; USR003 when the name is taken."""
    check_username(username)
    if get_user(conn, username) is not None:
        raise UserError(UserCode.USER_EXISTS, where=username, params={"username": username})
    now = _now()
    conn.execute(
        web_user.insert().values(
            username=username,
            role=role,
            districts=",".join(districts),
            password_hash=hash_password(password),
            active=True,
            created_at=now,
            updated_at=now,
        )
    )
    return _existing(conn, username)


def set_password(conn: Connection, username: str, password: str) -> User:
    """A new password; the user's sessions end (and a disabled user stays disabled)."""
    user = _existing(conn, username)
    conn.execute(
        web_user.update()
        .where(web_user.c.id == user.id)
        .values(password_hash=hash_password(password), updated_at=_now())
    )
    conn.execute(web_session.delete().where(web_session.c.user_id == user.id))
    return user


def disable_user(conn: Connection, username: str) -> User:
    """The user can no longer sign in; their sessions end. Kept for the audit log."""
    user = _existing(conn, username)
    conn.execute(
        web_user.update().where(web_user.c.id == user.id).values(active=False, updated_at=_now())
    )
    conn.execute(web_session.delete().where(web_session.c.user_id == user.id))
    return _existing(conn, username)


def list_users(conn: Connection) -> list[User]:
    return [_user(row) for row in conn.execute(sa.select(web_user).order_by(web_user.c.username))]


def authenticate(conn: Connection, username: str, password: str) -> User | None:
    """The active user whose password this is, else None (an unknown or disabled user costs
    one hash verification too)."""
    row = conn.execute(sa.select(web_user).where(web_user.c.username == username)).first()
    stored = row.password_hash if row is not None else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    if _HASHER.check_needs_rehash(stored):
        conn.execute(
            web_user.update()
            .where(web_user.c.id == row.id)
            .values(password_hash=_HASHER.hash(password))
        )
    return _user(row)


# -- sessions -------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    """A signed-in session: its user, its CSRF token and when it expires."""

    user: User
    csrf_token: str
    expires_at: datetime


def start_session(
    conn: Connection, user: User, *, hours: float = SESSION_HOURS, address: str | None = None
) -> tuple[str, Session]:
    """A new session for `user`: the token for the browser's cookie, and the session."""
    token = secrets.token_urlsafe(32)
    now = _now()
    session = Session(user, secrets.token_urlsafe(32), now + timedelta(hours=hours))
    conn.execute(web_session.delete().where(web_session.c.expires_at < now))
    conn.execute(
        web_session.insert().values(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=session.csrf_token,
            created_at=now,
            expires_at=session.expires_at,
            address=(address or "")[:64] or None,
        )
    )
    return token, session


def find_session(conn: Connection, token: str) -> Session | None:
    """The live session of a cookie's token: None when unknown, expired (then removed) or
    its user is disabled."""
    s, u = web_session, web_user
    row = conn.execute(
        sa.select(s.c.csrf_token, s.c.expires_at, u)
        .join(u, u.c.id == s.c.user_id)
        .where(s.c.token_hash == _digest(token))
    ).first()
    if row is None:
        return None
    expires = _aware(row.expires_at)
    if expires <= _now():
        conn.execute(s.delete().where(s.c.token_hash == _digest(token)))
        return None
    if not row.active:
        return None
    return Session(_user(row), row.csrf_token, expires)


def end_session(conn: Connection, token: str) -> None:
    conn.execute(web_session.delete().where(web_session.c.token_hash == _digest(token)))


# -- the audit log --------------------------------------------------------------------------

VIEW_SUBMISSION = "view_submission"  # a submission page with personal data
DECISION = "decision"
SIGN_IN, SIGN_IN_REFUSED, SIGN_OUT = "sign_in", "sign_in_refused", "sign_out"
RUN = "run"  # a sync or a validation started from the web app
DOWNLOAD = "download"


def audit(
    conn: Connection,
    username: str,
    action: str,
    target: str = "",
    detail: str = "",
    address: str | None = None,
) -> None:
    """Add one row to the audit log."""
    conn.execute(
        web_audit.insert().values(
            at=_now(),
            username=username[:64],
            action=action,
            target=target,
            detail=detail,
            address=(address or "")[:64] or None,
        )
    )


def audit_log(
    conn: Connection, *, limit: int = 100, offset: int = 0, action: str | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """How many rows the log holds (of `action` when given), and a page of them, newest
    first."""
    a = web_audit
    where = [a.c.action == action] if action else []
    total = conn.execute(sa.select(sa.func.count()).select_from(a).where(*where)).scalar() or 0
    rows = conn.execute(
        sa.select(a).where(*where).order_by(a.c.id.desc()).limit(limit).offset(offset)
    )
    page = [{**row._mapping, "at": _aware(row.at)} for row in rows]
    return int(total), page
