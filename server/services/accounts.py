"""Leaving: deleting an account (PIPL).

What the person gave us goes; what the community counted stays. Every future place is given up first,
through the same rules as any cancellation (so waitlists move up and reminders are voided), then the
person's row is anonymised, not removed, so past rosters and volunteer hours keep their counts.

What goes: everything WeChat told us about the person and every piece of text they typed, in every
table (`ERASED`): their profile, and the remark of each of their registrations, past, cancelled and
active alike; their health declarations and qualification grants are deleted (rows about the person
with no text column). The registration and booking rows themselves stay (a roster of a past activity still
counts the person as an anonymous attendee; hours totals stay). Every text column of the schema is
listed either in `ERASED` or in `KEPT` with the reason it holds nothing of the person's;
`tests/test_account_deletion.py` fails for a new text column listed in neither.

Lock order: each activity's row in id order (`cancel_future_registrations`), then each booking's row
in id order (`cancel_future_bookings`, which ends their bookings' swaps), then the swaps they were named
in or had claimed (`swaps.end_swaps_of_person`: each swap's booking, then the swap, in booking id
order, the order of `services.swaps`): a fixed order, so two deletions cannot deadlock. The remarks
are blanked last, with one UPDATE of the person's own registration rows.
"""

from sqlalchemy import and_, or_, select, update

from server.extensions import db
from server.models import Booking, HoursQuery, OutboxMessage, Registration
from server.models.base import utcnow
from server.services.bookings import cancel_future_bookings
from server.services.health_declarations import erase_declarations
from server.services.qualifications import erase_grants
from server.services.registrations import cancel_future_registrations
from server.services.swaps import end_swaps_of_person
from server.services.users import record_audit
from server.services.vacancy_alerts import erase_opt_in

# What the person typed or WeChat told us about them; cleared on deletion.
PERSONAL_FIELDS = (
    "openid", "unionid", "session_key", "nickname", "real_name", "phone", "community_id", "volunteer_number",
)

# Every text column holding something of the person's, as "table.column": emptied on deletion.
ERASED = {
    "users.openid": "WeChat's id of the person",
    "users.unionid": "WeChat's id of the person across the platform",
    "users.session_key": "WeChat's session key of the person",
    "users.nickname": "typed by the person",
    "users.real_name": "typed by the person",
    "users.phone": "the person's number, verified by WeChat",
    "users.volunteer_number": "typed by the person (志愿者编号)",
    "hours_queries.text": "typed by the person when querying their hours (申诉)",
    "hours_queries.answer": "the organizer's answer to the person's query: about them",
    "registrations.remark": "typed by the person when signing up",
    "registrations.answers": "typed by the person when signing up (answers to the activity's questions)",
    "registrations.reject_reason": "the organizer's reason for rejecting the person's sign-up: about them",
    "registrations.walk_in_name": "a walk-in's name, typed by the organizer (no account: emptied by the retention purge)",
    "registrations.walk_in_phone": "a walk-in's phone, typed by the organizer (no account: emptied by the retention purge)",
    "shift_swaps.reject_reason": "the organizer's reason for refusing a swap the person gave or claimed: about them",
    "bookings.checkin_reason": "the organizer's reason for checking the person in by hand: about them",
}

