"""Issue 10, item 9: rule_version_save locks the row, so a concurrent publish is never overwritten.

Two real connections: the publisher runs in a thread with its own connection and committed data.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from segmentation import services
from segmentation.models import RuleVersion


@pytest.mark.django_db(transaction=True)
def test_save_waits_for_a_concurrent_publish_then_refuses():
    from tests.segmentation.factories import draft_version

    # committed rows, so the other connection sees them (a flushed database has no version 1)
    draft = services.rule_version_copy(version=draft_version())
    opened = draft.updated_at
    locked, done, errors = threading.Event(), threading.Event(), []

    def publisher():
        try:
            with transaction.atomic():
                row = RuleVersion.objects.select_for_update().get(pk=draft.pk)
                locked.set()
                done.wait(0.5)  # holds the row while the other connection tries to save
                services.rule_version_publish(version=row)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            locked.set()
            connection.close()

    thread = threading.Thread(target=publisher, daemon=True)
    thread.start()
    assert locked.wait(20)
    # when the editor saves a change from the form opened before the publish
    draft.gold_min = Decimal("1.00")
    with pytest.raises(ValidationError, match="已发布"):
        services.rule_version_save(version=draft, opened_at=opened)
    thread.join(20)
    assert not errors
    stored = RuleVersion.objects.get(pk=draft.pk)
    assert stored.is_published and stored.gold_min != Decimal("1.00")
