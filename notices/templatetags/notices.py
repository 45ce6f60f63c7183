from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from notices.models import banner_notices
from portal.models import Region

register = template.Library()


@register.inclusion_tag("notices/_downtime_banner.html", takes_context=True)
def downtime_banner(
    context: template.Context, page: str, region: Region | str | None = None
) -> dict[str, Any]:
    """Upcoming and current downtime notices for `page` ("filing", "lookup"):
    nationwide ones, those for `region` (and its province) and, for a
    signed-in visitor, those for the insured region of the person whose
    records are shown (the mother, while her son acts for her). From the cache
    (notices.models.banner_notices), at most one query.

    Usage: ``{% load notices %}{% downtime_banner "filing" %}``.
    """
    codes: set[str] = set()
    if isinstance(region, Region):
        codes.update({region.code, region.province_code})
    elif isinstance(region, str) and region:
        codes.add(region)
    request = context.get("request")
    user = getattr(request, "user", None)
    # Signed in: the insured region of the person whose records are shown.
    subject = getattr(request, "subject", user) if user and user.is_authenticated else None
    insured = getattr(subject, "insured_region_id", None)
    if insured:
        codes.update({insured, insured[:2] + "0000"})
    now = timezone.now()
    notices = banner_notices(page, codes, now)
    return {"notices": notices, "now": now, "request": request}
