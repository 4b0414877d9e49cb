"""Realistic synthetic answers generated from an asset's KPI content.

Answers follow the data endpoint's encoding: every value a string, unanswered questions
absent, repeats as lists of objects keyed by full paths, select_multiple space-separated,
geopoints "lat lon alt acc" inside Bắc Kạn. Cascading selects honour simple choice filters
(`col=${field}` joined by `and`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

FAMILY_NAMES = ["Hoàng", "Nông", "Lường", "Triệu", "Bàn", "Ma", "Lý", "Đàm", "Hà", "Lục"]
GIVEN_NAMES = ["Văn Thắng", "Thị Hoa", "Văn Dũng", "Thị Mai", "Đức Anh", "Thị Lan", "Văn Hùng"]
WORDS = ["đọc sách", "lớp khuyến nông", "học nghề", "sinh hoạt CLB", "tin học", "tiếng Anh"]
VILLAGES = [
    "Thôn Nà Đăng",
    "Bản Khuổi Luông",
    "Bản Chiếng",
    "Thôn Nà Cọ",
    "Thôn Pác Giả",
    "Bản Cốc Slông",
    "Tổ dân phố 3",
]
_FILTER_TERM = re.compile(r"^\s*([\w-]+)\s*=\s*(?:\$\{([\w-]+)\}|'([^']*)'|\"([^\"]*)\")\s*$")

_META = {"start", "end", "today", "deviceid", "username", "simserial", "phonenumber"}


def _name(row: Mapping[str, Any]) -> str:
    return str(row.get("name") or row.get("$autoname") or "")


def _list_name(row: Mapping[str, Any]) -> str:
    if row.get("select_from_list_name"):
        return str(row["select_from_list_name"])
    parts = str(row.get("type", "")).split()
    return parts[1] if len(parts) > 1 else ""


def _base_type(row: Mapping[str, Any]) -> str:
    kind = str(row.get("type", "")).strip()
    return kind.split()[0].replace(" ", "_") if kind else ""


class _Generator:
    def __init__(self, content: Mapping[str, Any], rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.choices: dict[str, list[Mapping[str, Any]]] = {}
        for choice in content.get("choices", []):
            self.choices.setdefault(str(choice.get("list_name")), []).append(choice)
        self.survey = list(content.get("survey", []))
        self.by_name: dict[str, str] = {}

    def run(self) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        self._block(0, len(self.survey), [], answers)
        return answers

    def _block(self, start: int, stop: int, path: list[str], out: dict[str, Any]) -> None:
        i = start
        while i < stop:
            row = self.survey[i]
            kind = _base_type(row).lower()
            if kind in ("begin_group", "begin_repeat"):
                end = self._matching_end(i, kind.replace("begin", "end"))
                name = _name(row)
                if kind == "begin_group":
                    self._block(i + 1, end, [*path, name], out)
                else:
                    items = []
                    for _ in range(self.rng.choice([0, 1, 1, 2, 2, 3, 4])):
                        item: dict[str, Any] = {}
                        self._block(i + 1, end, [*path, name], item)
                        if item:
                            items.append(item)
                    if items:
                        out["/".join([*path, name])] = items
                i = end + 1
                continue
            value = self._value(row, kind)
            if value is not None:
                key = "/".join([*path, _name(row)])
                out[key] = value
                self.by_name[_name(row)] = value
            i += 1

    def _matching_end(self, start: int, end_kind: str) -> int:
        depth = 0
        begin_kind = end_kind.replace("end", "begin")
        for j in range(start, len(self.survey)):
            kind = _base_type(self.survey[j]).lower()
            if kind == begin_kind:
                depth += 1
            elif kind == end_kind:
                depth -= 1
                if depth == 0:
                    return j
        return len(self.survey)

    def _filtered(self, row: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        options = self.choices.get(_list_name(row), [])
        expr = str(row.get("choice_filter") or "").strip()
        if not expr:
            return options
        for term in re.split(r"\band\b", expr):
            match = _FILTER_TERM.match(term)
            if not match:
                continue
            column, ref, lit1, lit2 = match.groups()
            wanted = self.by_name.get(ref) if ref else (lit1 if lit1 is not None else lit2)
            if wanted is None:
                continue
            options = [c for c in options if str(c.get(column, "")) == str(wanted)]
        return options

    def _value(self, row: Mapping[str, Any], kind: str) -> str | None:
        rng = self.rng
        name = _name(row)
        required = str(row.get("required", "")).lower() in ("true", "yes", "1")
        if kind in ("note", "calculate", "end_group", "end_repeat", "hidden", "acknowledge"):
            return None
        if kind not in _META and not required and rng.random() < 0.05:
            return None  # an optional question left blank: absent from the data
        if kind in ("start", "end"):
            moment = self.now - timedelta(minutes=rng.randint(5, 90) if kind == "start" else 1)
            return moment.strftime("%Y-%m-%dT%H:%M:%S.000+07:00")
        if kind == "today":
            return self.now.strftime("%Y-%m-%d")
        if kind == "deviceid":
            return f"collect:{rng.getrandbits(48):012x}"
        if kind in ("username", "simserial", "phonenumber"):
            return "dieutravien" if kind == "username" else None
        if kind == "integer":
            low, high = (0, 95) if "age" in name or "tuoi" in name else (0, 60)
            return str(rng.randint(low, high))
        if kind == "decimal":
            return f"{rng.uniform(0, 100):.1f}"
        if kind == "range":
            return str(rng.randint(0, 10))
        if kind in ("select_one", "select_one_from_file"):
            options = self._filtered(row)
            return str(rng.choice(options)["name"]) if options else None
        if kind in ("select_multiple", "select_multiple_from_file"):
            options = self._filtered(row)
            if not options:
                return None
            picked = rng.sample(options, k=rng.randint(1, min(3, len(options))))
            return " ".join(str(c["name"]) for c in picked)
        if kind == "geopoint":
            lat, lon = rng.uniform(21.85, 22.7), rng.uniform(105.45, 106.2)
            return f"{lat:.6f} {lon:.6f} {rng.uniform(150, 900):.1f} {rng.uniform(3, 15):.1f}"
        if kind == "date":
            return (self.now - timedelta(days=rng.randint(0, 300))).strftime("%Y-%m-%d")
        if kind == "datetime":
            moment = self.now - timedelta(days=rng.randint(0, 300))
            return moment.strftime("%Y-%m-%dT%H:%M:%S.000+07:00")
        if kind == "time":
            return f"{rng.randint(7, 17):02d}:{rng.choice([0, 15, 30, 45]):02d}:00.000+07:00"
        if kind in ("image", "audio", "video", "file"):
            return f"{name}_{rng.getrandbits(32):08x}.jpg"
        if kind == "text":
            if "phone" in name or "dien_thoai" in name:
                return "09" + "".join(str(rng.randint(0, 9)) for _ in range(8))
            if "village" in name or "thon" in name:
                return rng.choice(VILLAGES)
            if "name" in name or "ten" in name or "ho_ten" in name:
                return f"{rng.choice(FAMILY_NAMES)} {rng.choice(GIVEN_NAMES)}"
            return rng.choice(WORDS)
        return None


def generate_answers(
    content: Mapping[str, Any], rng: random.Random, now: datetime
) -> dict[str, Any]:
    """One submission's answers for the given KPI content."""
    return _Generator(content, rng, now).run()
