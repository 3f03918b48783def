"""Cached public list pages, and the shifts' full-post marks, invalidated by version after every commit
that changes what they show.

A page is stored under `cache:<namespace>:<version>:<query>`; any commit that wrote a row the
namespace shows bumps its version (after the commit, before the response goes out), so a read that
follows a sign-up can never be served the old place count: older pages are simply never asked for
again and expire. Entries computed from data read before such a commit land under the old version.
What only time changes (an activity that ended a moment ago) may show for up to TTL_SECONDS.

Redis down: the cache is a convenience, never a reason to fail.
- A page or mark that cannot be read or stored is computed from the database and served uncached.
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
(their sign-ups or bookings) at `cache:<namespace>:mine:<user>:<query>`; one MGET reads the
namespace's version, both entries, the two versions the own rows are stored under and any keys the
caller asks along (the token's revocation marks). A page is used only when its version is the
current one. A caller's own rows carry two versions (`own_rows_version`): the namespace's own-rows
version, which every commit that changes the namespace bumps, and the caller's own version,
which only commits that change the caller's own rows bump; and the ids of the page they were read
for (used only for a page of the same items). A commit that declares it changed nobody's own rows but
some users' (`only_own_rows_changed`: a sign-up, a booking) bumps the namespace's version (the
pages) and those users' versions, not the own-rows version: everyone else's stored rows stay
current. Every other commit bumps both namespace versions, which retires every page and every
caller's rows at once. A stored entry is always computed from data read after the versions it
carries were read, so it is never older than they are. The same rules hold while Redis is down or a
bump is owed: nothing is read from the cache or stored in it.

Full-post marks (`read_post_mark`, `mark_post_full`, `store_post_mark`; used by
`bookings.refuse_full_post`): one hash per shift with a version of its own, so a booking elsewhere
retires nothing. A mark carries the shift's version as read before the data it was made from; every
commit that could give one of the shift's posts a place back, or change what a booking of it is
answered, bumps that version after it commits (`mark_shift_freed`, `_note_shift_change`), so a mark is
trusted only if no such commit came after the data it was made from. The people given a booking on the
shift are added to the hash after their commit, so a mark never refuses a holder (whom the full path
answers with their booking or `already_booked`). Bumps that fail are owed as above; holders that could
not be written are owed as bumps of their shifts.

`init_app` (called by `create_app`) makes the app's database session report its writes here.
"""

import hashlib
import json
import itertools
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
# A user's own version (`own_rows_version`) lives this long after their last change: longer than any
# entry stored under it (TTL_SECONDS), so an expired one has nothing left to validate.
USER_VERSION_TTL_SECONDS = 24 * 3600
# What each cached list shows: a write to any of these rows invalidates it.
NAMESPACES = {
    "activities": (Activity, Registration, Community),
    "shifts": (Shift, ShiftPost, Booking, Site, Community),
    # services.stats: every figure, and the names of the top volunteers.
    "stats": (Activity, Registration, Community, Shift, ShiftPost, Booking, Site, User),
}


def _redis():
    return current_app.extensions["redis"]


# Version bumps owed after a commit (in flight, or failed), per Redis client (i.e. per app):
# {client id: {namespace: (sequence number, users)}}; users None: the namespace whole (`_bump`), else its
# pages and those users' own rows. The sequence number changes with every commit that adds to an entry.
_owed = {}
_owed_lock = threading.Lock()
_owed_sequence = itertools.count(1)


def _owe(bumps):
    """Add a commit's `bumps` (`{namespace: users or None}`) to what this process owes: merged with what
    is owed already (the namespace whole if either is)."""
    with _owed_lock:
        owed = _owed.setdefault(id(_redis()), {})
        for namespace, users in bumps.items():
            _, before = owed.get(namespace, (0, frozenset()))
            owed[namespace] = (next(_owed_sequence), None if before is None or users is None else before | users)


def _fresh_version():
    """A version no namespace has held: a random number of 62 bits. Where a namespace starts when Redis
    holds none (new, flushed or restarted empty), and what every bump sets (`_bump`). A counter that
    restarted from 0 would give a new page the number of an old one, and a page computed before a
    commit, stored late by a read in flight, would then pass for current (a stale place count after
    the sign-up returned)."""
    return secrets.randbits(62)


