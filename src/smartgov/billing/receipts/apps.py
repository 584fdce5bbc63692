from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    name = "smartgov.billing.receipts"
    label = "billing_receipts"
    verbose_name = "Billing: receipts"

    def ready(self) -> None:
        # The clean hook billing exposes: a receipt the moment a bill is paid. Partial payments
        # (and anything a crash lost between commit and signal) are caught by the sweep task.
        from smartgov.billing.services import bill_paid

        from . import services

        bill_paid.connect(services.on_bill_paid, dispatch_uid="billing_receipts.on_bill_paid")
