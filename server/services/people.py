"""People as the console's 居民与党员 pages show them: the list an organizer searches, and one person's
history (sign-ups, shifts, hours, no-shows).

Rules:
- An organizer sees the people who chose one of their communities (claimed or confirmed); admins see
  everyone. Deleted accounts are never shown.
- A person's history is shown to an organizer who manages their community, or a community where they
  signed up or booked a shift; to anyone else it does not exist (404 `user_not_found`, the same as an
  unknown id, so ids of other communities' people cannot be probed). It holds only what happened in
  the organizer's communities: a person's activity elsewhere is not theirs to see. Admins see it all.
- Phones are masked on every screen. Searching by a full phone number finds its owner (exact match
  only: digits of a number never narrow a search, so a masked number cannot be guessed from results).
- `reveal_phone`: an organizer of a community the person belongs to or took part in reveals their
  full number, audited (`phone.reveal`); admins may not (as on the rosters, `users.sees_full_phone`).

Membership decisions and party-member grants are `memberships` and `users` (the API's own functions).
Read-only apart from the reveal's audit row: no locks.
"""

import re
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select, true

from server.errors import Forbidden, NotFound
from server.extensions import db
from server.models import Activity, Booking, Registration, Shift, Site, User
from server.models.base import utcnow
from server.services.dashboard import managed_community_ids
from server.services.paging import text_matches
from server.services.communities import managed_communities
from server.services.users import RevealedPhone, record_audit, sees_full_phone

SEARCH_MAX = 50
PHONE = re.compile(r"^\+?\d{5,20}$")
# Control characters (NUL among them) never reach a query: PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_search(text):
    """A search box's text: control characters dropped, spaces trimmed, at most SEARCH_MAX characters."""
    return _CONTROL.sub("", text or "").strip()[:SEARCH_MAX]


def name_or_phone_matches(text):
    """The condition `User` matches a search: the full phone number, or a part of the name or nickname."""
    if PHONE.match(text):
        return User.phone == text
    return text_matches(text, User.real_name, User.nickname)


def visible_communities(actor):
    """The communities whose people `actor` may list: every one for admins, else their own, by name."""
    return managed_communities(actor)


def people_statement(actor, community_id=None, status=None, party=None, search=""):
    """`select(User)` of the people `actor` may list, filtered, by name then id.

    `community_id` must be one `actor` manages (else nobody matches); `status` `claimed`/`confirmed`;
    `party` True/False; `search` (already `clean_search`ed) a full phone number or part of a name.
    """
    ids = managed_community_ids(actor)
    statement = select(User).where(User.deleted_at.is_(None))
    if ids is not None:
        statement = statement.where(User.community_id.in_(ids or [-1]))
    if community_id is not None:
        statement = statement.where(User.community_id == community_id)
    if status == "claimed":
        statement = statement.where(User.community_id.is_not(None), User.community_confirmed_at.is_(None))
    elif status == "confirmed":
        statement = statement.where(User.community_id.is_not(None), User.community_confirmed_at.is_not(None))
    if party is not None:
        statement = statement.where(User.is_party_member.is_(party))
    if search:
        statement = statement.where(name_or_phone_matches(search))
    return statement.order_by(User.community_confirmed_at.is_not(None), User.real_name, User.nickname, User.id)


def may_manage_party(actor, person):
    """Whether the grant/revoke buttons apply: admins, or an organizer of the person's confirmed community
    (the rule `users.grant_role` enforces)."""
    if actor.is_admin:
        return True
    return person.confirmed_community_id is not None and person.confirmed_community_id in actor.organizer_community_ids


