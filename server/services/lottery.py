"""Lottery (抽签): entries sealed when sign-up closes, one reproducible draw at `draw_at`.

Rules. Publishing a lottery activity picks a secret `draw_salt` (32 random bytes, hex) and shows
`draw_commitment` = sha256(salt) from then on, so the salt cannot be chosen after the entries are
known. While sign-up is open each sign-up is an `entered` entry that holds no place; a second tap
is the same entry; an entry may be withdrawn (`cancelled`) until the draw.

Seal (at sign-up close, by the scheduler or by the draw itself): the entries still `entered` are
fixed, in id order, as `draw_entries` = [{entry: registration id, places: 1 + companions}], and

    entries_text = "".join(f"{entry}:{places}\\n" for each sealed entry, in id order)
    draw_seed    = sha256_hex(draw_salt + "|" + sha256_hex(entries_text))

(UTF-8 throughout; sha256_hex is the lowercase hex digest). The salt is published with the seed.

Draw (at `draw_at`, once): the sealed entries are ordered by sha256_hex(draw_seed + ":" + str(entry))
ascending (ties, never seen in practice, by entry id); rank = 1-based position in that order. Walking
the order with `places_available` = capacity minus places already held (walk-ins registered at the
desk), an entry withdrawn since the seal is `withdrawn`; a party whose places fit in what is left is
`confirmed` and takes them (first fit: a party never splits, and a smaller one further down may
still fit); every other entry is `waitlisted` in drawn order, or `not_drawn` when the activity keeps
no waitlist. Every drawn registration keeps its `draw_rank` (the waitlist follows it) and gets one
`signup_result` notice; winners get the activity's reminders. The outcome is kept as
`draw_results` = {places_available, waitlist, results: [{rank, entry, places, outcome}]}; with the
entries, salt and seed anyone can recompute it (scripts/verify-draw does).

Locks and exactly-once: an entry holds the activity's row FOR SHARE, with a WHERE that re-checks
"sign-up still open and not sealed" (registrations.register_for_activity), so many entries run side
by side while the seal's FOR UPDATE waits for those in flight and refuses every later one. The seal,
the draw and a withdrawal take the row FOR UPDATE (`lock_activity`), registrations after it. The
draw checks `drawn_at` under that lock and writes everything, `drawn_at` included, in one
transaction: two schedulers draw once, and a scheduler killed mid-draw leaves nothing behind.
"""

import hashlib
import json
import logging
import secrets

from sqlalchemy import bindparam, func, insert, select, text, update

from server.errors import DomainError
from server.extensions import db
from server.models import Activity, OutboxMessage, Registration
from server.models.base import utcnow
from server.services import cache
from server.services.activity_access import get_visible_activity, lock_activity
from server.services.activity_reminders import message_payload, schedule_registration_reminders

log = logging.getLogger(__name__)

METHOD = (
    "seed = sha256(salt + \"|\" + sha256(entries_text)), entries_text = concatenation of "
    "\"<entry>:<places>\\n\" over the sealed entries in id order; entries are ordered by "
    "sha256(seed + \":\" + <entry>) ascending (hex digests, UTF-8); walking that order, a withdrawn entry "
    "is skipped, a party that fits in the places left is confirmed (first fit, never split), the rest are "
    "waitlisted in that order (not_drawn without a waitlist); sha256(salt) equals the commitment published "
    "with the activity.\n"
    "抽签方法：报名截止时封存参与名单（按编号排列的“编号:人数”），种子 = SHA-256(盐值|名单摘要)；"
    "各参与者按 SHA-256(种子:编号) 从小到大排序，依次分配名额（同行人一起中签，不拆分；放不下的跳过），"
    "其余按此顺序候补；盐值的 SHA-256 即发布时公示的承诺值，任何人可据此复算。"
)

# The notice each outcome sends (`signup_result`: status <= 5 characters, tip <= 20).
WON = ("中签", "已为您保留名额，请准时参加")
WAITLISTED = ("未中签", "候补第{position}位，有名额将通知您")
NOT_DRAWN = ("未中签", "感谢参与，欢迎关注其他活动")


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the method: pure functions, mirrored by scripts/verify-draw ----------------------------------


def entries_text(entries):
    """The sealed entries ([{entry, places}], in id order) as the text the seed hashes."""
    return "".join(f"{item['entry']}:{item['places']}\n" for item in entries)


def seed_of(salt, entries):
    return sha256_hex(salt + "|" + sha256_hex(entries_text(entries)))


def drawn_order(seed, entries):
    """The sealed entries in drawn order."""
    return sorted(entries, key=lambda item: (sha256_hex(f"{seed}:{item['entry']}"), item["entry"]))


def allocate(seed, entries, live, places_available, waitlist):
    """The draw's results: [{rank, entry, places, outcome}] in drawn order. `live`: the entry ids not
    withdrawn since the seal."""
    results, free = [], places_available
    for rank, item in enumerate(drawn_order(seed, entries), start=1):
        if item["entry"] not in live:
            outcome = "withdrawn"
        elif item["places"] <= free:
            outcome, free = "confirmed", free - item["places"]
        else:
            outcome = "waitlisted" if waitlist else "not_drawn"
        results.append({"rank": rank, "entry": item["entry"], "places": item["places"], "outcome": outcome})
    return results


