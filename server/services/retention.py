"""Retention (PIPL minimisation): personal data is kept only as long as it serves its purpose.

Run once a day by the scheduler (`server.scheduler`, job `purge_personal_data`) and on demand with
`flask --app server.wsgi purge-personal-data [--dry-run]`. The rules, with `now` the time of the run:

- Inactive accounts: an account not deleted whose last login (or creation, if it never logged in) is
  older than `RETENTION_DAYS` is anonymised exactly as deleting it does (`accounts.delete_account`):
  its future places are given up (waitlists move up), its profile and every remark it typed are
  emptied, its roles go. The audit row says `account.expire`, with no actor.
- Deleted accounts: already anonymised when deleted; anything of `accounts.PERSONAL_FIELDS` found
  left on one (e.g. written before a fix) is emptied again, and its remarks with it.
- Rosters of past activities: the remark of every registration of an activity that ended more than
  `RETENTION_DAYS` ago is emptied (the only text a person types on a roster; shifts' bookings hold
  none: `accounts.ERASED` lists every personal text column), and so are the name and phone an
  organizer typed for each walk-in (代报名) of it: a walk-in has no account to delete, so this is
  when their personal data goes (counted in `remarks_emptied`).
- Health declarations (健康申报) are deleted `health_declarations.RETENTION_DAYS` (14) days after the day
  they are for: they serve only that day's duty and a look back at its roster.
- Audit entries older than `AUDIT_RETENTION_DAYS` are deleted. Their detail never holds a person's
  text (`accounts.KEPT`), but who revealed or exported what, and when, is itself personal data.

What stays: every registration and booking row with its status, companions and check-in times, the
activities' confirmed counts, the users' `volunteer_minutes` and the bookings' `minutes_credited`: the
community's counts and hours totals.

Idempotent: a second run (or a second scheduler running at the same time) finds nothing left to do,
so the daily job needs no exactly-once guarantee across schedulers. Each inactive account is locked
(its users row) and checked again before it is anonymised, so two runs never anonymise one account
twice; then the lock order of `delete_account` (its activities, then its bookings, in id order). The
caller commits once, at the end, then revokes the tokens of the accounts anonymised (as deleting an
account does); with `dry_run` nothing is written and the counts say what would be.
"""

from dataclasses import dataclass, field, fields
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, update

from server.extensions import db
from server.models import Activity, AuditLog, Registration, User
from server.models.base import utcnow
from server.services import cache
from server.services.accounts import PERSONAL_FIELDS, delete_account, erase_personal_data
from server.services.health_declarations import purge_old as purge_old_declarations
from server.services.locking import lock_row


@dataclass(frozen=True)
class PurgeResult:
    """What one run changed (or, with `dry_run`, would change). `expired_user_ids`: the accounts
    anonymised, whose tokens the caller revokes once committed (`tokens.revoke_user_tokens`)."""

    dry_run: bool
    inactive_accounts_anonymised: int
    deleted_accounts_cleaned: int
    remarks_emptied: int
    audit_entries_deleted: int
    health_declarations_deleted: int = 0
    expired_user_ids: tuple = field(default=(), repr=False)

    def as_dict(self):
        """The counts, for logs and the command's output."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "expired_user_ids"}


def _cutoffs(now):
    config = current_app.config
    return now - timedelta(days=config["RETENTION_DAYS"]), now - timedelta(days=config["AUDIT_RETENTION_DAYS"])


def _inactive(cutoff):
    return and_(User.deleted_at.is_(None), func.coalesce(User.last_login_at, User.created_at) < cutoff)


def _leftover_on_deleted():
    return and_(User.deleted_at.is_not(None), or_(*(getattr(User, field).is_not(None) for field in PERSONAL_FIELDS)))


def _old_remarks(cutoff):
    ended = select(Activity.id).where(Activity.ends_at < cutoff)
    personal = or_(
        Registration.remark != "", Registration.walk_in_name.is_not(None), Registration.walk_in_phone.is_not(None)
    )
    return and_(personal, Registration.activity_id.in_(ended))


def purge_personal_data(dry_run=False, now=None):
    """Apply the retention rules of this module's docstring; flushes, never commits."""
    now = now or utcnow()
    cutoff, audit_cutoff = _cutoffs(now)
    inactive_ids = db.session.scalars(select(User.id).where(_inactive(cutoff)).order_by(User.id)).all()
    deleted_ids = db.session.scalars(select(User.id).where(_leftover_on_deleted()).order_by(User.id)).all()
    old_audit = AuditLog.created_at < audit_cutoff
    if dry_run:
        return PurgeResult(
            dry_run=True,
            inactive_accounts_anonymised=len(inactive_ids),
            deleted_accounts_cleaned=len(deleted_ids),
            remarks_emptied=db.session.scalar(select(func.count()).where(_old_remarks(cutoff))),
            audit_entries_deleted=db.session.scalar(select(func.count()).where(old_audit)),
            health_declarations_deleted=purge_old_declarations(now, dry_run=True),
        )

    anonymised = []
    for user_id in inactive_ids:
        user = lock_row(User, user_id)
        # Checked again under the lock: a login or another run may have come first.
        if user is not None and db.session.scalar(select(func.count()).where(User.id == user_id, _inactive(cutoff))):
            delete_account(user, expired=True)
            anonymised.append(user_id)

    cleaned = 0
    for user_id in deleted_ids:
        user = lock_row(User, user_id)
        if user is None or user.deleted_at is None:
            continue
        erase_personal_data(user)
        cleaned += 1

    fetch = {"synchronize_session": "fetch"}
    remarks = db.session.execute(
        update(Registration)
        .where(_old_remarks(cutoff))
        .values(remark="", walk_in_name=None, walk_in_phone=None)
        .execution_options(**fetch)
    ).rowcount
    if remarks:
        # A Core write: the flush would not see it, and a caller's own rows cached on the list pages (the
        # remark among them) would outlive the purge.
        cache.mark_changed(db.session, "activities")
    audit = db.session.execute(delete(AuditLog).where(old_audit).execution_options(**fetch)).rowcount
    declarations = purge_old_declarations(now)
    db.session.flush()
    return PurgeResult(
        dry_run=False,
        inactive_accounts_anonymised=len(anonymised),
        deleted_accounts_cleaned=cleaned,
        remarks_emptied=remarks,
        audit_entries_deleted=audit,
        health_declarations_deleted=declarations,
        expired_user_ids=tuple(anonymised),
    )
