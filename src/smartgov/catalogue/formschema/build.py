"""Building a form: the builder's field list checked and turned into JSON Schema plus UI hints,
and the custom formats (identity number, phone, document reference) the schema names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jsonschema import FormatChecker

from smartgov.kit import identity

FIELD_TYPES = ("text", "textarea", "number", "money", "date", "choice", "multi_choice", "address",
               "identity_number", "phone", "file", "group")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_COMMON_KEYS = {"name", "type", "label", "help", "required", "section", "show_if", "placeholder"}
_TYPE_KEYS: dict[str, set[str]] = {
    "text": {"min_length", "max_length", "pattern"},
    "textarea": {"min_length", "max_length"},
    "number": {"minimum", "maximum", "integer"},
    "money": {"minimum", "maximum"},
    "date": {"minimum", "maximum"},
    "choice": {"choices"},
    "multi_choice": {"choices", "min_items", "max_items"},
    "address": set(),
    "identity_number": set(),
    "phone": set(),
    "file": {"accept", "multiple"},
    "group": {"fields", "min_items", "max_items"},
}
MAX_FIELDS = 200


class FormDefinitionError(Exception):
    def __init__(self, problems: list[FieldError]) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class FieldError:
    path: str  # "owners[1].id_number"; "" for the whole form
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.path, "message": self.message, "code": self.code}


# --- formats -----------------------------------------------------------------------------------

FORMATS = FormatChecker()


@FORMATS.checks("cn-resident-id", raises=())
def _is_resident_id(value: object) -> bool:
    return not isinstance(value, str) or identity.resident_id_problem(value) is None


@FORMATS.checks("cn-phone", raises=())
def _is_phone(value: object) -> bool:
    return not isinstance(value, str) or bool(_PHONE.match(value))


@FORMATS.checks("document-ref", raises=())
def _is_document_ref(value: object) -> bool:
    return not isinstance(value, str) or bool(_UUID.match(value))


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    from datetime import date

    if not isinstance(value, str):
        return True
    date.fromisoformat(value)
    return len(value) == 10


# --- building ----------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_fields(fields: Any, path: str = "fields", depth: int = 0) -> list[FieldError]:
    """Every problem with a builder field list, each naming where it is (``fields[2].pattern``)."""
    problems: list[FieldError] = []
    if not isinstance(fields, list):
        return [FieldError(path, "must be a list of fields")]
    if len(fields) > MAX_FIELDS:
        problems.append(FieldError(path, f"at most {MAX_FIELDS} fields"))
    names: list[str] = []
    for i, f in enumerate(fields):
        at = f"{path}[{i}]"
        if not isinstance(f, dict):
            problems.append(FieldError(at, "must be a mapping"))
            continue
        kind = f.get("type")
        if kind not in FIELD_TYPES:
            problems.append(FieldError(f"{at}.type", f"must be one of {', '.join(FIELD_TYPES)}"))
            continue
        for key in sorted(set(f) - _COMMON_KEYS - _TYPE_KEYS[kind]):
            problems.append(FieldError(f"{at}.{key}", f"not a setting of a {kind} field"))
        name = f.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append(FieldError(f"{at}.name", "must be lowercase letters, digits or _, starting with a letter"))
        elif name in names:
            problems.append(FieldError(f"{at}.name", f"{name} is used twice"))
        else:
            names.append(name)
        label = f.get("label")
        if not isinstance(label, dict) or not any(isinstance(v, str) and v.strip() for v in label.values()):
            problems.append(FieldError(f"{at}.label", "needs a label (zh and/or en)"))
        if "required" in f and not isinstance(f["required"], bool):
            problems.append(FieldError(f"{at}.required", "must be true or false"))
        for key in ("min_length", "max_length", "min_items", "max_items"):
            if key in f and (not _is_int(f[key]) or f[key] < 0):
                problems.append(FieldError(f"{at}.{key}", "must be a whole number, 0 or more"))
        for low, high in (("min_length", "max_length"), ("min_items", "max_items"), ("minimum", "maximum")):
            if _is_num(f.get(low)) and _is_num(f.get(high)) and f[low] > f[high]:
                problems.append(FieldError(f"{at}.{low}", f"is larger than {high}"))
        for key in ("minimum", "maximum"):
            if key in f:
                if kind == "date":
                    if not isinstance(f[key], str) or not is_valid_date(f[key]):
                        problems.append(FieldError(f"{at}.{key}", "must be a date YYYY-MM-DD"))
                elif kind == "money" and not _is_int(f[key]):
                    problems.append(FieldError(f"{at}.{key}", "must be a whole number of fen"))
                elif not _is_num(f[key]):
                    problems.append(FieldError(f"{at}.{key}", "must be a number"))
        if "pattern" in f:
            try:
                re.compile(f["pattern"])
            except (re.error, TypeError):
                problems.append(FieldError(f"{at}.pattern", "is not a valid regular expression"))
        if kind in ("choice", "multi_choice"):
            choices = f.get("choices")
            if not isinstance(choices, list) or not choices:
                problems.append(FieldError(f"{at}.choices", "needs at least one choice"))
            else:
                values = []
                for j, choice in enumerate(choices):
                    if not isinstance(choice, dict) or not isinstance(choice.get("value"), str) or not choice["value"]:
                        problems.append(FieldError(f"{at}.choices[{j}].value", "each choice needs a text value"))
                    elif choice["value"] in values:
                        problems.append(FieldError(f"{at}.choices[{j}].value", f"{choice['value']} is listed twice"))
                    else:
                        values.append(choice["value"])
        if kind == "group":
            if depth >= 1:
                problems.append(FieldError(f"{at}.type", "groups cannot be nested"))
            elif not f.get("fields"):
                problems.append(FieldError(f"{at}.fields", "a group needs fields"))
            else:
                problems.extend(check_fields(f["fields"], f"{at}.fields", depth + 1))
    for i, f in enumerate(fields):
        if isinstance(f, dict) and "show_if" in f:
            problems.extend(_check_condition(f["show_if"], f"{path}[{i}].show_if", f.get("name"), fields))
    return problems


def is_valid_date(text: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _check_condition(cond: Any, at: str, own: Any, fields: list[Any]) -> list[FieldError]:
    if not isinstance(cond, dict) or "field" not in cond or ("equals" in cond) == ("in" in cond):
        return [FieldError(at, "must be {field, equals} or {field, in}")]
    target = next((f for f in fields if isinstance(f, dict) and f.get("name") == cond["field"]), None)
    if target is None or cond["field"] == own:
        return [FieldError(f"{at}.field", f"names no other field of this form ({cond['field']!r})")]
    if target.get("type") in ("group", "file", "address", "multi_choice"):
        return [FieldError(f"{at}.field", "conditions can test text, number, date, choice or yes/no fields")]
    if "in" in cond and not isinstance(cond["in"], list):
        return [FieldError(f"{at}.in", "must be a list of values")]
    if isinstance(target, dict) and "show_if" in target:
        return [FieldError(f"{at}.field", "cannot depend on a field that is itself conditional")]
    return []


def _label(f: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in f.get("label", {}).items() if isinstance(v, str)}


def _field_schema(f: dict[str, Any]) -> dict[str, Any]:
    kind = f["type"]
    title = _label(f).get("en") or _label(f).get("zh") or f["name"]
    s: dict[str, Any]
    if kind in ("text", "textarea"):
        s = {"type": "string"}
        for key, target in (("min_length", "minLength"), ("max_length", "maxLength"), ("pattern", "pattern")):
            if key in f:
                s[target] = f[key]
        if f.get("required") and "minLength" not in s:
            s["minLength"] = 1  # a required text is more than an empty string
    elif kind == "number":
        s = {"type": "integer" if f.get("integer") else "number"}
    elif kind == "money":
        s = {"type": "integer", "minimum": 0, "x-unit": "fen"}
    elif kind == "date":
        s = {"type": "string", "format": "date"}
        if "minimum" in f:
            s["formatMinimum"] = f["minimum"]  # checked by validate_submission (no 2020-12 keyword)
        if "maximum" in f:
            s["formatMaximum"] = f["maximum"]
    elif kind == "choice":
        s = {"type": "string", "enum": [c["value"] for c in f["choices"]]}
    elif kind == "multi_choice":
        s = {"type": "array", "items": {"enum": [c["value"] for c in f["choices"]]}, "uniqueItems": True}
    elif kind == "address":
        s = {"type": "object", "properties": {"region": {"type": "string", "maxLength": 100},
                                              "detail": {"type": "string", "minLength": 1, "maxLength": 200}},
             "required": ["detail"], "additionalProperties": False}
    elif kind == "identity_number":
        s = {"type": "string", "format": "cn-resident-id"}
    elif kind == "phone":
        s = {"type": "string", "format": "cn-phone"}
    elif kind == "file":
        ref: dict[str, Any] = {"type": "string", "format": "document-ref"}
        s = {"type": "array", "items": ref, "minItems": 1} if f.get("multiple") else ref
        s["x-document"] = True
    else:  # group
        inner, _ui = _object_schema(f["fields"])
        s = {"type": "array", "items": inner}
    if kind in ("number", "money"):
        for key in ("minimum", "maximum"):
            if key in f:
                s[key] = f[key]
    if kind in ("multi_choice", "group"):
        if "min_items" in f:
            s["minItems"] = f["min_items"]
        elif f.get("required"):
            s["minItems"] = 1
        if "max_items" in f:
            s["maxItems"] = f["max_items"]
    s["title"] = title
    return s


def _object_schema(fields: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    conditions: list[dict[str, Any]] = []
    ui_fields: dict[str, Any] = {}
    for f in fields:
        properties[f["name"]] = _field_schema(f)
        hint: dict[str, Any] = {"type": f["type"], "label": _label(f)}
        for key in ("help", "placeholder", "section", "accept"):
            if key in f:
                hint[key] = f[key]
        if f["type"] in ("choice", "multi_choice"):
            hint["choices"] = f["choices"]
        if f["type"] == "group":
            _inner, inner_ui = _object_schema(f["fields"])
            hint["fields"] = inner_ui["fields"]
            hint["order"] = inner_ui["order"]
        if "show_if" in f:
            cond = f["show_if"]
            hint["show_if"] = cond
            test = {"const": cond["equals"]} if "equals" in cond else {"enum": cond["in"]}
            then: dict[str, Any] = {"required": [f["name"]]} if f.get("required") else {}
            conditions.append({"if": {"properties": {cond["field"]: test}, "required": [cond["field"]]},
                               "then": then, "x-shows": f["name"]})
        elif f.get("required"):
            required.append(f["name"])
        ui_fields[f["name"]] = hint
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    if conditions:
        schema["allOf"] = conditions
    return schema, {"order": [f["name"] for f in fields], "fields": ui_fields}


def build_schema(
    fields: list[dict[str, Any]], sections: list[dict[str, Any]] | None = None, title: str = ""
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON Schema and UI hints of a builder field list; ``FormDefinitionError`` lists problems.

    ``sections`` [{id, label}] orders and titles the groups of fields named by each field's
    ``section``; fields without one go in a section of their own at the end."""
    problems = check_fields(fields)
    section_ids = [s.get("id") for s in sections or [] if isinstance(s, dict)]
    for i, f in enumerate(fields if isinstance(fields, list) else []):
        if isinstance(f, dict) and "section" in f and f["section"] not in section_ids:
            problems.append(FieldError(f"fields[{i}].section", f"names no section ({f['section']!r})"))
    if problems:
        raise FormDefinitionError(problems)
    schema, ui = _object_schema(fields)
    schema = {"$schema": DIALECT, **({"title": title} if title else {}), **schema}
    ui_sections = [{"id": s["id"], "label": s.get("label", {}),
                    "fields": [f["name"] for f in fields if f.get("section") == s["id"]]}
                   for s in sections or []]
    loose = [f["name"] for f in fields if "section" not in f]
    if loose:
        ui_sections.append({"id": "", "label": {}, "fields": loose})
    ui["sections"] = ui_sections
    return schema, ui
