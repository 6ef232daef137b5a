"""``manage.py import_wordpress EXPORT.xml [--uploads DIR]``: move a WordPress newsroom in."""

import csv
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from wordpress.importer import Importer
from wordpress.subscribers import import_mailing_list
from wordpress.wxr import ExportError


class Command(BaseCommand):
    help = (
        "Import a WordPress export (Tools → Export → All content: WXR 1.1 or 1.2): authors, categories, "
        "tags, posts with their featured images and comments, and a redirect from every old address. "
        "Safe to run again: the same file changes nothing, a newer one adds and updates."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help="the .xml file WordPress exported")
        parser.add_argument(
            "--uploads", help="a copy of the site's wp-content/uploads folder (for featured images)"
        )
        parser.add_argument(
            "--fetch-images",
            action="store_true",
            help="download the featured images not found in --uploads from their addresses (http/https, "
            "public addresses or the export's own site, size-capped, checked like uploads)",
        )
        parser.add_argument(
            "--subscribers",
            help="the mailing list as the site's mailing plugin exports it (CSV): its confirmed people",
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="the language the WordPress site is written in (default: the site's original, Arabic)",
        )

    def handle(self, *args, export, uploads, language, subscribers, fetch_images=False, **options):
        path = Path(export)
        if not path.is_file():
            raise CommandError(f"{export}: no such file.")
        if uploads and not Path(uploads).is_dir():
            raise CommandError(f"--uploads {uploads}: no such folder.")
        if subscribers and not Path(subscribers).is_file():
            raise CommandError(f"--subscribers {subscribers}: no such file.")
        importer = Importer(
            uploads=uploads, language=language, progress=self._progress(), fetch_images=fetch_images
        )
        try:
            with translation.override(settings.LANGUAGE_CODE), path.open("rb") as source:
                report = importer.run(source)
        except (ExportError, ValueError) as error:
            for line in importer.report.lines():
                self.stdout.write(line)
            raise CommandError(
                f"{export}: {error}; what came before it is imported, run again once fixed."
            ) from None
        if sys.stdout.isatty():
            self.stdout.write("")
        for line in report.lines():
            self.stdout.write(line)
        if subscribers:
            self._subscribers(Path(subscribers), importer.site)

    def _subscribers(self, path, site):
        try:
            text = path.read_text(encoding="utf-8-sig")
            added, left_out = import_mailing_list(text, site)
        except (UnicodeDecodeError, ValueError, csv.Error) as error:
            raise CommandError(f"--subscribers {path}: {error}") from None
        self.stdout.write(f"subscribers: {added} imported as confirmed, {sum(left_out.values())} left out")
        for reason, number in sorted(left_out.items()):
            self.stdout.write(f"  left out {number}: {reason}")

    def _progress(self):
        terminal = self.stdout.isatty() if hasattr(self.stdout, "isatty") else False
        state = {"shown": -1}

        def show(count):
            if terminal:
                self.stdout.write(f"\r{count} objects read…", ending="")
                self.stdout.flush()
            elif count // 500 > state["shown"]:
                state["shown"] = count // 500
                if count:
                    self.stdout.write(f"{count} objects read")

        return show
