"""Swaps and hand-overs (换班/转让): a booked volunteer who can't come offers the booking, a fellow
volunteer takes it.

Rules:
- the giver offers their own active booking (`booked`, not checked in, the shift open and not
  started: `booking_not_active`, `already_checked_in`, `shift_not_open`, `shift_started`; someone
  else's booking is `booking_not_found`) either to a named fellow volunteer, found by the phone number
  the giver types (no live account with that number: 404 `swap_person_not_found`, which says nothing
  else about anyone; the giver's own number: 422), or to anyone eligible. One live (open or pending)
  offer per booking (`swap_exists`). While offered the giver stays booked and responsible; they may
  withdraw the offer (also a pending claim) until the shift starts;
- the offer ends when the shift starts (read as `expired`: `swap_expired`), and when the booking goes
  (the giver cancels before the cutoff, an organizer moves or releases it, the shift is cancelled,
  the giver's account is deleted): `ended`, with `end_reason`. An account deleted that was named or
  had claimed ends it too;
- who may take it: the named person only (for anyone else a named offer does not exist: 404
  `swap_not_found`), else anyone but the giver (`swap_own`). The taker passes every booking rule:
  `bookings.refuse_ineligible` (the one eligibility rule), no other booking on the shift
  (`already_booked`), `bookings.schedule_conflict` (overlap, rest, the 24-hour limit). An offer
  already claimed is `swap_taken`; one withdrawn, rejected or ended is `swap_closed`;
- the hand-over is one transaction: the giver's booking is cancelled and the taker's booked on the
  same post (reusing their cancelled row on the shift, as booking does), so the post's `booked`
  count never changes and never shows a free place anyone else could take; the giver's reminders
  are voided and the taker's scheduled; the swap keeps who handed over to whom (`taker`,
  `taker_booking_id`);
- a claim made when the shift starts within SWAP_APPROVAL_HOURS (0: never) waits (`pending`) for an
  organizer of the shift's community, who approves it (every rule is checked again then, naming the
  taker) or rejects it with a reason (1 to 200 characters, read by WeChat's content check), both
  audited (`swap.approve`, `swap.reject`). Approving or rejecting anything but a pending claim is
  `swap_not_pending`. A rejected claim ends the offer: the giver stays booked and may offer again;
- `shift_swap` messages: the named person hears of the offer; the giver when the booking is taken,
  claimed (待审核), approved or rejected; the taker when the place is theirs, when their claim is
  rejected, and when a pending claim is withdrawn or ends.

Lock order: the shift's row (as moving, cancelling and an organizer's move take it first), then the
giver's booking row (as cancelling, check-in and a move take it), then the swap's row, then the
taker's row (as booking takes a person's row: their own bookings cannot race the schedule check).
Every change of a swap holds its booking's lock first (withdrawing takes the booking, then the swap;
the paths that end swaps hold the booking's or the shift's lock), so a claim, its approval, a
withdrawal and the giver's cancellation are serialized on the booking and cannot deadlock. No post
row is written: the place changes hands, the count stays. The partial unique index (one live swap
per booking) and the unique (shift, user) of bookings stand behind the checks.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, exists, or_, select

from server.errors import AccountDeleted, DomainError, NotFound, ValidationFailed
from server.extensions import db
from server.localtime import local_date_bounds
from server.models import Booking, Shift, ShiftSwap, Site, User
from server.models.base import utcnow
from server.models.swaps import LIVE_SWAP_STATUSES
from server.services import health_declarations
from server.services.bookings import (
    booking_not_found, eligibility_problem, lock_booking, refuse_ineligible, renew_booking, schedule_conflict,
)
from server.services.content_safety import FORUM, check_texts
from server.services.locking import lock_row
from server.services.outbox import enqueue_message
from server.services.reminders import void_reminders
from server.services.schedule_changes import person_name
from server.services.shift_notices import message_payload, schedule_booking_reminders
from server.services.shift_planning import ShiftNotOpen
from server.services.sites import require_organizer
from server.services.users import record_audit


def swap_not_found():
    return NotFound("swap_not_found", "没有找到该换班信息")


def _closed():
    return DomainError("swap_closed", "该换班已结束（已撤回、未通过或预约已取消）", 409)


def _expired():
    return DomainError("swap_expired", "班次已开始，换班已结束", 409)


def needs_approval(shift, now=None):
    """Whether a claim of a swap of `shift` made now waits for an organizer (SWAP_APPROVAL_HOURS)."""
    hours = current_app.config["SWAP_APPROVAL_HOURS"]
    return hours > 0 and shift.starts_at - (now or utcnow()) < timedelta(hours=hours)


def state_of(swap, now=None):
    """The swap's status as read: a live one whose shift has started, or whose booking was checked in,
    is `expired`."""
    if swap.status in LIVE_SWAP_STATUSES:
        now = now or utcnow()
        if swap.shift.starts_at <= now or swap.booking.checked_in_at is not None:
            return "expired"
    return swap.status


def mask_name(user):
    """How a fellow volunteer reads a person: the first character of the name, the rest hidden."""
    if user is None or user.deleted_at is not None:
        return "已注销用户"
    name = user.real_name or user.nickname or ""
    return (name[:1] + "*" * min(max(len(name) - 1, 1), 2)) if name else f"志愿者{user.id}"


def _payload(swap, status, tip):
    """A `shift_swap` message: the shift, the post, the swap, what happened (<= 5 characters) and a tip."""
    return {**message_payload(swap.shift), "post": swap.booking.post.name, "swap_id": swap.id,
            "status": status, "tip": tip}


def _tell(swap, user_id, status, tip):
    if user_id is not None:
        enqueue_message("shift_swap", user_id, _payload(swap, status, tip), ref=("swap", swap.id))


# --- offering and withdrawing ---------------------------------------------------------------------------


def _check_active(booking, shift, now):
    if booking.status != "booked":
        raise DomainError("booking_not_active", "该预约已取消或已标记缺勤", 409)
    if booking.checked_in_at is not None:
        raise DomainError("already_checked_in", "已签到，不能换班", 409)
    if shift.status != "open":
        raise ShiftNotOpen()
    if now >= shift.starts_at:
        raise DomainError("shift_started", "班次已开始，不能换班", 409)


def _live_swap(booking_id):
    return db.session.scalar(
        select(ShiftSwap).where(ShiftSwap.booking_id == booking_id, ShiftSwap.status.in_(LIVE_SWAP_STATUSES))
    )


def normalize_phone(phone):
    return "".join(ch for ch in (phone or "") if ch.isdigit())


def _named_person(giver, phone):
    """The live account with this phone number. Raises NotFound `swap_person_not_found`, ValidationFailed."""
    digits = normalize_phone(phone)
    if digits and digits == normalize_phone(giver.phone):
        raise ValidationFailed(errors={"phone": ["这是你自己的手机号，请填写队友的手机号"]})
    person = db.session.scalar(
        select(User).where(User.phone == digits, User.deleted_at.is_(None)).order_by(User.id).limit(1)
    ) if digits else None
    if person is None:
        raise NotFound("swap_person_not_found", "没有找到使用该手机号的志愿者，请核对号码，或改为“任何符合条件的志愿者”")
    return person


def offer_swap(user, booking_id, phone=None):
    """The giver offers their booking: to the person with `phone`, or (None) to anyone eligible.

    Returns the swap. Raises NotFound (`booking_not_found`, `swap_person_not_found`), ValidationFailed,
    ShiftNotOpen, DomainError `booking_not_active`, `already_checked_in`, `shift_started`, `swap_exists`.
    """
    current = db.session.get(Booking, booking_id)
    if current is None or current.user_id != user.id:
        raise booking_not_found()
    named = _named_person(user, phone) if phone else None
    booking = lock_booking(booking_id)
    now = utcnow()
    _check_active(booking, booking.shift, now)
    if _live_swap(booking.id) is not None:
        raise DomainError("swap_exists", "该预约已发起换班，请先撤回再重新发起", 409)
    swap = ShiftSwap(
        booking_id=booking.id, shift_id=booking.shift_id, giver_id=user.id,
        named_user_id=named.id if named else None, status="open",
    )
    db.session.add(swap)
    db.session.flush()
    if named is not None:
        _tell(swap, named.id, "换班邀请", f"{mask_name(user)}请你接班，请在开始前确认")
    return swap


def withdraw_swap(user, booking_id):
    """The giver withdraws the live offer of their booking (a pending claim too: its taker is told).

    Returns the swap. Raises NotFound `booking_not_found`, `swap_not_found` (no live offer).
    """
    current = db.session.get(Booking, booking_id)
    if current is None or current.user_id != user.id:
        raise booking_not_found()
    lock_booking(booking_id)
    swap_id = db.session.scalar(
        select(ShiftSwap.id).where(ShiftSwap.booking_id == booking_id, ShiftSwap.status.in_(LIVE_SWAP_STATUSES))
    )
    swap = lock_row(ShiftSwap, swap_id) if swap_id is not None else None
    if swap is None or swap.status not in LIVE_SWAP_STATUSES:
        raise swap_not_found()
    if swap.status == "pending":
        _tell(swap, swap.taker_id, "已撤回", "对方已撤回换班，你无需到岗")
    swap.status = "withdrawn"
    swap.ended_at = utcnow()
    db.session.flush()
    return swap


def end_swaps(booking_ids, reason):
    """The bookings went (cancelled, moved, released, their shift cancelled): their live swaps end.
    The caller holds the bookings' (or their shift's) locks. A pending claim's taker is told."""
    if not booking_ids:
        return
    swap_ids = db.session.scalars(
        select(ShiftSwap.id)
        .where(ShiftSwap.booking_id.in_(list(booking_ids)), ShiftSwap.status.in_(LIVE_SWAP_STATUSES))
        .order_by(ShiftSwap.id)
    ).all()
    now = utcnow()
    for swap_id in swap_ids:
        swap = lock_row(ShiftSwap, swap_id)
        if swap is None or swap.status not in LIVE_SWAP_STATUSES:
            continue
        if swap.status == "pending" and swap.shift.starts_at > now:
            _tell(swap, swap.taker_id, "已取消", "原预约已取消，换班不再进行")
        swap.status = "ended"
        swap.end_reason = reason
        swap.ended_at = now


