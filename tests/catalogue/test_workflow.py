"""The workflow definition format, its validation and the engine the cases app runs it with."""

from __future__ import annotations

import copy
from collections import deque

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartgov.catalogue import workflow as wf

LICENCE = {
    "states": [
        {"id": "submitted", "kind": "start"},
        {"id": "review", "kind": "work", "department": "market-regulation", "time_limit_days": 3,
         "on_breach": {"escalate_to": "supervisor", "notify": ["assignee"]}},
        {"id": "correction", "kind": "work", "pauses_clock": True, "time_limit_days": 10},
        {"id": "joint", "kind": "work", "time_limit_days": 5,
         "signoff": {"departments": ["fire", "health"], "roles": ["caseworker"]}},
        {"id": "approved", "kind": "final", "outcome": "approved"},
        {"id": "rejected", "kind": "final", "outcome": "rejected"},
    ],
    "transitions": [
        {"from": "submitted", "to": "review", "action": "accept", "roles": ["caseworker"]},
        {"from": "review", "to": "correction", "action": "request_correction", "roles": ["caseworker"],
         "kind": "correction"},
        {"from": "correction", "to": "review", "action": "resubmit", "roles": ["applicant"]},
        {"from": "review", "to": "joint", "action": "forward", "roles": ["caseworker"]},
        {"from": "joint", "to": "approved", "action": "approve", "roles": ["supervisor"], "kind": "approval"},
        {"from": "joint", "to": "rejected", "action": "reject", "roles": ["supervisor"], "kind": "rejection"},
    ],
}


def paths(problems):
    return [p.path for p in problems]


def test_a_sound_definition_has_no_problems():
    assert wf.validate(LICENCE) == []


def test_problems_name_the_path():
    broken = copy.deepcopy(LICENCE)
    broken["transitions"][3]["to"] = "nowhere"
    broken["states"][1]["time_limit_days"] = 0
    broken["transitions"][5]["reason_required"] = False
    broken["transitions"][0]["colour"] = "red"
    assert paths(wf.validate(broken)) == [
        "states[1].time_limit_days", "transitions[0].colour", "transitions[3].to", "transitions[5].reason_required",
    ]


def test_a_dead_end_and_an_unreachable_state_are_named():
    broken = copy.deepcopy(LICENCE)
    broken["states"].append({"id": "limbo", "kind": "work"})
    broken["states"].append({"id": "island", "kind": "work"})
    broken["transitions"].append({"from": "review", "to": "limbo", "action": "park", "roles": ["caseworker"]})
    broken["transitions"].append({"from": "island", "to": "approved", "action": "go", "roles": ["caseworker"]})
    problems = {p.path: p.message for p in wf.validate(broken)}
    assert "no way out" in problems["states[6]"]
    assert "cannot be reached" in problems["states[7]"]


def test_a_cycle_without_exit_is_refused():
    broken = copy.deepcopy(LICENCE)
    broken["states"] += [{"id": "a", "kind": "work"}, {"id": "b", "kind": "work"}]
    broken["transitions"] += [
        {"from": "review", "to": "a", "action": "loop", "roles": ["caseworker"]},
        {"from": "a", "to": "b", "action": "next", "roles": ["caseworker"]},
        {"from": "b", "to": "a", "action": "back", "roles": ["caseworker"]},
    ]
    problems = {p.path: p.message for p in wf.validate(broken)}
    assert "no path leads from a" in problems["states[6]"] and "states[7]" in problems


@pytest.mark.parametrize("definition,path", [
    (None, ""), ({"states": []}, "states"), ({"states": [{"id": "x", "kind": "start"}], "transitions": []}, "states"),
])
def test_shapeless_definitions(definition, path):
    assert path in paths(wf.validate(definition))


def test_engine_walks_the_licence():
    step = wf.apply(LICENCE, "submitted", "accept", {"caseworker"})
    assert (step.state, step.time_limit_days, step.department) == ("review", 3, "market-regulation")
    assert [a.action for a in wf.available_actions(LICENCE, "review", {"caseworker"})] == [
        "request_correction", "forward"]
    assert wf.available_actions(LICENCE, "review", {"applicant"}) == []
    with pytest.raises(wf.WorkflowError) as exc:
        wf.apply(LICENCE, "review", "request_correction", {"caseworker"})
    assert exc.value.code == "reason_required"
    step = wf.apply(LICENCE, "review", "request_correction", {"caseworker"}, reason="licence photo unreadable")
    assert step.pauses_clock and step.transition_kind == "correction"
    with pytest.raises(wf.WorkflowError) as exc:
        wf.apply(LICENCE, "correction", "resubmit", {"caseworker"})
    assert exc.value.code == "action_not_allowed"
    assert wf.apply(LICENCE, "correction", "resubmit", {"applicant"}).state == "review"


