"""Tax: withholding returns, annual reconciliation, small-scale VAT, and the calculation endpoint."""

from ninja import Router

from smartgov.api.auth import tenant_auth

router = Router(tags=["tax"], auth=tenant_auth)

from smartgov.tax.filing_api import router as filing_router  # noqa: E402

router.add_router("", filing_router)
