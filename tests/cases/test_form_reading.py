"""Reading posted form answers: what cannot be read is reported per field, never a 500."""

from types import SimpleNamespace

from django.http import QueryDict

from smartgov.cases.views.forms import error_key, read_post, without_item

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


GROUP = SimpleNamespace(
    form_schema={
        "properties": {
            "owners": {
                "type": "array",
                "items": {"type": "object", "properties": {"holder": {"type": "string"}, "share": {"type": "number"}}},
            }
        }
    },
    ui_hints={
        "fields": {"owners": {"type": "group", "fields": {"holder": {"type": "text"}, "share": {"type": "number"}}}}
    },
)


def test_validator_paths_become_the_keys_errors_are_shown_at():
    assert error_key("data.owners.0.share") == error_key("data.owners[0].share") == "owners[0].share"
    assert error_key("data.owners[12]") == "owners[12]" and error_key("data.address.detail") == "address.detail"
    assert error_key("data") == "" and error_key("area") == "area"


def test_group_items_are_read_in_index_order_and_blank_ones_dropped():
    post = QueryDict("f_owners[10][holder]=B&f_owners[2][holder]=A&f_owners[2][share]=5&f_owners[4][holder]=+")
    assert read_post(GROUP, post) == ({"owners": [{"holder": "A", "share": 5}, {"holder": "B"}]}, {})
    assert read_post(GROUP, QueryDict("f_owners__present=1")) == ({"owners": []}, {})  # emptied
    assert read_post(GROUP, QueryDict("")) == ({}, {})  # not on this post: left as it was
    assert read_post(GROUP, post, only={"area"}) == ({}, {})
    data, problems = read_post(GROUP, QueryDict("f_owners[0][holder]=A&f_owners[1][share]=x"))
    assert data == {"owners": [{"holder": "A"}, {}]} and problems == {"owners[1].share": "unreadable"}


def test_a_remove_press_drops_exactly_that_item():
    post = QueryDict("f_owners[1][holder]=A&f_owners[10][holder]=B&f_owners[1]x=keep")
    assert sorted(without_item(post, "owners:1")) == ["f_owners[10][holder]", "f_owners[1]x"]
    assert without_item(post, "owners:one") is post