def end_swaps_of_shift(shift, reason="shift_cancelled"):
    """The shift is cancelled (its row locked by the caller): every live swap of it ends."""
    booking_ids = db.session.scalars(
        select(ShiftSwap.booking_id).where(ShiftSwap.shift_id == shift.id, ShiftSwap.status.in_(LIVE_SWAP_STATUSES))
    ).all()
    end_swaps(booking_ids, reason)


def end_swaps_of_person(user):
    """Account deletion: the swaps the person was named in or had claimed end (their booking locked
    first, then the swap, in booking id order); the giver hears the offer is off. Their own offers
    end with their bookings (`cancel_future_bookings`)."""
    rows = db.session.execute(
        select(ShiftSwap.id, ShiftSwap.booking_id)
        .where(or_(ShiftSwap.named_user_id == user.id, ShiftSwap.taker_id == user.id),
               ShiftSwap.status.in_(LIVE_SWAP_STATUSES))
        .order_by(ShiftSwap.booking_id)
    ).all()
    now = utcnow()
    for row in rows:
        lock_booking(row.booking_id)
        swap = lock_row(ShiftSwap, row.id)
        if swap.status not in LIVE_SWAP_STATUSES:
            continue
        if swap.shift.starts_at > now:
            _tell(swap, swap.giver_id, "已取消", "对方已注销账号，换班未成，请按时到岗或重新发起")
        swap.status = "ended"
        swap.end_reason = "account_deleted"
        swap.ended_at = now
    db.session.execute(
        ShiftSwap.__table__.update()
        .where(or_(ShiftSwap.taker_id == user.id, ShiftSwap.giver_id == user.id), ShiftSwap.reject_reason.is_not(None))
        .values(reject_reason=None)
    )


