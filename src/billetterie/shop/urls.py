from django.urls import path

from . import account, contact, invoices, members, renewal, selfservice, tax_receipts, views

app_name = "shop"
order = "<slug:organizer_slug>/order/<str:code>/<str:secret>/"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:organizer_slug>/", views.home, name="home"),
    path("<slug:organizer_slug>/cart/", views.cart_page, name="cart"),
    path("<slug:organizer_slug>/contact/", contact.contact_page, name="contact"),
    path("<slug:organizer_slug>/cart/remove/<int:position_id>/", views.cart_remove_view, name="cart_remove"),
    path("<slug:organizer_slug>/e/<slug:event_slug>/", views.event_page, name="event"),
    path("<slug:organizer_slug>/e/<slug:event_slug>/preview/<str:token>/", views.preview, name="preview"),
    path("<slug:organizer_slug>/e/<slug:event_slug>/member/", members.member_prove_view, name="member_prove"),
    path("<slug:organizer_slug>/membership/renew/<str:token>/", renewal.renew, name="membership_renew"),
    path("<slug:organizer_slug>/membership/stop-reminders/<str:token>/", renewal.reminders_stop,
         name="membership_reminders_stop"),
    path(order, views.order_page, name="order"),
    path(order + "pay/", views.order_pay, name="order_pay"),
    path(order + "status.json", views.order_status, name="order_status"),
    path(order + "ticket/<int:line_id>.pdf", views.ticket_download, name="ticket"),
    path(order + "cancel/", selfservice.order_cancel_page, name="order_cancel"),
    path(order + "ticket/<int:line_id>/name/", selfservice.ticket_rename_page, name="ticket_rename"),
    path(order + "tax-receipt/<int:receipt_id>.pdf", tax_receipts.tax_receipt_download, name="tax_receipt"),
    path(order + "invoice/<int:document_id>.pdf", invoices.invoice_download, {"kind": "facture"}, name="invoice"),
    path(order + "credit-note/<int:document_id>.pdf", invoices.invoice_download, {"kind": "avoir"},
         name="credit_note"),
    path(order + "contract.pdf", invoices.contract_download, name="contract"),
    *account.urlpatterns,  # /<organiser>/account/…: the buyer's account (issue 12)
]
