"""Receipt pages, under /<tenant>/ (included from billing's urls)."""

from django.urls import path

from . import views

urlpatterns = [
    path("receipts/mine", views.my_receipts, name="receipts-mine"),
    path("receipts/payment/<uuid:payment_id>", views.receipt_page, name="receipts-payment"),
    path("receipts/payment/<uuid:payment_id>/pdf", views.receipt_pdf, name="receipts-pdf"),
    path("receipts/verify/<str:receipt_id>", views.verify_page, name="receipts-verify"),
]
