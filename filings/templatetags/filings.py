from __future__ import annotations

from django import template

from filings.filed_by import filed_by_text
from filings.models import Filing

register = template.Library()


@register.simple_tag
def filed_by(filing: Filing, with_relationship: bool = False) -> str:
    """`{% filed_by filing %}`: who made the filing, by name."""
    return filed_by_text(filing, with_relationship=with_relationship)
