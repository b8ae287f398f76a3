"""segmentation_rollinghistory: the engine's running window sums, partitioned by month like the assignments."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0010_one_key_per_partition'),
        ('segmentation', '0007_one_key_per_partition'),
    ]

    operations = [
        migrations.CreateModel(
            name='RollingHistory',
            fields=[
                ('pk', models.CompositePrimaryKey('customer', 'month', blank=True, editable=False, primary_key=True, serialize=False)),
                ('month', models.DateField(verbose_name='月份')),
                ('n3', models.PositiveSmallIntegerField(verbose_name='近3个月有数据的月数')),
                ('uses_sum3', models.BigIntegerField(verbose_name='近3个月用卡次数合计')),
                ('spend_sum3', models.DecimalField(decimal_places=2, max_digits=20, verbose_name='近3个月信用卡消费合计')),
                ('aum_sum3', models.DecimalField(decimal_places=2, max_digits=20, verbose_name='近3个月日均金融资产合计')),
                ('aum_avg_m3', models.DecimalField(blank=True, decimal_places=2, max_digits=18, null=True, verbose_name='3个月前的月日均金融资产')),
                ('n6', models.PositiveSmallIntegerField(verbose_name='近6个月有数据的月数')),
                ('aum_sum6', models.DecimalField(decimal_places=2, max_digits=20, verbose_name='近6个月日均金融资产合计')),
                ('aum_sumsq6', models.DecimalField(decimal_places=4, max_digits=40, verbose_name='近6个月日均金融资产平方和')),
                ('card_spend12', models.DecimalField(decimal_places=2, max_digits=20, verbose_name='近12个月信用卡消费合计')),
                ('last_txn', models.DateField(blank=True, null=True, verbose_name='最后交易日')),
                ('customer', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='customers.customer', verbose_name='客户')),
            ],
            options={
                'verbose_name': '滚动历史',
                'verbose_name_plural': '滚动历史',
            },
        ),
        # The table Django created, re-created as PARTITION BY RANGE (month) with the same columns and checks.
        migrations.RunSQL(
            [
                "ALTER TABLE segmentation_rollinghistory RENAME TO segmentation_rollinghistory_plain",
                "CREATE TABLE segmentation_rollinghistory (LIKE segmentation_rollinghistory_plain INCLUDING DEFAULTS"
                " INCLUDING CONSTRAINTS) PARTITION BY RANGE (month)",
                "DROP TABLE segmentation_rollinghistory_plain",
                "ALTER TABLE segmentation_rollinghistory ADD CONSTRAINT segmentation_rollinghistory_pkey"
                " PRIMARY KEY (customer_id, month)",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
