"""What the rules need to decide one batch, as read under the ledger lock, with an undo log so a
linked chain that fails leaves no trace."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from smartgov.ledger import Account, Balance, Transfer

_MISSING: Any = object()


class State:
    def __init__(
        self,
        accounts: dict[UUID, Account],
        balances: dict[UUID, Balance],
        transfers: dict[UUID, Transfer],
        resolutions: dict[UUID, Transfer],
    ) -> None:
        self.accounts = accounts
        self.balances = balances
        self.transfers = transfers  # stored before the batch, plus admitted in it
        self.resolutions = resolutions  # pending id -> its post/void/expiry
        self.new: dict[UUID, Transfer] = {}  # admitted in this batch, in order
        self._read = dict(balances)  # as read, to tell which balances the batch changed
        self.undo: list[tuple[dict[Any, Any], Any, Any]] | None = None

    @classmethod
    def of(
        cls, pending_ids: list[UUID], transfer_rows: list[Transfer], account_rows: list[tuple[Account, Balance]]
    ) -> State:
        """The state from the rows read: ``transfer_rows`` hold the batch's ids, the pending transfers
        it names and whatever already resolved those (``pending_ids``)."""
        transfers: dict[UUID, Transfer] = {}
        resolutions: dict[UUID, Transfer] = {}
        asked = set(pending_ids)
        for t in transfer_rows:
            transfers[t.id] = t
            if t.pending_id is not None and t.pending_id in asked:
                resolutions[t.pending_id] = t  # at most one: pending_id is unique
        accounts = {a.id: a for a, _b in account_rows}
        balances = {a.id: b for a, b in account_rows}
        return cls(accounts, balances, transfers, resolutions)

    def touched(self) -> list[tuple[UUID, Balance]]:
        """The accounts whose balance the batch changed, with the new balance. (Every change stores a
        new ``Balance``; a linked chain that failed puts back the very object it replaced.)"""
        return [(a, b) for a, b in self.balances.items() if self._read.get(a) is not b]

    def set(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        if self.undo is not None:
            self.undo.append((table, key, table.get(key, _MISSING)))
        table[key] = value

    def rollback(self) -> None:
        assert self.undo is not None
        for table, key, old in reversed(self.undo):
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old
        self.undo = []
