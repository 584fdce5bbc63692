"""Pages of the billing app, mounted under /<tenant>/ (see config/urls.py)."""

from django.urls import include, path

from smartgov.billing import views
from smartgov.tenancy.context import own_transactions

urlpatterns = [
    path("bills/", views.lookup, name="billing-lookup"),
    # Paying from this page calls the channel: the page opens its own short transactions around it.
    path("bills/code/<str:code>", views.bill_page, name=own_transactions("billing-bill")),
    path("bills/payments/<uuid:payment_id>", views.payment_page, name="billing-payment"),
    path("bills/mine", views.my_bills, name="billing-mine"),
    path("bills/staff", views.staff_bills, name="billing-staff"),
    path("bills/staff/upload", views.staff_upload, name="billing-upload"),
    path("", include("smartgov.billing.receipts.urls")),
    path("", include("smartgov.billing.reconciliation.urls")),
]
