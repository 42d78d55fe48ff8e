from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("tableau-de-bord/", views.index, name="index"),
]
