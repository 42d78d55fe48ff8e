from django.urls import path

from . import attention, views

app_name = "orders"

urlpatterns = [
    path("commandes/", views.index, name="index"),
    path("commandes/<str:code>/", views.detail, name="detail"),
    path("commandes/<str:code>/confirmation/", views.resend_confirmation, name="resend_confirmation"),
    path("commandes/<str:code>/billets/", views.resend_tickets, name="resend_tickets"),
    path("commandes/<str:code>/lignes/<int:line_id>/personne/", views.change_attendee, name="change_attendee"),
    path("commandes/<str:code>/paiement/", views.record_payment, name="record_payment"),
    path("commandes/<str:code>/facture-payee/", views.invoice_paid, name="invoice_paid"),
    path("commandes/<str:code>/facturation/", views.billing, name="billing"),
    path("commandes/<str:code>/remboursement/", views.refund, name="refund"),
    path("commandes/<str:code>/annulation/", views.cancel, name="cancel"),
    path("commandes/<str:code>/remboursements/<int:refund_id>/fait/", views.refund_done, name="refund_done"),
    path("commandes/<str:code>/paiements/<int:payment_id>/verifie/", attention.payment_checked,
         name="payment_checked"),
]
