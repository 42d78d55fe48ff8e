from django.urls import path

from . import views

app_name = "inbox"

urlpatterns = [
    path("messages/", views.index, name="index"),
    path("messages/<int:message_id>/", views.detail, name="detail"),
    path("messages/<int:message_id>/traite/", views.mark_handled, name="handled"),
]
