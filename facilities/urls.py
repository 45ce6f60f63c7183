from __future__ import annotations

from django.urls import path, re_path

from facilities import views

app_name = "facilities"

urlpatterns = [
    path("", views.facility_list, name="list"),
    re_path(r"^(?P<code>[A-Za-z0-9]{5,20})/$", views.facility_detail, name="detail"),
]