# Every other text column, and why it holds nothing of a person's: it stays when an account is deleted.
KEPT = {
    "communities.code": "the community's",
    "communities.name": "the community's",
    "communities.subdistrict": "the community's",
    "activities.title": "the community's activity, written by its organizers for everyone",
    "activities.description": "the community's activity, written by its organizers for everyone",
    "activities.category": "a fixed choice",
    "activities.venue": "the community's activity, written by its organizers for everyone",
    "activities.audience": "a fixed choice",
    "activities.status": "a fixed choice",
    "activities.cancel_reason": "the organizers' notice to everyone registered, about the activity",
    "activities.signup_mode": "a fixed choice",
    "activities.draw_commitment": "the lottery's published commitment (a hash of a random value)",
    "activities.draw_salt": "the lottery's random value, published when its entries are sealed",
    "activities.draw_seed": "the lottery's published seed",
    "activities.draw_entries": "the lottery's sealed entries: registration ids and party sizes, no names",
    "activities.draw_results": "the lottery's published outcome: registration ids, ranks and outcomes, no names",
    "activities.questions": "the organizers' questions, asked of everyone signing up",
    "registrations.status": "a fixed choice",
    "activity_notices.text": "the organizers' notice to the activity's participants, about the activity",
    "activity_notices.client_key": "an idempotency key the organizer's client chose",
    "activity_notices.unreachable": "registration ids (the registrations' own columns are erased as listed)",
    "sites.name": "the community's duty site",
    "sites.kind": "a fixed choice",
    "sites.address": "the duty site's public address",
    "sites.grid": "the community's grid",
    "shifts.notes": "the organizers' notes for everyone booked, about the shift",
    "shifts.status": "a fixed choice",
    "shifts.cancel_reason": "the organizers' notice to everyone booked, about the shift",
    "shift_roles.name": "the post's name, set by organizers",
    "bookings.status": "a fixed choice",
    "shift_swaps.status": "a fixed choice",
    "shift_swaps.end_reason": "a fixed choice",
    "bookings.checkin_method": "a fixed choice (code or manual)",
    "bookings.hours_status": "a fixed choice",
    "hours_changes.kind": "a fixed choice",
    "hours_changes.reason": "the organizer's reason for correcting a figure, about the service (kept with the record)",
    "hours_queries.status": "a fixed choice",
    "audit_log.action": "a fixed action name",
    "audit_log.target_type": "a fixed table name",
    "audit_log.detail": "ids, counts, formats, roles and organizers' cancel reasons; never a person's text",
    "outbox_messages.kind": "a fixed message kind",
    "outbox_messages.payload": "what the activity or shift is (title, time, venue, site, post); a text about the person "
                               "(a rejection's reason, an answer to their hours query) is emptied (`erase_message_texts`)",
    "outbox_messages.status": "a fixed choice",
    "outbox_messages.last_error": "WeChat's error code and message, which name no one",
    "outbox_messages.msgid": "WeChat's id of a sent message",
    "outbox_messages.ref_type": "a fixed table name",
    "outbox_messages.claimed_by": "a scheduler process's name",
    "subscription_credits.template_id": "the app's template id",
    "shift_roles.health_declaration": "a fixed choice",
    "qualifications.name": "the community's qualification, named by its organizers",
    "qualifications.note": "the organizers' note about the qualification, for everyone",
    "vacancy_alert_rounds.claimed_by": "a scheduler process's name",
}


def erase_personal_data(user):
    """Clear what the person typed or WeChat told us (`PERSONAL_FIELDS`) and, on each of their
    registrations, the remark and answers they wrote and an organizer's reason for rejecting it, and on
    each of their bookings an organizer's reason for checking them in by hand; the text of their hours
    queries (申诉) and the answers; their health declarations and qualification grants are deleted. The
    registration and booking rows stay, so counts and hours do too."""
    for field in PERSONAL_FIELDS:
        setattr(user, field, None)
    erase_declarations(user)  # health answers: no text, but about the person's health
    erase_grants(user)  # which qualifications they held
    db.session.execute(
        update(Registration)
        .where(
            Registration.user_id == user.id,
            or_(Registration.remark != "", Registration.answers.is_not(None), Registration.reject_reason.is_not(None)),
        )
        .values(remark="", answers=None, reject_reason=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        update(Booking)
        .where(Booking.user_id == user.id, Booking.checkin_reason.is_not(None))
        .values(checkin_reason=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        update(HoursQuery)
        .where(HoursQuery.user_id == user.id)
        .values(text="", answer=None)
        .execution_options(synchronize_session="fetch")
    )
    erase_message_texts(user.id)


# Messages to the person that carry a text about them in a payload value: an organizer's reason for
# rejecting their sign-up (`signup_result`) or a swap claim (`shift_swap`), the answer to their hours
# query (a `notice` caused by `hours_query`).
_MESSAGES_ABOUT_THEM = (("signup_result", None), ("shift_swap", None), ("notice", "hours_query"))
_TEXT_VALUES = ("tip", "text")


def erase_message_texts(user_id):
    """Empty the texts about the person copied into their messages' payloads (sent or not); what the
    message was about (title, time, site, post) stays, as on their registrations and bookings."""
    kinds = or_(*(
        (OutboxMessage.kind == kind) if ref_type is None else and_(OutboxMessage.kind == kind, OutboxMessage.ref_type == ref_type)
        for kind, ref_type in _MESSAGES_ABOUT_THEM
    ))
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user_id, kinds)):
        if any(message.payload.get(key) for key in _TEXT_VALUES):
            message.payload = {**message.payload, **{key: "" for key in _TEXT_VALUES if key in message.payload}}


def delete_account(user, expired=False):
    """Delete the account's personal data and give up its future sign-ups and bookings (waitlists
    move up). The row stays, anonymised, so past rosters and volunteer hours keep their counts; every
    remark the person typed on any registration is emptied (see `ERASED`). `expired`: the retention
    purge does it to an inactive account (`services.retention`), audited as `account.expire` with no actor."""
    cancel_future_registrations(user)
    cancel_future_bookings(user)
    end_swaps_of_person(user)
    user_id = user.id
    erase_personal_data(user)
    erase_opt_in(user_id)  # the vacancy-alert opt-in and home point
    user.is_party_member = False
    user.is_admin = False
    user.organizer_scopes.clear()
    user.deleted_at = utcnow()
    if expired:
        record_audit(None, "account.expire", "user", user_id)
    else:
        record_audit(user, "account.delete", "user", user_id)
    db.session.flush()
