from django import template

from customers import masking

register = template.Library()


@register.filter
def mask_id(value) -> str:
    return masking.mask_id_number(value)


@register.filter
def mask_mobile(value) -> str:
    return masking.mask_mobile(value)
