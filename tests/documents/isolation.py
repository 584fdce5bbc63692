"""Teaches the isolation walk (tests/architecture/test_isolation_walk.py) the documents operations:
their bodies, and a document and a download-link token of each tenant."""

from smartgov.documents import services
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_citizen

BODIES = {
    "RetentionIn": {"code": "photo", "retention_days": 30},
    "UploadLimitIn": {"max_upload_bytes": 1000},
}


def objects(tenant):
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        document = services.upload(SYSTEM, tenant, citizen, file_name="walk.txt", content=b"walk\n",
                                   declared_type="text/plain")
        token = services.signed_link(SYSTEM, tenant, document).token
    return {"document_id": document.pk, "token": token}
