"""The organisers' space, /gestion/: one package per section, each with its own urls.py."""

from django.urls import include, path

from . import views

app_name = "backoffice"

SECTIONS = ["dashboard", "catalog", "orders", "refunds", "exports", "checkin", "boxoffice", "settings", "team",
            "inbox"]

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.sign_in, name="login"),
    path("connexion/code/", views.sign_in_code, name="login_code"),
    path("deconnexion/", views.sign_out, name="logout"),
    path("compte/", views.account, name="account"),
    path("compte/double-authentification/", views.account_two_factor, name="account_two_factor"),
    path("compte/double-authentification/desactiver/", views.account_two_factor_off, name="account_two_factor_off"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("<slug:organizer_slug>/", views.organizer_home, name="organizer"),
    *[path("<slug:organizer_slug>/", include(f"billetterie.backoffice.{name}.urls")) for name in SECTIONS],
]
