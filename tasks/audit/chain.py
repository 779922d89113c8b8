"""The audit log's hash chain: appending a row, verifying the chain, switching its key.

Rows form a hash chain: each row's hash covers its content and the previous row's hash. Writers are
serialized so the chain has no forks: a PostgreSQL advisory lock held until the transaction ends; on SQLite
every write transaction is already exclusive (IMMEDIATE mode, settings.py).

With AUDIT_CHAIN_KEY the hash is an HMAC, so that whoever can write to the database cannot recompute the
chain after editing a row. The chain changes key only at a CHAIN_KEY row, which is hashed with the key it
names and names it by a fingerprint (`chain_key_id`), never the key itself. Such a row is written when a key
meets an empty log, or by `audit_chain_switch` (`manage.py verify_audit --switch-key`), never merely because
a key appeared in the environment: otherwise an attacker could replace the keyed rows by unkeyed ones and let
the next write switch again. For the same reason verification fails while the chain does not end with the
current key.
"""

import datetime as dt
import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tasks.models import AuditEntry

logger = logging.getLogger("partybuild.audit")

# An arbitrary constant naming the audit chain's lock among PostgreSQL advisory locks ("PBAU").
AUDIT_LOCK_KEY = 0x50424155

Action = AuditEntry.Action
Result = AuditEntry.Result
_LOGGED_ACTIONS = {
    Action.LOGIN,
    Action.LOGOUT,
    Action.UNLOCK,
    Action.PASSWORD_CHANGE,
    Action.EXPORT,
    Action.IMPORT,
    Action.PURGE,
    Action.CHAIN_KEY,
}


def lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])


class AuditChainError(RuntimeError):
    """The chain cannot be switched or trimmed as asked (it does not verify, or the key is missing)."""


