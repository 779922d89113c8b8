"""The Django admin, by duty (三员分立): `work` holds the work data, `orglife` organisational life and `cascade`
the links 上级要点 → 本级要点 (both scoped by tasks.access like the app's pages), `security` the audit log (kept apart),
`third_party` registers auth, axes and celery beat again behind the duty rule. Admin classes call services for
anything beyond editing a row; Django's autodiscovery imports this package, which imports each module once."""

from tasks.admin import cascade, orglife, security, third_party, work  # noqa: F401 - each registers its models
