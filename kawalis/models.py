"""The site's own records that belong to no app of the newsroom: the task workers' heartbeats and
the staff's two-factor recovery codes (kawalis/two_factor.py)."""

import hashlib
import secrets

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device


class WorkerBeat(models.Model):
    """The last sign of life of one task worker (``manage.py run_worker``, kawalis/worker_watch.py)."""

    worker_id = models.CharField(_("worker id"), max_length=64, primary_key=True)
    beat_at = models.DateTimeField(_("last heartbeat"))

    class Meta:
        verbose_name = _("task worker heartbeat")
        verbose_name_plural = _("task worker heartbeats")

    def __str__(self):
        return self.worker_id


class RecoveryCodeDevice(Device):
    """A staff member's recovery codes, as one django-otp device beside their authenticator app.

    Each code signs in once, instead of the app's code, when the phone is lost. Only a SHA-256
    digest of each is kept: a code carries 60 random bits, too many to guess back from its digest,
    so a slow password hash would only slow sign-in. (django-otp's own static tokens are stored
    as typed, which is why they are not used.)
    """

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def replace_codes(self):
        """Forget every earlier code and return ``RECOVERY_CODE_COUNT`` new ones, to be shown once."""
        codes = [new_recovery_code() for _n in range(RECOVERY_CODE_COUNT)]
        with transaction.atomic():
            self.codes.all().delete()
            RecoveryCode.objects.bulk_create(
                RecoveryCode(device=self, digest=recovery_code_digest(code)) for code in codes
            )
        return codes

    def unused_count(self):
        return self.codes.filter(used_at=None).count()

    def verify_token(self, token):
        """Accept an unused code and spend it; a single UPDATE, so two requests cannot both use it."""
        digest = recovery_code_digest(token)
        if digest is None:
            return False
        spent = self.codes.filter(digest=digest, used_at=None).update(used_at=timezone.now())
        return spent == 1


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self):
        return f"{self.device.user} #{self.pk}"  # never the code: only its digest is kept


RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L: a code is copied by hand from paper. 12 of these 31 characters: about 60 bits.
RECOVERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECOVERY_CODE_LENGTH = 12


def new_recovery_code():
    """``XXXX-XXXX-XXXX`` from the operating system's random source."""
    chars = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _n in range(RECOVERY_CODE_LENGTH))
    return "-".join(chars[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4))


def recovery_code_digest(code):
    """The stored form of a code as typed (any case, spaces or dashes), or None if it cannot be one."""
    normal = "".join(char for char in str(code).upper() if char.isalnum())
    if len(normal) != RECOVERY_CODE_LENGTH:
        return None
    return hashlib.sha256(normal.encode()).hexdigest()
