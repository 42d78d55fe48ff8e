from django.urls import path

from . import views

app_name = "boxoffice"

urlpatterns = [
    path("guichet/", views.index, name="index"),
    path("guichet/evenement/<int:event_id>/", views.sale, name="sale"),
    path("guichet/vente/<str:code>/", views.receipt, name="receipt"),
    path("guichet/vente/<str:code>/billet/<int:line_id>.pdf", views.ticket, name="ticket"),
]
