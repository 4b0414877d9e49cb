"""Configuration: one `htsd.toml`, resolved once (precedence flag > environment > file > default).

The KoboToolbox token is read only from the environment (`KOBOTOOLBOX_TOKEN`); it is never
read from a file, printed, logged or stored.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forms.errors import ErrorCode, HtsdError, Message
from forms.form_ids import FORM_IDS
from forms.reference import PROVINCE
from forms.text import Text

DEFAULT_DATABASE_URL = "sqlite:///htsd.sqlite"
DEFAULT_KOBO_URL = "https://kf.kobotoolbox.org"


class ConfigCode(ErrorCode):
    """Codes of the configuration (htsd.toml, environment)."""

    FILE_NOT_FOUND = (
        "CFG001",
        Message(
            "không tìm thấy tệp cấu hình {path}",
            "configuration file {path} not found",
            "kiểm tra đường dẫn trong --config hoặc HTSD_CONFIG",
            "check the path given in --config or HTSD_CONFIG",
        ),
    )
    UNPARSABLE = (
        "CFG002",
        Message(
            "tệp cấu hình không đọc được: {detail}",
            "the configuration file cannot be parsed: {detail}",
            "sửa cú pháp TOML tại dòng đã nêu",
            "fix the TOML syntax at the line given",
        ),
    )
    BAD_KEY = (
        "CFG003",
        Message(
            "khóa '{key}' không hợp lệ: {detail}",
            "key '{key}' is invalid: {detail}",
            "{fix}",
            "{fix}",
        ),
    )
    UNREADABLE = (
        "CFG005",
        Message(
            "không đọc được tệp cấu hình: {detail}",
            "the configuration file cannot be read: {detail}",
            "lưu tệp dạng văn bản UTF-8 (TOML), và kiểm tra quyền đọc tệp",
            "save it as UTF-8 text (TOML), and check that it may be read",
        ),
    )
    TOKEN_IN_FILE = (
        "CFG004",
        Message(
            "không được ghi token hay mật khẩu trong tệp cấu hình (khóa '{key}')",
            "a token or password must not be written in the configuration file (key '{key}')",
            "xóa khóa này và đặt biến môi trường KOBOTOOLBOX_TOKEN (ODK Central: "
            "ODK_CENTRAL_USERNAME, ODK_CENTRAL_PASSWORD)",
            "remove this key and set the KOBOTOOLBOX_TOKEN environment variable (ODK Central: "
            "ODK_CENTRAL_USERNAME, ODK_CENTRAL_PASSWORD)",
        ),
    )


_KNOWN_KEYS: dict[str, set[str]] = {
    "": {"database_url", "language", "province"},
    "kobo": {"url", "assets"},
    "central": {"url", "project", "forms"},  # ODK Central (etl/central); credentials: env only
}
_SECRET_WORDS = ("token", "password", "username", "email")


@dataclass(frozen=True)
class Settings:
    """Resolved settings. The token field is kept out of repr so it never reaches a log."""

    database_url: str = DEFAULT_DATABASE_URL
    kobo_url: str = DEFAULT_KOBO_URL
    kobo_token: str | None = field(default=None, repr=False)
    assets: dict[str, str] = field(default_factory=dict)
    central_url: str | None = None  # ODK_CENTRAL_URL, else [central] url
    central_project: int | None = None  # [central] project
    central_forms: tuple[str, ...] = ()  # [central] forms: xmlFormIds of that project
    language: str = "vi"
    province: str = PROVINCE
    config_path: Path | None = None


def find_config(flag: str | None, env: Mapping[str, str]) -> Path | None:
    """`--config`, then `HTSD_CONFIG`, then `./htsd.toml` when it exists."""
    if flag:
        path = Path(flag)
        if not path.is_file():
            raise HtsdError(ConfigCode.FILE_NOT_FOUND, where="--config", params={"path": path})
        return path
    if env.get("HTSD_CONFIG"):
        path = Path(env["HTSD_CONFIG"])
        if not path.is_file():
            raise HtsdError(ConfigCode.FILE_NOT_FOUND, where="HTSD_CONFIG", params={"path": path})
        return path
    default = Path("htsd.toml")
    return default if default.is_file() else None


UNKNOWN_KEY = Text("htsd không có khóa này", "unknown key")
UNKNOWN_SECTION = Text("htsd không có mục này", "unknown section")
_TOML_PLACE = re.compile(r"\(at line (\d+), column (\d+)\)")


def _toml_detail(exc: tomllib.TOMLDecodeError) -> Text:
    """tomllib's reason is English only: in Vietnamese, the place it names."""
    place = _TOML_PLACE.search(str(exc))
    where = f" ở dòng {place.group(1)}, cột {place.group(2)}" if place else ""
    return Text(f"sai cú pháp TOML{where}", str(exc))


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        detail = Text(
            f"không phải văn bản UTF-8 (byte {exc.start})", f"not UTF-8 text (byte {exc.start})"
        )
        raise HtsdError(ConfigCode.UNREADABLE, where=str(path), params={"detail": detail}) from None
    except OSError as exc:
        detail = Text(exc.strerror or type(exc).__name__, exc.strerror or type(exc).__name__)
        raise HtsdError(ConfigCode.UNREADABLE, where=str(path), params={"detail": detail}) from None
    except tomllib.TOMLDecodeError as exc:
        raise HtsdError(
            ConfigCode.UNPARSABLE, where=str(path), params={"detail": _toml_detail(exc)}
        ) from None
    for section, keys in data.items():
        if isinstance(keys, dict):
            allowed = _KNOWN_KEYS.get(section)
            if allowed is None:
                raise HtsdError(
                    ConfigCode.BAD_KEY,
                    where=str(path),
                    params={
                        "key": section,
                        "detail": UNKNOWN_SECTION,
                        "fix": Text(
                            "mục hợp lệ: [kobo], [central]",
                            "the valid sections are [kobo], [central]",
                        ),
                    },
                )
            for key in keys:
                if any(word in key.lower() for word in _SECRET_WORDS):
                    raise HtsdError(
                        ConfigCode.TOKEN_IN_FILE,
                        where=str(path),
                        params={"key": f"{section}.{key}"},
                    )
                if key not in allowed:
                    raise HtsdError(
                        ConfigCode.BAD_KEY,
                        where=str(path),
                        params={
                            "key": f"{section}.{key}",
                            "detail": UNKNOWN_KEY,
                            "fix": Text(
                                "các khóa hợp lệ: " + ", ".join(sorted(allowed)),
                                "valid keys are " + ", ".join(sorted(allowed)),
                            ),
                        },
                    )
        else:
            if "token" in section.lower():
                raise HtsdError(ConfigCode.TOKEN_IN_FILE, where=str(path), params={"key": section})
            if section not in _KNOWN_KEYS[""]:
                raise HtsdError(
                    ConfigCode.BAD_KEY,
                    where=str(path),
                    params={
                        "key": section,
                        "detail": UNKNOWN_KEY,
                        "fix": Text(
                            "các khóa hợp lệ: database_url, language, province",
                            "valid keys are database_url, language, province",
                        ),
                    },
                )
    return data


