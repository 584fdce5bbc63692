"""Applications (citizens, businesses and agencies on their behalf) and case work (staff tasks)."""

from ninja import Router

from smartgov.api.auth import tenant_auth

router = Router(tags=["applications and cases"], auth=tenant_auth)
