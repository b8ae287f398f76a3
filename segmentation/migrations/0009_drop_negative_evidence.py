"""The negative rule's evidence is read from the rule basis columns; the JSON document per assignment goes.

Months closed before the basis was recorded (migrations 0004/0005) keep what maps exactly: the dormant rule's
last activity and highest balance, the card balance and the overdraft flag (not the card averages).
"""

from django.db import migrations

KEEP_EVIDENCE = """
UPDATE segmentation_assignment SET
  last_activity = coalesce(last_activity, (negative_evidence ->> 'last_activity')::date),
  max_balance = coalesce(max_balance, (negative_evidence ->> 'max_balance')::numeric),
  card_balance = coalesce(card_balance, (negative_evidence ->> 'card_balance')::numeric),
  malicious_overdraft = coalesce(malicious_overdraft, (negative_evidence ->> 'malicious_overdraft')::boolean)
WHERE negative_evidence IS NOT NULL
  AND (last_activity IS NULL OR max_balance IS NULL OR card_balance IS NULL OR malicious_overdraft IS NULL)
"""


class Migration(migrations.Migration):

    dependencies = [
        ('segmentation', '0008_rolling_history'),
    ]

    operations = [
        migrations.RunSQL(KEEP_EVIDENCE, reverse_sql=migrations.RunSQL.noop),
        migrations.RemoveField(
            model_name='assignment',
            name='negative_evidence',
        ),
    ]
