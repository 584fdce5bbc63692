"""The tenant's document storage account: the quota every stored byte counts against, and the
largest single upload. Each upload takes its bytes in one conditional UPDATE of the tenant's row,
which stays locked until the upload's transaction commits: callers take it late."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, PositiveBigIntegerField, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from smartgov.audit.services import Actor, record
from smartgov.documents.models import StorageAccount
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.kit.statements import Query, updating
from smartgov.tenancy.models import Tenant

if TYPE_CHECKING:
    from smartgov.documents.models import Document


def platform_max_upload_bytes() -> int:
    return int(settings.DOCUMENT_MAX_BYTES)


# Read and counted by every upload (compiled once: kit.statements).
_ACCOUNT = Query(lambda tenant: StorageAccount.objects.filter(tenant_id=tenant), tenant=UUID)
_TAKE = Query(
    lambda tenant, most, size: updating(
        StorageAccount.objects.filter(tenant_id=tenant, used_bytes__lte=most),
        used_bytes=F("used_bytes") + Value(size, output_field=PositiveBigIntegerField()),
    ),
    tenant=UUID,
    most=int,
    size=int,
)


def _account(tenant: Tenant) -> StorageAccount:
    found: StorageAccount | None = _ACCOUNT.first(tenant=tenant.pk)
    if found is None:  # the tenant's first upload
        found, _created = StorageAccount.objects.get_or_create(tenant=tenant)
    return found


def max_upload_bytes(tenant: Tenant) -> int:
    limit = _account(tenant).max_upload_bytes
    return limit if limit is not None else platform_max_upload_bytes()


def reserve(tenant: Tenant, size: int) -> None:
    """Take ``size`` bytes of the tenant's quota in one conditional UPDATE: two uploads racing for
    the last bytes cannot both win. (The UPDATE locks the tenant's account row until the upload
    commits: callers take it late.)"""
    quota = tenant.quota_storage_bytes

    def take() -> int:
        return _TAKE.update(tenant=tenant.pk, most=quota - size, size=size)

    taken = take()
    if not taken and _account(tenant).used_bytes <= quota - size:  # the tenant's first upload: no row yet
        taken = take()
    if not taken:
        used = StorageAccount.objects.filter(tenant=tenant).values_list("used_bytes", flat=True).get()
        raise Conflict(
            _("This government's document storage is full: %(used)s of %(quota)s bytes used.")
            % {"used": used, "quota": quota},
            code="storage_quota_exceeded",
            details={"used_bytes": used, "quota_bytes": quota, "needed_bytes": size},
        )


def release(tenant: Tenant, size: int) -> None:
    StorageAccount.objects.filter(tenant=tenant).update(used_bytes=Greatest(F("used_bytes") - size, 0))


def reserve_quota(tenant: Tenant, documents: list[Document]) -> None:
    """Count uploads stored without reserving (``upload_filed``) against the tenant's quota (409 when full)."""
    if documents:
        reserve(tenant, sum(d.stored_bytes for d in documents))


@transaction.atomic
def set_upload_limit(actor: Actor, tenant: Tenant, max_bytes: int | None) -> int:
    """The tenant's largest single upload (None: the platform default); returns the limit in force."""
    if max_bytes is not None and max_bytes < 1:
        raise InvalidInput.for_field("max_upload_bytes", _("max_upload_bytes must be positive, or empty"))
    account = _account(tenant)
    before = account.max_upload_bytes
    account.max_upload_bytes = max_bytes
    account.save(update_fields=["max_upload_bytes"])
    record(actor=actor, tenant=tenant, action="document_storage.limit", obj=account,
           changes={"max_upload_bytes": [before, max_bytes]})
    return max_upload_bytes(tenant)