# --- claiming, approving, rejecting ------------------------------------------------------------------


def _visible(swap, user):
    """Whether `user` may see the swap: its giver, its named person or taker, anyone for an offer to
    anyone, an organizer of its community."""
    if user is None:
        return swap.named_user_id is None
    if user.id in (swap.giver_id, swap.named_user_id, swap.taker_id) or swap.named_user_id is None:
        return True
    return user.organizes(swap.shift.site.community_id)


def get_swap(user, swap_id):
    """The swap as `user` may see it. Raises NotFound `swap_not_found`."""
    swap = db.session.get(ShiftSwap, swap_id)
    if swap is None or not _visible(swap, user):
        raise swap_not_found()
    return swap


def _lock_for_change(swap_id):
    """`(shift, booking, swap)` locked in the module's order."""
    current = db.session.get(ShiftSwap, swap_id)
    if current is None:
        raise swap_not_found()
    shift = lock_row(Shift, current.shift_id)
    booking = lock_booking(current.booking_id)
    swap = lock_row(ShiftSwap, swap_id)
    return shift, booking, swap


def _refuse_gone(shift, booking, now):
    """The giver's place is still there to hand over: the shift open and not started, the booking booked
    and not checked in. Raises ShiftNotOpen, DomainError `swap_expired`, `swap_closed`."""
    if shift.status != "open":
        raise ShiftNotOpen()
    if now >= shift.starts_at or booking.checked_in_at is not None:
        raise _expired()
    if booking.status != "booked":
        raise _closed()


