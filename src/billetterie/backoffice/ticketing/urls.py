"""Back office, the books: the ticketing summary (« Relevé de billetterie »)."""
from django.urls import path

from . import views

app_name = "ticketing"

urlpatterns = [
    path("releve-billetterie/", views.index, name="index"),
    path("releve-billetterie/releve.csv", views.export_csv, name="csv"),
    path("releve-billetterie/releve.xlsx", views.export_xlsx, name="xlsx"),
]
