"""Back office, the books: donation tax receipts."""
from django.urls import path

from . import views

app_name = "receipts"

urlpatterns = [
    path("recus-fiscaux/", views.index, name="index"),
    path("recus-fiscaux/<int:year>.csv", views.export_csv, name="csv"),
    path("recus-fiscaux/<int:year>.xlsx", views.export_xlsx, name="xlsx"),
    path("recus-fiscaux/recu/<int:receipt_id>.pdf", views.receipt_download, name="pdf"),
    path("recus-fiscaux/annuels/", views.yearly_issue, name="yearly"),
    path("recus-fiscaux/reglages/", views.settings_page, name="settings"),
    path("recus-fiscaux/reglages/signature/", views.signature_upload, name="signature"),
    path("recus-fiscaux/reglages/signature.png", views.signature_image, name="signature_image"),
]
