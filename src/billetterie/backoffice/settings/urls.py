from django.urls import path

from . import views

app_name = "settings"

urlpatterns = [
    path("reglages/", views.index, name="index"),
    path("reglages/organisation/", views.details, name="details"),
    path("reglages/organisation/logo/", views.logo_upload, name="logo"),
    path("reglages/organisation/logo/retirer/", views.logo_remove, name="logo_remove"),
    path("reglages/paiement/", views.methods, name="methods"),
    path("reglages/paiement/ajouter/", views.method_add, name="method_add"),
    path("reglages/paiement/<int:config_id>/", views.method_edit, name="method"),
]
