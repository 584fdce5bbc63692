"""Bills, payments, refunds and the ledger, for billers, payers and agencies' systems."""

from ninja import Router

from smartgov.api.auth import tenant_auth

router = Router(tags=["billing"], auth=tenant_auth)
