"""A shared cache for expensive read models (the dashboard figures), invalidated by a generation number.

Every committed write to the data those figures read bumps a counter kept in the shared cache (files under
var/cache by default, Redis with CACHE_URL), and every cache key contains the counter: the first request
after any write recomputes, on every web process. Writes that bypass model signals (bulk_create,
queryset.update) call `data_changed()` themselves.
"""

import hashlib
import time

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import transaction
from django.db.models.signals import post_delete, post_save

GENERATION_KEY = "partybuild:data-generation"
# Figures also depend on the date (lights); the key holds the day, and this bounds how long anything lives.
TTL_SECONDS = 300


def _fresh_generation() -> int:
    # The counter can be evicted (the file cache culls at random when full; Redis under maxmemory): a counter
    # started again from the clock is above every number used before, so it never meets an old key again.
    return time.time_ns()


def data_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY) or _fresh_generation()
    return generation


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # the counter was evicted
        cache.set(GENERATION_KEY, _fresh_generation(), timeout=None)


def data_changed(**_signal_kwargs) -> None:
    """Invalidate cached figures now and again once the transaction commits: a request served between
    the two may have cached figures read before the commit."""
    _bump()
    transaction.on_commit(_bump)


def cached(parts: tuple, compute):
    """`compute()`'s value for these key parts at the current data generation."""
    key = "partybuild:read:" + hashlib.sha256(repr((data_generation(), *parts)).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TTL_SECONDS)
    return value


def query_key(queryset) -> str:
    """A queryset's SQL as a key part. One that can match nothing (`none()`, `pk__in=[]`) has no SQL; all such
    querysets have the same (empty) results, so they share one key."""
    try:
        return str(queryset.query)
    except EmptyResultSet:
        return "(matches nothing)"


def connect_invalidation() -> None:
    from tasks import models

    for model in (
        models.AnnualPlan,
        models.Area,
        models.KeyTask,
        models.Assignment,
        models.ProgressReport,
        models.ExtensionRequest,
        models.OrgUnit,
        models.Membership,
        models.WorkdayOverride,
        models.MeetingType,
        models.MeetingRecord,
        models.PartyGroup,
        models.PartyMember,
    ):
        post_save.connect(data_changed, sender=model, dispatch_uid=f"cache-{model.__name__}-save")
        post_delete.connect(data_changed, sender=model, dispatch_uid=f"cache-{model.__name__}-delete")
