"""Back office, the books: payouts (« Versements ») and the bank statement import."""
from django.urls import path

from . import views

app_name = "payouts"

urlpatterns = [
    path("versements/", views.index, name="index"),
    path("versements/<int:payout_id>/", views.detail, name="detail"),
    path("versements/a-verifier/", views.to_check, name="to_check"),
    path("versements/a-verifier/rapprocher/", views.rematch, name="rematch"),
    path("versements/rapport/", views.export, name="export"),
    path("versements/importer/", views.imports, name="imports"),
    path("versements/importer/stripe/", views.stripe_fetch, name="stripe_fetch"),
    path("versements/importer/stripe/<int:payout_import_id>/", views.fetch, name="fetch"),
    path("versements/importer/paypal/", views.paypal_import, name="paypal_import"),
    path("versements/importer/fichier/", views.bank_import, name="bank_import"),
    path("versements/releves-bancaires/", views.statements, name="statements"),
    path("versements/releves-bancaires/<int:statement_import_id>/", views.statement, name="statement"),
]