def _check_form_name(form: str, where: str) -> None:
    """A name under [kobo.assets] names the typed tables: one of the six forms, or another
    asset's own name (lower-case letters, digits, _); a near miss of one of the six
    (`gia_dinhh`) is refused naming the form meant."""
    close = difflib.get_close_matches(form, FORM_IDS, n=1, cutoff=0.8)
    if form in FORM_IDS:
        return
    if close or not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", form):
        suggestion = close[0] if close else None
        raise HtsdError(
            ConfigCode.BAD_KEY,
            where=where,
            params={
                "key": f"kobo.assets.{form}",
                "detail": Text(
                    "không phải tên một biểu mẫu htsd dựng", "is not the name of a form htsd builds"
                )
                if suggestion
                else Text(
                    "tên bảng chỉ gồm chữ thường, chữ số và _",
                    "a table name has lower-case letters, digits and _ only",
                ),
                "fix": Text(
                    f"có phải {suggestion}? Các biểu mẫu: {', '.join(FORM_IDS)}",
                    f"did you mean {suggestion}? The forms: {', '.join(FORM_IDS)}",
                )
                if suggestion
                else Text("đổi tên, ví dụ du_an_khac", "rename it, e.g. other_project"),
            },
        )


def _check_language(value: str, where: str, key: str) -> str:
    if value not in ("vi", "en"):
        raise HtsdError(
            ConfigCode.BAD_KEY,
            where=where,
            params={
                "key": key,
                "detail": f"'{value}'",
                "fix": Text("dùng 'vi' hoặc 'en'", "use 'vi' or 'en'"),
            },
        )
    return value


