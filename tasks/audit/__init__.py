"""The audit trail (安全审计): who did what, from where, with what result, in a hash-chained log.

`recording` writes every row (`audit_record`); `chain` hashes, verifies and re-keys the chain; `retention`
trims it; `request` is the one place that reads the request being served and its client address. The
package imports `tasks.models` only; services, views, security and commands import it from here.
"""

from tasks.audit.chain import (
    Action,
    AuditChainError,
    ChainKeys,
    Result,
    Verification,
    audit_chain_switch,
    audit_verify,
    chain_key_id,
)
from tasks.audit.denials import audit_denials_flush, audit_denied
from tasks.audit.recording import audit_record
from tasks.audit.request import client_ip, current_request, valid_ip
from tasks.audit.retention import RetentionError, audit_purge

__all__ = [
    "Action",
    "AuditChainError",
    "ChainKeys",
    "Result",
    "RetentionError",
    "Verification",
    "audit_chain_switch",
    "audit_denials_flush",
    "audit_denied",
    "audit_purge",
    "audit_record",
    "audit_verify",
    "chain_key_id",
    "client_ip",
    "current_request",
    "valid_ip",
]
