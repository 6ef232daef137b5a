"""Fake subscribers for ``manage.py generate_load_data --subscribers N`` (benchmarks only).

Addresses at example.invalid (a domain that can never receive mail), confirmed, in the
languages a real list has (mostly Arabic), with a consent record that says it is fake.
"""

from django.db import transaction
from django.utils import timezone

from articles.load_data import batched
from kawalis.load_data import load_data_generator

from .models import Subscriber

LANGUAGES = ("ar",) * 7 + ("fr",) * 2 + ("en",)


@load_data_generator("subscribers", order=30, help="fake confirmed newsletter subscribers (example.invalid)")
def generate_subscribers(count, context):
    now = timezone.now()
    start = Subscriber.objects.filter(email__endswith="@example.invalid").count() + 1
    made = 0
    for numbers in batched(range(start, start + count), context.batch_size):
        with transaction.atomic():
            Subscriber.objects.bulk_create(
                (
                    Subscriber(
                        email=f"load-test-{n}@example.invalid",
                        language=LANGUAGES[n % len(LANGUAGES)],
                        status=Subscriber.Status.CONFIRMED,
                        signed_up_at=now - timezone.timedelta(days=30),
                        confirmed_at=now - timezone.timedelta(days=30),
                        consent_text="[load test] fake subscriber",
                        consent_at=now - timezone.timedelta(days=30),
                    )
                    for n in numbers
                ),
                ignore_conflicts=True,
            )
        made += len(numbers)
        if made % (context.batch_size * 10) == 0:
            context.write(f"  subscribers: {made}/{count}")
    return made
