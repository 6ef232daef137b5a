"""``manage.py generate_vapid_keys``: a new VAPID key pair for push alerts, as environment lines.

Keep the private key secret, and keep it: browsers subscribed with the public key, so a new
pair means every reader must subscribe again.
"""

from django.core.management.base import BaseCommand

from alerts.push import new_key_pair


class Command(BaseCommand):
    help = "Print a new VAPID key pair (VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY) for push alerts."

    def handle(self, *args, **options):
        private, public = new_key_pair()
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"VAPID_PUBLIC_KEY={public}")
