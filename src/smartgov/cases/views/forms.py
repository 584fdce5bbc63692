"""Rendering an application form from the version's JSON Schema and UI hints, and reading the
posted answers back into the JSON the schema validates (numbers as numbers, money in fen,
addresses as objects, file fields as document ids, repeating groups as lists of objects).

Input names: a top-level field ``name`` posts as ``f_name``; a field ``sub`` of the ``i``-th item of
the repeating group ``group`` as ``f_group[i][sub]``. The same widgets serve both levels. Errors are
keyed by the path the schema validator reports, written ``group[0].sub`` (see ``error_key``)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from smartgov.cases import ports
from smartgov.cases.views._common import label
from smartgov.kit import money

BLANK_INDEX = "__index__"  # the item index in the blank item scripts copy to add one
MAX_ITEMS_READ = 200  # posted items beyond this are not read (the schema's maxItems refuses far fewer)


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
    show_if_kind: str = ""  # the kind of field the condition tests (money compares in fen)
    error: str = ""
    personal: bool = False
    display: str = ""  # the value as text for inputs (money in yuan)
    readable: str = ""  # the value as a reader sees it (choices by their labels)
    input_name: str = ""  # f_name, or f_group[0][sub]
    path: str = ""  # name, or group[0].sub (as errors and reveals name it)
    key: str = ""  # for element ids: name, or group-0-sub
    # A repeating group: its items (padded with blank ones to fill in), the blank item scripts copy,
    # the sub-fields' labels (table columns), and how many items it takes.
    items: list[ItemView] = field(default_factory=list)
    blank: ItemView | None = None
    columns: list[str] = field(default_factory=list)
    min_items: int = 0
    max_items: int | None = None

    @property
    def condition(self) -> str:
        """``show_if`` for cases/apply.js as JSON: the condition, and ``input``, the posted name of the
        field it tests (in the same item, for a group's field)."""
        if not self.show_if:
            return ""
        head, _bracket, _rest = self.input_name.rpartition("[")
        target = f"{head}[{self.show_if['field']}]" if head else f"f_{self.show_if['field']}"
        return json.dumps({**self.show_if, "input": target, "kind": self.show_if_kind}, ensure_ascii=False)

    @property
    def nested(self) -> bool:
        """A field of a group's item (posted as ``f_group[i][sub]``)."""
        return "[" in self.input_name

    @property
    def answered(self) -> list[ItemView]:
        """The items the applicant gave (without the blank ones offered for filling in)."""
        return [i for i in self.items if i.answered]

    @property
    def can_add(self) -> bool:
        return self.max_items is None or len(self.items) < self.max_items

    @property
    def can_remove(self) -> bool:
        return len(self.items) > self.min_items


@dataclass
class ItemView:
    index: int | str  # as posted (BLANK_INDEX in the blank item)
    number: int | str  # as shown: 1, 2, ...
    fields: list[FieldView]
    answered: bool
    error: str = ""


@dataclass
class SectionView:
    title: str
    fields: list[FieldView]


def error_key(path: str) -> str:
    """A validator's path as the pages key errors: ``data.group.0.sub`` and ``data.group[0].sub``
    are both ``group[0].sub``; ``data`` alone (the whole form) is ``""``."""
    text = path.removeprefix("data").lstrip(".")
    out = ""
    for part in (p for p in re.split(r"[.\[\]]+", text) if p):
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


def _error_at(errors: dict[str, str], key: str) -> str:
    """The first error at ``key`` or inside it (an address's ``detail``, a multi-choice's item)."""
    if key in errors:
        return errors[key]
    return next((m for k, m in errors.items() if k.startswith((f"{key}.", f"{key}["))), "")


def _display(kind: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    if kind == "money" and isinstance(value, int):
        return money.to_decimal_text(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _readable(kind: str, value: Any, choices: list[tuple[str, str]], display: str) -> str:
    names = dict(choices)
    if kind == "choice" and isinstance(value, str):
        return names.get(value, value)
    if kind == "multi_choice" and isinstance(value, list):
        return ", ".join(names.get(str(v), str(v)) for v in value)
    if kind == "address" and isinstance(value, dict):
        return " ".join(str(value.get(part) or "") for part in ("region", "detail")).strip()
    return display


def _required(schema: dict[str, Any]) -> set[str]:
    required = set(schema.get("required") or [])
    for cond in schema.get("allOf") or []:
        required |= set((cond.get("then") or {}).get("required") or [])
    return required


def _kind(hint: dict[str, Any], spec: dict[str, Any]) -> str:
    return str(hint.get("type") or ("text" if spec.get("type") == "string" else spec.get("type", "text")))


class _Level:
    """One level of a form (the form itself, or a group's items): its schema and UI hints."""

    def __init__(self, schema: dict[str, Any], hints: dict[str, Any], order: list[str] | None, lang: str) -> None:
        self.props: dict[str, Any] = schema.get("properties") or {}
        self.hints: dict[str, Any] = hints
        self.required = _required(schema)
        self.personal = ports.personal_fields(schema)
        self.order = [n for n in (order or list(self.props)) if n in self.props]
        self.lang = lang

    def view(
        self, name: str, value: Any, errors: dict[str, str], prefix: str = "", extra: dict[str, int] | None = None
    ) -> FieldView:
        """A field of this level; ``prefix`` is the item's place (``group[0]``) for a group's field."""
        hint, spec = self.hints.get(name) or {}, self.props.get(name) or {}
        kind = _kind(hint, spec)
        choices = [
            (str(c.get("value")), label(c.get("label"), self.lang, str(c.get("value"))))
            for c in hint.get("choices", [])
        ]
        path = f"{prefix}.{name}" if prefix else name
        display = _display(kind, value) if kind != "group" else ""
        view = FieldView(
            name=name,
            type=kind,
            label=label(hint.get("label"), self.lang, spec.get("title") or name),
            help=label(hint.get("help"), self.lang),
            required=name in self.required,
            value=value,
            choices=choices,
            show_if=hint.get("show_if"),
            show_if_kind=self._kind_of(hint["show_if"]["field"]) if hint.get("show_if") else "",
            error=errors.get(path, "") if kind == "group" else _error_at(errors, path),
            personal=name in self.personal,
            display=display,
            readable=_readable(kind, value, choices, display),
            input_name="f_" + _input_path(path),
            path=path,
            key=re.sub(r"[\[\].]+", "-", path).strip("-"),
        )
        if kind == "group":
            _fill_group(view, spec, hint, errors, self.lang, (extra or {}).get(name, 0))
        return view


    def _kind_of(self, name: str) -> str:
        return _kind(self.hints.get(name) or {}, self.props.get(name) or {})


def _input_path(path: str) -> str:
    """``group[0].sub`` → ``group[0][sub]`` (the posted name after ``f_``)."""
    head, _dot, rest = path.partition(".")
    return f"{head}[{rest}]" if rest else head


def _fill_group(
    view: FieldView, spec: dict[str, Any], hint: dict[str, Any], errors: dict[str, str], lang: str, extra: int
) -> None:
    items_schema = spec.get("items") or {}
    level = _Level(items_schema, hint.get("fields") or {}, hint.get("order"), lang)
    given = [item for item in view.value if isinstance(item, dict)] if isinstance(view.value, list) else []
    view.min_items = int(spec.get("minItems") or 0)
    view.max_items = spec.get("maxItems")
    count = max(len(given) + extra, view.min_items, 1)
    if view.max_items is not None:
        count = max(len(given), min(count, view.max_items))

    def item(index: int | str, number: int | str, data: dict[str, Any], answered: bool) -> ItemView:
        at = f"{view.name}[{index}]"
        return ItemView(
            index=index,
            number=number,
            fields=[level.view(n, data.get(n), errors, at) for n in level.order],
            answered=answered,
            error=errors.get(at, ""),
        )

    view.items = [item(i, i + 1, given[i] if i < len(given) else {}, i < len(given)) for i in range(count)]
    view.blank = item(BLANK_INDEX, "", {}, False)
    view.columns = [f.label for f in view.blank.fields]


def sections(
    version: ports.Version,
    data: dict[str, Any],
    errors: dict[str, str],
    lang: str,
    extra: dict[str, int] | None = None,
) -> list[SectionView]:
    """The form's fields in their sections, filled with ``data``; ``errors`` are keyed by
    ``error_key``; ``extra`` asks for that many more blank items in a group (no-script "add another")."""
    ui = version.ui_hints or {}
    level = _Level(version.form_schema, ui.get("fields") or {}, ui.get("order"), lang)

    def view(name: str) -> FieldView:
        return level.view(name, data.get(name), errors, extra=extra)

    result = []
    placed: set[str] = set()
    for section in ui.get("sections") or []:
        names = [n for n in section.get("fields", []) if n in level.props]
        placed |= set(names)
        result.append(SectionView(label(section.get("label"), lang), [view(n) for n in names]))
    rest = [n for n in level.order if n not in placed]
    if rest:
        result.append(SectionView("", [view(n) for n in rest]))
    return result


# --- reading posted answers ----------------------------------------------------------------------


class _Unreadable(ValueError):
    pass


def _read(kind: str, spec: dict[str, Any], post: QueryDict, key: str) -> tuple[bool, Any]:
    """(answered, value) of the input(s) named ``key``; raises ``_Unreadable``."""
    if kind == "multi_choice":
        values = post.getlist(key)
        return bool(values) or f"{key}__present" in post, values
    if kind == "address":
        region, detail = post.get(f"{key}_region", "").strip(), post.get(f"{key}_detail", "").strip()
        if not (region or detail):
            return False, None
        return True, {"region": region, "detail": detail} if region else {"detail": detail}
    if kind == "file" and spec.get("type") == "array":
        values = [v for v in post.getlist(key) if v.strip()]
        return bool(values), values
    raw = (post.get(key) or "").strip()
    if not raw:
        return False, None
    try:
        if kind == "money":
            return True, money.parse_amount(raw)
        if kind == "number":
            number = float(raw)
            if not math.isfinite(number):  # "inf" and "nan" parse, but are no answer (and int(inf) raises)
                raise ValueError(raw)
            return True, int(number) if spec.get("type") == "integer" or number.is_integer() else number
    except (ValueError, TypeError):
        raise _Unreadable(raw) from None
    return True, raw


def _posted_indexes(post: QueryDict, key: str) -> list[int]:
    pattern = re.compile(re.escape(key) + r"\[(\d{1,6})\]\[")
    found = {int(m.group(1)) for k in post for m in [pattern.match(k)] if m}
    return sorted(found)[:MAX_ITEMS_READ]


def _read_group(
    name: str, spec: dict[str, Any], hint: dict[str, Any], post: QueryDict, problems: dict[str, str]
) -> tuple[bool, list[dict[str, Any]]]:
    """A repeating group's posted items in their order; items left wholly blank are dropped, so a
    blank item offered for filling in is no answer. Unreadable values are reported at their item."""
    key = f"f_{name}"
    props = (spec.get("items") or {}).get("properties") or {}
    hints = hint.get("fields") or {}
    items: list[dict[str, Any]] = []
    for index in _posted_indexes(post, key):
        item: dict[str, Any] = {}
        bad: list[str] = []
        for sub, sub_spec in props.items():
            try:
                answered, value = _read(_kind(hints.get(sub) or {}, sub_spec), sub_spec, post, f"{key}[{index}][{sub}]")
            except _Unreadable:
                bad.append(sub)
                continue
            if answered and value != []:
                item[sub] = value
        if item or bad:
            problems.update({f"{name}[{len(items)}].{sub}": "unreadable" for sub in bad})
            items.append(item)
    return bool(items) or f"{key}__present" in post, items


def read_post(
    version: ports.Version, post: QueryDict, only: set[str] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Posted answers as JSON values, plus the fields that could not even be read (e.g. "12.3.4" yuan),
    keyed like errors (``area``, ``owners[1].share``). Empty inputs are left out, so a partial
    autosave never erases an answer; a group posts its whole list (its ``__present`` marker says an
    emptied group is an answer)."""
    schema, ui = version.form_schema, version.ui_hints or {}
    hints = ui.get("fields") or {}
    data: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, spec in (schema.get("properties") or {}).items():
        if only is not None and name not in only:
            continue
        hint = hints.get(name) or {}
        kind = _kind(hint, spec)
        try:
            if kind == "group":
                answered, value = _read_group(name, spec, hint, post, problems)
            else:
                answered, value = _read(kind, spec, post, f"f_{name}")
        except _Unreadable:
            problems[name] = "unreadable"
            continue
        if answered:
            data[name] = value
    return data, problems


def without_item(post: QueryDict, target: str) -> QueryDict:
    """The posted answers without one group item (``target`` is ``group:index``, a no-script
    "remove" button's value); anything else leaves them as they are."""
    name, _colon, index = target.partition(":")
    if not index.isdigit():
        return post
    prefix = f"f_{name}[{int(index)}]["
    kept = post.copy()
    for key in [k for k in kept if k.startswith(prefix)]:
        del kept[key]
    return kept


def labelled(version: ports.Version, attachments: Any, lang: str) -> list[Any]:
    """The attachments, each with ``label``: what it answers as the form names it ("租赁合同";
    "股东 2 · 身份证复印件" for a file in a group's second item); a required document's code as is."""
    hints = (version.ui_hints or {}).get("fields") or {}
    found = list(attachments)
    for attachment in found:
        place = ports.item_place(attachment.requirement)
        if place and place[0] in hints:
            name, index, sub_name = place
            group = hints[name]
            sub = (group.get("fields") or {}).get(sub_name) or {}
            attachment.label = (
                f"{label(group.get('label'), lang, name)} {index + 1} · {label(sub.get('label'), lang, sub_name)}"
            )
        else:
            attachment.label = label((hints.get(attachment.requirement) or {}).get("label"), lang,
                                     attachment.requirement)
    return found