def _took_part_in(user_id, community_ids):
    """Whether the person signed up for an activity, or booked a shift, in one of `community_ids`."""
    signed_up = exists().where(
        Registration.user_id == user_id,
        Registration.activity_id == Activity.id,
        Activity.community_id.in_(community_ids or [-1]),
    )
    booked = exists().where(
        Booking.user_id == user_id,
        Booking.shift_id == Shift.id,
        Shift.site_id == Site.id,
        Site.community_id.in_(community_ids or [-1]),
    )
    return db.session.scalar(select(or_(signed_up, booked)))


def get_person(actor, user_id):
    """The person whose page `actor` opens. Raises NotFound `user_not_found` (unknown, deleted, or none of
    the organizer's business)."""
    person = db.session.get(User, user_id)
    if person is None or person.deleted_at is not None:
        raise NotFound("user_not_found")
    ids = managed_community_ids(actor)
    if ids is None or person.community_id in ids or _took_part_in(person.id, ids):
        return person
    raise NotFound("user_not_found")


def _community_filter(column, actor):
    ids = managed_community_ids(actor)
    return true() if ids is None else column.in_(ids or [-1])


def registrations_statement(actor, person):
    """The person's sign-ups for activities of `actor`'s communities, newest activity first."""
    return (
        select(Registration)
        .join(Registration.activity)
        .where(Registration.user_id == person.id, _community_filter(Activity.community_id, actor))
        .order_by(Activity.starts_at.desc(), Registration.id.desc())
    )


def bookings_statement(actor, person):
    """The person's shift bookings at sites of `actor`'s communities, newest shift first."""
    return (
        select(Booking)
        .join(Booking.shift)
        .join(Shift.site)
        .where(Booking.user_id == person.id, _community_filter(Site.community_id, actor))
        .order_by(Shift.starts_at.desc(), Booking.id.desc())
    )


@dataclass(frozen=True)
class HistorySummary:
    signups: int  # sign-ups not cancelled (confirmed or waitlisted)
    attended: int  # sign-ups checked in
    absent: int  # confirmed places of activities that are over, never checked in
    shifts: int  # bookings not cancelled (booked or no-show)
    minutes: int  # minutes credited
    no_shows: int  # bookings marked no-show

    @property
    def hours(self):
        return round(self.minutes / 60, 1)


def history_summary(actor, person, now=None):
    """The person's numbers in `actor`'s communities (`HistorySummary`)."""
    now = now or utcnow()
    registrations = registrations_statement(actor, person).order_by(None).subquery()
    signups, attended, absent = db.session.execute(
        select(
            func.count().filter(registrations.c.status != "cancelled"),
            func.count().filter(registrations.c.checked_in_at.is_not(None)),
            func.count().filter(
                registrations.c.status == "confirmed",
                registrations.c.checked_in_at.is_(None),
                select(Activity.ends_at).where(Activity.id == registrations.c.activity_id).scalar_subquery() <= now,
            ),
        ).select_from(registrations)
    ).one()
    bookings = bookings_statement(actor, person).order_by(None).subquery()
    shifts, minutes, no_shows = db.session.execute(
        select(
            func.count().filter(bookings.c.status != "cancelled"),
            func.coalesce(func.sum(bookings.c.minutes_credited), 0),
            func.count().filter(bookings.c.status == "no_show"),
        ).select_from(bookings)
    ).one()
    return HistorySummary(signups, attended, absent, shifts, int(minutes), no_shows)


def reveal_phone(actor, user_id):
    """The person's full number for an organizer of a community they belong to or took part in; writes
    `phone.reveal` to the audit log. Raises NotFound `user_not_found` (as `get_person`), Forbidden
    (admins and anyone else who may not see full numbers)."""
    person = get_person(actor, user_id)
    own = actor.organizer_community_ids
    if not (sees_full_phone(actor, person.community_id) or (own and _took_part_in(person.id, own))):
        raise Forbidden("forbidden", "只有该居民所在或参与活动社区的组织者可以查看完整手机号")
    record_audit(actor, "phone.reveal", "user", person.id, via="console_member")
    db.session.flush()
    return RevealedPhone(person.phone)