def _own_version_key(namespace):
    return f"cache:{namespace}:own-version"


def _user_version_key(namespace, user_id):
    return f"cache:{namespace}:user-version:{user_id}"


def _bump(names, pages_and_users=(), holders=(), marks=()):
    """Retire pages, own rows and full-post marks by giving their versions new values, with a
    commit's new `holders` (`(shift, user)`) and its full-post `marks` (`PostMark`), in one round trip.

    Each of `names`: a namespace (its version and its own-rows version: every page and every caller's
    own rows) or a shift's full-post marks (`_marks_key`: the hash's version).
    Each `(namespace, users)` of `pages_and_users`: its version (its pages) and those users' own versions.

    Invariant: each bump sets each version to a value it never held before (a fresh random number,
    `_fresh_version`; a repeat is a chance of 2**-62), whatever Redis lost or restored meanwhile.
    Versions are only ever compared for equality, so they need not grow: an entry is used only while
    its version is the current one. (tests/test_wiring.py)
    """
    versions, user_versions, shifts = {}, [], []
    for name in sorted(names):
        if name not in NAMESPACES:
            shifts.append(name)
            continue
        versions[f"cache:{name}:version"] = _fresh_version()
        if name in OWN_ROWS:
            versions[_own_version_key(name)] = _fresh_version()
    for namespace, users in pages_and_users:
        versions[f"cache:{namespace}:version"] = _fresh_version()
        user_versions += [_user_version_key(namespace, user_id) for user_id in sorted(users)]
    if versions and not (user_versions or shifts or holders or marks):
        _redis().mset(versions)  # the common case: one command
        return
    with _redis().pipeline(transaction=True) as pipe:
        if versions:
            pipe.mset(versions)
        for key in user_versions:
            pipe.set(key, _fresh_version(), ex=USER_VERSION_TTL_SECONDS)
        for key in shifts:
            pipe.hset(key, "v", _fresh_version())
            pipe.expire(key, TTL_SECONDS)
        for shift_id, user_id in sorted(holders):
            pipe.hset(_marks_key(shift_id), f"h:{user_id}", 1)
            pipe.expire(_marks_key(shift_id), TTL_SECONDS)
        for mark in marks:
            _write_mark(pipe, mark)
        pipe.execute()


def _current_version(namespace, raw):
    """The version as read (`raw`), or None when Redis holds none: then a fresh one is started and
    nothing is read from the cache or stored in it by this read (it may have begun before a bump)."""
    if raw is None:
        _start_version(f"cache:{namespace}:version")
        return None
    return int(raw)


def _pay_owed_bumps(just_committed=frozenset(), holders=(), marks=()):
    """Make the bumps this process owes (`_owe`), in one round trip (with a commit's `holders` and
    `marks`, see `_bump`); True when none is owed any more (Redis answered). Those not `just_committed`
    are retries of bumps that failed after their commit: logged. An entry a commit added to meanwhile
    stays owed (that commit may have come after the bump)."""
    key = id(_redis())
    with _owed_lock:
        owed = dict(_owed.get(key, {}))
    if not owed and not holders and not marks:
        return True
    try:
        _bump([name for name, (_, users) in owed.items() if users is None],
              [(namespace, users) for namespace, (_, users) in owed.items() if users is not None],
              holders, marks)
    except REDIS_DOWN:
        return False
    with _owed_lock:
        still = _owed.get(key, {})
        for namespace, entry in owed.items():
            if still.get(namespace) == entry:
                del still[namespace]
    if owed.keys() - just_committed:
        log.info("cache versions bumped late for %s", sorted(owed.keys() - just_committed))
    return True


def args_digest(args):
    """The cache's name for a list's parsed query `args` (the same arguments, the same name)."""
    return hashlib.sha1(json.dumps(args, sort_keys=True, default=str).encode()).hexdigest()


