"""What the database-backed ledger raises."""

from __future__ import annotations

from smartgov.kit.errors import Conflict


class LedgerRefused(Conflict):
    """A posting the ledger refused; ``details`` lists each transfer's result."""

    code = "ledger_refused"


class BalanceOverflow(Exception):
    """A balance column would leave the signed 64-bit range (no realistic ledger gets there)."""
