"""E-forms: a builder's field list becomes JSON Schema (draft 2020-12) plus UI hints, and submissions
are validated against that schema. Pure: no Django, no database.

A field in the builder list::

    {"name": "company_name", "type": "text", "label": {"zh": "企业名称", "en": "Company name"},
     "required": true, "min_length": 2, "max_length": 100, "section": "company",
     "show_if": {"field": "has_branch", "equals": true}}

Types: text, textarea, number, money (integer fen), date, choice, multi_choice, address,
identity_number (GB 11643 check), phone, file (a document reference), group (repeating group of
``fields``). Rules: required, min_length/max_length/pattern (text), minimum/maximum (number, money),
min_items/max_items (multi_choice, group), choices [{value, label}] (choice, multi_choice).
``show_if`` {field, equals | in}: the field is asked (and required) only when the other field of the
same level has that value; in the schema this is an ``if``/``then``, and the UI hint repeats it so
clients can hide the field. Hidden fields are ignored by ``validate_submission``.
"""

from smartgov.catalogue.formschema.build import (
    DIALECT,
    FIELD_TYPES,
    FORMATS,
    MAX_FIELDS,
    FieldError,
    FormDefinitionError,
    build_schema,
    check_fields,
)
from smartgov.catalogue.formschema.submission import (
    document_fields,
    has_conditions,
    validate_submission,
    visible_data,
)

__all__ = [
    "DIALECT",
    "FIELD_TYPES",
    "FORMATS",
    "MAX_FIELDS",
    "FieldError",
    "FormDefinitionError",
    "build_schema",
    "check_fields",
    "document_fields",
    "has_conditions",
    "validate_submission",
    "visible_data",
]
