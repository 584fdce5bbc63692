"""Tax: withholding returns, annual reconciliation, small-scale VAT, and the calculation endpoint."""

from ninja import Router

from smartgov.api.auth import tenant_auth

router = Router(tags=["tax"], auth=tenant_auth)
