"""The v1 REST API: one NinjaAPI, each app's router mounted on it."""

from __future__ import annotations

from ninja import NinjaAPI

from smartgov.accounts.api import router as accounts_router
from smartgov.api import errors
from smartgov.api.renderers import OrjsonRenderer
from smartgov.audit.api import router as audit_router
from smartgov.billing.api import router as billing_router
from smartgov.cases.api import router as cases_router
from smartgov.catalogue.api import router as catalogue_router
from smartgov.documents.api import router as documents_router
from smartgov.notices.api import router as notices_router
from smartgov.tax.api import router as tax_router
from smartgov.tenancy.api import platform as platform_router
from smartgov.tenancy.api import router as tenancy_router

api = NinjaAPI(
    title="smartgov API",
    version="1",
    description=(
        "The smartgov e-government platform API. Tenant-scoped operations live under `/t/{tenant}/` "
        "and accept an API key of that tenant (`Authorization: Bearer sgk_...`) or a signed-in member's "
        "session (with the CSRF token on unsafe methods). Platform operations under `/platform/` need a "
        "platform key or an operator. Every error is JSON `{code, message, details}`; another tenant's "
        "object is a 404, exactly like a missing one."
    ),
    urls_namespace="api-v1",
    renderer=OrjsonRenderer(),
)
errors.install(api)
api.add_router("/platform", platform_router)
api.add_router("", tenancy_router)
api.add_router("", accounts_router)
api.add_router("", audit_router)
api.add_router("", catalogue_router)
api.add_router("", cases_router)
api.add_router("", documents_router)
api.add_router("", notices_router)
api.add_router("", billing_router)
api.add_router("", tax_router)
