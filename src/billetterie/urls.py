from django.contrib import admin
from django.urls import include, path

from billetterie.api.urls import api
from billetterie.payments import sandbox_psp
from billetterie.payments.views import notify

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sandbox-psp/", include(sandbox_psp)),
    path("payments/notify/<str:provider_id>/<slug:organizer_slug>/", notify, name="payment_notify"),
    path("", include("billetterie.shop.urls")),
]
