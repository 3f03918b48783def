"""Activities (党群活动) and registrations for them."""

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from server.extensions import db
from server.models.base import UTCDateTime, utcnow
from server.models.users import Community, User

CATEGORIES = ("party_lesson", "youth", "women_children", "elderly", "culture", "volunteer", "other")
# What users read for each category (the console, the statistics, the report).
CATEGORY_LABELS = {
    "party_lesson": "党课学习",
    "youth": "青年活动",
    "women_children": "妇女儿童",
    "elderly": "长者关爱",
    "culture": "文体活动",
    "volunteer": "志愿服务",
    "other": "其他",
}
AUDIENCES = ("all", "party_members", "community_residents")
# Stored statuses; `finished` is also shown for a published activity whose end has passed.
ACTIVITY_STATUSES = ("draft", "published", "cancelled", "finished")
# How places are given out: `first_come` (先到先得), `lottery` (抽签: sign-ups are entries, drawn at
# `draw_at`), `approval` (报名审核: an organizer approves each sign-up before it takes a place).
SIGNUP_MODES = ("first_come", "lottery", "approval")
# confirmed: holds its places. waitlisted: in the queue. offered: its places are held for it until
# `offer_expires_at` (claim_hours > 0); accepting confirms it. pending: awaits the organizer's
# approval, holds nothing. entered: a lottery entry, holds nothing until the draw. Final: cancelled
# (by its owner or an organizer; also a declined offer or a withdrawn entry), expired (an offer not
# claimed in time), rejected (by the organizer, with `reject_reason`), not_drawn (a lottery entry
# that drew no place on an activity without a waitlist).
REGISTRATION_STATUSES = (
    "confirmed", "waitlisted", "offered", "pending", "entered", "cancelled", "expired", "rejected", "not_drawn",
)
# Holding a place or a waitlist spot (rosters, notices, check-in, statistics count these).
ACTIVE_REGISTRATION = ("confirmed", "waitlisted")
# The user's live sign-up for the activity, whatever its state: a second tap answers it, and
# `DELETE /activities/{id}/registrations/me` gives it up.
OPEN_REGISTRATION = ("confirmed", "waitlisted", "offered", "pending", "entered")
# Question kinds an activity may ask at sign-up (at most MAX_QUESTIONS).
QUESTION_KINDS = ("text", "choice", "number")
MAX_QUESTIONS = 5


