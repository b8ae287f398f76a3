"""Reading a model's own fields by name (labels for messages, attribute names for raw values)."""

from __future__ import annotations

from django.db import models


def concrete_field(model: type[models.Model], name: str) -> models.Field:
    """The model's field ``name``; never a reverse relation or generic key (those have no column)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise LookupError(f"{model.__name__}.{name} is not a concrete field")
    return field


def field_label(model: type[models.Model], name: str) -> str:
    """The field's verbose name in the active language (what a message shows the user)."""
    return str(concrete_field(model, name).verbose_name)
