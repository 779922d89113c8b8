"""System checks of our own settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Long enough that guessing it from the fingerprints and hashes stored in the database is hopeless.
MIN_AUDIT_CHAIN_KEY_LENGTH = 32


@register(Tags.security, deploy=True)
def audit_chain_key_check(app_configs, **kwargs):
    key = settings.AUDIT_CHAIN_KEY
    if not key:
        return [
            Warning(
                "AUDIT_CHAIN_KEY is not set: whoever can write to the database can edit the audit log and "
                "recompute its hash chain without verify_audit noticing.",
                hint="Set it to 50 or more random characters (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))') in the environment of every web and worker server, then run "
                "`manage.py verify_audit --switch-key` once (README.md, 'Accounts and audit').",
                id="tasks.W001",
            )
        ]
    if len(key) < MIN_AUDIT_CHAIN_KEY_LENGTH or key == settings.SECRET_KEY:
        return [
            Warning(
                f"AUDIT_CHAIN_KEY is shorter than {MIN_AUDIT_CHAIN_KEY_LENGTH} characters or the same as SECRET_KEY.",
                hint="Change it to 50 or more random characters of its own: move the old key to "
                "AUDIT_CHAIN_KEY_FALLBACKS, then run `manage.py verify_audit --switch-key` "
                "(README.md, 'Accounts and audit').",
                id="tasks.W002",
            )
        ]
    return []
