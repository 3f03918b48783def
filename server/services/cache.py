"""Cached public list pages (and small memos), invalidated by version after every commit that changes
what they show.

A page is stored under `cache:<namespace>:<version>:<query>`; any commit that wrote a row the
namespace shows bumps its version (after the commit, before the response goes out), so a read that
follows a sign-up can never be served the old place count: older pages are simply never asked for
again and expire. Entries computed from data read before such a commit land under the old version.
What only time changes (an activity that ended a moment ago) may show for up to TTL_SECONDS.

`init_app` (called by `create_app`) makes the app's database session report its writes here.
"""

import hashlib
import json

from flask import current_app, has_app_context
from sqlalchemy import event

from server.extensions import db
from server.models import Activity, Booking, Community, Registration, Shift, ShiftPost, Site

TTL_SECONDS = 60
# What each cached list shows: a write to any of these rows invalidates it.
NAMESPACES = {
    "activities": (Activity, Registration, Community),
    "shifts": (Shift, ShiftPost, Booking, Site, Community),
}


def _redis():
    return current_app.extensions["redis"]


def cached_page(namespace, args, compute):
    """`compute()`'s JSON-ready result for these query `args`, from the cache when it is current."""
    version = int(_redis().get(f"cache:{namespace}:version") or 0)
    digest = hashlib.sha1(json.dumps(args, sort_keys=True, default=str).encode()).hexdigest()
    key = f"cache:{namespace}:{version}:{digest}"
    cached = _redis().get(key)
    if cached is not None:
        return json.loads(cached)
    page = compute()
    _redis().set(key, json.dumps(page, ensure_ascii=False), ex=TTL_SECONDS)
    return page


def mark_changed(session, *namespaces):
    """Invalidate these namespaces when `session` commits: for writes made with Core statements,
    which the flush does not see."""
    session.info.setdefault("cache_changed", set()).update(namespaces)


def remembered(namespace, name):
    """`(version, value)`: what `remember` stored under `name` for the namespace's current version
    (None if nothing, or only for an older one), and that version, in one Redis call.

    Read the version before reading what the value is computed from, and store it under that
    version: a change committed in between bumps the version, so the value is never served.
    """
    version, raw = _redis().mget(f"cache:{namespace}:version", f"cache:{namespace}:memo:{name}")
    version = int(version or 0)
    if raw is not None:
        stored = json.loads(raw)
        if stored["version"] == version:
            return version, stored["value"]
    return version, None


def remember(namespace, name, version, value):
    _redis().set(f"cache:{namespace}:memo:{name}", json.dumps({"version": version, "value": value}), ex=TTL_SECONDS)


def _note_changes(session, _flush_context):
    changed = session.info.setdefault("cache_changed", set())
    for instance in (*session.new, *session.dirty, *session.deleted):
        for namespace, models in NAMESPACES.items():
            if isinstance(instance, models):
                changed.add(namespace)


def _bump_versions(session):
    changed = session.info.pop("cache_changed", None)
    if changed and has_app_context():
        for namespace in changed:
            _redis().incr(f"cache:{namespace}:version")


def _forget_changes(session):
    session.info.pop("cache_changed", None)


SESSION_LISTENERS = (
    ("after_flush", _note_changes),
    ("after_commit", _bump_versions),
    ("after_rollback", _forget_changes),
)


def init_app(app):
    """Invalidate cached pages when `db.session` commits writes to the rows they show.

    `db.session` is one for every app (each app's own engine behind it), so the listeners are
    registered once, however many apps are created; they act on the app of the current context.
    """
    for name, listener in SESSION_LISTENERS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
