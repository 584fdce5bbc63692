"""Workflow definitions as data, their validation and the engine the cases app runs them with.

Pure: no Django, no database. A definition is a plain dict (parsed from YAML or JSON)::

    states:
      - {id: submitted, kind: start}
      - {id: review, kind: work, department: market-regulation, time_limit_days: 3,
         on_breach: {escalate_to: supervisor, notify: [assignee, supervisor]}}
      - {id: joint_review, kind: work, time_limit_days: 5,
         signoff: {departments: [fire-rescue, health], roles: [caseworker]}}
      - {id: correction, kind: work, pauses_clock: true, time_limit_days: 10}
      - {id: approved, kind: final, outcome: approved}
      - {id: rejected, kind: final, outcome: rejected}
    transitions:
      - {from: submitted, to: review, action: accept, roles: [caseworker]}
      - {from: review, to: correction, action: request_correction, roles: [caseworker], kind: correction}
      - {from: correction, to: review, action: resubmit, roles: [applicant]}
      - {from: review, to: joint_review, action: forward, roles: [caseworker]}
      - {from: joint_review, to: approved, action: approve, roles: [supervisor], kind: approval}
      - {from: joint_review, to: rejected, action: reject, roles: [supervisor], kind: rejection}

- ``kind`` of a state: ``start`` (exactly one), ``work`` (someone must act), ``final`` (the case is
  closed; ``outcome`` says how). Final states have no way out; every other state must lead to one.
- ``kind`` of a transition: ``normal``, ``approval``, ``rejection`` or ``correction`` (asks the
  applicant to amend). Rejections and correction requests always need a reason (the applicant must
  be told which requirement failed); others need one when ``reason_required`` is true.
- ``signoff``: the state needs sign-off from every listed department before a transition that
  ``requires_signoff`` (the default for all but rejections and correction requests) may leave it.
  Members of those departments holding one of ``roles`` take the built-in ``sign_off`` action.
- ``time_limit_days``: working days allowed in the state; ``on_breach`` says what happens when it
  runs out: escalate to a supervisor role and/or notify some parties. ``pauses_clock`` marks states
  (waiting for the applicant) that stop the service's legal clock.
"""

from smartgov.catalogue.workflow.definition import (
    APPLICANT,
    MAX_TIME_LIMIT_DAYS,
    SIGN_OFF,
    STATE_KINDS,
    TRANSITION_KINDS,
    Problem,
    dump,
    dumps_json,
    parse,
    validate,
)
from smartgov.catalogue.workflow.engine import (
    Action,
    Breach,
    Step,
    WorkflowError,
    apply,
    available_actions,
    breach,
    departments_used,
    enter,
    missing_signoffs,
    roles_used,
    start_state,
    state_of,
)
from smartgov.catalogue.workflow.templates import template

__all__ = [
    "APPLICANT",
    "MAX_TIME_LIMIT_DAYS",
    "SIGN_OFF",
    "STATE_KINDS",
    "TRANSITION_KINDS",
    "Action",
    "Breach",
    "Problem",
    "Step",
    "WorkflowError",
    "apply",
    "available_actions",
    "breach",
    "departments_used",
    "dump",
    "dumps_json",
    "enter",
    "missing_signoffs",
    "parse",
    "roles_used",
    "start_state",
    "state_of",
    "template",
    "validate",
]
