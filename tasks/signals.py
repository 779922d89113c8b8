from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record


@receiver(pre_create_historical_record)
def record_ip_address(sender, history_instance, **kwargs):
    """Every change record says from which address it came (等保 audit trail)."""
    request = getattr(HistoricalRecords.context, "request", None)
    if request is not None and hasattr(history_instance, "ip_address"):
        history_instance.ip_address = client_ip(request)


def client_ip(request) -> str | None:
    # Behind nginx the socket address is the proxy; nginx is configured to set X-Real-IP (docs/nginx.conf).
    # Only a well-formed address is kept: the header is client input, and the column is an inet on PostgreSQL.
    from tasks.services.audit import request_ip

    return request_ip(request)