def test_parallel_signoff_holds_the_approval_until_every_department_signed():
    roles = {"caseworker", "supervisor"}
    assert [a.action for a in wf.available_actions(LICENCE, "joint", roles, set(), "fire")] == ["sign_off", "reject"]
    with pytest.raises(wf.WorkflowError) as exc:
        wf.apply(LICENCE, "joint", "approve", roles, set(), "fire")
    assert exc.value.code == "signoff_pending" and "fire, health" in exc.value.message
    step = wf.apply(LICENCE, "joint", "sign_off", roles, set(), "fire")
    assert (step.state, step.signoffs) == ("joint", frozenset({"fire"}))
    # fire cannot sign twice; health can; nobody outside the listed departments can
    assert "sign_off" not in [a.action for a in wf.available_actions(LICENCE, "joint", roles, step.signoffs, "fire")]
    assert wf.available_actions(LICENCE, "joint", {"caseworker"}, set(), "tax") == []
    step = wf.apply(LICENCE, "joint", "sign_off", roles, step.signoffs, "health")
    assert wf.missing_signoffs(LICENCE, "joint", step.signoffs) == []
    final = wf.apply(LICENCE, "joint", "approve", roles, step.signoffs)
    assert final.is_final and final.outcome == "approved" and final.signoffs == frozenset()


def test_breach_rules():
    assert wf.breach(LICENCE, "review") == wf.Breach("supervisor", ("assignee",))
    assert wf.breach(LICENCE, "correction") is None


def test_yaml_and_json_parse_alike():
    text = wf.dump(LICENCE)
    assert wf.parse(text) == (LICENCE, [])
    assert wf.parse(wf.dumps_json(LICENCE)) == (LICENCE, [])
    definition, problems = wf.parse("states: [unclosed")
    assert definition is None and "line 1" in problems[0].message


# --- property: a valid definition never strands a case -----------------------------------------

ROLES = ["caseworker", "supervisor", "applicant"]
DEPTS = ["fire", "health", "tax"]


@st.composite
def definitions(draw):
    """Random workflows: most are broken in some way, some are sound."""
    n = draw(st.integers(2, 7))
    ids = [f"s{i}" for i in range(n)]
    kinds = ["start"] + [draw(st.sampled_from(["work", "work", "final"])) for _ in ids[1:]]
    states = []
    for sid, kind in zip(ids, kinds, strict=True):
        state = {"id": sid, "kind": kind}
        if kind == "work" and draw(st.booleans()):
            state["time_limit_days"] = draw(st.integers(1, 20))
        if kind == "work" and draw(st.integers(0, 4)) == 0:
            state["signoff"] = {"departments": draw(st.lists(st.sampled_from(DEPTS), min_size=1, max_size=3,
                                                             unique=True)),
                                "roles": ["caseworker"]}
        states.append(state)
    transitions = []
    if draw(st.booleans()):
        # A spine from every non-final state to a later state ending in a final one: with it many
        # definitions are sound, and random extra transitions below break some of them again.
        if kinds[-1] != "final":
            kinds[-1] = states[-1]["kind"] = "final"
            states[-1].pop("time_limit_days", None)
            states[-1].pop("signoff", None)
        for i, kind in enumerate(kinds[:-1]):
            if kind != "final":
                transitions.append({"from": ids[i], "to": ids[draw(st.integers(i + 1, n - 1))], "action": f"spine{i}",
                                    "roles": [draw(st.sampled_from(ROLES))]})
    for i in range(draw(st.integers(0, 3 * n))):
        source = draw(st.sampled_from([sid for sid, kind in zip(ids, kinds, strict=True) if kind != "final"]))
        target = draw(st.sampled_from(ids[1:]))
        kind = draw(st.sampled_from(wf.TRANSITION_KINDS))
        transitions.append({"from": source, "to": target, "action": f"a{i}", "kind": kind,
                            "roles": draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=2, unique=True))})
    return {"states": states, "transitions": transitions}


def explore(definition):
    """Drive the ENGINE (not validate's graph code) with every role, department and sign-off state:
    answer the moves between the (state, signoffs) configurations reachable from the start."""
    start = (wf.start_state(definition), frozenset())
    edges = {}
    queue = deque([start])
    while queue:
        config = queue.popleft()
        if config in edges:
            continue
        state, signed = config
        targets = set()
        for department in [None, *DEPTS]:
            for action in wf.available_actions(definition, state, set(ROLES), signed, department):
                step = wf.apply(definition, state, action.action, set(ROLES), signed, department, reason="why")
                targets.add((step.state, step.signoffs))
        edges[config] = targets
        queue.extend(targets - edges.keys())
    return edges


def finishing(definition, edges):
    """The configurations from which some sequence of moves reaches a final state."""
    finals = {s["id"] for s in definition["states"] if s["kind"] == "final"}
    good = {c for c in edges if c[0] in finals}
    changed = True
    while changed:
        changed = False
        for c, targets in edges.items():
            if c not in good and targets & good:
                good.add(c)
                changed = True
    return good


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions())
def test_validate_accepts_exactly_the_definitions_that_cannot_strand_a_case(definition):
    problems = wf.validate(definition)
    edges = explore(definition)
    kinds = {s["id"]: s["kind"] for s in definition["states"]}
    stuck = [c for c, targets in edges.items() if not targets and kinds[c[0]] != "final"]
    reachable_states = {state for state, _signed in edges}
    finishes = finishing(definition, edges) == set(edges)
    sound = not stuck and finishes and reachable_states == set(kinds)
    # Valid means sound, and every unsound definition is refused (the generator makes no other mistakes).
    assert (problems == []) == sound, problems


def test_the_generator_makes_both_sound_and_broken_definitions():
    found = {"sound": 0, "broken": 0}

    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    @given(definitions())
    def count(definition):
        found["sound" if not wf.validate(definition) else "broken"] += 1

    count()
    assert found["sound"] >= 10 and found["broken"] >= 10
