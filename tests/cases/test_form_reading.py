"""Reading posted form answers: what cannot be read is reported per field, never a 500."""

from types import SimpleNamespace

from django.http import QueryDict

from smartgov.cases.views.forms import read_post

VERSION = SimpleNamespace(
    form_schema={"properties": {"area": {"type": "number"}, "rooms": {"type": "integer"}}},
    ui_hints={"fields": {"area": {"type": "number"}, "rooms": {"type": "number"}}},
)


def test_numbers_are_read_and_non_finite_ones_refused():
    data, problems = read_post(VERSION, QueryDict("f_area=12.5&f_rooms=3"))
    assert data == {"area": 12.5, "rooms": 3} and problems == {}
    for bad in ("inf", "-Infinity", "nan"):
        data, problems = read_post(VERSION, QueryDict(f"f_area={bad}&f_rooms={bad}"))
        assert data == {} and problems == {"area": "unreadable", "rooms": "unreadable"}
