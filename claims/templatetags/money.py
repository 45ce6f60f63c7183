from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value: Decimal | None) -> str:
    """32000 → '32,000.00' (yuan to the fen, with thousands separators)."""
    if value is None:
        return ""
    return f"{Decimal(value):,.2f}"


@register.filter
def percent(value: Decimal | None) -> str:
    """Decimal('92.20') → '92.2'; Decimal('80.00') → '80'."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def yuan_short(value: Decimal | None) -> str:
    """Whole yuan without the fen: 50000.00 → '50,000'; 99.50 → '99.50'."""
    if value is None:
        return ""
    value = Decimal(value)
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