# --- publication, seal, draw ---------------------------------------------------------------------


def commit_to_salt(activity):
    """At publication of a lottery: choose the secret salt and publish its sha256 (the commitment)."""
    activity.draw_salt = secrets.token_hex(32)
    activity.draw_commitment = sha256_hex(activity.draw_salt)


def _due_to_seal(activity, now):
    return (activity.signup_mode == "lottery" and activity.status == "published" and activity.draw_sealed_at is None
            and activity.signup_closes_at is not None and activity.signup_closes_at <= now)


def _seal(activity, now):
    """Fix the entries list and the seed; the caller holds the activity's row lock."""
    rows = db.session.execute(
        select(Registration.id, Registration.companions)
        .where(Registration.activity_id == activity.id, Registration.status == "entered")
        .order_by(Registration.id)
    ).all()
    activity.draw_entries = [{"entry": row.id, "places": 1 + row.companions} for row in rows]
    activity.draw_seed = seed_of(activity.draw_salt, activity.draw_entries)
    activity.draw_sealed_at = now


def seal_lottery(activity_id, now=None):
    """Seal the lottery's entries if its sign-up has closed and it is not sealed yet (else nothing).
    Returns whether it sealed. Flushes; the caller commits."""
    activity = lock_activity(activity_id)
    now = now or utcnow()
    if activity is None or not _due_to_seal(activity, now):
        return False
    _seal(activity, now)
    db.session.flush()
    return True


_DRAWN = (
    update(Registration.__table__)
    .where(Registration.__table__.c.id == bindparam("b_id"))
    .values(status=bindparam("b_status"), draw_rank=bindparam("b_rank"), cancelled_at=bindparam("b_cancelled_at"))
)
# PostgreSQL: the same writes as one statement each, the rows passed as one JSON document (a popular
# lottery draws thousands: one parameter to send instead of thousands of bound rows).
_DRAWN_PG = text(
    "UPDATE registrations AS r SET status = v.status, draw_rank = v.rank, "
    "cancelled_at = CASE WHEN v.status = 'not_drawn' THEN CAST(:now AS timestamptz) END "
    "FROM json_to_recordset(CAST(:rows AS json)) AS v(id integer, status text, rank integer) WHERE r.id = v.id"
)
_NOTICES_PG = text(
    "INSERT INTO outbox_messages (kind, user_id, payload, due_at, status, attempts, ref_type, ref_id, created_at) "
    "SELECT 'signup_result', v.user_id, v.payload, CAST(:now AS timestamptz), 'pending', 0, 'registration', v.ref_id, "
    "CAST(:now AS timestamptz) "
    "FROM json_to_recordset(CAST(:rows AS json)) AS v(user_id integer, ref_id integer, payload json)"
)


def _write_outcomes(changes, notices, now):
    """Write the drawn statuses and ranks (`changes`) and queue the `signup_result` notices (`notices`):
    on PostgreSQL one statement each (`_DRAWN_PG`, `_NOTICES_PG`), elsewhere row by row; the same rows
    either way (tests/test_lottery.py checks them on both)."""
    if db.session.get_bind().dialect.name != "postgresql":
        if changes:
            db.session.execute(_DRAWN, changes)
        if notices:
            db.session.execute(insert(OutboxMessage.__table__), notices)
        return
    if changes:
        rows = [{"id": c["b_id"], "status": c["b_status"], "rank": c["b_rank"]} for c in changes]
        db.session.execute(_DRAWN_PG, {"now": now, "rows": json.dumps(rows)})
    if notices:
        rows = [{"user_id": n["user_id"], "ref_id": n["ref_id"], "payload": n["payload"]} for n in notices]
        db.session.execute(_NOTICES_PG, {"now": now, "rows": json.dumps(rows, ensure_ascii=False)})


