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
def test_a_reordering_is_found_at_the_first_moved_event(items, data):
    events = build(items)
    i = data.draw(st.integers(0, len(events) - 2))
    j = data.draw(st.integers(i + 1, len(events) - 1))
    head_hash = events[-1].hash
    events[i], events[j] = events[j], events[i]
    problem = chain.first_break(events, len(events), head_hash)
    assert problem is not None and problem.event_id == f"e{j + 1}"  # the event now out of place


@given(contents.filter(lambda c: len(c) >= 2), st.data())
def test_renumbered_and_rehashed_reordering_is_still_found_against_the_head(items, data):
    """An attacker who swaps two events and fixes up their sequence numbers (but cannot recompute
    hashes without rewriting every later event) still breaks the previous-hash links."""
    events = build(items)
    i = data.draw(st.integers(0, len(events) - 2))
    head_hash = events[-1].hash
    a, b = events[i], events[i + 1]
    events[i] = chain.ChainEvent(b.id, a.seq, b.content, b.prev_hash, b.hash)
    events[i + 1] = chain.ChainEvent(a.id, b.seq, a.content, a.prev_hash, a.hash)
    problem = chain.first_break(events, len(events), head_hash)
    assert problem is not None and problem.event_id == b.id


@given(contents, st.data())
def test_a_rewritten_tail_is_found_against_the_chain_head(items, data):
    """Even rewriting an event and recomputing every hash after it is caught: the head remembers."""
    events = build(items)
    head_seq, head_hash = len(events), events[-1].hash
    i = data.draw(st.integers(0, len(events) - 1))
    contents_now = [e.content for e in events]
    contents_now[i] = dict(contents_now[i], n=contents_now[i]["n"] + 1)
    forged = build(contents_now)
    problem = chain.first_break(forged, head_seq, head_hash)
    assert problem is not None and problem.event_id is None and "head" in problem.reason


@given(contents, st.integers(1, 5))
def test_events_appended_past_the_head_are_found(items, extra):
    events = build(items)
    head_seq, head_hash = len(events), events[-1].hash
    longer = build(items + items[:extra])
    assert chain.first_break(longer, head_seq, head_hash) is not None
