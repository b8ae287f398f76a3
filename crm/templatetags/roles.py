from django import template

from crm import roles

register = template.Library()


@register.filter
def role_label(value) -> str:
    """``{{ name|role_label }}``: a role (group) name in the active language."""
    return roles.role_label(value) if value else ""