def draw_lottery(activity_id, now=None):
    """Draw the lottery once: only a published lottery whose `draw_at` has come and that has not been
    drawn (checked under the row lock). Seals first when the seal has not happened yet. Returns the
    results, or None when there was nothing to draw. Flushes; the caller commits."""
    activity = lock_activity(activity_id)
    now = now or utcnow()
    if (activity is None or activity.signup_mode != "lottery" or activity.status != "published"
            or activity.drawn_at is not None or activity.draw_at is None or activity.draw_at > now):
        return None
    if activity.draw_sealed_at is None:
        _seal(activity, now)
    entries = activity.draw_entries or []
    table = Registration.__table__
    # The entries still in (not withdrawn since the seal), locked after the activity; rows, not ORM
    # objects: a popular lottery draws thousands.
    live = {
        row.id: row
        for row in db.session.execute(
            select(table.c.id, table.c.user_id, table.c.companions)
            .where(table.c.activity_id == activity.id, table.c.status == "entered",
                   table.c.id.in_([item["entry"] for item in entries]))
            .with_for_update()
        )
    }
    places_available = max(activity.capacity - activity.confirmed_count, 0)
    results = allocate(activity.draw_seed, entries, set(live), places_available, activity.waitlist_enabled)
    payload = message_payload(activity)
    changes, notices, winners = [], [], []
    for result in results:
        row = live.get(result["entry"])
        if row is None:
            continue  # withdrawn since the seal
        outcome = result["outcome"]
        if outcome == "confirmed":
            activity.confirmed_count += 1 + row.companions
            status, tip = WON
            winners.append(row)
        elif outcome == "waitlisted":
            activity.waitlist_count += 1
            status, tip = WAITLISTED[0], WAITLISTED[1].format(position=activity.waitlist_count)
        else:
            status, tip = NOT_DRAWN
        changes.append({"b_id": row.id, "b_status": outcome, "b_rank": result["rank"],
                        "b_cancelled_at": now if outcome == "not_drawn" else None})
        if row.user_id is not None:
            notices.append({"kind": "signup_result", "user_id": row.user_id, "due_at": now, "ref_type": "registration",
                            "ref_id": row.id, "payload": {**payload, "status": status, "tip": tip}})
    _write_outcomes(changes, notices, now)
    for row in winners:
        if row.user_id is not None:
            schedule_registration_reminders(activity, row.id, row.user_id)
    activity.draw_results = {"places_available": places_available, "waitlist": activity.waitlist_enabled,
                             "results": results}
    activity.drawn_at = now
    cache.mark_changed(db.session, "activities")
    db.session.flush()
    return results


def run_due_lotteries(now=None):
    """The scheduler's job: seal every lottery whose sign-up has closed, then draw every one whose
    `draw_at` has come, each in its own transaction (committed here: this is the job's boundary).
    Safe to run in several schedulers at once. Returns `(sealed, drawn)` counts."""
    now = now or utcnow()
    table = Activity.__table__
    lottery = (table.c.signup_mode == "lottery") & (table.c.status == "published")
    to_seal = db.session.scalars(
        select(table.c.id).where(lottery, table.c.draw_sealed_at.is_(None), table.c.signup_closes_at <= now)
        .order_by(table.c.id)
    ).all()
    to_draw = db.session.scalars(
        select(table.c.id).where(lottery, table.c.drawn_at.is_(None), table.c.draw_at <= now).order_by(table.c.id)
    ).all()
    db.session.rollback()  # no snapshot held while waiting for locks
    sealed = drawn = 0
    for activity_id in to_seal:
        try:
            sealed += seal_lottery(activity_id, now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("sealing the lottery of activity %s failed; the next tick tries again", activity_id)
    for activity_id in to_draw:
        try:
            drawn += draw_lottery(activity_id, now) is not None
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("the draw of activity %s failed; the next tick tries again", activity_id)
    return sealed, drawn


def scheduled_draws(app):
    """The scheduler's entry point for `run_due_lotteries` (an app context and a clean session)."""
    with app.app_context():
        try:
            sealed, drawn = run_due_lotteries()
            if sealed or drawn:
                log.info("lotteries: %d sealed, %d drawn", sealed, drawn)
        finally:
            db.session.remove()


# --- the public record ---------------------------------------------------------------------------


def draw_record(viewer, activity_id):
    """What `GET /activities/{id}/draw` shows: the commitment from publication; salt, seed and entries
    from the seal; results from the draw; no names or user ids. `viewer` (None: anonymous) must be
    able to see the activity. Raises NotFound (`activity_not_found`, `draw_not_found`: not a lottery)."""
    activity = get_visible_activity(viewer, activity_id)
    if activity.signup_mode != "lottery":
        raise DomainError("draw_not_found")
    sealed, drawn = activity.draw_sealed_at is not None, activity.drawn_at is not None
    my_entry = None
    if viewer is not None:
        mine = db.session.execute(
            select(Registration.id, Registration.status).where(
                Registration.activity_id == activity.id, Registration.user_id == viewer.id)
        ).first()
        listed = {item["entry"] for item in activity.draw_entries or []}
        if mine is not None and (mine.status == "entered" or mine.id in listed):
            my_entry = mine.id
    results = activity.draw_results or {}
    return {
        "state": "drawn" if drawn else "sealed" if sealed else "open",
        "draw_at": activity.draw_at,
        "signup_closes_at": activity.signup_closes_at,
        "commitment": activity.draw_commitment,
        "salt": activity.draw_salt if sealed else None,
        "seed": activity.draw_seed if sealed else None,
        "sealed_at": activity.draw_sealed_at,
        "drawn_at": activity.drawn_at,
        "method": METHOD,
        "entry_count": len(activity.draw_entries) if sealed else _open_entries(activity.id),
        "places_available": results.get("places_available"),
        "waitlist": results.get("waitlist", activity.waitlist_enabled),
        "entries": activity.draw_entries if sealed else None,
        "results": results.get("results") if drawn else None,
        "my_entry": my_entry,
    }


def _open_entries(activity_id):
    return db.session.scalar(
        select(func.count()).select_from(Registration)
        .where(Registration.activity_id == activity_id, Registration.status == "entered")
    )
