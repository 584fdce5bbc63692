"""Ready-made workflows a new service starts from."""

from __future__ import annotations

from typing import Any

from smartgov.catalogue.workflow.definition import APPLICANT


def template(department: str, time_limit_days: int) -> dict[str, Any]:
    """The everyday workflow a new service starts with: accept, review (with correction requests),
    approve or reject; the review gets the service's legal time limit and escalates on breach."""
    review_days = max(1, time_limit_days - 1)
    return {
        "states": [
            {"id": "submitted", "kind": "start", "label": {"zh": "已提交", "en": "Submitted"}},
            {"id": "review", "kind": "work", "department": department, "time_limit_days": review_days,
             "label": {"zh": "审查", "en": "Review"},
             "on_breach": {"escalate_to": "supervisor", "notify": ["assignee", "supervisor"]}},
            {"id": "correction", "kind": "work", "pauses_clock": True, "time_limit_days": 15,
             "label": {"zh": "补正材料", "en": "Correction"}},
            {"id": "approved", "kind": "final", "outcome": "approved", "label": {"zh": "准予", "en": "Approved"}},
            {"id": "rejected", "kind": "final", "outcome": "rejected", "label": {"zh": "不予", "en": "Rejected"}},
        ],
        "transitions": [
            {"from": "submitted", "to": "review", "action": "accept", "roles": ["caseworker", "supervisor"],
             "label": {"zh": "受理", "en": "Accept"}},
            {"from": "submitted", "to": "rejected", "action": "refuse", "roles": ["caseworker", "supervisor"],
             "kind": "rejection", "label": {"zh": "不予受理", "en": "Refuse"}},
            {"from": "review", "to": "correction", "action": "request_correction",
             "roles": ["caseworker", "supervisor"], "kind": "correction",
             "label": {"zh": "要求补正", "en": "Request correction"}},
            {"from": "correction", "to": "review", "action": "resubmit", "roles": [APPLICANT],
             "label": {"zh": "重新提交", "en": "Resubmit"}},
            {"from": "correction", "to": "rejected", "action": "lapse", "roles": ["supervisor"], "kind": "rejection",
             "label": {"zh": "逾期未补正", "en": "Lapsed"}},
            {"from": "review", "to": "approved", "action": "approve", "roles": ["caseworker", "supervisor"],
             "kind": "approval", "label": {"zh": "准予许可", "en": "Approve"}},
            {"from": "review", "to": "rejected", "action": "reject", "roles": ["caseworker", "supervisor"],
             "kind": "rejection", "label": {"zh": "不予许可", "en": "Reject"}},
        ],
    }
