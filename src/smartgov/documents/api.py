"""Documents: uploads, the applicant's document wallet, signed download links."""

from ninja import Router

from smartgov.api.auth import tenant_auth

router = Router(tags=["documents"], auth=tenant_auth)
