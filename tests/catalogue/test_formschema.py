"""E-forms: builder fields to JSON Schema + UI hints, and submissions checked against the schema."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from smartgov.catalogue.formschema import FormDefinitionError, build_schema, check_fields, validate_submission

L = {"zh": "字段", "en": "Field"}
FIELDS = [
    {"name": "company", "type": "text", "label": L, "required": True, "min_length": 2, "max_length": 20,
     "section": "basics"},
    {"name": "capital", "type": "money", "label": L, "required": True, "maximum": 10**12, "section": "basics"},
    {"name": "kind", "type": "choice", "label": L, "required": True, "section": "basics",
     "choices": [{"value": "ltd", "label": {"en": "Ltd"}}, {"value": "sole", "label": {"en": "Sole"}}]},
    {"name": "scope", "type": "multi_choice", "label": L, "choices": [{"value": "food"}, {"value": "retail"}],
     "max_items": 2},
    {"name": "legal_rep_id", "type": "identity_number", "label": L, "required": True},
    {"name": "phone", "type": "phone", "label": L, "required": True},
    {"name": "address", "type": "address", "label": L, "required": True},
    {"name": "founded", "type": "date", "label": L, "minimum": "1949-10-01"},
    {"name": "lease", "type": "file", "label": L, "required": True},
    {"name": "shareholders", "type": "group", "label": L, "show_if": {"field": "kind", "equals": "ltd"},
     "required": True, "min_items": 1,
     "fields": [{"name": "name", "type": "text", "label": L, "required": True},
                {"name": "id_number", "type": "identity_number", "label": L, "required": True},
                {"name": "share", "type": "number", "label": L, "minimum": 0, "maximum": 100}]},
]
SECTIONS = [{"id": "basics", "label": {"zh": "基本信息", "en": "Basics"}}]
GOOD = {
    "company": "杭州示例科技有限公司", "capital": 1_000_000_00, "kind": "ltd", "scope": ["food"],
    "legal_rep_id": "11010519491231002X", "phone": "13812345678",
    "address": {"region": "330106", "detail": "文三路 1 号"}, "founded": "2020-05-01",
    "lease": "0190b3c4-6f6e-7a1b-8c2d-3e4f5a6b7c8d",
    "shareholders": [{"name": "张三", "id_number": "11010519491231002X", "share": 60}],
}


@pytest.fixture(scope="module")
def schema():
    return build_schema(FIELDS, SECTIONS)[0]


def test_the_schema_is_valid_draft_2020_12_with_ui_hints():
    schema, ui = build_schema(FIELDS, SECTIONS)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["capital"] == {"type": "integer", "minimum": 0, "x-unit": "fen",
                                               "maximum": 10**12, "title": "Field"}
    assert schema["properties"]["legal_rep_id"]["format"] == "cn-resident-id"
    assert "shareholders" not in schema["required"]  # conditional: required only through if/then
    assert ui["fields"]["shareholders"]["show_if"] == {"field": "kind", "equals": "ltd"}
    assert ui["sections"][0] == {"id": "basics", "label": SECTIONS[0]["label"],
                                 "fields": ["company", "capital", "kind"]}
    assert ui["sections"][1]["id"] == ""


def test_a_good_submission_passes(schema):
    assert validate_submission(schema, GOOD) == []


def test_errors_name_each_field(schema):
    bad = dict(GOOD, company="x", capital=12.5, phone="12345", legal_rep_id="110105194912310021",
               founded="1900-01-01", lease="not-a-uuid", scope=["food", "food"],
               shareholders=[{"name": "", "id_number": "11010519491231002X", "share": 101}], surplus=1)
    del bad["address"]
    errors = {e.path: e.code for e in validate_submission(schema, bad)}
    assert errors == {
        "address": "required", "capital": "type", "company": "min_length", "founded": "minimum",
        "lease": "format", "legal_rep_id": "format", "phone": "format", "scope": "unique",
        "shareholders[0].name": "required", "shareholders[0].share": "maximum", "surplus": "unknown_field",
    }


def test_hidden_fields_are_ignored_and_shown_ones_required(schema):
    sole = dict(GOOD, kind="sole", shareholders="garbage the form never showed")
    assert validate_submission(schema, sole) == []
    ltd = {k: v for k, v in GOOD.items() if k != "shareholders"}
    assert [(e.path, e.code) for e in validate_submission(schema, ltd)] == [("shareholders", "required")]
    # an answer outside the choices hides the dependent group too, and is itself an error
    assert [(e.path, e.code) for e in validate_submission(schema, dict(GOOD, kind="plc"))] == [("kind", "choice")]


def test_builder_problems_name_their_paths():
    broken = [
        {"name": "Bad Name", "type": "text", "label": L},
        {"name": "a", "type": "text", "label": L, "pattern": "("},
        {"name": "a", "type": "rainbow", "label": L},
        {"name": "c", "type": "choice", "label": L, "choices": []},
        {"name": "d", "type": "text", "label": L, "show_if": {"field": "ghost", "equals": 1}},
        {"name": "e", "type": "number", "label": {}, "minimum": 5, "maximum": 1},
        {"name": "g", "type": "group", "label": L, "fields": [{"name": "h", "type": "group", "label": L,
                                                                "fields": []}]},
    ]
    assert [p.path for p in check_fields(broken)] == [
        "fields[0].name", "fields[1].pattern", "fields[2].type", "fields[3].choices", "fields[5].label",
        "fields[5].minimum", "fields[6].fields[0].type", "fields[4].show_if.field"]
    with pytest.raises(FormDefinitionError) as exc:
        build_schema([{"name": "x", "type": "text", "label": L, "section": "nope"}], SECTIONS)
    assert exc.value.problems[0].path == "fields[0].section"


def test_a_condition_cannot_test_a_multi_choice_field():
    # {"const": "a"} never matches a list of ticks: the field would always count as hidden.
    fields = [
        {"name": "scope", "type": "multi_choice", "label": L, "choices": [{"value": "food"}, {"value": "retail"}]},
        {"name": "kitchen", "type": "text", "label": L, "show_if": {"field": "scope", "equals": "food"}},
    ]
    (problem,) = check_fields(fields)
    assert problem.path == "fields[1].show_if.field" and "choice" in problem.message
