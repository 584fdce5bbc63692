"""The pure chain check: any edit, deletion or reordering is found, at the right event."""

from hypothesis import given
from hypothesis import strategies as st

from smartgov.audit import chain


def build(contents):
    events, prev = [], chain.GENESIS
    for i, content in enumerate(contents, start=1):
        h = chain.event_hash(content, prev)
        events.append(chain.ChainEvent(f"e{i}", i, content, prev, h))
        prev = h
    return events


contents = st.lists(
    st.fixed_dictionaries({"action": st.text(max_size=20), "n": st.integers(), "who": st.text(max_size=10)}),
    min_size=1,
    max_size=30,
)


@given(contents)
def test_an_untouched_chain_is_intact(items):
    events = build(items)
    assert chain.first_break(events, len(events), events[-1].hash) is None


@given(contents, st.data())
def test_an_edit_is_found_at_the_edited_event(items, data):
    events = build(items)
    i = data.draw(st.integers(0, len(events) - 1))
    edited = dict(events[i].content, action=events[i].content["action"] + "!")
    events[i] = chain.ChainEvent(events[i].id, events[i].seq, edited, events[i].prev_hash, events[i].hash)
    problem = chain.first_break(events, len(events), events[-1].hash)
    assert problem is not None and problem.event_id == f"e{i + 1}"


@given(contents, st.data())
def test_a_deletion_is_found(items, data):
    events = build(items)
    i = data.draw(st.integers(0, len(events) - 1))
    head_seq, head_hash = len(events), events[-1].hash
    del events[i]
    problem = chain.first_break(events, head_seq, head_hash)
    assert problem is not None
    if i < len(events):
        assert problem.event_id == f"e{i + 2}"  # the event after the hole


@given(contents.filter(lambda c: len(c) >= 2), st.data())
def test_a_reordering_is_found(items, data):
    events = build(items)
    i = data.draw(st.integers(0, len(events) - 2))
    events[i], events[i + 1] = events[i + 1], events[i]
    assert chain.first_break(events, len(events), events[-1].hash) is not None
