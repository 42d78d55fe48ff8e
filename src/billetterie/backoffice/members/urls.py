from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("adherents/", views.index, name="index"),
    path("adherents/ajouter/", views.add, name="add"),
    path("adherents/<int:adherent_id>/", views.detail, name="detail"),
    path("adherents/<int:adherent_id>/modifier/", views.edit, name="edit"),
    path("adherents/<int:adherent_id>/carte/<int:membership_id>.pdf", views.card, name="card"),
]
