"""The site's own records that belong to no app of the newsroom: the task workers' heartbeats."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerBeat(models.Model):
    """The last sign of life of one task worker (``manage.py run_worker``, kawalis/worker_watch.py)."""

    worker_id = models.CharField(_("worker id"), max_length=64, primary_key=True)
    beat_at = models.DateTimeField(_("last heartbeat"))

    class Meta:
        verbose_name = _("task worker heartbeat")
        verbose_name_plural = _("task worker heartbeats")

    def __str__(self):
        return self.worker_id
