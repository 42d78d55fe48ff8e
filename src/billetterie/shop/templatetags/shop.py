from __future__ import annotations

from django import template

from billetterie.core.money import format_money

register = template.Library()


@register.filter
def money(cents: int | None, currency: str = "EUR") -> str:
    return format_money(int(cents or 0), currency)


@register.filter
def get_item(mapping: dict[object, object], key: object) -> object:
    return mapping.get(key)


@register.filter
def get_bound(form: object, name: str) -> object:
    return form[name]  # type: ignore[index]
