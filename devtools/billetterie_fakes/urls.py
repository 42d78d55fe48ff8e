"""/fake-psp/<family>/…: included by billetterie/urls.py when this app is installed."""

from __future__ import annotations

from django.urls import path

from .banks.common import decide, pay

app_name = "fake_psp"
urlpatterns = [
    path("<str:family>/pay/", pay, name="pay"),
    path("<str:family>/decide/", decide, name="decide"),
]
