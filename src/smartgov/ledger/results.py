"""Stable result codes. The string values are part of the API (stored, logged, returned to clients):
rename a member if you must, never its value."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class AccountResult(enum.StrEnum):
    OK = "ok"
    EXISTS = "exists"
    EXISTS_WITH_DIFFERENT_CODE = "exists_with_different_code"
    EXISTS_WITH_DIFFERENT_LEDGER = "exists_with_different_ledger"
    EXISTS_WITH_DIFFERENT_CURRENCY = "exists_with_different_currency"
    EXISTS_WITH_DIFFERENT_NORMAL = "exists_with_different_normal"
    EXISTS_WITH_DIFFERENT_FLAGS = "exists_with_different_flags"
    ID_MUST_BE_UUID = "id_must_be_uuid"
    ID_MUST_NOT_BE_NIL = "id_must_not_be_nil"
    CODE_MUST_NOT_BE_EMPTY = "code_must_not_be_empty"
    LEDGER_MUST_NOT_BE_EMPTY = "ledger_must_not_be_empty"
    INVALID_CURRENCY = "invalid_currency"
    INVALID_NORMAL_SIDE = "invalid_normal_side"
    FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"
    CODE_ALREADY_EXISTS = "code_already_exists"


class TransferResult(enum.StrEnum):
    """The outcome of one transfer in a batch, after TigerBeetle's ``CreateTransferResult``.

    ``OK`` and ``EXISTS`` mean the transfer is in the ledger; every other value means this call
    changed nothing for it.
    """

    OK = "ok"
    EXISTS = "exists"
    # batch structure
    LINKED_EVENT_FAILED = "linked_event_failed"
    LINKED_EVENT_CHAIN_OPEN = "linked_event_chain_open"
    # the transfer's own fields
    TIMESTAMP_MUST_BE_NONE = "timestamp_must_be_none"
    ID_MUST_BE_UUID = "id_must_be_uuid"
    ID_MUST_NOT_BE_NIL = "id_must_not_be_nil"
    INVALID_PHASE = "invalid_phase"
    EXPIRE_RESERVED_FOR_LEDGER = "expire_reserved_for_ledger"
    INVALID_REFS = "invalid_refs"
    INVALID_TIMEOUT = "invalid_timeout"
    TIMEOUT_RESERVED_FOR_PENDING_TRANSFER = "timeout_reserved_for_pending_transfer"
    PENDING_ID_MUST_BE_NONE = "pending_id_must_be_none"
    PENDING_ID_MUST_NOT_BE_NONE = "pending_id_must_not_be_none"
    PENDING_ID_MUST_BE_DIFFERENT = "pending_id_must_be_different"
    DEBIT_ACCOUNT_ID_MUST_NOT_BE_NONE = "debit_account_id_must_not_be_none"
    CREDIT_ACCOUNT_ID_MUST_NOT_BE_NONE = "credit_account_id_must_not_be_none"
    ACCOUNTS_MUST_BE_DIFFERENT = "accounts_must_be_different"
    AMOUNT_MUST_NOT_BE_NONE = "amount_must_not_be_none"
    AMOUNT_MUST_BE_AN_INTEGER = "amount_must_be_an_integer"
    AMOUNT_MUST_BE_POSITIVE = "amount_must_be_positive"
    AMOUNT_EXCEEDS_MAXIMUM = "amount_exceeds_maximum"
    LEDGER_MUST_NOT_BE_EMPTY = "ledger_must_not_be_empty"
    INVALID_CURRENCY = "invalid_currency"
    CODE_MUST_NOT_BE_EMPTY = "code_must_not_be_empty"
    # idempotency: the id is taken
    EXISTS_WITH_DIFFERENT_PHASE = "exists_with_different_phase"
    EXISTS_WITH_DIFFERENT_LINKED = "exists_with_different_linked"
    EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID = "exists_with_different_debit_account_id"
    EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID = "exists_with_different_credit_account_id"
    EXISTS_WITH_DIFFERENT_AMOUNT = "exists_with_different_amount"
    EXISTS_WITH_DIFFERENT_PENDING_ID = "exists_with_different_pending_id"
    EXISTS_WITH_DIFFERENT_TIMEOUT = "exists_with_different_timeout"
    EXISTS_WITH_DIFFERENT_LEDGER = "exists_with_different_ledger"
    EXISTS_WITH_DIFFERENT_CURRENCY = "exists_with_different_currency"
    EXISTS_WITH_DIFFERENT_CODE = "exists_with_different_code"
    EXISTS_WITH_DIFFERENT_REFS = "exists_with_different_refs"
    # accounts
    DEBIT_ACCOUNT_NOT_FOUND = "debit_account_not_found"
    CREDIT_ACCOUNT_NOT_FOUND = "credit_account_not_found"
    ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER = "accounts_must_have_the_same_ledger"
    TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS = "transfer_must_have_the_same_ledger_as_accounts"
    ACCOUNTS_MUST_HAVE_THE_SAME_CURRENCY = "accounts_must_have_the_same_currency"
    TRANSFER_MUST_HAVE_THE_SAME_CURRENCY_AS_ACCOUNTS = "transfer_must_have_the_same_currency_as_accounts"
    # two-phase
    PENDING_TRANSFER_NOT_FOUND = "pending_transfer_not_found"
    PENDING_TRANSFER_NOT_PENDING = "pending_transfer_not_pending"
    PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID = "pending_transfer_has_different_debit_account_id"
    PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID = "pending_transfer_has_different_credit_account_id"
    PENDING_TRANSFER_HAS_DIFFERENT_LEDGER = "pending_transfer_has_different_ledger"
    PENDING_TRANSFER_HAS_DIFFERENT_CURRENCY = "pending_transfer_has_different_currency"
    PENDING_TRANSFER_HAS_DIFFERENT_CODE = "pending_transfer_has_different_code"
    PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT = "pending_transfer_has_different_amount"
    EXCEEDS_PENDING_TRANSFER_AMOUNT = "exceeds_pending_transfer_amount"
    PENDING_TRANSFER_ALREADY_POSTED = "pending_transfer_already_posted"
    PENDING_TRANSFER_ALREADY_VOIDED = "pending_transfer_already_voided"
    PENDING_TRANSFER_EXPIRED = "pending_transfer_expired"
    PENDING_TRANSFER_NOT_EXPIRED = "pending_transfer_not_expired"
    # balance constraints
    EXCEEDS_CREDITS = "exceeds_credits"
    EXCEEDS_DEBITS = "exceeds_debits"

    @property
    def succeeded(self) -> bool:
        """True when the transfer is in the ledger after the call (new or replayed)."""
        return self in (TransferResult.OK, TransferResult.EXISTS)


class ProblemCode(enum.StrEnum):
    """What ``check_invariants`` can find wrong; ``smartgov ledger verify`` prints these."""

    DUPLICATE_TRANSFER_ID = "duplicate_transfer_id"
    MISSING_TIMESTAMP = "missing_timestamp"
    TIMESTAMP_NOT_INCREASING = "timestamp_not_increasing"
    INVALID_TRANSFER = "invalid_transfer"
    UNRESOLVED_TRANSFER = "unresolved_transfer"
    DEBITS_NOT_EQUAL_CREDITS = "debits_not_equal_credits"
    CURRENCY_DEBITS_NOT_EQUAL_CREDITS = "currency_debits_not_equal_credits"
    UNKNOWN_ACCOUNT = "unknown_account"
    BALANCE_MISMATCH = "balance_mismatch"
    LIMIT_VIOLATED = "limit_violated"
    POSTING_MISSING_REFERENCE = "posting_missing_reference"
    DUPLICATE_POSTING = "duplicate_posting"
    MISSING_POSTING = "missing_posting"
    UNEXPECTED_POSTING = "unexpected_posting"


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken invariant: a stable machine ``code``, an operator-facing English ``message``
    (this is a diagnostic for finance/ops tooling, not a page string), and what it is about."""

    code: ProblemCode
    message: str
    subject: str | None = None  # an account or transfer id, a currency, or a reference key

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"
