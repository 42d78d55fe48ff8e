from django.urls import path

from . import views

app_name = "refunds"

urlpatterns = [
    path("annulations/", views.index, name="index"),
    path("annulations/dates/<int:date_id>/annuler/", views.cancel_date, name="cancel_date"),
    path("annulations/dates/<int:date_id>/partiel/", views.part_refund, name="part"),
    path("annulations/<int:batch_id>/", views.batch, name="batch"),
    path("annulations/<int:batch_id>/reprendre/", views.resume, name="resume"),
    path("annulations/<int:batch_id>/remboursements/<int:refund_id>/fait/", views.mark_done, name="mark_done"),
]
