from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from billetterie.api.urls import api
from billetterie.organizers.views import logo as organizer_logo
from billetterie.payments import sandbox_psp
from billetterie.payments import views as payment_views
from billetterie.payments.return_views import payment_back
from billetterie.payments.views import notify
from billetterie.tickets.membership_views import membership_card_download
from billetterie.tickets.views import wallet_pass

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sandbox-psp/", include(sandbox_psp)),
    path("payments/notify/<str:provider_id>/<slug:organizer_slug>/", notify, name="payment_notify"),
    path("payments/back/<str:token>/", payment_back, name="payment_back"),
    # the fake bank pages of the development package billetterie_fakes: installed with the test
    # tools and listed in INSTALLED_APPS only with settings.PAYMENT_FAKES on (demo and tests)
    *([path("fake-psp/", include("billetterie_fakes.urls"))] if apps.is_installed("billetterie_fakes") else []),
    path("payments/return/<str:provider_id>/<str:token>/", payment_views.return_view, name="payment_return"),
    path("payments/step/<str:provider_id>/<str:reference>/", payment_views.client_step, name="payment_client_step"),
    path("checkin/", include("billetterie.checkin.urls")),
    path("gestion/", include("billetterie.backoffice.urls")),
    path("<slug:organizer_slug>/order/<str:code>/<str:secret>/ticket/<int:line_id>.pkpass", wallet_pass,
         name="ticket_wallet"),
    path("<slug:organizer_slug>/order/<str:code>/<str:secret>/carte/<int:membership_id>.pdf",
         membership_card_download, name="membership_card"),
    path("<slug:organizer_slug>/logo.png", organizer_logo, name="organizer_logo"),
    path("", include("billetterie.shop.urls")),
]