class ListRead(NamedTuple):
    """What `read_list` found: the values of the keys asked along, the namespace's current version,
    the page stored for that version (None when absent or older), the caller's own-rows version
    (`own_rows_version`; None when anonymous, or Redis held none) and their own rows stored for it
    (`b"<item ids>\\n<JSON>"`, the ids of the page they were read for; None when absent or older)."""

    along: list
    version: int
    page: bytes | None
    mine_version: bytes | None
    mine: bytes | None


def _list_keys(namespace, digest, user_id):
    page = f"cache:{namespace}:page:{digest}"
    return page, (f"cache:{namespace}:mine:{user_id}:{digest}" if user_id is not None else None)


def own_rows_version(namespace, user_id, own_version, user_version):
    """What a caller's own rows are stored under: the namespace's own-rows version (bumped by every commit
    that may change anyone's own rows), then the caller's own (bumped also by the commits that change
    only some users' own rows, theirs among them: `only_own_rows_changed`), as read (`b"<own>.<user>"`).

    A version Redis does not hold is started here (`_start_version`); None when another process or
    thread started it first (its value is not known to this read).
    """
    own = _start_version(_own_version_key(namespace)) if own_version is None else int(own_version)
    key = _user_version_key(namespace, user_id)
    user = _start_version(key, ex=USER_VERSION_TTL_SECONDS) if user_version is None else int(user_version)
    return None if own is None or user is None else b"%d.%d" % (own, user)


def _start_version(key, ex=None):
    """A fresh version (`_fresh_version`) at `key`, if Redis holds none there yet: returns it, or None
    when one was set meanwhile. A version this read set itself was set before the data it goes on to
    read: an entry stored under it is as current as one stored under a version it read."""
    version = _fresh_version()
    return version if _redis().set(key, version, nx=True, ex=ex) else None


def _current(raw, stamp):
    """The payload of a stored list entry (`b"<stamp>\\n<payload>"`) if stored under `stamp`, else None."""
    if raw is None or stamp is None:
        return None
    stored, _, payload = raw.partition(b"\n")
    return payload if stored == stamp else None


def read_list(namespace, digest, user_id, along=()):
    """A list read's one Redis round trip: the values of the keys `along` (e.g. the token's revocation
    marks), the namespace's version, the page stored for the query `digest` (if stored for that
    version), and for `user_id` (None: anonymous) the versions of their own rows (`own_rows_version`)
    and their rows stored for it (if stored for those versions).

    Returns None while Redis is down, holds no version (`_current_version`) or a bump of any namespace
    is owed by this process: the caller then serves from the database and stores nothing (see the module docstring).
    """
    try:
        if not _pay_owed_bumps():
            return None
        page_key, mine_key = _list_keys(namespace, digest, user_id)
        keys = [*along, f"cache:{namespace}:version", page_key]
        if mine_key is not None:
            keys += [_own_version_key(namespace), _user_version_key(namespace, user_id), mine_key]
        values = _redis().mget(keys)
    except REDIS_DOWN:
        log.warning("cache unavailable, %s list served uncached", namespace)
        return None
    along_values, (version, page, *mine) = values[: len(along)], values[len(along):]
    try:
        version = _current_version(namespace, version)
        mine_version = own_rows_version(namespace, user_id, mine[0], mine[1]) if mine else None
    except REDIS_DOWN:
        version = None
    if version is None:
        return None
    return ListRead(along_values, version, _current(page, b"%d" % version), mine_version,
                    _current(mine[2], mine_version) if mine else None)


def store_list(namespace, digest, user_id, version, page=None, mine_version=None, mine=None):
    """Store a list's page bytes (under the namespace's `version`) and/or `user_id`'s own rows (bytes,
    under `mine_version`) for the query `digest`, computed from data read after those versions were
    read (by `read_list`). Never raises for Redis."""
    page_key, mine_key = _list_keys(namespace, digest, user_id)
    try:
        with _redis().pipeline(transaction=False) as pipe:
            if page is not None:
                pipe.set(page_key, b"%d\n%s" % (version, page), ex=TTL_SECONDS)
            if mine is not None and mine_key is not None and mine_version is not None:
                pipe.set(mine_key, b"%s\n%s" % (mine_version, mine), ex=TTL_SECONDS)
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


