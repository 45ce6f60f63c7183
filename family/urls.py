from __future__ import annotations

from django.urls import path

from family import views

app_name = "family"

urlpatterns = [
    path("", views.family_home, name="home"),
    path("grants/new/", views.grant_new, name="grant_new"),
    path("grants/<int:pk>/accept/", views.grant_accept, name="grant_accept"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("children/new/", views.child_new, name="child_new"),
    path("act-as/", views.act_as, name="act_as"),
]
