"""A published XForm (the XML ODK Central serves for a form version) → XLSForm rows.

ODK Central keeps a form as its XForm, not as the XLSForm it came from. `xform_to_xlsform`
reads the XForm pyxform writes back into XLSForm-shaped rows (`XLSFormData`), so
`FormSchema.from_xform` gives the same paths, types, choice lists, labels in every
language, hints, required/constraint/relevant/calculation rules and messages as
`FormSchema.from_xlsform` of the source .xlsx. Expressions come back with `${name}`
references where pyxform had written absolute or relative paths.

Read from the XForm:
- the primary instance (document order, groups and repeats), the binds (type, required,
  relevant, constraint, calculate, readonly, preloads, messages), the body controls (kind of
  question, appearance, choice list and filter), the itext translations, the secondary
  instances of the choice lists (with their extra columns);
- the `htsd:pii` bind attribute htsd adds when it publishes a form (etl/central/deploy.py),
  as the `pii` column; a form published by other means has no PII tags.

`xlsform_to_kpi_content_rows` (forms/kpi.py) turns the rows into KPI content, which is how
the warehouse stores every version's form.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from forms.messages import FormsCode, FormsError
from forms.xlsform import XLSFormData

NS = {
    "x": "http://www.w3.org/2002/xforms",
    "h": "http://www.w3.org/1999/xhtml",
    "jr": "http://openrosa.org/javarosa",
    "odk": "http://www.opendatakit.org/xforms",
}
HTSD_NS = "https://htsd.invalid/xforms"
_JR = "{{{}}}".format(NS["jr"])
_X = "{{{}}}".format(NS["x"])
_HTSD = f"{{{HTSD_NS}}}"

_BIND_TYPES = {
    "int": "integer",
    "decimal": "decimal",
    "date": "date",
    "dateTime": "datetime",
    "time": "time",
    "geopoint": "geopoint",
    "geotrace": "geotrace",
    "geoshape": "geoshape",
    "barcode": "barcode",
    "string": "text",
}
_PRELOADS = {
    ("timestamp", "start"): "start",
    ("timestamp", "end"): "end",
    ("date", "today"): "today",
    ("property", "deviceid"): "deviceid",
    ("property", "username"): "username",
    ("property", "phonenumber"): "phonenumber",
    ("property", "email"): "email",
}
_UPLOADS = {"image": "image", "audio": "audio", "video": "video"}
_ITEXT = re.compile(r"jr:itext\('([^']+)'\)")
_ITEMSET = re.compile(r"^instance\('([^']+)'\)/root/item(?:\[(.*)\])?$", re.S)


def _tag(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2]


def _bool(value: str | None) -> str:
    return "yes" if (value or "").strip() in ("true()", "true", "yes", "1") else (value or "")


class _Refs:
    """Turns the paths pyxform writes (` /form/grp/q `, ` ../q `, ` current()/../q `) back
    into `${q}`."""

    def __init__(self, root: str) -> None:
        name = re.escape(root)
        self.absolute = re.compile(rf" (/{name}(?:/[A-Za-z_][\w.\-]*)+) ")
        self.relative = re.compile(
            r" ((?:current\(\)/)?(?:\.\./)+(?:[A-Za-z_][\w.\-]*/)*[A-Za-z_][\w.\-]*) "
        )

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        out = self.absolute.sub(lambda m: "${" + m.group(1).rpartition("/")[2] + "}", text)
        return self.relative.sub(lambda m: "${" + m.group(1).rpartition("/")[2] + "}", out)


def _parse(xml: str | bytes) -> ET.Element:
    try:
        return ET.fromstring(xml)
    except ET.ParseError as error:
        raise FormsError(FormsCode.BAD_KPI_CONTENT, "XForm", {"detail": str(error)}) from None


def xform_to_xlsform(xml: str | bytes) -> XLSFormData:
    """The XLSForm rows of an XForm written by pyxform (see the module docstring)."""
    html = _parse(xml)
    model = html.find("h:head/x:model", NS)
    body = html.find("h:body", NS)
    if model is None or body is None:
        raise FormsError(FormsCode.BAD_KPI_CONTENT, "XForm", {"detail": "no model or body"})
    instances = model.findall("x:instance", NS)
    primary = next((i for i in instances if not i.get("id")), None)
    if primary is None or len(primary) == 0:
        raise FormsError(FormsCode.BAD_KPI_CONTENT, "XForm", {"detail": "no primary instance"})
    root = primary[0]
    form_root = _tag(root)
    refs = _Refs(form_root)

    # itext: id → {column suffix (language name or "") → {form: text}}
    itext: dict[str, dict[str, dict[str, str]]] = {}
    default_language = ""
    for translation in model.findall("x:itext/x:translation", NS):
        lang = translation.get("lang") or ""
        if translation.get("default") and not default_language:
            default_language = lang
        for entry in translation.findall("x:text", NS):
            for value in entry.findall("x:value", NS):
                form = value.get("form") or "long"
                itext.setdefault(entry.get("id") or "", {}).setdefault(lang, {})[form] = (
                    _inner_text(value, refs)
                )

    binds = {b.get("nodeset") or "": b for b in model.findall("x:bind", NS)}
    controls: dict[str, ET.Element] = {}
    groups: dict[str, ET.Element] = {}
    repeats: dict[str, ET.Element] = {}
    for element in body.iter():
        kind = _tag(element)
        if kind == "repeat":
            repeats[element.get("nodeset") or ""] = element
        elif kind == "group" and element.get("ref"):
            groups[element.get("ref") or ""] = element
        elif element.get("ref") and kind not in ("label", "hint", "value", "output"):
            controls[element.get("ref") or ""] = element

    dynamic_defaults = {
        (e.get("ref") or ""): e.get("value") or ""
        for e in html.iter("{{{}}}setvalue".format(NS["x"]))
        if "odk-instance-first-load" in (e.get("event") or "")
    }
    survey: list[dict[str, str]] = []
    generated_counts: set[str] = set()
    for _path, repeat in repeats.items():
        count = repeat.get(_JR + "count")
        if count and count.strip().startswith("/"):
            bind = binds.get(count.strip())
            if bind is not None and bind.get("calculate") and count.strip().endswith("_count"):
                generated_counts.add(count.strip())

    def labels(element: ET.Element | None, base: str, row: dict[str, str]) -> None:
        if element is None:
            return
        for child in element:
            kind = _tag(child)
            if kind not in ("label", "hint"):
                continue
            column = "label" if kind == "label" else "hint"
            if column != base and base != "*":
                continue
            ref = child.get("ref") or ""
            found = _ITEXT.match(ref)
            if found:
                for lang, forms in itext.get(found.group(1), {}).items():
                    text = forms.get("long") or next(iter(forms.values()), "")
                    if text:
                        row[f"{column}::{lang}" if lang else column] = text
                    if forms.get("image"):
                        row[f"media::image::{lang}" if lang else "media::image"] = forms["image"]
            elif (child.text or "").strip() or len(child):
                row[column] = _inner_text(child, refs)

    def messages(bind: ET.Element, attribute: str, column: str, row: dict[str, str]) -> None:
        value = bind.get(_JR + attribute) or ""
        found = _ITEXT.match(value)
        if found:
            for lang, forms in itext.get(found.group(1), {}).items():
                text = forms.get("long") or ""
                if text:
                    row[f"{column}::{lang}" if lang else column] = text
        elif value:
            row[column] = value

    def common(path: str, row: dict[str, str]) -> None:
        bind = binds.get(path)
        if bind is None:
            return
        if bind.get("required"):
            row["required"] = _bool(bind.get("required"))
            messages(bind, "requiredMsg", "required_message", row)
        if bind.get("relevant"):
            row["relevant"] = refs(bind.get("relevant"))
        if bind.get("constraint"):
            row["constraint"] = refs(bind.get("constraint"))
            messages(bind, "constraintMsg", "constraint_message", row)
        if bind.get(_HTSD + "pii"):
            row["pii"] = bind.get(_HTSD + "pii") or ""

    def walk(node: ET.Element, path: str) -> None:
        for child in node:
            name = _tag(child)
            child_path = f"{path}/{name}"
            if path == f"/{form_root}" and name == "meta":
                continue
            if child_path in repeats or child_path in groups:
                is_repeat = child_path in repeats
                if is_repeat and _seen(child_path):
                    continue  # pyxform writes a repeat's template and a first instance
                row = {"type": "begin_repeat" if is_repeat else "begin_group", "name": name}
                element = groups.get(child_path)
                labels(element, "*", row)
                if element is not None and element.get("appearance"):
                    row["appearance"] = element.get("appearance") or ""
                common(child_path, row)
                if is_repeat:
                    count = (repeats[child_path].get(_JR + "count") or "").strip()
                    if count in generated_counts:
                        row["repeat_count"] = refs(binds[count].get("calculate"))
                    elif count:
                        row["repeat_count"] = refs(f" {count} ")
                survey.append(row)
                walk(child, child_path)
                survey.append({"type": "end_repeat" if is_repeat else "end_group"})
                continue
            if child_path in generated_counts:
                continue
            if len(child) and child_path not in controls and child_path not in binds:
                # a group without a body element (pyxform writes one for every group with a
                # label); kept as a group
                survey.append({"type": "begin_group", "name": name})
                walk(child, child_path)
                survey.append({"type": "end_group"})
                continue
            survey.append(question(child, child_path, name))

    seen_repeats: set[str] = set()

    def _seen(path: str) -> bool:
        if path in seen_repeats:
            return True
        seen_repeats.add(path)
        return False

    def question(node: ET.Element, path: str, name: str) -> dict[str, str]:
        bind = binds.get(path)
        control = controls.get(path)
        row: dict[str, str] = {"name": name}
        bind_type = bind.get("type") if bind is not None else None
        kind = _BIND_TYPES.get(bind_type or "string", bind_type or "text")
        if bind is not None and bind.get(_JR + "preload"):
            key = (bind.get(_JR + "preload") or "", bind.get(_JR + "preloadParams") or "")
            kind = _PRELOADS.get(key, kind)
        elif control is None:
            kind = "calculate" if bind is not None and bind.get("calculate") else "hidden"
        else:
            tag = _tag(control)
            if tag in ("select1", "select", "rank"):
                kind = {"select1": "select_one", "select": "select_multiple"}.get(tag, "rank")
                itemset = control.find("x:itemset", NS)
                found = _ITEMSET.match(
                    (itemset.get("nodeset") or "") if itemset is not None else ""
                )
                if found:
                    kind = f"{kind} {found.group(1)}"
                    if found.group(2):
                        row["choice_filter"] = refs(found.group(2)).replace("current()/", "")
                else:
                    kind = f"{kind} {name}"  # inline items: a list of the question's own
                    inline_choices(control, name)
            elif tag == "upload":
                media = (control.get("mediatype") or "").partition("/")[0]
                kind = _UPLOADS.get(media, "file")
                pixels = (bind if bind is not None else control).get(
                    "{http://openrosa.org/xforms}max-pixels"
                )
                if pixels:
                    row["parameters"] = f"max-pixels={pixels}"
            elif tag == "trigger":
                kind = "acknowledge"
            elif tag == "range":
                kind = "range"
                params = [
                    f"{k}={control.get(k)}" for k in ("start", "end", "step") if control.get(k)
                ]
                if params:
                    row["parameters"] = " ".join(params)
            elif (
                bind is not None
                and (bind.get("readonly") or "").startswith("true")
                and not bind.get("calculate")
                and kind == "text"
            ):
                kind = "note"
            if control.get("appearance"):
                row["appearance"] = control.get("appearance") or ""
            labels(control, "*", row)
        row["type"] = kind
        if bind is not None:
            common(path, row)
            if bind.get("calculate"):
                row["calculation"] = refs(bind.get("calculate"))
            if (bind.get("readonly") or "").startswith("true") and kind not in (
                "note",
                "calculate",
            ):
                row["read_only"] = "yes"
        if (node.text or "").strip():
            row["default"] = (node.text or "").strip()
        elif dynamic_defaults.get(path):
            row["default"] = refs(dynamic_defaults[path])
        return {k: v for k, v in row.items() if v != ""}

    inline: list[dict[str, str]] = []

    def inline_choices(control: ET.Element, list_name: str) -> None:
        for item in control.findall("x:item", NS):
            row = {"list_name": list_name, "name": (item.findtext("x:value", "", NS) or "")}
            labels(item, "label", row)
            inline.append(row)

    walk(root, f"/{form_root}")

    choices: list[dict[str, str]] = []
    for instance in instances:
        list_name = instance.get("id")
        if not list_name or instance.get("src"):
            continue
        for item in instance.iter(_X + "item"):
            row = {"list_name": list_name}
            for part in item:
                key, content = _tag(part), (part.text or "")
                if key == "itextId":
                    for lang, forms in itext.get(content, {}).items():
                        label = forms.get("long") or ""
                        if label:
                            row[f"label::{lang}" if lang else "label"] = label
                        if forms.get("image"):
                            row[f"media::image::{lang}" if lang else "media::image"] = forms[
                                "image"
                            ]
                else:
                    row[key] = content
            choices.append(row)
    choices += inline

    settings: dict[str, str] = {
        "form_id": root.get("id") or form_root,
        "form_title": html.findtext("h:head/h:title", "", NS) or "",
    }
    if root.get("version"):
        settings["version"] = root.get("version") or ""
    if default_language:
        settings["default_language"] = default_language
    if form_root != settings["form_id"]:
        settings["name"] = form_root
    name_bind = binds.get(f"/{form_root}/meta/instanceName")
    if name_bind is not None and name_bind.get("calculate"):
        settings["instance_name"] = refs(name_bind.get("calculate"))
    return XLSFormData(survey=tuple(survey), choices=tuple(choices), settings=settings)


def _inner_text(element: ET.Element, refs: _Refs) -> str:
    """The text of a label or value, with each `<output value=" /x/y "/>` as `${y}`."""
    parts = [element.text or ""]
    for child in element:
        if _tag(child) == "output":
            parts.append(refs(child.get("value")))
        parts.append(child.tail or "")
    return "".join(parts).strip()


def xform_version(xml: str | bytes) -> str | None:
    """The `version` of an XForm's primary instance (what Central calls the form version)."""
    return xform_settings(xml).get("version")


