"""Back office, the books: ledger."""
from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("comptabilite/grand-livre/", views.index, name="index"),
    path("comptabilite/grand-livre/compte/<int:account_id>/", views.account, name="account"),
    path("comptabilite/grand-livre/fec.txt", views.fec, name="fec"),
    path("comptabilite/grand-livre/journal.csv", views.journal_csv, name="journal_csv"),
]
