"""The database-backed ledger: ``smartgov.ledger``'s rules over the LedgerAccount/LedgerTransfer tables.

Every decision is made by the pure core (``ledger.rules.validate_transfer``, ``resolve``, ``apply``);
this package only reads what the rules need, in as few round trips as it can, and writes what they
allow. A batch (``create_transfers``) runs in one transaction:

1. lock the tenant's ``LedgerHead`` row: postings of one tenant are serialised, so the balances read
   next cannot change under us and sequence numbers and timestamps strictly increase;
2. read the transfers with the batch's ids (idempotency), the pending transfers the batch resolves and
   whatever already resolved them, and the accounts involved with their cached balances (``read``;
   on PostgreSQL a first attempt guesses the ids are new, decides and inserts in pipelined chunks
   and lets the insert find any id that is not: ``streamed``);
3. decide each transfer in memory in order, chains (``linked``) succeeding or failing as one (``decide``);
4. insert the admitted transfers in one statement and write each touched account's new balance (``write``).

A lone transfer whose decision needs no balances takes a shorter road on PostgreSQL: decided first
from the accounts this process remembers, then checked and written in one statement (``single``).

The unique index on ``pending_id`` backs the "resolved at most once" rule at the database level.
"""

from smartgov.billing.chart import AccountSpec
from smartgov.ledger import Phase, Side, Transfer, TransferResult

from .accounts import ensure_accounts
from .errors import BalanceOverflow, LedgerRefused
from .rows import to_account, to_balance, to_transfer
from .transfers import create_transfers, expire_pending, post, transfer_id

__all__ = [
    "AccountSpec",
    "BalanceOverflow",
    "LedgerRefused",
    "Phase",
    "Side",
    "Transfer",
    "TransferResult",
    "create_transfers",
    "ensure_accounts",
    "expire_pending",
    "post",
    "to_account",
    "to_balance",
    "to_transfer",
    "transfer_id",
]