def _refuse_taker(taker, shift, booking, who=None):
    """Every booking rule the taker must pass to hold the giver's post (`who`: the taker's name, for
    an organizer's eyes). Returns their row on the shift (cancelled) or None."""
    held = db.session.execute(
        select(Booking.id, Booking.status).where(Booking.shift_id == shift.id, Booking.user_id == taker.id)
    ).first()
    if held is not None and held.status != "cancelled":
        message = "你已预约了该班次" if who is None else f"{who}已预约了该班次"
        raise DomainError("already_booked", message, 409)
    refuse_ineligible(taker, shift, booking.post, who)
    conflict = schedule_conflict(taker.id, shift)
    if conflict is not None:
        if who is not None:
            conflict.message = who + conflict.message.replace("你", "其")
        raise conflict
    return held


def _hand_over(swap, shift, booking, taker, held, now):
    """The giver's booking is cancelled and the taker's booked on the same post: no post row changes."""
    booking.status = "cancelled"
    booking.cancelled_at = now
    void_reminders("booking", [booking.id])
    taken = renew_booking(shift, taker.id, held.id if held is not None else None, booking.post, now)
    db.session.flush()
    schedule_booking_reminders(shift, taken)
    swap.status = "done"
    swap.taker_id = taker.id
    swap.taker_booking_id = taken.id
    swap.decided_at = now
    _tell(swap, swap.giver_id, "已接班", f"{mask_name(taker)}已接班，你的预约已释放")
    _tell(swap, taker.id, "接班成功", "已为你预约该岗位，请按时到岗签到")
    return taken


