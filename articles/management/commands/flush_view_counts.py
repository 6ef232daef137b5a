"""Move the article views buffered in the cache into the database (run it every minute or so)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from articles.popularity import flush_view_counts


class Command(BaseCommand):
    help = (
        "Write the article views counted in the cache to the database, for the “most read” lists. "
        "Run it every minute or so from the scheduler; views not yet flushed are not in the lists."
    )

    def handle(self, *args, **options):
        try:
            written = flush_view_counts()
        except DatabaseError as error:
            message = f"Could not write the view counts (they stay in the cache): {error}"
            raise CommandError(message) from error
        if options["verbosity"] >= 1:
            self.stdout.write(f"{written} view(s) written.")
