"""Rendering an application form from the version's JSON Schema and UI hints, and reading the
posted answers back into the JSON the schema validates (numbers as numbers, money in fen,
addresses as objects, file fields as document ids)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from smartgov.cases import ports
from smartgov.cases.views._common import label
from smartgov.kit import money


@dataclass
class FieldView:
    name: str
    type: str
    label: str
    help: str
    required: bool
    value: Any
    choices: list[tuple[str, str]] = field(default_factory=list)
    show_if: dict[str, Any] | None = None
    error: str = ""
    personal: bool = False
    display: str = ""  # the value as text for inputs (money in yuan, JSON for groups)


@dataclass
class SectionView:
    title: str
    fields: list[FieldView]


def _display(kind: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    if kind == "money" and isinstance(value, int):
        return money.to_decimal_text(value)
    if kind == "group":
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def sections(version: ports.Version, data: dict[str, Any], errors: dict[str, str], lang: str) -> list[SectionView]:
    schema, ui = version.form_schema, version.ui_hints or {}
    props = schema.get("properties") or {}
    hints = ui.get("fields") or {}
    required = set(schema.get("required") or [])
    for cond in schema.get("allOf") or []:
        required |= set((cond.get("then") or {}).get("required") or [])
    personal = ports.personal_fields(schema)
    order = ui.get("order") or list(props)

    def view(name: str) -> FieldView:
        hint = hints.get(name) or {}
        spec = props.get(name) or {}
        kind = hint.get("type") or ("text" if spec.get("type") == "string" else str(spec.get("type", "text")))
        choices = [
            (str(c.get("value")), label(c.get("label"), lang, str(c.get("value")))) for c in hint.get("choices", [])
        ]
        value = data.get(name)
        return FieldView(
            name=name,
            type=kind,
            label=label(hint.get("label"), lang, spec.get("title") or name),
            help=label(hint.get("help"), lang),
            required=name in required,
            value=value,
            choices=choices,
            show_if=hint.get("show_if"),
            error=errors.get(name, ""),
            personal=name in personal,
            display=_display(kind, value),
        )

    result = []
    placed: set[str] = set()
    for section in ui.get("sections") or []:
        names = [n for n in section.get("fields", []) if n in props]
        placed |= set(names)
        result.append(SectionView(label(section.get("label"), lang), [view(n) for n in names]))
    rest = [n for n in order if n in props and n not in placed]
    if rest:
        result.append(SectionView("", [view(n) for n in rest]))
    return result


def read_post(
    version: ports.Version, post: QueryDict, only: set[str] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Posted answers as JSON values, plus the fields that could not even be read (e.g. "12.3.4" yuan).
    Empty inputs are left out, so a partial autosave never erases an answer."""
    schema, ui = version.form_schema, version.ui_hints or {}
    hints = ui.get("fields") or {}
    data: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, spec in (schema.get("properties") or {}).items():
        if only is not None and name not in only:
            continue
        kind = (hints.get(name) or {}).get("type") or spec.get("type")
        key = f"f_{name}"
        if kind == "multi_choice":
            values = post.getlist(key)
            if values or f"{key}__present" in post:
                data[name] = values
            continue
        if kind == "address":
            region, detail = post.get(f"{key}_region", "").strip(), post.get(f"{key}_detail", "").strip()
            if region or detail:
                data[name] = {"region": region, "detail": detail} if region else {"detail": detail}
            continue
        raw = post.get(key)
        if raw is None or raw.strip() == "":
            continue
        raw = raw.strip()
        try:
            if kind == "money":
                data[name] = money.parse_amount(raw)
            elif kind == "number":
                number = float(raw)
                if not math.isfinite(number):  # "inf" and "nan" parse, but are no answer (and int(inf) raises)
                    raise ValueError(raw)
                data[name] = int(number) if spec.get("type") == "integer" or number.is_integer() else number
            elif kind == "group":
                data[name] = json.loads(raw)
            elif kind == "file" and spec.get("type") == "array":
                data[name] = [v for v in post.getlist(key) if v]
            else:
                data[name] = raw
        except (ValueError, TypeError, json.JSONDecodeError):
            problems[name] = "unreadable"
    return data, problems
