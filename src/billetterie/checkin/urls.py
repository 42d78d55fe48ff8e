from django.urls import path

from . import views

app_name = "checkin"
urlpatterns = [
    path("scan/", views.scanner, name="scanner"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<int:list_id>/", views.dashboard_list, name="dashboard_list"),
    path("dashboard/<int:list_id>/live.json", views.dashboard_live, name="dashboard_live"),
    path("dashboard/<int:list_id>/export.<str:fmt>", views.dashboard_export, name="dashboard_export"),
]
