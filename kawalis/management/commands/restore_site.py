"""``manage.py restore_site FOLDER``: put a ``backup_site`` folder back, then check the counts."""

from django.core.management.base import BaseCommand, CommandError

from kawalis.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restore the database and the uploads from a backup_site FOLDER, replacing what is there."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--yes", action="store_true", help="Do not ask: the database is replaced.")

    def handle(self, *, folder, yes, **options):
        if (
            not yes
            and input("This replaces the whole database and copies the uploads back. Type yes: ") != "yes"
        ):
            raise CommandError("Not restored.")
        try:
            manifest = restore(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {sum(manifest['rows'].values())} rows from {folder}; the counts match.")
