from __future__ import annotations

from django.urls import path

from filings import views

app_name = "filings"

urlpatterns = [
    path("", views.filing_list, name="list"),
    path("new/", views.filing_new, name="new"),
    path("new/discard/", views.journey_discard, name="discard"),
    path("new/check/", views.journey_check, name="check"),
    path("new/submit/", views.journey_submit, name="submit"),
    path("new/<slug:step>/", views.journey_step, name="step"),
    path("cities/", views.cities, name="cities"),
    path("<str:reference>/", views.filing_detail, name="detail"),
    path("<str:reference>/done/", views.filing_done, name="done"),
    path("<str:reference>/change/", views.filing_change, name="change"),
    path("<str:reference>/cancel/", views.filing_cancel, name="cancel"),
    path("<str:reference>/withdraw/", views.filing_withdraw, name="withdraw"),
    path("<str:reference>/form/", views.filing_form, name="form"),
    path("<str:reference>/form.pdf", views.filing_pdf, name="pdf"),
    path("<str:reference>/documents/<int:pk>/", views.filing_document, name="document"),
    path("<str:reference>/materials/", views.filing_materials, name="materials"),
]
