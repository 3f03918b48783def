"""Cached public list pages (and small memos), invalidated by version after every commit that changes
what they show.

A page is stored under `cache:<namespace>:<version>:<query>`; any commit that wrote a row the
namespace shows bumps its version (after the commit, before the response goes out), so a read that
follows a sign-up can never be served the old place count: older pages are simply never asked for
again and expire. Entries computed from data read before such a commit land under the old version.
What only time changes (an activity that ended a moment ago) may show for up to TTL_SECONDS.

Redis down: the cache is a convenience, never a reason to fail.
- A page or memo that cannot be read or stored is computed from the database and served uncached.
- A version bump that fails after a commit is logged, never raised: the commit stands and its
  response is the success it is (a resident must not retry a sign-up that worked). The namespaces
  are remembered in this process as owed, and no page of an owed namespace is read or stored
  until the bump has gone through: this process retries the owed bumps before each cache use, so
  when Redis comes back its first act is to retire the pages written before that commit.
- Other processes that never saw the failure can read such an older page when Redis comes back
  before the owing process uses the cache again: at most until it expires (TTL_SECONDS after it
  was stored, i.e. before the outage), the bound the cache already accepts for time-driven changes.
  A Redis restarted without persistence comes back empty, with no older pages at all.

List reads (`read_list`, `store_list`): the page is stored as bytes, with the version it was
computed under in front, at `cache:<namespace>:page:<query>`, and each caller's own rows on that page
(their sign-ups or bookings) the same way at `cache:<namespace>:mine:<user>:<query>`; one MGET reads
the namespace's version, both entries and any keys the caller asks along (the token's revocation
marks). An entry is used only when its version is the current one: a caller's own rows are rows the
namespace shows (`NAMESPACES`), so every commit that changes them (a sign-up, a cancellation, a
promotion, a check-in...) bumps the version, which retires every page and every caller's rows of
that namespace at once, exactly as for the pages above; a stored entry is always computed from data read
after the version it carries was read, so it is never older than that version. The same rules hold
while Redis is down or a bump is owed: nothing is read from the cache or stored in it.

`init_app` (called by `create_app`) makes the app's database session report its writes here.
"""

import hashlib
import json
import logging
import secrets
import threading
from typing import NamedTuple

from flask import current_app, has_app_context
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import event

from server.extensions import db
from server.models import Activity, Booking, Community, Registration, Shift, ShiftPost, Site, User

log = logging.getLogger(__name__)

TTL_SECONDS = 60
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
# What each cached list shows: a write to any of these rows invalidates it.
NAMESPACES = {
    "activities": (Activity, Registration, Community),
    "shifts": (Shift, ShiftPost, Booking, Site, Community),
    # services.stats: every figure, and the names of the top volunteers.
    "stats": (Activity, Registration, Community, Shift, ShiftPost, Booking, Site, User),
}


def _redis():
    return current_app.extensions["redis"]


# Version bumps that failed after a commit, per Redis client (i.e. per app): {client id: {namespace}}.
_owed = {}
_owed_lock = threading.Lock()


def _fresh_version():
    """A version no namespace has held: a random number of 62 bits. Where a namespace starts when Redis
    holds none (new, flushed or restarted empty), and what every bump sets (`_bump`). A counter that
    restarted from 0 would give a new page the number of an old one, and a page computed before a
    commit, stored late by a read in flight, would then pass for current (a stale place count after
    the sign-up returned)."""
    return secrets.randbits(62)


def _bump(namespaces):
    """Retire every page and memo of these namespaces: give each a new version, in one command (`MSET`).

    Invariant: each bump sets each namespace's version to a value it never held before (a fresh
    random number, `_fresh_version`; a repeat is a chance of 2**-62), whatever Redis lost or restored
    meanwhile. Versions are only ever compared for equality, so they need not grow: an entry is
    used only while its version is the current one. One command, atomic, for all the namespaces a
    commit changed (it changes `stats` and what it wrote: two at least), where `SET NX` and `INCR`
    per namespace in a MULTI took six. (tests/test_wiring.py)
    """
    _redis().mset({f"cache:{namespace}:version": _fresh_version() for namespace in sorted(namespaces)})


def _current_version(namespace, raw):
    """The version as read (`raw`), or None when Redis holds none: then a fresh one is started and
    nothing is read from the cache or stored in it by this read (it may have begun before a bump)."""
    if raw is None:
        _redis().set(f"cache:{namespace}:version", _fresh_version(), nx=True)
        return None
    return int(raw)


def _pay_owed_bumps(just_committed=frozenset()):
    """Make the bumps this process owes, in one round trip; True when none is owed any more (Redis
    answered). Those not `just_committed` are retries of bumps that failed after their commit: logged."""
    key = id(_redis())
    with _owed_lock:
        owed = set(_owed.get(key, ()))
    if not owed:
        return True
    try:
        _bump(owed)
    except REDIS_DOWN:
        return False
    with _owed_lock:
        _owed[key] = _owed.get(key, set()) - owed
    if owed - just_committed:
        log.info("cache versions bumped late for %s", sorted(owed - just_committed))
    return True


def args_digest(args):
    """The cache's name for a list's parsed query `args` (the same arguments, the same name)."""
    return hashlib.sha1(json.dumps(args, sort_keys=True, default=str).encode()).hexdigest()


class ListRead(NamedTuple):
    """What `read_list` found: the values of the keys asked along, the namespace's current version,
    and the page and the caller's own rows stored for that version (None when absent or older)."""

    along: list
    version: int
    page: bytes | None
    mine: bytes | None


