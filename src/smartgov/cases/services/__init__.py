"""Every write of the cases app: applying, case work, decisions and certificates.

Split by use (``applying``, with the form's ``answers`` and ``attaching``; ``flow``,
``certificates``, ``casework``); other apps import this package and reach the functions
re-exported here."""

from smartgov.cases.services._common import unseal as unseal_for_applicant
from smartgov.cases.services.answers import prefill
from smartgov.cases.services.applying import (
    FileIn,
    amend,
    apply,
    payment_settled,
    save_draft,
    start,
    submit,
    withdraw,
)
from smartgov.cases.services.attaching import AttachmentIn
from smartgov.cases.services.casework import (
    add_note,
    escalate_breaches,
    notify_deadlines,
    payment_received,
    reveal,
    settle_payments,
)
from smartgov.cases.services.certificates import (
    Verification,
    certificate_pdf,
    issue,
    render_pdf,
    revoke,
    verify,
    verify_path,
)
from smartgov.cases.services.flow import act, assign, available_actions, claim, decide
from smartgov.cases.services.numbers import allocate_reference, take_reference

__all__ = [
    "AttachmentIn",
    "FileIn",
    "Verification",
    "act",
    "add_note",
    "allocate_reference",
    "amend",
    "apply",
    "assign",
    "available_actions",
    "certificate_pdf",
    "claim",
    "decide",
    "escalate_breaches",
    "issue",
    "notify_deadlines",
    "payment_received",
    "payment_settled",
    "prefill",
    "render_pdf",
    "reveal",
    "revoke",
    "save_draft",
    "settle_payments",
    "start",
    "submit",
    "take_reference",
    "unseal_for_applicant",
    "verify",
    "verify_path",
    "withdraw",
]
