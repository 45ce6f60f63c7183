from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from filings import views as filing_views
from portal import health, session, two_factor, views
from portal.forms import LoginForm, PasswordResetForm, SetPasswordForm

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/register/", views.register, name="register"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", views.profile, name="profile"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=SetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("filings/", include("filings.urls")),
    path("family/", include("family.urls")),
    path("accounts/2fa/", two_factor.otp_verify, name="otp_verify"),
    path("accounts/2fa/setup/", two_factor.otp_setup, name="otp_setup"),
    path("claims/", include("claims.urls")),
    path("verify/<str:reference>/", filing_views.verify, name="verify"),
    path("facilities/", include("facilities.urls", namespace="facilities")),
    path("chronic/", include("chronic.urls", namespace="chronic")),
    path("coverage/", include("admissions.urls", namespace="admissions")),
    path("api/", include("admissions.api_urls")),
    path("", include("notices.urls", namespace="notices")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/session/keep-alive/", session.keep_alive, name="session_keep_alive"),
    path("healthz/", health.healthz, name="healthz"),
]

# A database outage met outside a view (in middleware) is a 503 too.
handler400 = "portal.errors.bad_request"
handler500 = "portal.errors.server_error"
