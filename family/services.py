"""Granting, accepting and revoking access; children's accounts."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from family.models import Grant, GrantStatus, Guardianship
from portal.models import User


@transaction.atomic
def grant(
    *, grantor: User, grantee: User, relationship: str, scope: str, valid_until: dt.date
) -> Grant:
    """Offer access to a relative; it takes effect when they accept. A live
    grant to the same relative is replaced (revoked) first."""
    Grant.objects.select_for_update().filter(
        grantor_id_number=grantor.id_number,
        grantee_id_number=grantee.id_number,
        status__in=[GrantStatus.PENDING, GrantStatus.ACTIVE],
    ).update(status=GrantStatus.REVOKED, revoked_at=timezone.now(), revoked_by=grantor)
    new = Grant(
        grantor=grantor,
        grantor_id_number=grantor.id_number,
        grantor_name=grantor.full_name,
        grantee=grantee,
        grantee_id_number=grantee.id_number,
        grantee_name=grantee.full_name,
        relationship=relationship,
        scope=scope,
        valid_until=valid_until,
        created_by=grantor,
    )
    new.full_clean()
    new.save()
    return new


@transaction.atomic
def accept(item: Grant, *, by: User) -> Grant:
    item = Grant.objects.select_for_update().get(pk=item.pk)
    if item.grantee_id != by.pk or item.status != GrantStatus.PENDING:
        raise ValidationError(_("这项授权已经不能接受。"))
    item.status = GrantStatus.ACTIVE
    item.accepted_at = timezone.now()
    item.save(update_fields=["status", "accepted_at"])
    return item


@transaction.atomic
def revoke(item: Grant, *, by: User) -> Grant:
    """Either side ends a grant at once."""
    item = Grant.objects.select_for_update().get(pk=item.pk)
    if by.pk not in (item.grantor_id, item.grantee_id):
        raise ValidationError(_("只有授权双方可以撤销授权。"))
    if item.status == GrantStatus.REVOKED:
        return item
    item.status = GrantStatus.REVOKED
    item.revoked_at = timezone.now()
    item.revoked_by = by
    item.save(update_fields=["status", "revoked_at", "revoked_by"])
    return item


@transaction.atomic
def register_child(
    *, guardian: User, id_number: str, defaults: dict[str, object], household_register: object
) -> Guardianship:
    """A parent records a child under 16: the child's account (no password,
    no phone) and a guardianship that staff confirm once."""
    child = User.objects.filter(id_number=id_number).first()
    if child is not None and child.full_name != defaults["full_name"]:
        raise ValidationError(_("姓名与身份证号码不一致，请核对。"))
    if child is None:
        child = User(id_number=id_number, **defaults)
        child.set_unusable_password()
        child.full_clean()
        child.save()
    existing = Guardianship.objects.filter(guardian=guardian, child=child).first()
    if existing is not None:
        return existing
    return Guardianship.objects.create(
        guardian=guardian, child=child, household_register=household_register
    )
