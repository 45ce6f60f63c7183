from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from family import services
from family.access import can_view
from family.forms import ChildForm, GrantForm
from family.middleware import SESSION_KEY
from family.models import Grant, Guardianship
from portal.http import PortalRequest
from portal.models import User


def _mine(request: PortalRequest, pk: int) -> Grant:
    """A grant the user is a party to; anyone else's is a 404."""
    user = request.user
    return get_object_or_404(Grant.objects.filter(Q(grantor=user) | Q(grantee=user)), pk=pk)


@require_GET
def family_home(request: PortalRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "family/family_home.html",
        {
            "given": Grant.objects.filter(grantor=user).select_related("grantee"),
            "received": Grant.objects.filter(grantee=user).select_related("grantor"),
            "wards": Guardianship.objects.filter(guardian=user).select_related("child"),
        },
    )


@require_http_methods(["GET", "POST"])
def grant_new(request: PortalRequest) -> HttpResponse:
    user = request.user
    form = GrantForm(request.POST or None, grantor=user)
    if request.method == "POST" and form.is_valid():
        assert form.grantee is not None
        services.grant(
            grantor=user,
            grantee=form.grantee,
            relationship=form.cleaned_data["relationship"],
            scope=form.cleaned_data["scope"],
            valid_until=form.cleaned_data["valid_until"],
        )
        messages.success(
            request,
            _("已向 %(name)s 发出授权。对方登录后接受即生效。") % {"name": form.grantee.full_name},
        )
        return redirect("family:home")
    return render(request, "family/grant_new.html", {"form": form})


@require_POST
def grant_accept(request: PortalRequest, pk: int) -> HttpResponse:
    item = _mine(request, pk)
    try:
        services.accept(item, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("已接受 %(name)s 的授权。可以在页面顶部切换到 TA 的记录。")
            % {"name": item.grantor_name},
        )
    return redirect("family:home")


@require_POST
def grant_revoke(request: PortalRequest, pk: int) -> HttpResponse:
    item = _mine(request, pk)
    try:
        services.revoke(item, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("授权已撤销，立即生效。"))
    return redirect("family:home")


@require_http_methods(["GET", "POST"])
def child_new(request: PortalRequest) -> HttpResponse:
    form = ChildForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_child(
                guardian=request.user,
                id_number=form.cleaned_data["id_number"],
                defaults=form.child_defaults(),
                household_register=form.cleaned_data["household_register"],
            )
        except ValidationError as error:
            form.add_error("full_name", error)
        else:
            messages.success(
                request, _("已提交。参保地经办机构确认监护关系后，您就可以为孩子办理备案。")
            )
            return redirect("family:home")
    return render(request, "family/child_new.html", {"form": form})


@require_POST
def act_as(request: PortalRequest) -> HttpResponse:
    """Switch between "me" and each person the user may act for."""
    user = request.user
    chosen = request.POST.get("person", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    if chosen in ("", "me", str(user.pk)):
        request.session.pop(SESSION_KEY, None)
        return HttpResponseRedirect(target)
    # isascii: "²".isdigit() is true, and int("²") raises.
    is_number = chosen.isascii() and chosen.isdigit()
    person = User.objects.filter(pk=int(chosen)).first() if is_number else None
    if person is None or not can_view(user, person):
        messages.error(request, _("您没有查看这位亲属记录的授权。"))
        request.session.pop(SESSION_KEY, None)
        return redirect("family:home")
    request.session[SESSION_KEY] = person.pk
    return HttpResponseRedirect(target)
