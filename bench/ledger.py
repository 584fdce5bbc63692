"""Ledger throughput on PostgreSQL, each figure against a baseline measured in the same run.

(a) single transfers, each in its own transaction (lock the tenant's ledger head, read the
    accounts, check the rules, insert the transfer, update both balances), against inserting the
    same rows with plain SQL, one transaction each, into a copy of the transfer table. Target ≥ 50 %.
(b) batched transfers, 1,000 per commit, in transfers/s (target ≥ 20,000/s), with the ratio to a
    COPY of the same rows into that copy table.

    python bench/ledger.py [--single N] [--batches N]

Each run starts from a new database (BENCH_DATABASE_URL, default smartgov_billing_bench), as the
baseline's table starts empty: a transfer table grown by earlier runs is slower to insert into.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid

from _pg import fresh_tenant, pg_setup  # bench/ is the script's folder, so first on sys.path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--single", type=int, default=2000)
    parser.add_argument("--batches", type=int, default=100)
    args = parser.parse_args()
    pg_setup(fresh=True)  # our table and the baseline's both start empty

    from django.db import connection, transaction

    from smartgov.billing import chart
    from smartgov.billing.models import LedgerTransfer
    from smartgov.billing.services import ledger
    from smartgov.kit import clock
    from smartgov.ledger import Transfer
    from smartgov.tenancy.context import tenant_context

    tenant = fresh_tenant("ledger")
    with tenant_context(tenant):
        accounts = ledger.ensure_accounts(
            tenant, [chart.receivable(f"b{i}") for i in range(4)] + [chart.revenue(f"b{i}") for i in range(4)]
        )
    pairs = [(accounts[f"receivable:b{i}"].pk, accounts[f"revenue:b{i}"].pk) for i in range(4)]

    def transfer(i: int) -> Transfer:
        debit, credit = pairs[i % 4]
        return Transfer(
            id=uuid.uuid4(),
            debit_account_id=debit,
            credit_account_id=credit,
            amount=100 + i % 900,
            ledger="billing",
            currency="CNY",
            code="bill.issued",
            refs={"bill": str(i)},
        )

    table = LedgerTransfer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_transfer")
        # Same columns, indexes and checks as the real table; no row-level security, no foreign keys.
        cursor.execute(f"CREATE TABLE bench_transfer (LIKE {table} INCLUDING ALL)")
    columns = (
        "id",
        "tenant_id",
        "seq",
        "timestamp",
        "phase",
        "debit_account_id",
        "credit_account_id",
        "amount",
        "ledger",
        "currency",
        "code",
        "pending_id",
        "timeout",
        "linked",
        "refs",
    )

    def row(t: Transfer, seq: int) -> tuple:
        return (
            t.id,
            tenant.pk,
            seq,
            clock.now(),
            t.phase.value,
            t.debit_account_id,
            t.credit_account_id,
            t.amount,
            t.ledger,
            t.currency,
            t.code,
            None,
            0,
            False,
            json.dumps(dict(t.refs)),
        )

    insert = f"INSERT INTO bench_transfer ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    # (a) one transaction per transfer, alternating the two so neither gets a warmer cache.
    n = args.single
    ours = base = 0.0
    for start in range(0, n, 100):
        batch = [transfer(i) for i in range(start, start + 100)]
        t0 = time.perf_counter()
        for t in batch:
            with tenant_context(tenant):  # one transaction: BEGIN, set the tenant, post, COMMIT
                results = ledger.create_transfers(tenant, [t])
            assert results[0].value == "ok", results
        ours += time.perf_counter() - t0
        t0 = time.perf_counter()
        for seq, t in enumerate(batch, start=start):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(insert, row(t, seq))
        base += time.perf_counter() - t0
    print(
        f"(a) single transfers: {n / ours:,.0f}/s; plain SQL insert baseline {n / base:,.0f}/s; "
        f"ratio {base / ours:.0%} (target >= 50%)"
    )

    # (b) batches of 1,000 per commit.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE bench_transfer")
    size = 1000
    total = size * args.batches
    batches = [[transfer(b * size + i) for i in range(size)] for b in range(args.batches)]
    t0 = time.perf_counter()
    for batch in batches:
        with tenant_context(tenant):
            results = ledger.create_transfers(tenant, batch)
        assert all(r.value == "ok" for r in results)
    ours = time.perf_counter() - t0
    rows = [row(t, i) for i, t in enumerate(t for batch in batches for t in batch)]
    t0 = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY bench_transfer ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for r in rows:
            copy.write_row(r)
    copy_time = time.perf_counter() - t0
    print(
        f"(b) batched transfers (1,000 per commit): {total / ours:,.0f}/s (target >= 20,000/s); "
        f"COPY of the same rows {total / copy_time:,.0f}/s; ratio to COPY {copy_time / ours:.0%}"
    )
    with tenant_context(tenant):
        from smartgov.billing import selectors

        problems = selectors.verify(tenant)
    print(f"ledger verify after the run: {'balanced' if not problems else problems[:3]}")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_transfer")


if __name__ == "__main__":
    main()
