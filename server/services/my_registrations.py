"""A person's own registrations as they see them: waitlist positions, "my registrations", and the
caller's rows laid over the shared (cached) activity list pages.

Rules: the waitlist is ordered by `WAITLIST_ORDER`: the drawn order on a lottery activity (every
waitlisted registration of one has its `draw_rank`; sign-up is closed after the draw), else
`(registered_at, id)`. A registration's position is 1 + the waitlisted registrations of the same
activity ahead of it, null unless it is waitlisted. Open registrations (`OPEN_REGISTRATION`:
confirmed, waitlisted, offered, pending, entered) are the caller's "own" on an activity, and so is one that
ended without their doing (expired, rejected, not_drawn: `SHOWN_REGISTRATION`); the list of my
registrations shows the ended ones (those and cancelled) only when asked.

Locks: none; these are reads.
"""

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import with_expression

from server.extensions import db
from server.models import OPEN_REGISTRATION, Activity, Registration
from server.models.base import utcnow
from server.services.paging import paginate

# What `RegistrationSchema` shows of a registration, besides its waitlist position.
OWN_COLUMNS = ("id", "activity_id", "status", "companions", "remark", "registered_at", "checked_in_at",
               "checked_in_uploaded_at", "offer_expires_at", "reject_reason", "draw_rank", "answers")
# The waitlist's order, as ORDER BY columns of `registrations` (see the module's rules).
WAITLIST_ORDER = (
    func.coalesce(Registration.__table__.c.draw_rank, 0),
    Registration.__table__.c.registered_at,
    Registration.__table__.c.id,
)


def waitlist_position():
    """A registration's 1-based place in its activity's waitlist (null unless waitlisted), as a column
    of any select from `registrations`."""
    registrations = Registration.__table__
    ahead = registrations.alias("ahead")
    rank, ahead_rank = func.coalesce(registrations.c.draw_rank, 0), func.coalesce(ahead.c.draw_rank, 0)
    before = select(func.count()).where(
        ahead.c.activity_id == registrations.c.activity_id,
        ahead.c.status == "waitlisted",
        or_(
            ahead_rank < rank,
            and_(ahead_rank == rank, ahead.c.registered_at < registrations.c.registered_at),
            and_(ahead_rank == rank, ahead.c.registered_at == registrations.c.registered_at,
                 ahead.c.id < registrations.c.id),
        ),
    )
    return case((registrations.c.status == "waitlisted", before.scalar_subquery() + 1), else_=None)


_WAITLIST_POSITION = waitlist_position()


def _own_registrations_statement():
    """Registrations as `RegistrationSchema` reads them, without ORM objects (list pages and repeated
    sign-up taps ask on every read): of one user, among some activities."""
    table = Registration.__table__
    return select(*(table.c[name] for name in OWN_COLUMNS), _WAITLIST_POSITION.label("waitlist_position")).where(
        table.c.user_id == bindparam("user"),
        table.c.activity_id.in_(bindparam("activities", expanding=True)),
    )


_OWN_REGISTRATIONS = _own_registrations_statement()
# On an activity the caller sees their open registration, or how their last one ended when it was not
# their own doing (an offer not claimed, a rejection, a lottery without a place): not a cancellation.
SHOWN_REGISTRATION = (*OPEN_REGISTRATION, "expired", "rejected", "not_drawn")
_MY_REGISTRATIONS = _OWN_REGISTRATIONS.where(Registration.__table__.c.status.in_(SHOWN_REGISTRATION))


def own_registration(activity_id, user_id):
    """The user's registration for the activity (whatever its status) as `RegistrationSchema` reads it,
    waitlist position included, as a dict; None if there is none. One query."""
    row = db.session.execute(_OWN_REGISTRATIONS, {"user": user_id, "activities": [activity_id]}).first()
    return row._asdict() if row is not None else None


def my_registrations_for(viewer_id, activity_ids):
    """`{activity_id: registration}` of the viewer's registrations among these activities (open, or
    ended in `SHOWN_REGISTRATION`), as
    `RegistrationSchema` reads them, waitlist positions included: one query, no ORM objects (list
    pages ask this on every read). `viewer_id` None: anonymous, none."""
    if viewer_id is None or not activity_ids:
        return {}
    rows = db.session.execute(_MY_REGISTRATIONS, {"user": viewer_id, "activities": list(activity_ids)})
    return {row.activity_id: row._asdict() for row in rows}


def list_my_registrations(user, args):
    """The user's registrations with their activities: `upcoming` (not ended) or `past`, newest
    relevant first; ended ones (cancelled, expired, rejected, not_drawn) only with `include_cancelled`. Returns `(items, total)`,
    each registration with its `waitlist_position` loaded."""
    now = utcnow()
    statement = select(Registration).join(Registration.activity).where(Registration.user_id == user.id)
    if not args.get("include_cancelled"):
        statement = statement.where(Registration.status.in_(OPEN_REGISTRATION))
    if args.get("when", "upcoming") == "upcoming":
        statement = statement.where(Activity.ends_at > now).order_by(Activity.starts_at, Registration.id)
    else:
        statement = statement.where(Activity.ends_at <= now).order_by(Activity.starts_at.desc(), Registration.id)
    return paginate(statement.options(with_expression(Registration.waitlist_position, _WAITLIST_POSITION)), args)
