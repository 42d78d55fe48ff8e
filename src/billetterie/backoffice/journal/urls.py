"""Back office, the books: the signed sales journal."""
from django.urls import path

from . import views

app_name = "journal"

urlpatterns = [
    path("comptabilite/journal-des-ventes/", views.index, name="index"),
    path("comptabilite/journal-des-ventes/verifier/", views.verify, name="verify"),
    path("comptabilite/journal-des-ventes/journal.jsonl", views.export, name="export"),
    path("comptabilite/journal-des-ventes/cle-publique.pem", views.public_key, name="public_key"),
]
