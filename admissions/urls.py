from __future__ import annotations

from django.urls import path

from admissions import views

app_name = "admissions"

urlpatterns = [
    path("", views.coverage_page, name="coverage"),
    path("voucher/", views.voucher, name="voucher"),
]
