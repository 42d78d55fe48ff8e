from django.urls import path

from . import views

app_name = "books"

urlpatterns = [
    path("comptabilite/", views.index, name="index"),
]
