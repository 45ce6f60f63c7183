from __future__ import annotations

from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("", views.settlement_list, name="list"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement"),
    path("estimate/", views.estimate, name="estimate"),
    path("reimbursements/", views.reimbursement_list, name="reimbursements"),
    path("reimbursements/new/", views.reimbursement_new, name="reimbursement_new"),
    path("reimbursements/<str:reference>/", views.reimbursement_detail, name="reimbursement"),
    path(
        "reimbursements/<str:reference>/documents/<int:pk>/",
        views.reimbursement_document,
        name="reimbursement_document",
    ),
]
