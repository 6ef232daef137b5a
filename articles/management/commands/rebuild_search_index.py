"""``manage.py rebuild_search_index``: write every article's search documents again and rebuild
the full-text index from them (after an upgrade that changes how documents are made, or to
repair an index). Readers keep searching meanwhile: each batch is its own transaction."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from articles import search
from articles.models import Article


class Command(BaseCommand):
    help = "Write every article's search documents again and rebuild the full-text index."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="articles per transaction")

    def handle(self, *args, batch_size, **options):
        started = time.monotonic()
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        count = search.rewrite_documents(Article, batch_size=batch_size)
        search.rebuild_sqlite_index(connection)
        self.stdout.write(f"{count} articles indexed in {time.monotonic() - started:.1f} s.")
