from __future__ import annotations

from django.urls import path

from chronic import views

app_name = "chronic"

urlpatterns = [
    path("", views.checker, name="checker"),
    path("notice/", views.notice, name="notice"),
    path("mine/", views.my_qualifications, name="mine"),
    path("mine/<int:pk>/", views.qualification_detail, name="qualification"),
]
