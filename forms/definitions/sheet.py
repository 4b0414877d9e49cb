"""`FormSheet`: a small, checked way to write XLSForm rows in Python.

Every label, hint and constraint message is a `Text`, so both languages are always written;
a constraint without its message, a duplicate name or an unknown choice list is refused
at once, with the row named. A required question gets the message Collect shows when it is
left blank (`required_message`), in both languages, worded for its type.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from forms.messages import FormsCode, FormsError
from forms.text import DEFAULT_LANGUAGE, Text, translated
from forms.xlsform import XLSFormData

ChoiceSpec = tuple[str, Text] | tuple[str, Text, dict[str, str]]

REQUIRED = Text("Câu này bắt buộc trả lời", "This question must be answered")
REQUIRED_BY_TYPE = {
    "select_one": Text("Hãy chọn một câu trả lời", "Please choose an answer"),
    "select_multiple": Text("Hãy chọn ít nhất một câu trả lời", "Please choose at least one"),
    "acknowledge": Text("Hãy đánh dấu để xác nhận", "Please tick to confirm"),
    "image": Text("Hãy chụp hoặc chọn một ảnh", "Please take or choose a photo"),
    "geopoint": Text("Hãy lấy vị trí GPS", "Please record the GPS position"),
}


def required_message(type_: str) -> Text:
    """What Collect says when a required question of this type is left blank."""
    return REQUIRED_BY_TYPE.get(type_.split(" ")[0], REQUIRED)


def xpath_string(value: str) -> str:
    """An XPath string literal for any text (quotes chosen to fit, concat() if both occur)."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in value.split("'")) + ")"


@dataclass
class FormSheet:
    """The rows of one XLSForm under construction."""

    form_id: str
    title: Text
    version: str
    survey: list[dict[str, str]] = field(default_factory=list)
    choices: list[dict[str, str]] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    _names: set[str] = field(default_factory=set)
    _lists: set[str] = field(default_factory=set)

    def _fail(self, code: FormsCode, **params: str) -> FormsError:
        return FormsError(code, f"form {self.form_id}", dict(params))

    def add(
        self,
        type_: str,
        name: str,
        label: Text | None = None,
        *,
        hint: Text | None = None,
        required: bool = False,
        relevant: str | None = None,
        constraint: str | None = None,
        message: Text | None = None,
        calculation: str | None = None,
        default: str | None = None,
        choice_filter: str | None = None,
        appearance: str | None = None,
        parameters: str | None = None,
        pii: str | None = None,
        required_text: Text | None = None,
    ) -> None:
        """Add one survey row; names must be unique and constraints need a message.

        A required row gets `required_text`, or the usual message for its type."""
        if name in self._names:
            raise self._fail(FormsCode.DUPLICATE_FIELD, name=name)
        if (constraint is None) != (message is None):
            raise self._fail(
                FormsCode.PYXFORM_FAILED, detail=f"{name}: a constraint needs its message"
            )
        self._names.add(name)
        row: dict[str, str] = {"type": type_, "name": name}
        row |= translated("label", label)
        row |= translated("hint", hint)
        row |= translated("constraint_message", message)
        if required:
            row |= translated("required_message", required_text or required_message(type_))
        optional = {
            "required": "yes" if required else None,
            "relevant": relevant,
            "constraint": constraint,
            "calculation": calculation,
            "default": default,
            "choice_filter": choice_filter,
            "appearance": appearance,
            "parameters": parameters,
            "pii": pii,
        }
        row |= {k: v for k, v in optional.items() if v}
        self.survey.append(row)

    def select(self, list_name: str, name: str, label: Text, **options: Any) -> None:
        """A select_one from a list already added with `choice_list`."""
        if list_name not in self._lists:
            raise self._fail(
                FormsCode.PYXFORM_FAILED, detail=f"{name}: unknown choice list {list_name}"
            )
        self.add(f"select_one {list_name}", name, label, **options)

    def multiple(self, list_name: str, name: str, label: Text, **options: Any) -> None:
        """A select_multiple from a list already added with `choice_list`."""
        if list_name not in self._lists:
            raise self._fail(
                FormsCode.PYXFORM_FAILED, detail=f"{name}: unknown choice list {list_name}"
            )
        self.add(f"select_multiple {list_name}", name, label, **options)

    def calculate(self, name: str, expression: str) -> None:
        self.add("calculate", name, calculation=expression)

    def note(self, name: str, label: Text, *, relevant: str | None = None) -> None:
        self.add("note", name, label, relevant=relevant)

    @contextmanager
    def group(
        self, name: str, label: Text, *, relevant: str | None = None, appearance: str | None = None
    ) -> Iterator[None]:
        self.add("begin_group", name, label, relevant=relevant, appearance=appearance)
        yield
        self.survey.append({"type": "end_group"})

    @contextmanager
    def repeat(
        self, name: str, label: Text, *, relevant: str | None = None, appearance: str | None = None
    ) -> Iterator[None]:
        self.add("begin_repeat", name, label, relevant=relevant, appearance=appearance)
        yield
        self.survey.append({"type": "end_repeat"})

    def choice_list(self, list_name: str, items: Iterable[ChoiceSpec]) -> None:
        """Add a choice list once (a second call with the same name is ignored)."""
        if list_name in self._lists:
            return
        self._lists.add(list_name)
        for spec in items:
            row = {"list_name": list_name, "name": spec[0]} | translated("label", spec[1])
            if len(spec) == 3:
                row |= {k: v for k, v in spec[2].items() if v}
            self.choices.append(row)

    def has_list(self, list_name: str) -> bool:
        return list_name in self._lists

    @property
    def names(self) -> set[str]:
        return set(self._names)

    def to_xlsform(self, instance_name: str) -> XLSFormData:
        """The finished XLSForm with its settings sheet."""
        settings = {
            # XLSForm has no title per language: the Vietnamese one, which surveyors read in
            # the form list (the English title is in htsd forms doc).
            "form_title": self.title.vi,
            "form_id": self.form_id,
            "version": self.version,
            "default_language": DEFAULT_LANGUAGE.name or "",
            "instance_name": instance_name,
            "name": self.form_id,
        }
        return XLSFormData(tuple(self.survey), tuple(self.choices), settings | self.settings)
