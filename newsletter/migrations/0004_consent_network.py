"""The consent record keeps its network in the one form the site uses everywhere: "203.0.113.0/24".

It was the network's first address in an IP column ("203.0.113.0"), with the prefix only implied;
comments already kept "203.0.113.0/24". The conversion is written out here rather than imported,
so that this migration means the same whatever the site's code becomes.
"""

import ipaddress

from django.db import migrations, models


def _network(value, ipv4_prefix=24, ipv6_prefix=48):
    # PostgreSQL turns an inet into text as "203.0.113.0/32", SQLite keeps "203.0.113.0".
    ip = ipaddress.ip_interface(value.strip()).ip
    prefix = ipv4_prefix if ip.version == 4 else ipv6_prefix
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def to_cidr(apps, schema_editor):
    Subscriber = apps.get_model("newsletter", "Subscriber")
    for pk, value in Subscriber.objects.values_list("pk", "consent_network").iterator():
        network = _network(value) if value else ""
        if network != value:
            Subscriber.objects.filter(pk=pk).update(consent_network=network)


def to_first_address(apps, schema_editor):
    Subscriber = apps.get_model("newsletter", "Subscriber")
    for pk, value in Subscriber.objects.values_list("pk", "consent_network").iterator():
        address = str(ipaddress.ip_network(value, strict=False).network_address) if value else None
        Subscriber.objects.filter(pk=pk).update(consent_network=address)


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0003_bounce_and_complaint_reports")]

    operations = [
        migrations.RenameField("subscriber", "consent_ip", "consent_network"),
        migrations.AlterField(
            model_name="subscriber",
            name="consent_network",
            field=models.CharField(blank=True, max_length=49, null=True, verbose_name="consent network"),
        ),
        migrations.RunPython(to_cidr, to_first_address),
        migrations.AlterField(
            model_name="subscriber",
            name="consent_network",
            field=models.CharField(
                blank=True,
                help_text=(
                    "The network the signup came from (its /24, or /48 for IPv6): enough to answer a "
                    "complaint, never the reader's own address."
                ),
                max_length=49,
                verbose_name="consent network",
            ),
        ),
    ]
