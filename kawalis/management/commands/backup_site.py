"""``manage.py backup_site FOLDER``: the database and the uploads into a new folder (kawalis/backups.py)."""

from django.core.management.base import BaseCommand, CommandError

from kawalis.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the uploads into FOLDER (new or empty), with a manifest of counts."

    def add_arguments(self, parser):
        parser.add_argument("folder")

    def handle(self, *, folder, **options):
        try:
            manifest = backup(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        media = manifest["media"]
        files = (
            f"{len(media)} media files"
            if isinstance(media, dict)
            else "media in the bucket: back it up there"
        )
        self.stdout.write(f"Backed up {sum(manifest['rows'].values())} rows and {files} into {folder}")
