"""``manage.py generate_load_data --articles 100000 --comments 1000000 --subscribers 50000``."""

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from kawalis.load_data import LoadDataContext, generators
from kawalis.readercache import SITE_TAG, invalidate

# The parts the benchmarks ask for, offered even before the app that generates them exists,
# so that the command explains what it skips instead of failing on an unknown option.
KNOWN_PARTS = {
    "articles": "fake articles, with French and English translations and images",
    "comments": "fake reader comments on those articles (needs the comments app)",
    "subscribers": "fake newsletter subscribers (needs the newsletter app)",
}


def count_argument(value):
    try:
        number = int(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a whole number.") from None
    if number < 0:
        raise CommandError(f"{number} is negative: give how many rows to make (0 for none).")
    return number


class Command(BaseCommand):
    help = (
        "Fill the database with clearly fake articles, comments and subscribers, for benchmarks "
        "and load tests only. Inserts in batches; memory stays flat whatever the size."
    )

    def add_arguments(self, parser):
        parts = dict(KNOWN_PARTS)
        for option, generator in generators().items():
            parts[option] = generator.help or parts.get(option, "")
        for option, help_text in parts.items():
            parser.add_argument(f"--{option}", type=count_argument, default=0, metavar="N", help=help_text)
        parser.add_argument(
            "--batch-size", type=count_argument, default=2000, help="rows per INSERT (default 2000)"
        )
        parser.add_argument(
            "--force", action="store_true", help="add fake rows even where real content exists"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed: same seed, same data")

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        registered = generators()
        context = LoadDataContext(
            batch_size=options["batch_size"],
            random=random.Random(options["seed"]),  # noqa: S311 - fake data, not secrets
            force=options["force"],
            write=self.stdout.write,
        )
        wanted = {part for part in {*KNOWN_PARTS, *registered} if options.get(part)}
        if not wanted:
            raise CommandError("Nothing to generate: give --articles N (and --comments, --subscribers).")
        for option in sorted(wanted - set(registered)):
            self.stdout.write(
                self.style.WARNING(f"--{option}: skipped, no installed app generates {option} yet.")
            )
        started = time.perf_counter()
        for option, generator in registered.items():
            if option not in wanted:
                continue
            part_started = time.perf_counter()
            made = generator.generate(options[option], context)
            elapsed = time.perf_counter() - part_started
            self.stdout.write(f"{option}: {made} rows in {elapsed:.1f} s")
        # bulk_create skips save(): readers' cached pages must learn about the new content.
        invalidate(SITE_TAG)
        if connection.vendor == "postgresql":
            # What autovacuum would do later: fresh statistics (without them the planner
            # believes the new tables are empty) and the visibility map and hint bits (without
            # them the first reads of every row write to it: a COUNT over 100,000 fresh
            # articles took 583 ms, 65 ms after). Benchmarks then measure the site, not the load.
            # VACUUM cannot run inside a transaction (a caller's, or a test's): ANALYZE then.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"Load data ready in {time.perf_counter() - started:.1f} s."))