class Activity(db.Model):
    """An activity of one community. `confirmed_count` counts places (people, companions included)
    and is only changed under the activity's row lock; the check constraint backs the capacity rule."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("confirmed_count >= 0 AND confirmed_count <= capacity", name="confirmed_within_capacity"),
        CheckConstraint("waitlist_count >= 0", name="waitlist_count_nonnegative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("claim_hours >= 0 AND claim_hours <= 168", name="claim_hours_range"),
        Index("ix_activities_status_starts_at", "status", "starts_at"),
        Index("ix_activities_community_status_starts_at", "community_id", "status", "starts_at"),
        Index("ix_activities_category_starts_at", "category", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32))
    venue: Mapped[str] = mapped_column(String(200), default="")
    starts_at = mapped_column(UTCDateTime, nullable=False)
    ends_at = mapped_column(UTCDateTime, nullable=False)
    signup_opens_at = mapped_column(UTCDateTime)
    signup_closes_at = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    audience: Mapped[str] = mapped_column(String(32), default="all")
    cancel_cutoff_minutes: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0)
    waitlist_count: Mapped[int] = mapped_column(Integer, default=0)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    # Attendees may download a certificate of participation (参加活动证明) once checked in.
    certificate_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # How places are given out (SIGNUP_MODES); fixed once published.
    signup_mode: Mapped[str] = mapped_column(String(16), default="first_come", server_default="first_come")
    # Lottery (抽签): when the scheduler draws (after sign-up closes, before the start); the sha256 of
    # `draw_salt`, shown from publication (a commitment); the salt itself, secret until the entries are
    # sealed at sign-up close; the seed then fixed (services/lottery.py documents the method); when
    # the entries were sealed and when the draw happened (once: `drawn_at` is set in its transaction).
    draw_at = mapped_column(UTCDateTime)
    draw_commitment: Mapped[str | None] = mapped_column(String(64))
    draw_salt: Mapped[str | None] = mapped_column(String(64))
    draw_seed: Mapped[str | None] = mapped_column(String(64))
    draw_sealed_at = mapped_column(UTCDateTime)
    drawn_at = mapped_column(UTCDateTime)
    # The lottery's public record (services/lottery.py): the entries as sealed, [{entry, places}] in id
    # order, and the draw's outcome, {places_available, waitlist, results: [{rank, entry, places,
    # outcome}]}; both written once, in the transaction that seals or draws.
    draw_entries: Mapped[list | None] = mapped_column(JSON)
    draw_results: Mapped[dict | None] = mapped_column(JSON)
    # Hours a waitlisted party has to claim a freed place (0: it is confirmed at once).
    claim_hours: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Up to MAX_QUESTIONS questions asked at sign-up: [{id, kind, label, required, options, min, max}].
    questions: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    published_at = mapped_column(UTCDateTime)
    cancelled_at = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship(lazy="joined", innerjoin=True)

    def effective_status(self, now):
        return effective_status(self, now)

    @property
    def signup_deadline(self):
        return signup_deadline(self)


# These two read an Activity or a row with its columns alike (the sign-up reads rows).
def effective_status(activity, now):
    """The stored status, but `finished` for a published activity whose end has passed."""
    if activity.status == "published" and activity.ends_at <= now:
        return "finished"
    return activity.status


def signup_deadline(activity):
    """Sign-up closes at `signup_closes_at`, or at the start when none is set."""
    return activity.signup_closes_at or activity.starts_at


class Registration(db.Model):
    """One user's place (or waitlist spot) for an activity; `1 + companions` places.

    One row per user and activity (unique): cancelling sets the status, signing up again reuses
    the row and goes to the back of the queue. Waitlist order is `(registered_at, id)`.

    A walk-in (代报名: someone an organizer registers at the desk, without an account) has no
    `user_id`; `walk_in_name` and `walk_in_phone` are what the organizer typed (personal data: emptied
    by the retention purge once the activity is long over) and `registered_by_id` the organizer. It
    takes places like any sign-up; nobody is notified or reminded of it.
    """

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("activity_id", "user_id"),
        CheckConstraint("companions >= 0", name="companions_nonnegative"),
        Index("ix_registrations_activity_status_registered_at", "activity_id", "status", "registered_at"),
        Index("ix_registrations_user_status", "user_id", "status"),
        Index("ix_registrations_status_offer_expires_at", "status", "offer_expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # None: a walk-in
    status: Mapped[str] = mapped_column(String(16))
    companions: Mapped[int] = mapped_column(Integer, default=0)
    remark: Mapped[str] = mapped_column(String(200), default="")
    registered_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    promoted_at = mapped_column(UTCDateTime)
    cancelled_at = mapped_column(UTCDateTime)
    checked_in_at = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when the check-in was scanned offline and uploaded later: when the server received it.
    checked_in_uploaded_at = mapped_column(UTCDateTime)
    # Walk-ins (代报名): who registered them, and the name and phone the organizer typed.
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    walk_in_name: Mapped[str | None] = mapped_column(String(50))
    walk_in_phone: Mapped[str | None] = mapped_column(String(20))
    # Lottery: the 1-based place in the drawn order (the waitlist then follows it).
    draw_rank: Mapped[int | None] = mapped_column(Integer)
    # Offers: until when the held places wait for the person to claim them.
    offer_expires_at = mapped_column(UTCDateTime)
    # Approval: when and by whom the sign-up was approved or rejected, and why it was rejected.
    decided_at = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    # Answers to the activity's questions, {question id: value}; what the person typed (deleted with
    # the account, like the remark).
    answers: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    activity: Mapped[Activity] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    # 1-based place in the waitlist, null unless waitlisted; loaded only where a query asks for it with
    # `with_expression(Registration.waitlist_position, waitlist_position())` (services.my_registrations).
    waitlist_position: Mapped[int | None] = query_expression()

    @property
    def places(self):
        return 1 + self.companions

    @property
    def is_walk_in(self):
        return self.user_id is None