def xform_settings(xml: str | bytes) -> Mapping[str, Any]:
    """The form id, title and version of an XForm, without reading the rest."""
    html = _parse(xml)
    model = html.find("h:head/x:model", NS)
    primary = next(
        (
            i
            for i in (model.findall("x:instance", NS) if model is not None else [])
            if not i.get("id")
        ),
        None,
    )
    if primary is None or len(primary) == 0:
        raise FormsError(FormsCode.BAD_KPI_CONTENT, "XForm", {"detail": "no primary instance"})
    root = primary[0]
    return {
        "form_id": root.get("id") or _tag(root),
        "version": root.get("version"),
        "title": html.findtext("h:head/h:title", "", NS) or "",
    }


def with_version(xml: str, version: str) -> str:
    """The XForm with its primary instance's `version` attribute set to `version`."""
    head, sep, rest = xml.partition("<instance>")
    match = re.match(r"(\s*<[^\s>/]+)([^>]*?)(/?)>", rest) if sep else None
    if match is None:
        raise FormsError(FormsCode.BAD_KPI_CONTENT, "XForm", {"detail": "no primary instance"})
    attrs = re.sub(r'\sversion="[^"]*"', "", match.group(2))
    escaped = version.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    opened = f'{match.group(1)}{attrs} version="{escaped}"{match.group(3)}>'
    return head + sep + opened + rest[match.end() :]


