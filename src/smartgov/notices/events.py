"""The events the platform tells people about, and the wording it ships for each (per language).
Tenants override any of them in the database (``NoticeTemplate``); these are the defaults.

Templates are Django templates rendered against the caller's context plus ``tenant`` (the
government's name in the recipient's language) and ``name`` (the recipient's name). Each event
lists the context keys its callers pass (``CONTEXT``), which the template admin page shows.
"""

from __future__ import annotations

from dataclasses import dataclass

APPLICATION_SUBMITTED = "application_submitted"
CORRECTION_REQUESTED = "correction_requested"
DECISION_MADE = "decision_made"
CERTIFICATE_ISSUED = "certificate_issued"
DEADLINE_APPROACHING = "deadline_approaching"
TASK_BREACHED = "task_breached"  # to staff: a step of a case overran its time limit
PAYMENT_RECEIVED = "payment_received"
BILL_ISSUED = "bill_issued"

EVENTS = (
    APPLICATION_SUBMITTED,
    CORRECTION_REQUESTED,
    DECISION_MADE,
    CERTIFICATE_ISSUED,
    DEADLINE_APPROACHING,
    TASK_BREACHED,
    PAYMENT_RECEIVED,
    BILL_ISSUED,
)
LANGUAGES = ("zh-hans", "en")
DEFAULT_LANGUAGE = "zh-hans"

# What callers put in the context for each event (beyond ``tenant`` and ``name``, always there).
CONTEXT: dict[str, tuple[str, ...]] = {
    APPLICATION_SUBMITTED: ("service", "reference", "deadline"),
    CORRECTION_REQUESTED: ("service", "reference", "items", "deadline"),
    DECISION_MADE: ("service", "reference", "approved", "reason"),
    CERTIFICATE_ISSUED: ("service", "reference", "certificate", "valid_until"),
    DEADLINE_APPROACHING: ("service", "reference", "deadline", "action"),
    TASK_BREACHED: ("service", "reference", "step", "due", "escalated_to", "deadline"),
    PAYMENT_RECEIVED: ("amount", "bill_reference", "paid_at"),
    BILL_ISSUED: ("amount", "bill_reference", "due_date", "description"),
}


@dataclass(frozen=True)
class Wording:
    subject: str  # e-mail subject and in-app title
    body: str  # e-mail body and in-app text
    sms: str  # one short text message


def language_of(preferred: str | None) -> str:
    """The notice language for a person's preference (anything English-like is English)."""
    return "en" if (preferred or "").lower().startswith("en") else DEFAULT_LANGUAGE


