"""Notices: templates, a person's messages and channel preferences, delivery status."""

from ninja import Router

from smartgov.api.auth import tenant_auth

router = Router(tags=["notices"], auth=tenant_auth)
