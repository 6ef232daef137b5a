import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from kawalis.groups import add_group_permissions, remove_group_permissions

# Editors who send mailings see what came back from them (the log is read-only for everyone).
EDITOR_PERMISSIONS = ["newsletter.view_bouncereport"]


def let_newsletter_editors_see_reports(apps, schema_editor):
    add_group_permissions(apps, "Newsletter editor", ["newsletter"], EDITOR_PERMISSIONS)


def take_reports_from_newsletter_editors(apps, schema_editor):
    remove_group_permissions(apps, "Newsletter editor", EDITOR_PERMISSIONS)


class Migration(migrations.Migration):

    dependencies = [
        ('newsletter', '0002_import_permission_newsletter_editor_group'),
    ]

    operations = [
        migrations.AddField(
            model_name='subscriber',
            name='bounce_reason',
            field=models.TextField(blank=True, help_text='What the report that stopped mail to this address said (status code and diagnostic).', verbose_name='bounce or complaint reason'),
        ),
        migrations.AddField(
            model_name='subscriber',
            name='complained_at',
            field=models.DateTimeField(blank=True, help_text='When a mailbox provider reported that this reader marked our e-mail as spam.', null=True, verbose_name='complained'),
        ),
        migrations.AddField(
            model_name='subscriber',
            name='soft_bounce_count',
            field=models.PositiveSmallIntegerField(default=0, help_text='Mailings that bounced temporarily (mailbox full, server unavailable) within the window; at the limit, mail to this address stops.', verbose_name='soft bounces'),
        ),
        migrations.AddField(
            model_name='subscriber',
            name='soft_bounced_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last soft bounce'),
        ),
        migrations.AlterField(
            model_name='subscriber',
            name='status',
            field=models.CharField(choices=[('pending', 'Waiting for confirmation'), ('confirmed', 'Confirmed'), ('unsubscribed', 'Unsubscribed'), ('bounced', 'Bounced'), ('complained', 'Complained (marked as spam)')], db_index=True, default='pending', max_length=12, verbose_name='status'),
        ),
        migrations.CreateModel(
            name='BounceReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('report_id', models.CharField(help_text="The report's Message-ID (or a digest of its content when it has none).", max_length=255, verbose_name='report ID')),
                ('kind', models.CharField(choices=[('hard', 'Hard bounce'), ('soft', 'Soft bounce'), ('complaint', 'Complaint'), ('delivered', 'Delivered')], max_length=10, verbose_name='kind')),
                ('status', models.CharField(blank=True, help_text="The delivery status (e.g. 5.1.1) or the complaint's feedback type (e.g. abuse).", max_length=40, verbose_name='status code')),
                ('reason', models.TextField(blank=True, verbose_name='reason')),
                ('reported_at', models.DateTimeField(default=django.utils.timezone.now, help_text='The date the report itself gives.', verbose_name='reported')),
                ('read_at', models.DateTimeField(auto_now_add=True, verbose_name='read')),
                ('delivery', models.ForeignKey(blank=True, help_text='The e-mail the report is about, when its return address names it.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='bounce_reports', to='newsletter.delivery', verbose_name='delivery')),
                ('subscriber', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='bounce_reports', to='newsletter.subscriber', verbose_name='subscriber')),
            ],
            options={
                'verbose_name': 'bounce report',
                'verbose_name_plural': 'bounce reports',
                'ordering': ['-read_at', '-id'],
                'get_latest_by': 'read_at',
                'indexes': [models.Index(fields=['subscriber', 'kind', 'read_at'], name='bounce_report_window_idx')],
                'constraints': [models.UniqueConstraint(fields=('report_id', 'subscriber'), name='one_report_per_subscriber')],
            },
        ),
        migrations.RunPython(let_newsletter_editors_see_reports, take_reports_from_newsletter_editors),
    ]
