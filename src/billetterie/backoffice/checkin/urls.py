from django.urls import path

from . import views

app_name = "checkin"

urlpatterns = [
    path("controle/", views.index, name="index"),
    path("controle/evenement/<int:event_id>/nouvelle-liste/", views.create, name="create"),
    path("controle/liste/<int:list_id>/", views.edit, name="edit"),
    path("controle/liste/<int:list_id>/supprimer/", views.delete, name="delete"),
    path("controle/liste/<int:list_id>/direct/", views.live, name="live"),
    path("controle/liste/<int:list_id>/lien-scanner/", views.link_create, name="link_create"),
    path("controle/liens/<int:token_id>/revoquer/", views.link_revoke, name="link_revoke"),
    path("controle/scanner/", views.scanner, name="scanner"),
    path("controle/scanner/<int:list_id>/", views.scanner_open, name="scanner_open"),
    path("controle/carte-adherent/", views.membership_card_check, name="card_check"),
]
