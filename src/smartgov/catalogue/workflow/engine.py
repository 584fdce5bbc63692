"""The engine the cases app runs workflows with: what a caller may do now, and what doing it gives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smartgov.catalogue.workflow.definition import SIGN_OFF


class WorkflowError(Exception):
    """An action the definition does not allow now; ``code`` is stable for API clients."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Action:
    """Something the caller may do now in this state."""

    action: str
    to: str
    kind: str
    reason_required: bool
    label: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """Where a case stands after ``apply``."""

    state: str
    kind: str  # the new state's kind
    transition_kind: str  # normal/approval/rejection/correction, or "sign_off"
    signoffs: frozenset[str]  # departments that signed off in the current state
    time_limit_days: int | None
    pauses_clock: bool
    department: str | None
    outcome: str | None  # final states: approved/rejected/...

    @property
    def is_final(self) -> bool:
        return self.kind == "final"


@dataclass(frozen=True)
class Breach:
    escalate_to: str | None
    notify: tuple[str, ...]


# --- the engine ------------------------------------------------------------------------------


def state_of(definition: dict[str, Any], state_id: str) -> dict[str, Any]:
    for state in definition["states"]:
        if state["id"] == state_id:
            return state
    raise WorkflowError("unknown_state", f"the workflow has no state {state_id}")


def start_state(definition: dict[str, Any]) -> str:
    return next(s["id"] for s in definition["states"] if s["kind"] == "start")


def _leaving(definition: dict[str, Any], state_id: str) -> list[dict[str, Any]]:
    return [t for t in definition["transitions"] if t["from"] == state_id]


def _needs_signoff(t: dict[str, Any]) -> bool:
    default = t.get("kind", "normal") not in ("rejection", "correction")
    return bool(t.get("requires_signoff", default))


def _reason_required(t: dict[str, Any]) -> bool:
    return t.get("kind", "normal") in ("rejection", "correction") or bool(t.get("reason_required", False))


def missing_signoffs(definition: dict[str, Any], state_id: str, signoffs: frozenset[str] | set[str]) -> list[str]:
    """Departments whose sign-off the state still waits for (empty when it needs none)."""
    signoff = state_of(definition, state_id).get("signoff")
    if not signoff:
        return []
    return [d for d in signoff["departments"] if d not in signoffs]


def available_actions(
    definition: dict[str, Any],
    state: str,
    roles: set[str] | frozenset[str],
    signoffs: set[str] | frozenset[str] = frozenset(),
    department: str | None = None,
) -> list[Action]:
    """What a caller holding ``roles`` (and belonging to ``department``) may do in ``state`` now.

    ``signoffs`` are the departments that already signed off in this state; a sign-off state
    offers ``sign_off`` to members of a department still missing, and holds back the transitions
    that need everyone's sign-off until nobody is missing."""
    current = state_of(definition, state)
    missing = missing_signoffs(definition, state, frozenset(signoffs))
    actions = []
    signoff = current.get("signoff")
    if signoff and department in missing and set(roles) & set(signoff["roles"]):
        actions.append(Action(SIGN_OFF, state, SIGN_OFF, False, {"zh": "会签", "en": "Sign off"}))
    for t in _leaving(definition, state):
        if not set(roles) & set(t["roles"]):
            continue
        if missing and _needs_signoff(t):
            continue
        actions.append(Action(t["action"], t["to"], t.get("kind", "normal"), _reason_required(t), t.get("label", {})))
    return actions


def _step(definition: dict[str, Any], state_id: str, transition_kind: str, signoffs: frozenset[str]) -> Step:
    state = state_of(definition, state_id)
    return Step(
        state=state_id,
        kind=state["kind"],
        transition_kind=transition_kind,
        signoffs=signoffs,
        time_limit_days=state.get("time_limit_days"),
        pauses_clock=bool(state.get("pauses_clock", False)),
        department=state.get("department"),
        outcome=state.get("outcome") if state["kind"] == "final" else None,
    )


def enter(definition: dict[str, Any], state_id: str) -> Step:
    """The step information of being in ``state_id`` freshly (no sign-offs yet)."""
    return _step(definition, state_id, "normal", frozenset())


def apply(
    definition: dict[str, Any],
    state: str,
    action: str,
    roles: set[str] | frozenset[str],
    signoffs: set[str] | frozenset[str] = frozenset(),
    department: str | None = None,
    reason: str = "",
) -> Step:
    """Take ``action`` in ``state``: the new state (or the same state with one more sign-off).

    Raises ``WorkflowError`` when the action is not open to this caller now, or lacks a reason."""
    for offered in available_actions(definition, state, roles, signoffs, department):
        if offered.action != action:
            continue
        if offered.reason_required and not reason.strip():
            raise WorkflowError("reason_required", f"{action} needs a reason")
        if action == SIGN_OFF:
            return _step(definition, state, SIGN_OFF, frozenset(signoffs) | {department or ""})
        return _step(definition, offered.to, offered.kind, frozenset())
    if any(t["action"] == action for t in _leaving(definition, state)) or action == SIGN_OFF:
        if missing_signoffs(definition, state, frozenset(signoffs)) and action != SIGN_OFF:
            raise WorkflowError("signoff_pending", f"{action} waits for sign-off from "
                                f"{', '.join(missing_signoffs(definition, state, frozenset(signoffs)))}")
        raise WorkflowError("action_not_allowed", f"{action} is not open to you in {state}")
    raise WorkflowError("unknown_action", f"{state} has no action {action}")


def breach(definition: dict[str, Any], state_id: str) -> Breach | None:
    """What to do when a case overstays ``state_id``'s time limit (None: nothing is configured)."""
    rule = state_of(definition, state_id).get("on_breach")
    if not rule:
        return None
    return Breach(rule.get("escalate_to"), tuple(rule.get("notify", ())))


def roles_used(definition: dict[str, Any]) -> set[str]:
    found = {r for t in definition["transitions"] for r in t["roles"]}
    for state in definition["states"]:
        found |= set(state.get("signoff", {}).get("roles", ()))
        escalate = state.get("on_breach", {}).get("escalate_to")
        if escalate:
            found.add(escalate)
    return found


def departments_used(definition: dict[str, Any]) -> set[str]:
    found = set()
    for state in definition["states"]:
        if state.get("department"):
            found.add(state["department"])
        found |= set(state.get("signoff", {}).get("departments", ()))
    return found