# --- full-post marks (`bookings.refuse_full_post`) ----------------------------------------------------
#
# One Redis hash per shift, at `cache:shifts:full:<shift>`, written and lost whole (a flush, its TTL,
# an eviction take every field at once):
#   v          the shift's marks version: bumped after every commit that could give one of its posts a
#              place back or change what booking it answers (`mark_shift_freed`; `_note_shift_change`);
#   p:<post>   the post's "full" mark: {"v": the version read before the data it was made from, "name",
#              "starts_at"}; trusted only while `v` is still the shift's version;
#   h:<user>   someone given a booking on the shift (written after every commit that gives one, and by
#              whoever writes a mark, for every holder it read): a mark never answers them.


def _marks_key(shift_id):
    return f"cache:shifts:full:{shift_id}"


class PostMarkRead(NamedTuple):
    """What `read_post_mark` found: the values of the keys asked along, the shift's marks version (read
    before anything the caller then reads from the database), the post's full mark if made under that
    version (`{"name", "starts_at"}`, else None), and whether the caller was given a booking on the
    shift (then no mark answers them)."""

    along: list
    version: int
    full: dict | None
    holder: bool


def read_post_mark(shift_id, post_id, user_id, along=()):
    """A booking's one Redis round trip: the values of the keys `along` (the token's revocation marks),
    the shift's marks version, the post's full mark and whether `user_id` is a holder.

    Returns None while Redis is down or a bump is owed by this process (no mark is trusted or written).
    A shift with no version yet (new, flushed, expired) is given a fresh one (`_fresh_version`) in a
    second round trip, read back before the caller reads anything from the database."""
    key = _marks_key(shift_id)
    try:
        if not _pay_owed_bumps():
            return None
        with _redis().pipeline(transaction=False) as pipe:
            if along:
                pipe.mget(along)
            pipe.hmget(key, "v", f"p:{post_id}", f"h:{user_id}")
            *along_values, (version, mark, holder) = pipe.execute()
        if version is None:
            version = _start_marks_version(key)
    except REDIS_DOWN:
        log.warning("cache unavailable, full-post marks not read")
        return None
    version, full = int(version), None
    if mark is not None:
        full = json.loads(mark)
        if full.pop("v") != version:
            full = None
    return PostMarkRead(along_values[0] if along else [], version, full, holder is not None)


def _start_marks_version(key):
    with _redis().pipeline(transaction=True) as pipe:
        pipe.hsetnx(key, "v", _fresh_version())
        pipe.hget(key, "v")
        pipe.expire(key, TTL_SECONDS)
        return pipe.execute()[1]


class PostMark(NamedTuple):
    """A post found full, and the people holding a booking on its shift, read from the database after
    `version` was read (`read_post_mark`)."""

    shift_id: int
    post_id: int
    version: int
    name: str
    starts_at: float
    holders: list


def _write_mark(pipe, mark):
    key = _marks_key(mark.shift_id)
    fields = {f"h:{user_id}": 1 for user_id in mark.holders}
    fields[f"p:{mark.post_id}"] = json.dumps({"v": mark.version, "name": mark.name, "starts_at": mark.starts_at})
    pipe.hset(key, mapping=fields)
    pipe.expire(key, TTL_SECONDS)


def store_post_mark(mark):
    """Write a `PostMark` now (a refusal read the post full from the database). Never raises for Redis."""
    try:
        if not _pay_owed_bumps():
            return
        with _redis().pipeline(transaction=True) as pipe:
            _write_mark(pipe, mark)
            pipe.execute()
    except REDIS_DOWN:
        log.warning("cache unavailable, full-post mark not stored")


def mark_post_full(session, mark):
    """Write a `PostMark` when `session` commits (the booking that took the post's last place), in the
    commit's one round trip with its version bumps and holders."""
    session.info.setdefault("full_marks", []).append(mark)


def mark_shift_freed(session, shift_id):
    """Retire the shift's full-post marks when `session` commits: for Core writes that give a place back
    (the flush would not see them); ORM changes to a shift, its posts or its bookings are noted by
    `_note_shift_change`."""
    session.info.setdefault("shifts_freed", set()).add(shift_id)