def claim_swap(user, swap_id, health_declaration=None):
    """`user` takes the offered booking: handed over now, or (SWAP_APPROVAL_HOURS) `pending` until an
    organizer approves. Returns the swap. A post asking for a same-day health declaration at booking
    asks the taker for one (`health_declaration`: the answers sent with the claim, or one made today),
    as booking it would.

    Raises AccountDeleted, NotFound `swap_not_found`, ShiftNotOpen, DomainError `swap_own`,
    `swap_taken`, `swap_closed`, `swap_expired`, `already_booked`, `not_eligible`, `shift_overlap`,
    `rest_too_short`, `daily_limit_exceeded`, `qualification_required`, `health_declaration_required`,
    `health_declaration_unwell`.
    """
    if db.session.get(ShiftSwap, swap_id) is None:
        raise swap_not_found()
    shift, booking, swap = _lock_for_change(swap_id)
    if not _visible(swap, user) or swap.named_user_id not in (None, user.id):
        raise swap_not_found()  # a named offer is the named person's to take, even for an organizer
    taker = lock_row(User, user.id)
    if taker is None or taker.deleted_at is not None:
        raise AccountDeleted()
    if swap.giver_id == taker.id:
        raise DomainError("swap_own", "这是你自己发起的换班", 409)
    if swap.status in ("pending", "done"):
        raise DomainError("swap_taken", "已有其他志愿者接班", 409)
    if swap.status != "open":
        raise _closed()
    now = utcnow()
    _refuse_gone(shift, booking, now)
    held = _refuse_taker(taker, shift, booking)
    health_declarations.require_declaration(taker, booking.post, "booking", health_declaration)
    if needs_approval(shift, now):
        swap.status = "pending"
        swap.taker_id = taker.id
        swap.claimed_at = now
        _tell(swap, swap.giver_id, "待审核", f"{mask_name(taker)}申请接班，待组织者同意，期间请仍按时到岗")
    else:
        swap.claimed_at = now
        _hand_over(swap, shift, booking, taker, held, now)
    db.session.flush()
    return swap


def _pending_for_organizer(actor, swap_id, what):
    current = db.session.get(ShiftSwap, swap_id)
    if current is None:
        raise swap_not_found()
    require_organizer(actor, current.shift.site.community_id, what)
    shift, booking, swap = _lock_for_change(swap_id)
    if swap.status != "pending":
        raise DomainError("swap_not_pending", "该换班不在待审核状态（可能已撤回或已处理）", 409)
    return shift, booking, swap


def approve_swap(actor, swap_id):
    """An organizer approves a pending claim: every rule is checked again, then the hand-over.

    Raises NotFound, Forbidden, ShiftNotOpen, DomainError `swap_not_pending`, `swap_expired`,
    `swap_closed`, `already_booked`, `not_eligible`, `qualification_required`, `shift_overlap`,
    `rest_too_short`, `daily_limit_exceeded` (the taker named), `health_declaration_unwell` (the
    taker has since declared unwell that day).
    """
    shift, booking, swap = _pending_for_organizer(actor, swap_id, "审核换班")
    taker = lock_row(User, swap.taker_id) if swap.taker_id is not None else None
    if taker is None or taker.deleted_at is not None:
        raise _closed()
    now = utcnow()
    _refuse_gone(shift, booking, now)
    held = _refuse_taker(taker, shift, booking, person_name(taker))
    # The declaration the claim needed must still stand: declaring unwell later that day replaces it.
    health_declarations.require_declaration(taker, booking.post, "booking", None, swap.claimed_at)
    swap.decided_by_id = actor.id
    _hand_over(swap, shift, booking, taker, held, now)
    record_audit(
        actor, "swap.approve", "swap", swap.id, shift_id=shift.id, post=booking.post.name,
        giver_id=swap.giver_id, taker_id=taker.id, booking_id=booking.id, taker_booking_id=swap.taker_booking_id,
    )
    db.session.flush()
    return swap


