from django.urls import path  # noqa: F401

app_name = "receipts"

urlpatterns: list = []  # filled by this section's views