def _note_shift_change(session, instance):
    """What a flushed change means to the full-post marks. A booking that is `booked` makes its person a
    holder of the shift; any other change to a booking (cancelled, no-show, deleted), and any change
    to a shift's or a post's own columns (capacity, status, times, party members only, a name, a post
    added or deleted) retires the shift's marks: a place may be free again, or the refusal may now be
    another one."""
    if isinstance(instance, Booking):
        if instance.status == "booked" and instance not in session.deleted:
            session.info.setdefault("shift_holders", set()).add((instance.shift_id, instance.user_id))
        else:
            mark_shift_freed(session, instance.shift_id)
    elif isinstance(instance, (Shift, ShiftPost)):
        if instance in session.new or instance in session.deleted or session.is_modified(
                instance, include_collections=False):
            mark_shift_freed(session, instance.id if isinstance(instance, Shift) else instance.shift_id)


def only_own_rows_changed(session, namespace, user_id):
    """Declare that what `session` commits changes, of the rows callers see as their own on `namespace`'s
    lists (`OWN_ROWS`), only `user_id`'s: their sign-up or booking. The commit then bumps the
    namespace's pages and `user_id`'s own version, and everyone else's own rows stay current
    (`own_rows_version`).

    Only for a transaction that changes no one else's own row, not even what it shows of them: a new
    sign-up (confirmed, or waitlisted at the end of the waitlist, ahead of no one) or a new booking
    qualify; a cancellation does not (someone is promoted, the waitlist moves up). Should the flush see
    the transaction write another user's own row, the declaration is ignored (every own row retired)."""
    session.info.setdefault("own_rows_only", {}).setdefault(namespace, set()).add(user_id)


# The model of the rows each list shows as the caller's own (`user_id`: whose).
OWN_ROWS = {"activities": Registration, "shifts": Booking}


def _note_changes(session, _flush_context):
    changed = session.info.setdefault("cache_changed", set())
    owners = session.info.setdefault("own_rows_written", {})
    for instance in (*session.new, *session.dirty, *session.deleted):
        for namespace, models in NAMESPACES.items():
            if isinstance(instance, models):
                changed.add(namespace)
        for namespace, model in OWN_ROWS.items():
            if isinstance(instance, model):
                owners.setdefault(namespace, set()).add(instance.user_id)
        _note_shift_change(session, instance)


def _own_rows_only(session):
    """The commit's `only_own_rows_changed` declarations, less those the flush contradicts."""
    declared = session.info.pop("own_rows_only", None) or {}
    written = session.info.pop("own_rows_written", None) or {}
    return {namespace: users for namespace, users in declared.items() if written.get(namespace, set()) <= users}


def _bump_versions(session):
    changed = session.info.pop("cache_changed", None) or set()
    changed |= {_marks_key(shift_id) for shift_id in session.info.pop("shifts_freed", ())}
    holders = session.info.pop("shift_holders", set())
    marks = session.info.pop("full_marks", [])
    own_rows_only = _own_rows_only(session)
    bumps = {name: None for name in changed - own_rows_only.keys()}
    bumps.update((namespace, frozenset(users)) for namespace, users in own_rows_only.items())
    if (bumps or holders) and has_app_context():
        # Owed before it is tried: a reader in another thread never uses a page of a namespace
        # whose bump is in flight or failed.
        _owe(bumps)
        try:
            if _pay_owed_bumps(just_committed=bumps.keys(), holders=holders, marks=marks):
                return
        except Exception:  # nothing after a commit may turn its success into an error
            pass
        # The holders were not written either: no mark of their shifts may be trusted until they are bumped.
        _owe({_marks_key(shift_id): None for shift_id, _ in holders})
        log.error("cache versions of %s not bumped after a commit (Redis down); owed", sorted(bumps))


def _forget_changes(session):
    for name in ("cache_changed", "own_rows_only", "own_rows_written", "shifts_freed", "shift_holders",
                 "full_marks"):
        session.info.pop(name, None)


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
