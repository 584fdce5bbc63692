"""Workflow definitions: the format's constants, reading and writing YAML/JSON, and ``validate``."""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from typing import Any

import yaml

STATE_KINDS = ("start", "work", "final")
TRANSITION_KINDS = ("normal", "approval", "rejection", "correction")
SIGN_OFF = "sign_off"  # the built-in action of parallel sign-off
APPLICANT = "applicant"  # the role code the cases app gives the applicant
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CODE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")

_STATE_KEYS = {"id", "kind", "label", "department", "time_limit_days", "signoff", "on_breach", "outcome",
               "pauses_clock"}
_TRANSITION_KEYS = {"from", "to", "action", "roles", "reason_required", "kind", "label", "requires_signoff"}
_TOP_KEYS = {"version", "states", "transitions", "description"}
MAX_TIME_LIMIT_DAYS = 365



@dataclass(frozen=True)
class Problem:
    path: str  # e.g. "transitions[3].to"
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.path, "message": self.message}



# --- parsing ---------------------------------------------------------------------------------


def parse(text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """YAML or JSON text (JSON is YAML) to a definition, or the reason it cannot be read."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        return None, [Problem("", f"not valid YAML or JSON{where}")]
    if not isinstance(data, dict):
        return None, [Problem("", "must be a mapping with states and transitions")]
    return data, []


def dump(definition: dict[str, Any]) -> str:
    """The definition as readable YAML (keys in the order written, Chinese kept as is)."""
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, width=120)


def dumps_json(definition: dict[str, Any]) -> str:
    return json.dumps(definition, ensure_ascii=False, indent=2)


# --- validation ------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_label(value: Any, path: str, problems: list[Problem]) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        problems.append(Problem(path, "must map language codes (zh, en) to text"))


def _check_codes(value: Any, path: str, problems: list[Problem], *, what: str) -> list[str]:
    if not isinstance(value, list) or not value:
        problems.append(Problem(path, f"must be a non-empty list of {what}"))
        return []
    good = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not _CODE.match(item):
            problems.append(Problem(f"{path}[{i}]", f"must be a {what[:-1]} code (lowercase letters, digits, - or _)"))
        elif item in good:
            problems.append(Problem(f"{path}[{i}]", f"{item} is listed twice"))
        else:
            good.append(item)
    return good


def _check_state(i: int, state: Any, problems: list[Problem]) -> None:
    path = f"states[{i}]"
    if not isinstance(state, dict):
        problems.append(Problem(path, "must be a mapping"))
        return
    for key in sorted(set(state) - _STATE_KEYS, key=str):
        problems.append(Problem(f"{path}.{key}", "unknown key"))
    if not isinstance(state.get("id"), str) or not _ID.match(state["id"]):
        problems.append(Problem(f"{path}.id", "must be lowercase letters, digits or _, starting with a letter"))
    kind = state.get("kind")
    if kind not in STATE_KINDS:
        problems.append(Problem(f"{path}.kind", f"must be one of {', '.join(STATE_KINDS)}"))
    _check_label(state.get("label"), f"{path}.label", problems)
    if "department" in state and (not isinstance(state["department"], str) or not _CODE.match(state["department"])):
        problems.append(Problem(f"{path}.department", "must be a department code"))
    if "time_limit_days" in state:
        limit = state["time_limit_days"]
        if not _is_int(limit) or not 1 <= limit <= MAX_TIME_LIMIT_DAYS:
            problems.append(
                Problem(f"{path}.time_limit_days", f"must be a whole number from 1 to {MAX_TIME_LIMIT_DAYS}"))
        elif kind == "final":
            problems.append(Problem(f"{path}.time_limit_days", "a final state has no time limit"))
    if "pauses_clock" in state and not isinstance(state["pauses_clock"], bool):
        problems.append(Problem(f"{path}.pauses_clock", "must be true or false"))
    if "outcome" in state:
        if kind != "final":
            problems.append(Problem(f"{path}.outcome", "only final states have an outcome"))
        elif not isinstance(state["outcome"], str) or not _CODE.match(state["outcome"]):
            problems.append(Problem(f"{path}.outcome", "must be a code such as approved or rejected"))
    if "signoff" in state:
        signoff = state["signoff"]
        spath = f"{path}.signoff"
        if kind != "work":
            problems.append(Problem(spath, "only work states can need sign-off"))
        if not isinstance(signoff, dict):
            problems.append(Problem(spath, "must be a mapping with departments and roles"))
        else:
            for key in sorted(set(signoff) - {"departments", "roles"}, key=str):
                problems.append(Problem(f"{spath}.{key}", "unknown key"))
            _check_codes(signoff.get("departments"), f"{spath}.departments", problems, what="departments")
            _check_codes(signoff.get("roles"), f"{spath}.roles", problems, what="roles")
    if "on_breach" in state:
        breach = state["on_breach"]
        bpath = f"{path}.on_breach"
        if "time_limit_days" not in state:
            problems.append(Problem(bpath, "a breach needs a time_limit_days to breach"))
        if not isinstance(breach, dict):
            problems.append(Problem(bpath, "must be a mapping with escalate_to and/or notify"))
        else:
            for key in sorted(set(breach) - {"escalate_to", "notify"}, key=str):
                problems.append(Problem(f"{bpath}.{key}", "unknown key"))
            if not breach.get("escalate_to") and not breach.get("notify"):
                problems.append(Problem(bpath, "must escalate, notify, or both"))
            escalate = breach.get("escalate_to")
            if escalate is not None and (not isinstance(escalate, str) or not _CODE.match(escalate)):
                problems.append(Problem(f"{bpath}.escalate_to", "must be a role code"))
            if "notify" in breach:
                _check_codes(breach["notify"], f"{bpath}.notify", problems, what="parties")


def _check_transition(i: int, t: Any, ids: dict[str, str], problems: list[Problem]) -> None:
    path = f"transitions[{i}]"
    if not isinstance(t, dict):
        problems.append(Problem(path, "must be a mapping"))
        return
    for key in sorted(set(t) - _TRANSITION_KEYS, key=str):
        problems.append(Problem(f"{path}.{key}", "unknown key"))
    for end in ("from", "to"):
        if t.get(end) not in ids:
            problems.append(Problem(f"{path}.{end}", f"names no state ({t.get(end)!r})"))
    if ids.get(str(t.get("from"))) == "final":
        problems.append(Problem(f"{path}.from", "a final state has no way out"))
    if ids.get(str(t.get("to"))) == "start":
        problems.append(Problem(f"{path}.to", "nothing may return to the start state"))
    action = t.get("action")
    if not isinstance(action, str) or not _ID.match(action):
        problems.append(Problem(f"{path}.action", "must be lowercase letters, digits or _"))
    elif action == SIGN_OFF:
        problems.append(Problem(f"{path}.action", f"{SIGN_OFF} is built in; name the transition differently"))
    _check_codes(t.get("roles"), f"{path}.roles", problems, what="roles")
    kind = t.get("kind", "normal")
    if kind not in TRANSITION_KINDS:
        problems.append(Problem(f"{path}.kind", f"must be one of {', '.join(TRANSITION_KINDS)}"))
    for flag in ("reason_required", "requires_signoff"):
        if flag in t and not isinstance(t[flag], bool):
            problems.append(Problem(f"{path}.{flag}", "must be true or false"))
    if kind in ("rejection", "correction") and t.get("reason_required") is False:
        problems.append(Problem(f"{path}.reason_required", f"a {kind} must give the applicant a reason"))
    _check_label(t.get("label"), f"{path}.label", problems)


def validate(definition: Any) -> list[Problem]:
    """Every problem with ``definition``, each naming where it is; empty when it is sound.

    Beyond shape, a sound workflow is one no case can get stuck in: every state is reachable from
    the start, and from every non-final state some sequence of actions reaches a final state."""
    problems: list[Problem] = []
    if not isinstance(definition, dict):
        return [Problem("", "must be a mapping with states and transitions")]
    for key in sorted(set(definition) - _TOP_KEYS, key=str):
        problems.append(Problem(key, "unknown key"))
    states = definition.get("states")
    transitions = definition.get("transitions")
    if not isinstance(states, list) or not states:
        problems.append(Problem("states", "must be a non-empty list"))
        states = []
    if not isinstance(transitions, list):
        problems.append(Problem("transitions", "must be a list"))
        transitions = []
    ids: dict[str, str] = {}
    for i, state in enumerate(states):
        _check_state(i, state, problems)
        if isinstance(state, dict) and isinstance(state.get("id"), str):
            if state["id"] in ids:
                problems.append(Problem(f"states[{i}].id", f"{state['id']} is used twice"))
            else:
                ids[state["id"]] = state.get("kind")  # type: ignore[assignment]
    starts = [sid for sid, kind in ids.items() if kind == "start"]
    if states and len(starts) != 1:
        problems.append(Problem("states", f"needs exactly one start state, has {len(starts)}"))
    if states and not any(kind == "final" for kind in ids.values()):
        problems.append(Problem("states", "needs at least one final state"))
    seen: dict[tuple[Any, Any], int] = {}
    for i, t in enumerate(transitions):
        _check_transition(i, t, ids, problems)
        if isinstance(t, dict):
            key = (t.get("from"), t.get("action"))
            if key in seen:
                problems.append(Problem(f"transitions[{i}].action",
                                        f"{t.get('from')} already has an action {t.get('action')} "
                                        f"(transitions[{seen[key]}])"))
            else:
                seen[key] = i
    if problems:
        return problems  # the graph checks below need well-formed parts
    problems.extend(_graph_problems(definition))
    return problems


def _graph_problems(definition: dict[str, Any]) -> list[Problem]:
    problems = []
    index = {s["id"]: i for i, s in enumerate(definition["states"])}
    kinds = {s["id"]: s["kind"] for s in definition["states"]}
    edges: dict[str, set[str]] = {sid: set() for sid in index}
    for t in definition["transitions"]:
        edges[t["from"]].add(t["to"])
    start = next(sid for sid, kind in kinds.items() if kind == "start")
    reachable = _closure({start}, edges)
    reverse: dict[str, set[str]] = {sid: set() for sid in index}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].add(source)
    can_finish = _closure({sid for sid, kind in kinds.items() if kind == "final"}, reverse)
    for sid, i in index.items():
        if sid not in reachable:
            problems.append(Problem(f"states[{i}]", f"{sid} cannot be reached from the start state {start}"))
        elif kinds[sid] != "final" and not edges[sid]:
            problems.append(Problem(f"states[{i}]", f"{sid} is not final but has no way out"))
        elif sid not in can_finish:
            problems.append(Problem(f"states[{i}]", f"no path leads from {sid} to a final state"))
    return problems


def _closure(seeds: set[str], edges: dict[str, set[str]]) -> set[str]:
    found, queue = set(seeds), deque(seeds)
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in found:
                found.add(nxt)
                queue.append(nxt)
    return found
