from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """``{{ mapping|get_item:key }}``: a dictionary look-up templates cannot write."""
    if not isinstance(mapping, dict):
        return None
    return mapping.get(key)
