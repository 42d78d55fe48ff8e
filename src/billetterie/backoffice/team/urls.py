from django.urls import path

from . import views

app_name = "team"

urlpatterns = [
    path("equipe/", views.index, name="index"),
    path("equipe/inviter/", views.invite, name="invite"),
    path("equipe/<int:member_id>/role/", views.role_set, name="role"),
    path("equipe/<int:member_id>/retirer/", views.remove, name="remove"),
    path("equipe/<int:member_id>/renvoyer/", views.resend, name="resend"),
]
