"""What an import made of each WordPress object, so that importing again changes nothing."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportedObject(models.Model):
    """A WordPress object (by its site and id) and the row it became here.

    ``fingerprint`` is a hash of the object as the export gave it: the same export imported again
    finds every fingerprint unchanged and writes nothing; a newer export updates what changed.
    """

    class Kind(models.TextChoices):
        AUTHOR = "author", _("author")
        CATEGORY = "category", _("category")
        TAG = "tag", _("tag")
        POST = "post", _("post")
        COMMENT = "comment", _("comment")

    site = models.CharField(_("WordPress site"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    source_id = models.CharField(_("WordPress id"), max_length=200)
    object_id = models.PositiveBigIntegerField(_("row here"))
    fingerprint = models.CharField(max_length=64)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("imported WordPress object")
        verbose_name_plural = _("imported WordPress objects")
        constraints = [
            models.UniqueConstraint(fields=["site", "kind", "source_id"], name="one_row_per_wordpress_object")
        ]

    def __str__(self):
        return f"{self.site} {self.kind} {self.source_id} → {self.object_id}"
