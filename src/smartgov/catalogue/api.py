"""The service catalogue: services, their versions, forms, workflows and the working-day calendar."""

from ninja import Router

from smartgov.api.auth import tenant_auth

router = Router(tags=["catalogue"], auth=tenant_auth)