def _list_keys(namespace, digest, user_id):
    page = f"cache:{namespace}:page:{digest}"
    return page, (f"cache:{namespace}:mine:{user_id}:{digest}" if user_id is not None else None)


def _current(raw, version):
    """The payload of a stored list entry (`b"<version>\\n<payload>"`) if stored for `version`, else None."""
    if raw is None:
        return None
    stored_version, _, payload = raw.partition(b"\n")
    return payload if int(stored_version) == version else None


def read_list(namespace, digest, user_id, along=()):
    """A list read's one Redis round trip: the values of the keys `along` (e.g. the token's revocation
    marks), the namespace's version, the page stored for the query `digest` and the rows of `user_id`
    (None: anonymous) stored for it, each only if stored for the current version.

    Returns None while Redis is down, holds no version (`_current_version`) or a bump of any namespace
    is owed by this process: the caller then serves from the database and stores nothing (see the module docstring).
    """
    try:
        if not _pay_owed_bumps():
            return None
        page_key, mine_key = _list_keys(namespace, digest, user_id)
        keys = [*along, f"cache:{namespace}:version", page_key] + ([mine_key] if mine_key else [])
        values = _redis().mget(keys)
    except REDIS_DOWN:
        log.warning("cache unavailable, %s list served uncached", namespace)
        return None
    along_values, (version, page, *mine) = values[: len(along)], values[len(along):]
    try:
        version = _current_version(namespace, version)
    except REDIS_DOWN:
        version = None
    if version is None:
        return None
    return ListRead(along_values, version, _current(page, version), _current(mine[0], version) if mine else None)


def store_list(namespace, digest, user_id, version, page=None, mine=None):
    """Store a list's page bytes and/or `user_id`'s own rows (bytes) for the query `digest`, computed from
    data read after `version` was read (by `read_list`), under that version. Never raises for Redis."""
    page_key, mine_key = _list_keys(namespace, digest, user_id)
    try:
        with _redis().pipeline(transaction=False) as pipe:
            if page is not None:
                pipe.set(page_key, b"%d\n%s" % (version, page), ex=TTL_SECONDS)
            if mine is not None and mine_key is not None:
                pipe.set(mine_key, b"%d\n%s" % (version, mine), ex=TTL_SECONDS)
            pipe.execute()
    except REDIS_DOWN:
        log.warning("cache unavailable, %s list not stored", namespace)


def cached_page(namespace, args, compute):
    """`compute()`'s JSON-ready result for these query `args`, from the cache when it is current
    (computed and served uncached while Redis is down or a bump of this namespace is owed)."""
    try:
        if not _pay_owed_bumps():
            return compute()
        version = _current_version(namespace, _redis().get(f"cache:{namespace}:version"))
        if version is None:
            return compute()
        digest = args_digest(args)
        key = f"cache:{namespace}:{version}:{digest}"
        cached = _redis().get(key)
    except REDIS_DOWN:
        log.warning("cache unavailable, %s page served uncached", namespace)
        return compute()
    if cached is not None:
        return json.loads(cached)
    page = compute()
    try:
        _redis().set(key, json.dumps(page, ensure_ascii=False), ex=TTL_SECONDS)
    except REDIS_DOWN:
        log.warning("cache unavailable, %s page not stored", namespace)
    return page


def mark_changed(session, *namespaces):
    """Invalidate these namespaces when `session` commits: for writes made with Core statements,
    which the flush does not see. `stats` reads what every other namespace shows: it goes too."""
    session.info.setdefault("cache_changed", set()).update((*namespaces, "stats"))


def remembered(namespace, name):
    """`(version, value)`: what `remember` stored under `name` for the namespace's current version
    (None if nothing, or only for an older one), and that version, in one Redis call.

    Read the version before reading what the value is computed from, and store it under that
    version: a change committed in between bumps the version, so the value is never served.
    """
    try:
        if not _pay_owed_bumps():
            return None, None
        version, raw = _redis().mget(f"cache:{namespace}:version", f"cache:{namespace}:memo:{name}")
    except REDIS_DOWN:
        return None, None  # nothing remembered, and nothing will be (`remember` skips version None)
    try:
        version = _current_version(namespace, version)
    except REDIS_DOWN:
        return None, None
    if version is None:
        return None, None
    if raw is not None:
        stored = json.loads(raw)
        if stored["version"] == version:
            return version, stored["value"]
    return version, None


def remember(namespace, name, version, value):
    if version is None:
        return
    try:
        _redis().set(
            f"cache:{namespace}:memo:{name}", json.dumps({"version": version, "value": value}), ex=TTL_SECONDS
        )
    except REDIS_DOWN:
        log.warning("cache unavailable, %s memo not stored", namespace)


def _note_changes(session, _flush_context):
    changed = session.info.setdefault("cache_changed", set())
    for instance in (*session.new, *session.dirty, *session.deleted):
        for namespace, models in NAMESPACES.items():
            if isinstance(instance, models):
                changed.add(namespace)


def _bump_versions(session):
    changed = session.info.pop("cache_changed", None)
    if changed and has_app_context():
        # Owed before it is tried: a reader in another thread never uses a page of a namespace
        # whose bump is in flight or failed.
        with _owed_lock:
            _owed.setdefault(id(_redis()), set()).update(changed)
        try:
            if _pay_owed_bumps(just_committed=changed):
                return
        except Exception:  # nothing after a commit may turn its success into an error
            pass
        log.error("cache versions of %s not bumped after a commit (Redis down); owed", sorted(changed))


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
