"""Engine factory for the two supported databases: SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from forms.errors import ErrorCode, HtsdError, Message, RemoteError


class DbCode(ErrorCode):
    """Codes of the warehouse connection."""

    BAD_URL = (
        "DB001",
        Message(
            "địa chỉ kho dữ liệu không hợp lệ: {detail}",
            "the warehouse URL is invalid: {detail}",
            "dùng dạng sqlite:///htsd.sqlite hoặc postgresql://user@host:5432/db",
            "use the form sqlite:///htsd.sqlite or postgresql://user@host:5432/db",
        ),
    )
    UNREACHABLE = (
        "DB002",
        Message(
            "không kết nối được kho dữ liệu: {detail}",
            "cannot connect to the warehouse: {detail}",
            "kiểm tra máy chủ cơ sở dữ liệu đang chạy và HTSD_DATABASE_URL",
            "check that the database server is running and HTSD_DATABASE_URL is right",
        ),
    )
    UNSUPPORTED = (
        "DB003",
        Message(
            "loại cơ sở dữ liệu '{dialect}' không được hỗ trợ",
            "database kind '{dialect}' is not supported",
            "dùng sqlite hoặc postgresql",
            "use sqlite or postgresql",
        ),
    )
    NO_FOLDER = (
        "DB004",
        Message(
            "không có thư mục {folder} để chứa tệp SQLite",
            "the folder {folder} of the SQLite file does not exist",
            "tạo thư mục đó, hoặc chọn đường dẫn khác (vd. sqlite:///htsd.sqlite)",
            "create that folder, or choose another path (e.g. sqlite:///htsd.sqlite)",
        ),
    )
    BUSY = (
        "DB005",
        Message(
            "kho dữ liệu đang bận: một lệnh htsd {command} khác đang chạy (pid {pid}, từ {since});"
            " đã chờ {waited} giây",
            "the warehouse is busy: another htsd {command} is running (pid {pid}, since {since});"
            " waited {waited} s",
            "chờ lệnh đó chạy xong rồi chạy lại; không cần xoá gì, khoá tự mở khi lệnh kia dừng",
            "run again once that command has finished; nothing needs deleting, the lock is"
            " released when the other command stops",
        ),
    )
    NO_WAREHOUSE = (
        "DB006",
        Message(
            "chưa có kho dữ liệu ở {path}",
            "there is no warehouse at {path}",
            "chạy lệnh trong thư mục có htsd.toml, đặt --database-url hoặc HTSD_DATABASE_URL,"
            " hoặc tạo kho bằng htsd sync / htsd import",
            "run from the folder holding htsd.toml, set --database-url or HTSD_DATABASE_URL,"
            " or create the warehouse with htsd sync / htsd import",
        ),
    )

    FAILED = (
        "DB007",
        Message(
            "kho dữ liệu từ chối thao tác: {detail}",
            "the warehouse refused the operation: {detail}",
            "không mất gì đã lưu (phần đang ghi dở đã được huỷ); sửa nguyên nhân (ổ đĩa đầy, tệp"
            " hoặc thư mục chỉ đọc, quyền truy cập) rồi chạy lại lệnh",
            "nothing already stored is lost (the unfinished write was rolled back); fix the"
            " cause (a full disk, a read-only file or folder, permissions) and run the command"
            " again",
        ),
    )
    CONNECTION_LOST = (
        "DB008",
        Message(
            "mất kết nối tới kho dữ liệu giữa chừng: {detail}",
            "the connection to the warehouse was lost: {detail}",
            "không mất gì đã lưu (phần đang ghi dở đã được huỷ); chạy lại lệnh khi máy chủ cơ sở"
            " dữ liệu hoạt động trở lại",
            "nothing already stored is lost (the unfinished write was rolled back); run the"
            " command again once the database server is back",
        ),
    )


class WarehouseUnavailable(RemoteError):  # noqa: N818 - reads as what happened
    """The database server went away in the middle of a command: safe to run it again."""


_QUOTED = re.compile(r"""(["'])(.*?)\1""")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,62}$")


def _quoted_value(match: re.Match[str]) -> str:
    """A quoted identifier (a table, a constraint) is kept; a quoted value becomes `…`."""
    return (
        match.group(0)
        if _IDENTIFIER.match(match.group(2))
        else f"{match.group(1)}…{match.group(1)}"
    )