def with_pii(xml: str, form: XLSFormData) -> str:
    """The XForm with each personal-data question's `pii` tag as an `htsd:pii` attribute of
    its bind, so the tag survives on a server that keeps only the XForm (ODK Central)."""
    tags: dict[str, str] = {}
    stack: list[str] = []
    for row in form.survey:
        kind = row.get("type", "").split()
        first = "_".join(kind[:2]) if kind and kind[0] in ("begin", "end") else ""
        if kind and kind[0].startswith(("begin_", "end_")):
            first = kind[0]
        name = row.get("name", "")
        if first.startswith("end_"):
            if stack:
                stack.pop()
            continue
        if first.startswith("begin_"):
            stack.append(name)
            continue
        if row.get("pii"):
            tags["/".join([*stack, name])] = row["pii"]
    if not tags:
        return xml
    root = xform_settings(xml)
    html = _parse(xml)
    primary = next(i for i in html.iter("{{{}}}instance".format(NS["x"])) if not i.get("id"))
    prefix = "/" + _tag(primary[0]) + "/"
    del root

    def tag(match: re.Match[str]) -> str:
        path = match.group(1)
        pii = tags.get(path[len(prefix) :]) if path.startswith(prefix) else None
        if not pii:
            return match.group(0)
        return f'{match.group(0)} htsd:pii="{pii}"'

    out = re.sub(r'<bind nodeset="([^"]+)"', tag, xml)
    return out.replace("<h:html ", f'<h:html xmlns:htsd="{HTSD_NS}" ', 1)
