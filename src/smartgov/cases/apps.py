from typing import Any

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "smartgov.cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from smartgov.billing import services as billing

        billing.bill_paid.connect(_bill_paid, dispatch_uid="cases.bill_paid")


def _bill_paid(
    sender: Any, *, tenant_id: Any, bill_id: Any, source_type: str = "", source_id: str = "", **kwargs: Any
) -> None:
    """A fee was paid (sent after billing's commit): the application waiting for it moves on."""
    if source_type != "cases.application" or not source_id:
        return
    from smartgov.cases import services
    from smartgov.tenancy import selectors as tenancy_selectors
    from smartgov.tenancy.context import tenant_context

    tenant = tenancy_selectors.tenants().get(pk=tenant_id)
    with tenant_context(tenant):
        services.payment_received(tenant, source_id)