def database_error(error: SQLAlchemyError, where: str = "") -> HtsdError:
    """What a database failure says at the command line: the database's own first line
    (quoted values hidden), never the statement or its parameters, which hold payloads —
    names, phone numbers. DB008 (worth retrying) when the connection was lost, else DB007."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        lines = str(error.orig).strip().splitlines()
        detail = _QUOTED.sub(_quoted_value, lines[0] if lines else "")[:200]
        detail = detail or type(error.orig).__name__
    else:
        detail = type(error).__name__
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return WarehouseUnavailable(DbCode.CONNECTION_LOST, where=where, params={"detail": detail})
    return HtsdError(DbCode.FAILED, where=where, params={"detail": detail})


def redact_url(url: str) -> str:
    """The URL with any password replaced, safe for messages and logs."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use the psycopg 3 driver for both."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # In WAL mode (`_use_wal`) NORMAL syncs at checkpoints, not at every commit: a crash of
    # the process loses nothing committed, a power cut at most the last transactions, each
    # whole (a page and its watermark together), never the file's consistency.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB of pages (the default: 2 MiB)
    cursor.close()


def _use_wal(engine: Engine, where: str, attempts: int = 100) -> None:
    """Put a SQLite file in WAL mode (kept in the file, so done once). Two commands opening a
    fresh file at the same moment both try; SQLite refuses the second switch at once, without
    its busy handler, so it looks again after a short pause and finds WAL already set."""
    for attempt in range(attempts):
        try:
            with engine.connect() as conn:
                mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
                if str(mode).lower() != "wal":
                    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            return
        except OperationalError as exc:
            if "locked" not in str(exc.orig):
                raise
            if attempt == attempts - 1:
                raise HtsdError(
                    DbCode.UNREACHABLE, where=where, params={"detail": str(exc.orig)}
                ) from None
            time.sleep(0.1)


def make_engine(url: str) -> Engine:
    """An engine for a warehouse URL; raises HtsdError with a fix for a bad URL."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise HtsdError(
            DbCode.BAD_URL, where=redact_url(url), params={"detail": str(exc)}
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.host:  # sqlite://x.sqlite: the file name was read as a host
            raise HtsdError(
                DbCode.BAD_URL,
                where=redact_url(url),
                params={"detail": f"'{parsed.host}' is read as a host, not a file"},
            )
        database = parsed.database
        if database and database != ":memory:" and not Path(database).parent.is_dir():
            raise HtsdError(
                DbCode.NO_FOLDER,
                where=redact_url(url),
                params={"folder": str(Path(database).parent)},
            )
        engine = sa.create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        if parsed.database and parsed.database != ":memory:":
            _use_wal(engine, redact_url(url))
        return engine
    if backend == "postgresql":
        return sa.create_engine(parsed, pool_pre_ping=True)
    raise HtsdError(DbCode.UNSUPPORTED, where=redact_url(url), params={"dialect": backend})


def shared_by_threads(engine: Engine) -> bool:
    """Whether the engine's connections, taken in two threads, see the same database: not
    so for an in-memory SQLite database, one per thread."""
    url = engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def require_existing(url: str) -> None:
    """Refuse (DB006) a SQLite warehouse file that does not exist: a read-only command must
    not create an empty warehouse in whatever folder it was run from."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        return  # make_engine says what is wrong with the URL
    if (
        parsed.get_backend_name() != "sqlite"
        or parsed.host
        or parsed.database in (None, "", ":memory:")
    ):
        return
    path = Path(parsed.database)
    if path.parent.is_dir() and not path.is_file():  # a missing folder: make_engine's DB004
        raise HtsdError(
            DbCode.NO_WAREHOUSE,
            where=redact_url(url),
            params={"path": str(path.resolve())},
        )


def check_connection(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except OperationalError as exc:
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise HtsdError(
            DbCode.UNREACHABLE,
            where=redact_url(engine.url.render_as_string(hide_password=True)),
            params={"detail": detail},
        ) from None


T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in slices of at most `size` (batches of one transaction or one IN list)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def update_or_insert(
    conn: Connection, table: sa.Table, key: Mapping[str, Any], values: Mapping[str, Any]
) -> None:
    """Update the row with `key` (column → value) to `values`, or insert it when missing."""
    where = [table.c[name] == value for name, value in key.items()]
    updated = conn.execute(table.update().where(*where).values(**values))
    if updated.rowcount == 0:
        conn.execute(table.insert().values(**key, **values))