def reject_swap(actor, swap_id, reason):
    """An organizer rejects a pending claim with a reason: the offer ends, the giver stays booked;
    both are told. Raises NotFound, Forbidden, ValidationFailed, DomainError `swap_not_pending`,
    `content_risky`."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(errors={"reason": ["请填写不同意的原因"]})
    if len(reason) > 200:
        raise ValidationFailed(errors={"reason": ["长度不能超过 200"]})
    current = db.session.get(ShiftSwap, swap_id)
    if current is None:
        raise swap_not_found()
    require_organizer(actor, current.shift.site.community_id, "审核换班")
    check_texts(actor, FORUM, {"reason": reason})
    shift, booking, swap = _pending_for_organizer(actor, swap_id, "审核换班")
    now = utcnow()
    swap.status = "rejected"
    swap.reject_reason = reason
    swap.decided_by_id = actor.id
    swap.decided_at = now
    swap.ended_at = now
    if shift.starts_at > now:
        _tell(swap, swap.giver_id, "未通过", f"组织者未同意换班：{reason}"[:20])
        _tell(swap, swap.taker_id, "未通过", f"组织者未同意换班：{reason}"[:20])
    record_audit(
        actor, "swap.reject", "swap", swap.id, shift_id=shift.id, giver_id=swap.giver_id,
        taker_id=swap.taker_id, reason=reason,
    )
    db.session.flush()
    return swap


# --- lists ---------------------------------------------------------------------------------------


def _live_filter(now):
    return and_(
        ShiftSwap.status.in_(LIVE_SWAP_STATUSES),
        Shift.status == "open",
        Shift.starts_at > now,
        Booking.status == "booked",
        Booking.checked_in_at.is_(None),
    )


# Open offers read at most for one list (a sub-district has a handful at a time).
OPEN_SWAPS_READ = 500


def list_open_swaps(user, args):
    """Offers `user` may take: open, their shift not started, named to them or to anyone (then only
    those `bookings.eligibility_problem`, the one eligibility rule, lets them hold), not their own, not
    on a shift they hold. `date` (local) and `shift_id` narrow it. Soonest first. Returns
    `(items, total)` of the page `args` asks for."""
    now = utcnow()
    bookings_table = Booking.__table__
    statement = (
        select(ShiftSwap)
        .join(ShiftSwap.shift)
        .join(Booking, Booking.id == ShiftSwap.booking_id)
        .where(_live_filter(now), ShiftSwap.status == "open", ShiftSwap.giver_id != user.id)
        .where(or_(ShiftSwap.named_user_id == user.id, ShiftSwap.named_user_id.is_(None)))
        .where(~exists().where(bookings_table.c.shift_id == ShiftSwap.shift_id,
                               bookings_table.c.user_id == user.id,
                               bookings_table.c.status != "cancelled").correlate(ShiftSwap))
        .order_by(Shift.starts_at, ShiftSwap.id)
        .limit(OPEN_SWAPS_READ)
    )
    if args.get("shift_id") is not None:
        statement = statement.where(ShiftSwap.shift_id == args["shift_id"])
    if args.get("date") is not None:
        start, end = local_date_bounds(args["date"])
        statement = statement.where(Shift.starts_at >= start, Shift.starts_at < end)
    offers = [
        s for s in db.session.scalars(statement)
        if s.named_user_id == user.id or eligibility_problem(user, s.shift, s.booking.post) is None
    ]
    page, size = args.get("page", 1), args.get("page_size", 20)
    return offers[(page - 1) * size: page * size], len(offers)


def swaps_of_shift(actor, shift):
    """An organizer's view of one shift's swaps, newest first (the console's shift page)."""
    require_organizer(actor, shift.site.community_id, "查看换班")
    return db.session.scalars(
        select(ShiftSwap).where(ShiftSwap.shift_id == shift.id).order_by(ShiftSwap.id.desc())
    ).all()


def community_swaps(actor, community_id, day=None, live_only=False):
    """An organizer's view of a community's swaps on shifts starting on `day` (local; None: from now
    on), soonest shift first: offers, pending claims, and (unless `live_only`) who took which place."""
    require_organizer(actor, community_id, "查看换班")
    statement = (
        select(ShiftSwap).join(ShiftSwap.shift).join(Shift.site)
        .where(Site.community_id == community_id)
        .order_by(Shift.starts_at, ShiftSwap.id)
        .limit(500)
    )
    if day is not None:
        start, end = local_date_bounds(day)
        statement = statement.where(Shift.starts_at >= start, Shift.starts_at < end)
    else:
        statement = statement.where(Shift.starts_at > utcnow())
    if live_only:
        statement = statement.where(ShiftSwap.status.in_(LIVE_SWAP_STATUSES))
    return db.session.scalars(statement).all()


@dataclass(frozen=True)
class SwapView:
    """A swap as one caller reads it (`SwapSchema`)."""

    swap: ShiftSwap
    viewer: User | None
    organizer: bool = False

    def __getattr__(self, name):
        return getattr(self.swap, name)

    @property
    def state(self):
        return state_of(self.swap)

    @property
    def post(self):
        return self.swap.booking.post

    @property
    def mine(self):
        return self.viewer is not None and self.viewer.id == self.swap.giver_id

    @property
    def to_me(self):
        return self.viewer is not None and self.viewer.id == self.swap.named_user_id

    @property
    def named(self):
        return self.swap.named_user_id is not None

    def _name(self, user):
        if user is None:
            return None
        return person_name(user) if self.organizer else mask_name(user)

    @property
    def giver_name(self):
        return self._name(self.swap.giver)

    @property
    def _party(self):
        """The viewer is an organizer of the community, the giver or the taker."""
        return self.organizer or self.mine or bool(self.viewer and self.viewer.id == self.swap.taker_id)

    @property
    def taker_name(self):
        if not self._party:
            return None
        return self._name(self.swap.taker)

    @property
    def reject_reason(self):
        """Why an organizer refused the claim: about the giver and the taker, so only theirs (and the
        organizers') to read, not everyone's who may see an offer to anyone."""
        return self.swap.reject_reason if self._party else None

    @property
    def named_name(self):
        if not (self.organizer or self.mine):
            return None
        return self._name(self.swap.named_user)

    @property
    def needs_approval(self):
        return needs_approval(self.swap.shift)

    @property
    def claim_problem(self):
        """Why the viewer can't take it now, in Chinese, or None (the rules a claim will check)."""
        if self.state != "open":
            return {"pending": "已有志愿者申请接班", "done": "已有志愿者接班", "expired": "班次已开始"}.get(
                self.state, "换班已结束")
        if self.viewer is None:
            return "请先登录"
        if self.mine:
            return "这是你发起的换班"
        held = db.session.scalar(
            select(Booking.status).where(Booking.shift_id == self.swap.shift_id, Booking.user_id == self.viewer.id)
        )
        if held is not None and held != "cancelled":
            return "你已预约了该班次"
        problem = eligibility_problem(self.viewer, self.swap.shift, self.post) or schedule_conflict(
            self.viewer.id, self.swap.shift)
        return problem.message if problem is not None else None


def view(swap, viewer):
    organizer = viewer is not None and viewer.organizes(swap.shift.site.community_id) and viewer.id not in (
        swap.giver_id, swap.named_user_id, swap.taker_id)
    return SwapView(swap, viewer, organizer)


def my_live_swaps(user):
    """The live swaps of `user`'s bookings (as giver) and their claims waiting for approval, soonest first."""
    now = utcnow()
    return db.session.scalars(
        select(ShiftSwap)
        .join(ShiftSwap.shift)
        .join(Booking, Booking.id == ShiftSwap.booking_id)
        .where(_live_filter(now), or_(ShiftSwap.giver_id == user.id,
                                      and_(ShiftSwap.taker_id == user.id, ShiftSwap.status == "pending")))
        .order_by(Shift.starts_at, ShiftSwap.id)
    ).all()


# What organizers and volunteers read for a swap's state and for how it ended.
STATE_LABELS = {
    "open": "待接班", "pending": "待审核", "done": "已换班", "withdrawn": "已撤回", "rejected": "未通过",
    "ended": "已结束", "expired": "已过期",
}
END_LABELS = {
    "booking_cancelled": "预约已取消", "booking_moved": "已调岗", "booking_released": "预约已释放",
    "shift_cancelled": "班次已取消", "account_deleted": "账号已注销",
}
