"""Who made a filing, in words that name the person: a card read by the son
acting for his mother must not say "本人" as if it meant him."""

from __future__ import annotations

from django.utils.translation import gettext as _

from family.access import relationship_of
from filings.models import FiledBy, Filing


def filed_by_text(filing: Filing, *, with_relationship: bool = False) -> str:
    """Who filed it: "张桂兰本人", "由 李明 代办" (with the relationship, as
    the 备案表 prints it: "由 李明（子女）代办"), or "经办机构窗口办理"."""
    if filing.filed_by_role == FiledBy.RELATIVE and filing.filed_by is not None:
        name = filing.filed_by.full_name
        relationship = relationship_of(filing.filed_by, filing.person) if with_relationship else ""
        if relationship:
            return _("由 %(name)s（%(relationship)s）代办") % {
                "name": name,
                "relationship": relationship,
            }
        return _("由 %(name)s 代办") % {"name": name}
    if filing.filed_by_role == FiledBy.STAFF:
        return _("经办机构窗口办理")
    if filing.filed_by_role == FiledBy.SELF:
        return _("%(name)s本人") % {"name": filing.person_name}
    return str(filing.get_filed_by_role_display())
