"""A pure double-entry ledger core in the style of TigerBeetle: no database, no Django.

Accounts hold four derived totals (debits/credits, pending/posted); transfers are immutable, keyed
by an id that doubles as the idempotency key; pending transfers reserve and are posted (in full or
in part), voided or expired exactly once; linked transfers succeed or fail together. The billing app
backs the same rules with PostgreSQL tables. See docs/ledger.md.
"""

from .core import Ledger
from .invariants import PostingRule, balances_from, check_invariants
from .model import (
    EXPIRY_NAMESPACE,
    MAX_AMOUNT,
    MAX_TIMEOUT,
    ZERO,
    Account,
    Balance,
    PendingState,
    Phase,
    Side,
    Transfer,
    expiry_id,
    is_currency,
)
from .results import AccountResult, Problem, ProblemCode, TransferResult
from .rules import (
    apply,
    apply_pair,
    chains,
    check_fields,
    compare_existing,
    expiry_transfer,
    needs_balances,
    pending_state,
    resolve,
    validate_account,
    validate_transfer,
)

__all__ = [
    "EXPIRY_NAMESPACE",
    "MAX_AMOUNT",
    "MAX_TIMEOUT",
    "ZERO",
    "Account",
    "AccountResult",
    "Balance",
    "Ledger",
    "PendingState",
    "Phase",
    "PostingRule",
    "Problem",
    "ProblemCode",
    "Side",
    "Transfer",
    "TransferResult",
    "apply",
    "apply_pair",
    "balances_from",
    "chains",
    "check_fields",
    "check_invariants",
    "compare_existing",
    "expiry_id",
    "expiry_transfer",
    "is_currency",
    "needs_balances",
    "pending_state",
    "resolve",
    "validate_account",
    "validate_transfer",
]