def _check_province(value: Any, where: str) -> str:
    """The province: htsd ships the reference data (units, crosswalk, classes) of one."""
    if str(value) != PROVINCE:
        raise HtsdError(
            ConfigCode.BAD_KEY,
            where=where,
            params={
                "key": "province",
                "detail": f"'{value}'",
                "fix": Text(
                    f"htsd chỉ có danh mục đơn vị hành chính của tỉnh Bắc Kạn: dùng "
                    f'"{PROVINCE}" hoặc bỏ khóa này',
                    f'htsd ships the administrative units of Bắc Kạn only: use "{PROVINCE}" '
                    "or remove the key",
                ),
            },
        )
    return PROVINCE


def load_settings(
    config: str | None = None,
    *,
    database_url: str | None = None,
    kobo_url: str | None = None,
    language: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings with precedence flag > environment > file > default."""
    env = os.environ if env is None else env
    path = find_config(config, env)
    data = _read_file(path) if path else {}
    kobo = data.get("kobo", {})
    where = str(path) if path else "htsd.toml"
    for key, value in (
        ("database_url", data.get("database_url")),
        ("language", data.get("language")),
        ("kobo.url", kobo.get("url")),
    ):
        if value is not None and not isinstance(value, str):
            raise HtsdError(
                ConfigCode.BAD_KEY,
                where=where,
                params={
                    "key": key,
                    "detail": Text(f"{value!r} không phải là văn bản", f"{value!r} is not a text"),
                    "fix": Text(
                        f'ghi giá trị trong dấu ngoặc kép, ví dụ {key.split(".")[-1]} = "..."',
                        f'write the value in double quotes, e.g. {key.split(".")[-1]} = "..."',
                    ),
                },
            )

    assets = kobo.get("assets", {})
    if not isinstance(assets, dict) or not all(isinstance(v, str) for v in assets.values()):
        raise HtsdError(
            ConfigCode.BAD_KEY,
            where=where,
            params={
                "key": "kobo.assets",
                "detail": Text(
                    "phải ghi mỗi tên biểu mẫu với mã dự án (asset uid) của nó",
                    "must map form names to asset uids",
                ),
                "fix": Text(
                    'ví dụ: [kobo.assets] gia_dinh = "aXyz..."',
                    'for example: [kobo.assets] gia_dinh = "aXyz..."',
                ),
            },
        )
    for form in assets:
        _check_form_name(str(form), where)
    lang = language or env.get("HTSD_LANG") or data.get("language") or "vi"
    return Settings(
        database_url=database_url
        or env.get("HTSD_DATABASE_URL")
        or data.get("database_url")
        or DEFAULT_DATABASE_URL,
        kobo_url=(kobo_url or env.get("KOBOTOOLBOX_URL") or kobo.get("url") or DEFAULT_KOBO_URL),
        kobo_token=env.get("KOBOTOOLBOX_TOKEN") or None,
        assets=dict(assets),
        central_url=env.get("ODK_CENTRAL_URL") or _central(data, where)[0],
        central_project=_central(data, where)[1],
        central_forms=_central(data, where)[2],
        language=_check_language(str(lang), where, "language"),
        province=_check_province(data.get("province", PROVINCE), where),
        config_path=path,
    )


def _central(data: Mapping[str, Any], where: str) -> tuple[str | None, int | None, tuple[str, ...]]:
    """[central] url, project (a number) and forms (a list of xmlFormIds)."""
    central = data.get("central", {})
    url, project, forms = central.get("url"), central.get("project"), central.get("forms", [])
    if url is not None and not isinstance(url, str):
        key, detail = "central.url", Text("phải là văn bản", "must be a text")
    elif project is not None and (not isinstance(project, int) or isinstance(project, bool)):
        key, detail = "central.project", Text("phải là một số", "must be a number")
    elif not isinstance(forms, list) or not all(isinstance(f, str) for f in forms):
        key, detail = "central.forms", Text("phải là danh sách tên", "must be a list of names")
    else:
        return url, project, tuple(forms)
    raise HtsdError(
        ConfigCode.BAD_KEY,
        where=where,
        params={
            "key": key,
            "detail": detail,
            "fix": Text(
                '[central] url = "https://...", project = 3, forms = ["gia_dinh"]',
                '[central] url = "https://...", project = 3, forms = ["gia_dinh"]',
            ),
        },
    )
