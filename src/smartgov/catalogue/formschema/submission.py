"""Checking a submission against a form's schema, ignoring fields hidden by their conditions."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from smartgov.catalogue.formschema.build import FORMATS, FieldError, is_valid_date

# --- validating submissions --------------------------------------------------------------------


def _visible(schema: dict[str, Any], data: Any) -> Any:
    """``data`` without the fields whose ``show_if`` condition is false (recursively)."""
    if not isinstance(data, dict) or schema.get("type") != "object":
        return data
    hidden = set()
    for rule in schema.get("allOf", []):
        if "x-shows" in rule and not Draft202012Validator(rule["if"]).is_valid(data):
            hidden.add(rule["x-shows"])
    kept = {}
    for key, value in data.items():
        if key in hidden:
            continue
        sub = schema.get("properties", {}).get(key)
        if isinstance(sub, dict) and sub.get("type") == "array" and isinstance(value, list):
            items = sub.get("items", {})
            value = [_visible(items, item) for item in value]
        kept[key] = value
    return kept


def _path(parts: list[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


_FORMAT_MESSAGES = {
    "cn-resident-id": "is not a valid resident identity number (GB 11643)",
    "cn-phone": "is not a valid phone number",
    "document-ref": "must reference an uploaded document",
    "date": "must be a date YYYY-MM-DD",
}


def _message(error: Any) -> tuple[str, list[Any], str]:
    """(message, extra path parts, code) for one jsonschema error, in plain words."""
    v, arg = error.validator, error.validator_value
    if v == "required":
        missing = next((name for name in arg if name not in (error.instance or {})), "")
        return "is required", [missing], "required"
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return "is not a field of this form", [extra[0]] if extra else [], "unknown_field"
    if v == "format":
        return _FORMAT_MESSAGES.get(arg, f"must be a {arg}"), [], "format"
    if v == "minLength":
        return ("is required", [], "required") if arg == 1 and error.instance == "" else \
            (f"must be at least {arg} characters", [], "min_length")
    messages = {
        "maxLength": (f"must be at most {arg} characters", "max_length"),
        "pattern": ("does not have the expected form", "pattern"),
        "minimum": (f"must be at least {arg}", "minimum"),
        "maximum": (f"must be at most {arg}", "maximum"),
        "enum": ("is not one of the choices", "choice"),
        "const": ("has the wrong value", "choice"),
        "minItems": (f"needs at least {arg} item(s)", "min_items"),
        "maxItems": (f"allows at most {arg} item(s)", "max_items"),
        "uniqueItems": ("lists a choice twice", "unique"),
        "type": ({"integer": "must be a whole number", "number": "must be a number", "string": "must be text",
                  "array": "must be a list", "object": "must be a set of fields",
                  "boolean": "must be yes or no"}.get(arg if isinstance(arg, str) else "", "has the wrong type"),
                 "type"),
    }
    message, code = messages.get(v, (error.message, v))
    return message, [], code


def _date_bounds(schema: dict[str, Any], data: Any, at: list[Any], errors: list[FieldError]) -> None:
    """formatMinimum/formatMaximum on dates (a 2019-09 vocabulary the 2020-12 validator lacks)."""
    if not isinstance(data, dict):
        return
    for key, sub in schema.get("properties", {}).items():
        value = data.get(key)
        if sub.get("format") == "date" and isinstance(value, str) and is_valid_date(value):
            if "formatMinimum" in sub and value < sub["formatMinimum"]:
                errors.append(FieldError(_path([*at, key]), f"must be on or after {sub['formatMinimum']}", "minimum"))
            if "formatMaximum" in sub and value > sub["formatMaximum"]:
                errors.append(FieldError(_path([*at, key]), f"must be on or before {sub['formatMaximum']}", "maximum"))
        if sub.get("type") == "array" and isinstance(value, list):
            for i, item in enumerate(value):
                _date_bounds(sub.get("items", {}), item, [*at, key, i], errors)


def validate_submission(schema: dict[str, Any], data: Any) -> list[FieldError]:
    """Field errors of ``data`` against a form ``schema`` (from ``build_schema``), hidden fields
    ignored; sorted by path; empty when the submission is acceptable."""
    if not isinstance(data, dict):
        return [FieldError("", "must be a set of fields", "type")]
    visible = _visible(schema, data)
    validator = Draft202012Validator(schema, format_checker=FORMATS)
    errors = []
    for error in validator.iter_errors(visible):
        if error.validator in ("allOf", "if", "then"):
            continue
        message, extra, code = _message(error)
        errors.append(FieldError(_path([*error.absolute_path, *extra]), message, code))
    _date_bounds(schema, visible, [], errors)
    unique = {(e.path, e.code): e for e in errors}
    return sorted(unique.values(), key=lambda e: (e.path, e.code))


def has_conditions(schema: dict[str, Any]) -> bool:
    """Whether a field of the form, or of a repeating group's items, is shown only if another's
    answer says so."""
    if schema.get("allOf"):
        return True
    return any(
        isinstance(sub, dict) and isinstance(sub.get("items"), dict) and has_conditions(sub["items"])
        for sub in (schema.get("properties") or {}).values()
    )


def visible_data(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The submission as it will be stored: hidden fields dropped."""
    result = _visible(schema, data)
    return result if isinstance(result, dict) else {}


def document_fields(schema: dict[str, Any]) -> list[str]:
    """Top-level fields that hold document references (the cases app attaches wallet documents)."""
    return [name for name, sub in schema.get("properties", {}).items() if sub.get("x-document")]
