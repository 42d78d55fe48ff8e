"""The organisers' space, /gestion/: one package per section, each with its own urls.py."""

from django.urls import include, path

from . import password_reset, views

app_name = "backoffice"

SECTIONS = ["dashboard", "catalog", "orders", "refunds", "exports", "checkin", "boxoffice", "settings", "team",
            "inbox", "members", "ledger", "invoices", "journal", "receipts", "ticketing", "payouts", "books"]

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.sign_in, name="login"),
    path("connexion/code/", views.sign_in_code, name="login_code"),
    path("deconnexion/", views.sign_out, name="logout"),
    path("mot-de-passe-oublie/", password_reset.ResetStart.as_view(), name="password_reset"),
    path("mot-de-passe-oublie/envoye/", password_reset.ResetSent.as_view(), name="password_reset_sent"),
    path("mot-de-passe/<uidb64>/<token>/", password_reset.ResetConfirm.as_view(), name="password_reset_confirm"),
    path("mot-de-passe/enregistre/", password_reset.ResetComplete.as_view(), name="password_reset_complete"),
    path("compte/", views.account, name="account"),
    path("compte/double-authentification/", views.account_two_factor, name="account_two_factor"),
    path("compte/double-authentification/desactiver/", views.account_two_factor_off, name="account_two_factor_off"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("<slug:organizer_slug>/", views.organizer_home, name="organizer"),
    *[path("<slug:organizer_slug>/", include(f"billetterie.backoffice.{name}.urls")) for name in SECTIONS],
]
