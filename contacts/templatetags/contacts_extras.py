"""Template helpers for the CRM pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def translated(obj: object, field: str) -> str:
    """`{{ purpose|translated:"name" }}`: a translatable text in the active language."""
    if obj is None:
        return ""
    return obj.translated(field)  # type: ignore[attr-defined]
