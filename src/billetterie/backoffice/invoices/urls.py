from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("factures/", views.index, name="index"),
    path("factures/reglages/", views.settings, name="settings"),
    path("factures/<int:invoice_id>.pdf", views.invoice_download, name="invoice"),
    path("avoirs/<int:credit_note_id>.pdf", views.credit_note_download, name="credit_note"),
    path("commandes/<str:code>/contrat.pdf", views.contract_download, name="contract"),
]
