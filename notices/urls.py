from __future__ import annotations

from django.urls import path

from notices import views

app_name = "notices"

urlpatterns = [
    path("hotlines/", views.hotlines, name="hotlines"),
    path("notices/", views.notice_list, name="list"),
]
