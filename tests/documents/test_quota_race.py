"""Two uploads racing for the last bytes of a tenant's quota on PostgreSQL: exactly one wins."""

import threading

import pytest
from django.db import connection

from smartgov.documents import selectors, services
from smartgov.kit.errors import Conflict
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_citizen, make_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_uploads_never_overrun_the_quota():
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        services.upload(SYSTEM, tenant, citizen, file_name="warm.txt", content=b"w\n", declared_type="text/plain")
        used = selectors.storage_usage(tenant).used_bytes
    content = b"x" * 600
    # Room for one more 600-byte file (plus its encryption overhead), not two.
    tenant.quota_storage_bytes = used + 700
    tenant.save(update_fields=["quota_storage_bytes"])
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def upload(n: int) -> None:
        try:
            start.wait()
            with tenant_context(tenant):
                services.upload(SYSTEM, tenant, citizen, file_name=f"{n}.txt", content=content,
                                declared_type="text/plain")
            outcomes.append("stored")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["storage_quota_exceeded"] * 3 + ["stored"]
    with tenant_context(tenant):
        usage = selectors.storage_usage(tenant)
    assert usage.documents == 2 and usage.used_bytes <= tenant.quota_storage_bytes
