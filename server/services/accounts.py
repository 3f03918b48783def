"""Leaving: deleting an account (PIPL).

What the person gave us goes; what the community counted stays. Every future place is given up first,
through the same rules as any cancellation (so waitlists move up and reminders are voided), then the
person's row is anonymised, not removed, so past rosters and volunteer hours keep their counts.

Lock order: each activity's row in id order (`cancel_future_registrations`), then each booking's row
in id order (`cancel_future_bookings`): a fixed order, so two deletions cannot deadlock.
"""

from server.extensions import db
from server.models.base import utcnow
from server.services.bookings import cancel_future_bookings
from server.services.registrations import cancel_future_registrations
from server.services.users import record_audit

# What the person typed or WeChat told us about them; cleared on deletion.
PERSONAL_FIELDS = ("openid", "unionid", "session_key", "nickname", "real_name", "phone", "community_id")


def delete_account(user):
    """Delete the account's personal data and give up its future sign-ups and bookings (waitlists
    move up). The row stays, anonymised, so past rosters and volunteer hours keep their counts."""
    cancel_future_registrations(user)
    cancel_future_bookings(user)
    user_id = user.id
    for field in PERSONAL_FIELDS:
        setattr(user, field, None)
    user.is_party_member = False
    user.is_admin = False
    user.organizer_scopes.clear()
    user.deleted_at = utcnow()
    record_audit(user, "account.delete", "user", user_id)
    db.session.flush()
