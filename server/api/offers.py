"""Claimable offers and approval (报名审核): routes on the activities blueprint."""

from flask import g

from server.api.activities import blp
from server.api.security import login_required
from server.extensions import db
from server.schemas.activities import CancelledSchema, RegistrationSchema, RosterItemSchema, RosterRejectSchema
from server.services import activity_rosters, approvals, offers


@blp.route("/activities/<id:activity_id>/registrations/me/accept", methods=["POST"])
@login_required
@blp.response(200, RegistrationSchema)
def accept_offer(activity_id):
    """Accept the place held for me (`offered`): it becomes `confirmed` (added after v1).

    404 `activity_not_found`, 409 `no_offer` (no offered registration: never offered, already answered),
    `offer_expired` (the deadline `offer_expires_at` has passed: the place has passed to the next on the
    waitlist, even if the expiry job had not run yet).
    """
    try:
        registration = offers.accept_offer(g.user, activity_id)
    except offers.OfferExpired:
        db.session.commit()  # the expiry stands: the place passes on
        raise
    db.session.commit()
    return registration


@blp.route("/activities/<id:activity_id>/registrations/me/decline", methods=["POST"])
@login_required
@blp.response(200, CancelledSchema)
def decline_offer(activity_id):
    """Decline the place held for me (`offered`): it passes to the next on the waitlist (added after v1).

    404 `activity_not_found`, 409 `no_offer`, `offer_expired` (as for accepting).
    """
    try:
        offers.decline_offer(g.user, activity_id)
    except offers.OfferExpired:
        db.session.commit()  # the expiry stands: the place passes on
        raise
    db.session.commit()
    return {"status": "cancelled"}


@blp.route("/activities/<id:activity_id>/roster/<id:registration_id>/approve", methods=["POST"])
@login_required
@blp.response(200, RosterItemSchema)
def approve_registration(activity_id, registration_id):
    """Approve a pending sign-up (报名审核): `confirmed` while its places fit, else `waitlisted` (added
    after v1). The person is told (`signup_result`); audited. Returns the roster entry.

    403 `forbidden` (not an organizer of its community), 404 `activity_not_found`, `registration_not_found`,
    409 `not_pending` (given up by its owner, or decided by another organizer), `activity_not_open` (not
    published, or already started), `capacity_full` (no place and no waitlist: it stays pending).
    """
    registration = approvals.approve_registration(g.user, activity_id, registration_id)
    db.session.commit()
    return activity_rosters.entry_of(registration)


@blp.route("/activities/<id:activity_id>/roster/<id:registration_id>/reject", methods=["POST"])
@login_required
@blp.arguments(RosterRejectSchema())
@blp.response(200, RosterItemSchema)
def reject_registration(body, activity_id, registration_id):
    """Reject a pending sign-up with a reason (1 to 200 characters), which the person is told (added
    after v1); they cannot sign up again. Audited. Returns the roster entry.

    403 `forbidden`, 404 `activity_not_found`, `registration_not_found`, 409 `not_pending`, 422
    `validation_failed`, `content_risky` (the reason).
    """
    registration = approvals.reject_registration(g.user, activity_id, registration_id, body["reason"])
    db.session.commit()
    return activity_rosters.entry_of(registration)
