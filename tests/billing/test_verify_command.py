"""``smartgov ledger verify``: passes on sound books, exits non-zero naming what is off."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from smartgov.billing.models import LedgerAccount, Payment
from tests.billing.helpers import billing_world, issue, paid_bill, pay
from tests.dbtools import db_id, owner_cursor

pytestmark = pytest.mark.django_db(transaction=True)


def test_verify_passes_then_names_the_tampered_balance_and_the_missing_posting(capsys):
    tenant, water, citizen = billing_world("verify-books")
    paid_bill(tenant, water, citizen)
    unpaid = pay(tenant, issue(tenant, water, citizen))
    call_command("ledger", "verify", "--tenant", "verify-books")
    assert "verify-books: balanced" in capsys.readouterr().out
    with owner_cursor() as cursor:  # a DBA edits a cached balance behind the ledger's back
        cursor.execute(
            f"UPDATE {LedgerAccount._meta.db_table} SET debits_posted = debits_posted + 1 "
            "WHERE code = 'receivable:water' AND tenant_id = %s",
            [db_id(tenant.pk)],
        )
        # ... and marks a payment succeeded that was never booked
        cursor.execute(
            f"UPDATE {Payment._meta.db_table} SET state = 'succeeded' WHERE id = %s",
            [db_id(unpaid.pk)],
        )
    with pytest.raises(CommandError):
        call_command("ledger", "verify", "--tenant", "verify-books")
    err = capsys.readouterr().err
    assert "balance_mismatch" in err and "receivable:water" in err
    assert "debits_not_equal_credits" in err
    assert "missing_posting" in err and str(unpaid.pk) in err
    assert "bill_paid_mismatch" in err
