"""The organisers' space, /gestion/: one package per section, each with its own urls.py."""

from django.urls import include, path

from . import views

app_name = "backoffice"

SECTIONS = ["dashboard", "catalog", "orders", "refunds", "exports", "checkin", "boxoffice", "settings", "team"]

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.sign_in, name="login"),
    path("deconnexion/", views.sign_out, name="logout"),
    path("<slug:organizer_slug>/", views.organizer_home, name="organizer"),
    *[path("<slug:organizer_slug>/", include(f"billetterie.backoffice.{name}.urls")) for name in SECTIONS],
]
