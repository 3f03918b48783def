"""Same-day health declarations (健康申报) that a post may ask for, at booking or at check-in.

The form is three yes/no answers and nothing else (PIPL: collect little): is today's temperature
normal (体温正常), any fever, cough or similar symptoms (发热、咳嗽等症状), is the person a risk person
(风险人员, e.g. a close contact or from a risk area as the local rules say). The person is fit for duty
(`HealthDeclaration.well`) with a normal temperature, no symptoms and not a risk person.

Rules:
- a declaration is for one local day (APP_TIMEZONE, China): the day it is made (an offline check-in
  scan: the day of the scan). Declaring again the same day replaces the answers (a self-declaration:
  the person's latest word stands);
- a post with `health_declaration` = `booking`: booking it (`bookings.book_shift`) needs today's
  declaration, sent with the booking (`health_declaration` in the body, saved with it) or made earlier
  today (`POST /me/health-declaration`); none: 409 `health_declaration_required`; one saying unwell:
  409 `health_declaration_unwell`, with a kind message, and nothing is booked (nor saved);
- a post with `health_declaration` = `checkin`: a volunteer's own check-in (a live or offline scan)
  needs a declaration of that day, sent with the check-in or made earlier, with the same two errors.
  An organizer checking someone in by hand asserts it and needs none. Check-out asks nothing;
- organizers' moves (and, later, hand-overs) are checked against who may hold the post
  (`bookings.eligibility_problem`); the declaration is the volunteer's own step: a post asking for it
  at booking is declared for by whoever books it themselves;
- the roster shows, per volunteer of such a post, whether a fit declaration exists for the shift's
  day (or, for `booking`, the day they booked) (`fit_declarations`);
- kept RETENTION_DAYS (14) days after its day, then deleted by the daily purge
  (`retention.purge_personal_data`), long enough to cover the 14-day observation period the answers
  are about and to look back at a shift's roster for two weeks; deleted with the account at once.

Locks: none; one row per person and day: the unique constraint settles two simultaneous first
declarations (a savepoint: the loser writes its answers over the winner's row).
"""

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from server.errors import DomainError
from server.extensions import db
from server.localtime import to_local
from server.models import HealthDeclaration
from server.models.base import utcnow

RETENTION_DAYS = 14
ANSWERS = ("temperature_normal", "has_symptoms", "is_risk_person")


def declaration_day(moment=None):
    """The local date a declaration made at `moment` (default now) is for."""
    return to_local(moment or utcnow()).date()


def declaration_for(user_id, day):
    """The person's declaration for local date `day`, or None."""
    return db.session.scalar(
        select(HealthDeclaration).where(HealthDeclaration.user_id == user_id, HealthDeclaration.day == day)
    )


def declare(user, answers, moment=None):
    """Save the person's answers (`ANSWERS`, all booleans) for the day of `moment` (default now),
    replacing that day's earlier ones. Returns the declaration."""
    day = declaration_day(moment)
    declaration = declaration_for(user.id, day)
    if declaration is None:
        declaration = HealthDeclaration(user_id=user.id, day=day, declared_at=utcnow(),
                                        **{answer: bool(answers[answer]) for answer in ANSWERS})
        try:
            # Two first declarations of the day can race (a double tap); the unique (user, day) decides
            # and the loser updates the winner's row.
            with db.session.begin_nested():
                db.session.add(declaration)
        except IntegrityError:
            declaration = declaration_for(user.id, day)
    for answer in ANSWERS:
        setattr(declaration, answer, bool(answers[answer]))
    declaration.declared_at = utcnow()
    db.session.flush()
    return declaration


def declaration_required():
    return DomainError("health_declaration_required", "该岗位需要填写当日健康申报，请先完成申报", 409)


def declaration_unwell():
    return DomainError(
        "health_declaration_unwell",
        "你今天身体不适或属于风险人员，请先好好休息，暂不能参加该岗位；身体恢复后欢迎再来报名",
        409,
    )


def require_declaration(user, post, moment_kind, answers=None, moment=None):
    """Check the same-day declaration a post asks for at `moment_kind` (`booking` or `checkin`); other
    posts ask nothing. `answers`: a declaration sent with the request (checked, and saved when fit);
    else one already made that day must exist. `moment`: when (an offline scan's time; default now).

    Raises DomainError `health_declaration_required`, `health_declaration_unwell` (409).
    """
    if post.health_declaration != moment_kind:
        return None
    if answers is not None:
        probe = HealthDeclaration(**{answer: bool(answers[answer]) for answer in ANSWERS})
        if not probe.well:
            raise declaration_unwell()  # not saved: a refused request changes nothing
        return declare(user, answers, moment)
    declaration = declaration_for(user.id, declaration_day(moment))
    if declaration is None:
        raise declaration_required()
    if not declaration.well:
        raise declaration_unwell()
    return declaration


def fit_declarations(pairs):
    """Of `(user_id, day)` pairs, those with a fit declaration of that person for that day."""
    pairs = set(pairs)
    if not pairs:
        return set()
    rows = db.session.execute(
        select(HealthDeclaration.user_id, HealthDeclaration.day).where(
            HealthDeclaration.user_id.in_({user_id for user_id, _ in pairs}),
            HealthDeclaration.day.in_({day for _, day in pairs}),
            HealthDeclaration.temperature_normal.is_(True),
            HealthDeclaration.has_symptoms.is_(False),
            HealthDeclaration.is_risk_person.is_(False),
        )
    ).all()
    return {(user_id, day) for user_id, day in rows} & pairs


def old_declarations(now):
    """The condition of declarations past their retention at `now`."""
    return HealthDeclaration.day < declaration_day(now) - timedelta(days=RETENTION_DAYS)


def purge_old(now, dry_run=False):
    """Delete the declarations past retention; returns how many (would be) deleted."""
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(HealthDeclaration).where(old_declarations(now)))
    return db.session.execute(
        delete(HealthDeclaration).where(old_declarations(now)).execution_options(synchronize_session="fetch")
    ).rowcount


def erase_declarations(user):
    """Account deletion: the person's declarations go at once."""
    db.session.execute(
        delete(HealthDeclaration).where(HealthDeclaration.user_id == user.id).execution_options(synchronize_session="fetch")
    )
