from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("exports/", views.index, name="index"),
    path("exports/nouveau/<slug:kind>/", views.start, name="start"),
    path("exports/<int:job_id>/", views.job, name="job"),
    path("exports/<int:job_id>/etat.json", views.job_status, name="status"),
    path("exports/<int:job_id>/fichier/", views.download, name="download"),
]
