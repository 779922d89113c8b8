from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    """A file saved in the evidence storage (STORAGES["evidence"]) under a generated name and served only after an
    access check: a report's evidence (佐证材料) and a meeting's files are kept alike (tasks.services.evidence)."""

    original_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=100, unique=True, editable=False)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self):
        return self.original_name
