from django.db import models
from django.utils.translation import gettext_lazy as _


class IPAddressHistoricalModel(models.Model):
    """Base for django-simple-history records: who changed a row is not enough, 等保 asks from where."""

    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        abstract = True
