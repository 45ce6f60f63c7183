from __future__ import annotations

from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("estimate/", views.estimate, name="estimate"),
]