DEFAULTS: dict[tuple[str, str], Wording] = {
    (APPLICATION_SUBMITTED, "zh-hans"): Wording(
        "申请已受理：{{ service }}（{{ reference }}）",
        "{{ name }}，您好：\n\n您提交的“{{ service }}”申请已受理，受理编号 {{ reference }}。"
        "{% if deadline %}\n承诺办结时限：{{ deadline }}。{% endif %}\n\n{{ tenant }}",
        "【{{ tenant }}】您的{{ service }}申请已受理，编号{{ reference }}。",
    ),
    (APPLICATION_SUBMITTED, "en"): Wording(
        "Application received: {{ service }} ({{ reference }})",
        "Dear {{ name }},\n\nYour application for {{ service }} has been received; its reference is "
        "{{ reference }}.{% if deadline %}\nWe will decide by {{ deadline }}.{% endif %}\n\n{{ tenant }}",
        "[{{ tenant }}] Application {{ reference }} for {{ service }} received.",
    ),
    (CORRECTION_REQUESTED, "zh-hans"): Wording(
        "请补正材料：{{ service }}（{{ reference }}）",
        "{{ name }}，您好：\n\n您的“{{ service }}”申请（{{ reference }}）需要补正：\n{{ items }}"
        "{% if deadline %}\n请于 {{ deadline }} 前补正。{% endif %}\n\n{{ tenant }}",
        "【{{ tenant }}】您的申请{{ reference }}需补正材料，请登录查看。",
    ),
    (CORRECTION_REQUESTED, "en"): Wording(
        "Please correct your application: {{ service }} ({{ reference }})",
        "Dear {{ name }},\n\nYour application {{ reference }} for {{ service }} needs a correction:\n{{ items }}"
        "{% if deadline %}\nPlease correct it by {{ deadline }}.{% endif %}\n\n{{ tenant }}",
        "[{{ tenant }}] Application {{ reference }} needs a correction; please sign in.",
    ),
    (DECISION_MADE, "zh-hans"): Wording(
        "办理结果：{{ service }}（{{ reference }}）",
        "{{ name }}，您好：\n\n您的“{{ service }}”申请（{{ reference }}）"
        "{% if approved %}已准予许可。{% else %}未予准许。{% endif %}"
        "{% if reason %}\n理由：{{ reason }}{% endif %}\n\n{{ tenant }}",
        "【{{ tenant }}】您的申请{{ reference }}已办结"
        "{% if approved %}（准予）{% else %}（不予准许）{% endif %}。",
    ),
    (DECISION_MADE, "en"): Wording(
        "Decision on {{ service }} ({{ reference }})",
        "Dear {{ name }},\n\nYour application {{ reference }} for {{ service }} has been "
        "{% if approved %}approved{% else %}refused{% endif %}.{% if reason %}\nReason: {{ reason }}{% endif %}"
        "\n\n{{ tenant }}",
        "[{{ tenant }}] Application {{ reference }}: {% if approved %}approved{% else %}refused{% endif %}.",
    ),
    (CERTIFICATE_ISSUED, "zh-hans"): Wording(
        "证照已签发：{{ certificate }}",
        "{{ name }}，您好：\n\n“{{ certificate }}”已签发并放入您的材料库，可随时下载。"
        "{% if valid_until %}\n有效期至 {{ valid_until }}。{% else %}\n长期有效。{% endif %}\n\n{{ tenant }}",
        "【{{ tenant }}】您的{{ certificate }}已签发，请登录下载。",
    ),
    (CERTIFICATE_ISSUED, "en"): Wording(
        "Certificate issued: {{ certificate }}",
        "Dear {{ name }},\n\nYour {{ certificate }} has been issued and is in your document wallet."
        "{% if valid_until %}\nIt is valid until {{ valid_until }}.{% else %}\nIt does not expire.{% endif %}"
        "\n\n{{ tenant }}",
        "[{{ tenant }}] Your {{ certificate }} has been issued; sign in to download it.",
    ),
    (DEADLINE_APPROACHING, "zh-hans"): Wording(
        "即将到期：{{ service }}（{{ reference }}）",
        "{{ name }}，您好：\n\n您的“{{ service }}”申请（{{ reference }}）将于 {{ deadline }} 到期。"
        "{% if action %}\n请尽快：{{ action }}{% endif %}\n\n{{ tenant }}",
        "【{{ tenant }}】您的申请{{ reference }}将于{{ deadline }}到期，请及时处理。",
    ),
    (DEADLINE_APPROACHING, "en"): Wording(
        "Deadline approaching: {{ service }} ({{ reference }})",
        "Dear {{ name }},\n\nYour application {{ reference }} for {{ service }} is due on {{ deadline }}."
        "{% if action %}\nPlease {{ action }} soon.{% endif %}\n\n{{ tenant }}",
        "[{{ tenant }}] Application {{ reference }} is due on {{ deadline }}.",
    ),
    (TASK_BREACHED, "zh-hans"): Wording(
        "办理超时：{{ service }}（{{ reference }}）",
        "{{ name }}，您好：\n\n“{{ service }}”申请（{{ reference }}）的“{{ step }}”环节已超过办理时限"
        "{% if due %}（应于 {{ due }} 前办结）{% endif %}。"
        "{% if escalated_to %}\n已升级至：{{ escalated_to }}。{% endif %}"
        "{% if deadline %}\n法定办结期限：{{ deadline }}。{% endif %}\n请尽快处理。\n\n{{ tenant }}",
        "【{{ tenant }}】申请{{ reference }}的“{{ step }}”环节已超时，请尽快处理。",
    ),
    (TASK_BREACHED, "en"): Wording(
        "Overdue: {{ service }} ({{ reference }})",
        "Dear {{ name }},\n\nThe step {{ step }} of application {{ reference }} for {{ service }} has overrun its "
        "time limit{% if due %} (it was due by {{ due }}){% endif %}."
        "{% if escalated_to %}\nIt has been escalated to: {{ escalated_to }}.{% endif %}"
        "{% if deadline %}\nThe legal deadline of the case is {{ deadline }}.{% endif %}\nPlease deal with it now."
        "\n\n{{ tenant }}",
        "[{{ tenant }}] Step {{ step }} of application {{ reference }} is overdue; please deal with it now.",
    ),
    (PAYMENT_RECEIVED, "zh-hans"): Wording(
        "缴费成功：{{ bill_reference }}",
        "{{ name }}，您好：\n\n已收到您缴纳的 {{ amount }}（账单 {{ bill_reference }}）。"
        "{% if paid_at %}\n缴费时间：{{ paid_at }}。{% endif %}\n\n{{ tenant }}",
        "【{{ tenant }}】已收到您的缴费{{ amount }}，账单{{ bill_reference }}。",
    ),
    (PAYMENT_RECEIVED, "en"): Wording(
        "Payment received: {{ bill_reference }}",
        "Dear {{ name }},\n\nWe have received your payment of {{ amount }} for bill {{ bill_reference }}."
        "{% if paid_at %}\nPaid at {{ paid_at }}.{% endif %}\n\n{{ tenant }}",
        "[{{ tenant }}] Payment of {{ amount }} for bill {{ bill_reference }} received.",
    ),
    (BILL_ISSUED, "zh-hans"): Wording(
        "缴费通知：{{ bill_reference }}",
        "{{ name }}，您好：\n\n{% if description %}{{ description }}\n{% endif %}应缴金额 {{ amount }}"
        "{% if due_date %}，请于 {{ due_date }} 前缴纳{% endif %}。账单编号 {{ bill_reference }}。\n\n{{ tenant }}",
        "【{{ tenant }}】您有一笔{{ amount }}的账单{{ bill_reference }}"
        "{% if due_date %}，请于{{ due_date }}前缴纳{% endif %}。",
    ),
    (BILL_ISSUED, "en"): Wording(
        "New bill: {{ bill_reference }}",
        "Dear {{ name }},\n\n{% if description %}{{ description }}\n{% endif %}Amount due: {{ amount }}"
        "{% if due_date %}, by {{ due_date }}{% endif %}. Bill reference {{ bill_reference }}.\n\n{{ tenant }}",
        "[{{ tenant }}] Bill {{ bill_reference }}: {{ amount }} due{% if due_date %} by {{ due_date }}{% endif %}.",
    ),
}