def chain_key_id(key: str) -> str:
    """A fingerprint that names a key in audit rows and messages; the key itself is never stored or logged."""
    return hmac.new(key.encode(), b"PartyBuild audit chain key id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class ChainKeys:
    """AUDIT_CHAIN_KEY and AUDIT_CHAIN_KEY_FALLBACKS by key id. The id "" stands for no key (plain SHA-256)."""

    current: str
    by_id: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def from_settings(cls) -> "ChainKeys":
        keys = [settings.AUDIT_CHAIN_KEY, *settings.AUDIT_CHAIN_KEY_FALLBACKS]
        return cls(
            current=chain_key_id(settings.AUDIT_CHAIN_KEY) if settings.AUDIT_CHAIN_KEY else "",
            by_id={chain_key_id(key): key.encode() for key in keys if key},
        )

    def hash(self, entry: AuditEntry, key_id: str) -> str:
        return entry.compute_hash(self.by_id[key_id] if key_id else None)

    def key_of(self, entry: AuditEntry) -> str | None:
        """The id of the key `entry` was hashed with ("" for none), or None when no key we hold verifies it."""
        return next((key_id for key_id in ["", *self.by_id] if self.hash(entry, key_id) == entry.hash), None)


def _declared_key_id() -> str:
    """The key the chain's newest rows are hashed with, as the log itself records it."""
    switch = AuditEntry.objects.filter(action=Action.CHAIN_KEY).order_by("-id").values_list("detail", flat=True).first()
    if switch is not None:
        return switch.get("key_id", "") if isinstance(switch, dict) else ""
    # The switch was purged: the purge that removed it recorded the key of the rows it left.
    for detail in AuditEntry.objects.filter(action=Action.PURGE).order_by("-id").values_list("detail", flat=True):
        if isinstance(detail, dict) and detail.get("anchor_hash"):
            return detail.get("key_id", "")
    return ""


def _next_key_id(last: AuditEntry | None, keys: ChainKeys) -> str:
    """The key the next row is hashed with: the chain's own, not simply the one in the environment."""
    if last is None:
        return keys.current
    if keys.current and keys.hash(last, keys.current) == last.hash:
        return keys.current
    if not keys.by_id:
        # Without a key there is nothing else to write with; no need to ask the log what it is keyed with.
        if keys.hash(last, "") != last.hash:
            logger.error(
                "audit row id=%s does not verify without a key: AUDIT_CHAIN_KEY is missing on this server, or the "
                "row was changed; the rows it writes will not verify",
                last.pk,
            )
        return ""
    declared = _declared_key_id()
    if declared and declared not in keys.by_id:
        logger.error(
            "audit chain is keyed with key id %s, which this server does not hold (AUDIT_CHAIN_KEY missing or "
            "different): the rows it writes will not verify",
            declared,
        )
        return keys.current
    return declared


def _append(entry: AuditEntry, *, previous: AuditEntry | None, keys: ChainKeys, key_id: str) -> AuditEntry:
    entry.prev_hash = previous.hash if previous is not None else ""
    entry.hash = keys.hash(entry, key_id)
    entry.save()
    return entry


def _chain_key_entry(*, key_id: str, previous_key_id: str, by: str, at: dt.datetime) -> AuditEntry:
    return AuditEntry(
        created_at=at,
        username=by[:150],
        action=Action.CHAIN_KEY,
        object_type=AuditEntry._meta.label_lower,
        detail={"key_id": key_id, "previous_key_id": previous_key_id},
    )


def _log(entry: AuditEntry) -> None:
    # Security events go to the log too (for a SIEM); everyday changes are only in the audit table.
    level = (
        logging.WARNING
        if entry.result == Result.FAILURE
        else (logging.INFO if entry.action in _LOGGED_ACTIONS else logging.DEBUG)
    )
    logger.log(
        level,
        "audit action=%s result=%s user=%s ip=%s object=%s:%s",
        entry.action,
        entry.result,
        entry.username or "-",
        entry.ip or "-",
        entry.object_type or "-",
        entry.object_id or "-",
    )


def chain_append(entry: AuditEntry) -> AuditEntry:
    """Hash `entry` onto the end of the chain and save it (under the chain's lock), then log it."""
    written = []
    with transaction.atomic():
        lock_chain()
        keys = ChainKeys.from_settings()
        last = AuditEntry.objects.order_by("-id").first()
        key_id = _next_key_id(last, keys)
        if last is None and key_id:
            # A key meeting an empty log (a new installation): nothing unkeyed to keep, so the log starts keyed.
            switch = _chain_key_entry(key_id=key_id, previous_key_id="", by="", at=entry.created_at)
            last = _append(switch, previous=None, keys=keys, key_id=key_id)
            written.append(switch)
        written.append(_append(entry, previous=last, keys=keys, key_id=key_id))
    for row in written:
        _log(row)
    return entry


class Verification(NamedTuple):
    checked: int  # rows that verified, oldest first
    broken: AuditEntry | None  # the first row that did not, or the newest row when the chain ends unkeyed
    why: str
    problem: str = ""  # "changed", "key" (a key we do not hold) or "unswitched" (ends without AUDIT_CHAIN_KEY)
    runs: tuple[tuple[str, int], ...] = ()  # (key id, id of its first row) for each run of rows hashed alike
    last: AuditEntry | None = None  # the newest row that verified


class _Walk:
    """The chain's verification, one row at a time, oldest first; resumable (`audit_chain_switch`)."""

    def __init__(self, keys: ChainKeys):
        self.keys = keys
        purges = AuditEntry.objects.filter(action=Action.PURGE).values_list("detail", flat=True)
        # The key of the oldest remaining row, by the hash of the row before it; purges from before the
        # chain had keys say nothing, and their rows had none.
        self.anchors = {
            detail["anchor_hash"]: detail.get("key_id", "")
            for detail in purges
            if isinstance(detail, dict) and detail.get("anchor_hash")
        }
        self.last: AuditEntry | None = None
        self.key_id = ""
        self.runs: list[tuple[str, int]] = []
        self.checked = 0

    def run(self, entries) -> Verification | None:
        for entry in entries.iterator(chunk_size=2000):
            problem = self.step(entry)
            if problem is not None:
                why, kind = problem
                return Verification(self.checked, entry, why, kind, tuple(self.runs), self.last)
        return None

    def step(self, entry: AuditEntry) -> tuple[str, str] | None:
        if self.last is None:
            if not entry.prev_hash:
                key_id = ""
            elif entry.prev_hash in self.anchors:
                key_id = self.anchors[entry.prev_hash]
            else:
                return "the oldest row does not follow the start of the log or a recorded purge", "changed"
        elif entry.prev_hash != self.last.hash:
            return "the previous row was changed or deleted", "changed"
        else:
            key_id = self.key_id
        if entry.action == Action.CHAIN_KEY:
            key_id = entry.detail.get("key_id") if isinstance(entry.detail, dict) else None
            if not key_id:  # a switch to no key is never written: it would let rows after it go unkeyed
                return "this row was changed", "changed"
        if key_id and key_id not in self.keys.by_id:
            return self._unknown_key(key_id), "key"
        if self.keys.hash(entry, key_id) != entry.hash:
            if key_id and entry.compute_hash() == entry.hash:
                since = f" from row id={self.runs[-1][1]}" if self.runs else ""
                return (
                    f"this row is hashed without a key although the log is keyed (key id {key_id}){since}: "
                    "it was rewritten by someone without the key",
                    "changed",
                )
            return "this row was changed", "changed"
        if self.last is None or key_id != self.key_id:
            self.runs.append((key_id, entry.pk))
        self.key_id = key_id
        self.last = entry
        self.checked += 1
        return None

    def _unknown_key(self, key_id: str) -> str:
        if not self.keys.current:
            return f"this row is hashed with key id {key_id}, but AUDIT_CHAIN_KEY is not set"
        fallbacks = len(self.keys.by_id) - 1
        return (
            f"this row is hashed with key id {key_id}, but AUDIT_CHAIN_KEY has key id {self.keys.current}"
            + (f" and none of the {fallbacks} AUDIT_CHAIN_KEY_FALLBACKS matches" if fallbacks else "")
            + ": the key is wrong, or the row was forged"
        )


def audit_verify() -> Verification:
    """Walk the chain oldest first; `broken` is None when every row verifies and the chain ends with the
    current key (when one is set)."""
    keys = ChainKeys.from_settings()
    walk = _Walk(keys)
    failed = walk.run(AuditEntry.objects.order_by("id"))
    if failed is not None:
        return failed
    if keys.current and walk.last is not None and walk.key_id != keys.current:
        # Either nobody switched yet, or someone replaced the keyed rows: from the database alone they look alike.
        now = "not keyed" if not walk.key_id else f"keyed with an older key (key id {walk.key_id})"
        why = (
            f"the log is {now} although AUDIT_CHAIN_KEY (key id {keys.current}) is set. After setting or changing "
            "the key, run `manage.py verify_audit --switch-key` once; if that was done, the rows written with the "
            "key since have been removed or replaced"
        )
        return Verification(walk.checked, walk.last, why, "unswitched", tuple(walk.runs), walk.last)
    return Verification(walk.checked, None, "", "", tuple(walk.runs), walk.last)


def audit_chain_switch(*, by: str = "") -> AuditEntry | None:
    """Hash the rows from now on with AUDIT_CHAIN_KEY, after checking the whole chain with the keys it had.

    Writes the CHAIN_KEY row that records the switch (hashed with the new key) and returns it; returns None
    when the chain already ends with the current key. Raises AuditChainError when there is no key to switch to
    or the chain does not verify: switching a broken chain would vouch for whatever broke it.
    """
    keys = ChainKeys.from_settings()
    if not keys.current:
        raise AuditChainError("AUDIT_CHAIN_KEY is not set")
    walk = _Walk(keys)
    # Most of the walk runs without the lock, so that logins are not held up; the rows written meanwhile
    # are checked under it.
    failed = walk.run(AuditEntry.objects.order_by("id"))
    with transaction.atomic():
        lock_chain()
        if failed is None:
            newer = AuditEntry.objects.filter(id__gt=walk.last.pk) if walk.last is not None else AuditEntry.objects
            failed = walk.run(newer.order_by("id"))
        if failed is not None:
            raise AuditChainError(f"not switching: audit row id={failed.broken.pk} does not verify: {failed.why}")
        if walk.last is not None and walk.key_id == keys.current:
            return None
        switch = _chain_key_entry(key_id=keys.current, previous_key_id=walk.key_id, by=by, at=timezone.now())
        _append(switch, previous=walk.last, keys=keys, key_id=keys.current)
    _log(switch)
    return switch
