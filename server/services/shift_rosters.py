"""Rosters of shifts for organizers, as JSON and as files: one shift's roster, the day's duty roster
(排班表) across a community's sites, and the hours report for the official volunteer system.

Rules: only an organizer of the community sees them. JSON shows every phone masked, to everyone (PIPL:
no lists of numbers on screens); the community's own organizers (`users.sees_full_phone`) reveal one
volunteer's number at a time (`reveal_booking_phone`, audited) and get full numbers in the files.
Admins see masked numbers everywhere and may not reveal them. A roster lists the booked and no-show
volunteers of each post; files add a 空缺 row for each post with places left. Who can't be reminded
(`cannot_be_reminded`) is a booked volunteer with no shift reminder left to send: the organizer
phones them. Every file export (`exports.export_roster`) and every reveal is audited.
Everything the files show in Chinese (headers, statuses, titles, file names) is decided here.

Read-only apart from the audit row: no locks.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select

from server.errors import Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.localtime import local_date_bounds, local_today, to_local
from server.models import Booking, Community, Shift, Site, User
from server.services import health_declarations, qualifications
from server.services.hours_record import CONFIRMED as CONFIRMED_HOURS
from server.services.exports import Document, RosterFile, export_roster, file_name, period_text
from server.services.reminders import remaining_credits
from server.services.shift_planning import get_managed_shift
from server.services.sites import require_organizer
from server.services.users import RevealedPhone, contact, record_audit, sees_full_phone

STATUS_ZH = {"booked": "已预约", "no_show": "缺勤", "cancelled": "已取消"}
DUTY_HEADERS = ["站点", "时段", "岗位", "姓名", "手机号", "状态", "签到时间", "签退时间", "签到方式"]
# The official volunteer system's columns (志愿服务记录), then the phone to tell people apart without a number.
HOURS_HEADERS = ["姓名", "志愿者编号", "服务项目/站点", "服务日期", "开始时间", "结束时间", "服务时长（小时）", "确认人",
                 "确认时间", "手机号"]


@dataclass(frozen=True)
class RosterVolunteer:
    """A volunteer on a roster (`RosterVolunteerSchema`); `user` is `users.contact` of the booker."""

    booking_id: int
    user: dict
    status: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    minutes_credited: int
    reminder_credits: int | None  # shift reminders that can still be sent; None where not counted
    checked_in_uploaded_at: datetime | None = None  # set: scanned offline, uploaded then (离线补传)
    checked_out_uploaded_at: datetime | None = None
    # Requirements per post (`qualifications`, `health_declarations`): None where the post asks no
    # declaration, else whether a fit one exists; whether they lack the post's required qualification.
    health_declared: bool | None = None
    qualification_missing: bool = False
    # How the check-in was made (`code`, `manual`, None before it was recorded), an organizer's
    # reason for a manual one, and how far from the site a self check-in/out was (None: not located).
    checkin_method: str | None = None
    checkin_reason: str | None = None
    checkin_distance_m: int | None = None
    checkout_distance_m: int | None = None
    site_located: bool = False  # the site has coordinates: a self check-in there should be located
    minutes_worked: int = 0  # issue 18: worked inside the window; `minutes_credited` is the confirmed figure
    hours_status: str | None = None

    @property
    def name(self):
        return self.user["real_name"] or self.user["nickname"] or ""

    @property
    def phone(self):
        """The phone as this viewer may see it: in full, or masked, or empty."""
        return self.user["phone"] or self.user["phone_masked"] or ""


@dataclass(frozen=True)
class RosterPost:
    """A post (岗位) of a shift with its volunteers (`RosterRoleSchema`)."""

    id: int
    name: str
    capacity: int
    booked: int
    volunteers: list[RosterVolunteer]
    required_qualification: object = None  # the post's `Qualification`, or None
    health_declaration: str = "none"


@dataclass(frozen=True)
class ShiftRoster:
    """A shift and its posts with their volunteers (`ShiftRosterSchema`, `DutyShiftSchema`)."""

    shift: Shift
    posts: list[RosterPost]


@dataclass(frozen=True)
class DutyRoster:
    """The day's duty roster of a community (`DutyRosterSchema`): its shifts by time, then site."""

    date: date
    community: Community
    shifts: list[ShiftRoster]


@dataclass(frozen=True)
class HoursReport:
    """Credited service per person and shift (`HoursReportSchema`); `items` as `HoursRowSchema` reads them."""

    community: Community
    items: list[dict]


def cannot_be_reminded(volunteer):
    """A booked volunteer with no shift reminder left to send (`?unreminded=true`): phone them."""
    return volunteer.status == "booked" and volunteer.reminder_credits == 0


def _volunteer(booking, full_phone, reminder_credits=None):
    return RosterVolunteer(
        booking_id=booking.id,
        user=contact(booking.user, full_phone),
        status=booking.status,
        checked_in_at=booking.checked_in_at,
        checked_out_at=booking.checked_out_at,
        minutes_credited=booking.minutes_credited,
        reminder_credits=reminder_credits,
        minutes_worked=booking.minutes_worked,
        hours_status=booking.hours_status,
        checked_in_uploaded_at=booking.checked_in_uploaded_at,
        checked_out_uploaded_at=booking.checked_out_uploaded_at,
        checkin_method=booking.checkin_method,
        checkin_reason=booking.checkin_reason,
        checkin_distance_m=booking.checkin_distance_m,
        checkout_distance_m=booking.checkout_distance_m,
        site_located=booking.shift.site.latitude is not None,
    )


def _requirement_flags(shift, bookings):
    """`(declared, missing)`: of the bookings on posts with requirements, the booking ids with a fit
    health declaration (for the shift's day, or for `booking` posts the day they booked), and those
    whose volunteer lacks the post's qualification on the shift's day (revoked, expired or required
    after they booked: bookings stay, the roster flags them)."""
    posts = {post.id: post for post in shift.posts}
    day = qualifications.shift_day(shift)
    asked = [b for b in bookings if posts[b.post_id].health_declaration != "none"]
    days = {b.id: {day} | ({to_local(b.booked_at).date()} if posts[b.post_id].health_declaration == "booking" else set())
            for b in asked}
    fit = health_declarations.fit_declarations({(b.user_id, d) for b in asked for d in days[b.id]})
    declared = {b.id for b in asked if any((b.user_id, d) in fit for d in days[b.id])}
    missing = set()
    for post in shift.posts:
        holders = [b.user_id for b in bookings if b.post_id == post.id]
        lacking = qualifications.missing_holders(post, shift, holders)
        missing |= {b.id for b in bookings if b.post_id == post.id and b.user_id in lacking}
    return declared, missing


def _shift_roster(shift, bookings, full_phone, credits=None):
    """The shift's posts in order, each with the volunteers of `bookings` (in their order) on it."""
    declared, missing = _requirement_flags(shift, bookings)
    asks = {post.id: post.health_declaration != "none" for post in shift.posts}
    by_post = defaultdict(list)
    for booking in bookings:
        volunteer = _volunteer(booking, full_phone, credits[booking.user_id] if credits is not None else None)
        by_post[booking.post_id].append(replace(
            volunteer,
            health_declared=(booking.id in declared) if asks[booking.post_id] else None,
            qualification_missing=booking.id in missing,
        ))
    posts = [
        RosterPost(post.id, post.name, post.capacity, post.booked, by_post[post.id],
                   post.required_qualification, post.health_declaration)
        for post in shift.posts
    ]
    return ShiftRoster(shift, posts)


def _roster_bookings(shift_ids):
    """The bookings (not cancelled) of these shifts, in the order they were made."""
    return db.session.scalars(
        select(Booking)
        .where(Booking.shift_id.in_(shift_ids), Booking.status != "cancelled")
        .order_by(Booking.booked_at, Booking.id)
    ).all()


def shift_roster(actor, shift_id, unreminded=False, for_file=False):
    """A shift's booked and no-show volunteers per post, each with their `reminder_credits`;
    `unreminded` keeps only those who can't be reminded. Phones are masked, except `for_file` for the
    community's own organizers. Raises NotFound, Forbidden."""
    shift = get_managed_shift(actor, shift_id)
    bookings = _roster_bookings([shift.id])
    credits = remaining_credits({b.user_id for b in bookings}, "shift_reminder")
    full_phone = for_file and sees_full_phone(actor, shift.site.community_id)
    roster = _shift_roster(shift, bookings, full_phone, credits)
    if unreminded:
        roster = ShiftRoster(shift, [
            replace(post, volunteers=[v for v in post.volunteers if cannot_be_reminded(v)])
            for post in roster.posts
        ])
    return roster


def _community_for_roster(actor, community_id):
    """The community a roster is asked for; defaults to the organizer's only one. Raises Forbidden, ValidationFailed."""
    if community_id is None:
        scopes = sorted(actor.organizer_community_ids)
        if len(scopes) != 1:
            raise ValidationFailed(errors={"community_id": ["请指定社区"]})
        community_id = scopes[0]
    community = db.session.get(Community, community_id)
    if community is None:
        raise ValidationFailed(errors={"community_id": ["社区不存在"]})
    require_organizer(actor, community_id, "查看排班表")
    return community


def duty_roster(actor, community_id=None, day=None, for_file=False):
    """The day's duty roster (排班表) across the community's sites, shifts by time then site.
    Defaults: the organizer's only community, today. Phones are masked, except `for_file` for the
    community's own organizers. Raises Forbidden, ValidationFailed."""
    day = day or local_today()
    community = _community_for_roster(actor, community_id)
    start, end = local_date_bounds(day)
    shifts = db.session.scalars(
        select(Shift)
        .join(Shift.site)
        .where(Site.community_id == community.id, Shift.starts_at >= start, Shift.starts_at <= end)
        .order_by(Shift.starts_at, Site.name, Shift.id)
    ).all()
    by_shift = defaultdict(list)
    if shifts:
        for booking in _roster_bookings([s.id for s in shifts]):
            by_shift[booking.shift_id].append(booking)
    full_phone = for_file and sees_full_phone(actor, community.id)
    return DutyRoster(day, community, [_shift_roster(shift, by_shift[shift.id], full_phone) for shift in shifts])


def hours_report(actor, community_id, date_from, date_to, for_file=False):
    """CONFIRMED service (`hours_record`: confirmed or corrected figures only) per person and shift in
    the community's sites between two local dates, in the columns of the official volunteer system.
    Start and end are the worked interval (the check-in and check-out clamped to the shift); the hours
    are the confirmed figure. Phones are masked, except `for_file` for the community's own organizers.
    Raises Forbidden, ValidationFailed."""
    community = _community_for_roster(actor, community_id)
    full_phone = for_file and sees_full_phone(actor, community.id)
    start = local_date_bounds(date_from)[0]
    end = local_date_bounds(date_to)[1]
    bookings = db.session.scalars(
        select(Booking)
        .join(Booking.shift)
        .join(Shift.site)
        .join(Booking.user)
        .where(
            Site.community_id == community.id,
            Shift.starts_at >= start,
            Shift.starts_at <= end,
            Booking.hours_status.in_(CONFIRMED_HOURS),
            Booking.minutes_credited > 0,
        )
        .order_by(User.real_name, User.id, Shift.starts_at)
    ).all()
    confirmers = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({b.hours_confirmed_by_id for b in bookings} - {None}))
    )} if bookings else {}
    items = []
    for booking in bookings:
        confirmer = confirmers.get(booking.hours_confirmed_by_id)
        items.append({
            "user_id": booking.user_id,
            "name": booking.user.real_name or booking.user.nickname,
            "volunteer_number": booking.user.volunteer_number,
            "phone": booking.user.phone if full_phone else None,
            "phone_masked": booking.user.phone_masked,
            "date": to_local(booking.shift.starts_at).date(),
            "site": booking.shift.site.name,
            "post": booking.post.name,
            "start": max(booking.checked_in_at, booking.shift.starts_at),
            "end": min(booking.checked_out_at, booking.shift.ends_at),
            "minutes": booking.minutes_credited,
            "hours": round(booking.minutes_credited / 60, 2),
            "status": booking.hours_status,
            "confirmed_by": (confirmer.real_name or confirmer.nickname or "") if confirmer else "",
            "confirmed_at": booking.hours_confirmed_at,
        })
    return HoursReport(community, items)


def reveal_booking_phone(actor, booking_id):
    """One volunteer's full number, for an organizer of the site's own community to call them; writes
    `phone.reveal` to the audit log (who, whose, which booking and shift).

    Permission comes first: someone who organizes no community is refused before the booking is
    looked up. Raises Forbidden (not an organizer of the site's community; admins included),
    NotFound `booking_not_found` (no such booking, or a cancelled one: not on any roster).
    """
    if not actor.organizer_community_ids:
        raise Forbidden("forbidden", "只有该站点所在社区的组织者可以查看完整手机号")
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("booking_not_found", "没有找到该预约")
    if not sees_full_phone(actor, booking.shift.site.community_id):
        raise Forbidden("forbidden", "只有该站点所在社区的组织者可以查看完整手机号")
    if booking.status == "cancelled":
        raise NotFound("booking_not_found", "该预约已取消，不在值守名单上")
    record_audit(actor, "phone.reveal", "user", booking.user_id, booking_id=booking.id, shift_id=booking.shift_id)
    db.session.flush()
    return RevealedPhone(booking.user.phone)


# --- files ---------------------------------------------------------------------------------------------


def status_text(volunteer):
    """The status column of a file: with 离线补传 when a check-in or check-out was uploaded late."""
    offline = volunteer.checked_in_uploaded_at is not None or volunteer.checked_out_uploaded_at is not None
    return STATUS_ZH[volunteer.status] + ("（离线补传）" if offline else "")


def checkin_method_text(volunteer):
    """How a check-in was made, as rosters and files say it: 扫码 (with the distance from the site, or
    位置未核验 at a site with coordinates when the scan had no usable fix), 组织者代签 with its reason;
    empty before the check-in (or for one made before the method was recorded)."""
    if volunteer.checked_in_at is None or volunteer.checkin_method is None:
        return ""
    if volunteer.checkin_method == "manual":
        return f"组织者代签：{volunteer.checkin_reason or ''}"
    if volunteer.checkin_distance_m is not None:
        return f"扫码（距站点 {volunteer.checkin_distance_m} 米）"
    return "扫码（位置未核验）" if volunteer.site_located else "扫码"


def duty_rows(rosters):
    """排班表 rows (DUTY_HEADERS): one per volunteer, and one per post with places still open."""
    rows = []
    for roster in rosters:
        shift = roster.shift
        period = f"{to_local(shift.starts_at):%H:%M}-{to_local(shift.ends_at):%H:%M}"
        if shift.status == "cancelled":
            period += "（已取消）"
        for post in roster.posts:
            for volunteer in post.volunteers:
                rows.append([
                    shift.site.name, period, post.name, volunteer.name, volunteer.phone,
                    status_text(volunteer), volunteer.checked_in_at, volunteer.checked_out_at,
                    checkin_method_text(volunteer),
                ])
            if post.capacity > len(post.volunteers):
                rows.append([shift.site.name, period, post.name, f"（空缺 {post.capacity - len(post.volunteers)} 人）",
                             "", "", None, None, ""])
    return rows


def hours_rows(items):
    """Hours report rows (HOURS_HEADERS)."""
    return [
        [i["name"] or "", i["volunteer_number"] or "", f"{i['site']}·{i['post']}", i["date"], i["start"], i["end"],
         i["hours"], i["confirmed_by"] or "", i["confirmed_at"], i["phone"] or i["phone_masked"] or ""]
        for i in items
    ]


def export_shift_roster(actor, shift_id, fmt, unreminded=False):
    """The shift's roster as a CSV or XLSX sign-in sheet, its title block naming the site, the time and
    the address; audited. Raises NotFound, Forbidden."""
    roster = shift_roster(actor, shift_id, unreminded, for_file=True)
    shift = roster.shift
    title = f"{shift.site.name}{to_local(shift.starts_at):%m月%d日%H时}"
    document = Document(
        title=f"{shift.site.name}值守名单",
        headers=DUTY_HEADERS,
        rows=duty_rows([roster]),
        details=[("值守时间", period_text(shift.starts_at, shift.ends_at)), ("站点地址", shift.site.address or "")],
        signatures=True,
    )
    audit = ("shift", shift.id, {"site": shift.site.name})
    return RosterFile(export_roster(actor, fmt, document, audit), file_name(f"{title}-值守名单"))


def export_duty_roster(actor, fmt, community_id=None, day=None):
    """The day's duty roster as a printable CSV or XLSX sign-in sheet, audited. Raises Forbidden, ValidationFailed."""
    roster = duty_roster(actor, community_id, day, for_file=True)
    title = f"{roster.community.name}{roster.date:%m月%d日}排班表"
    document = Document(
        title=title,
        headers=DUTY_HEADERS,
        rows=duty_rows(roster.shifts),
        details=[("日期", f"{roster.date:%Y-%m-%d}"), ("社区", roster.community.name),
                 ("站点", "、".join(dict.fromkeys(s.shift.site.name for s in roster.shifts)) or "（当天无班次）")],
        signatures=True,
    )
    audit = ("community", roster.community.id, {"date": roster.date.isoformat(), "kind": "duty_roster"})
    return RosterFile(export_roster(actor, fmt, document, audit), file_name(title))


def export_hours_report(actor, fmt, community_id, date_from, date_to):
    """The hours report as a CSV or XLSX file, audited. Raises Forbidden, ValidationFailed."""
    report = hours_report(actor, community_id, date_from, date_to, for_file=True)
    title = f"{report.community.name}志愿时长{date_from:%Y%m%d}-{date_to:%Y%m%d}"
    document = Document(
        title=title,
        headers=HOURS_HEADERS,
        rows=hours_rows(report.items),
        details=[("社区", report.community.name), ("日期", f"{date_from:%Y-%m-%d} 至 {date_to:%Y-%m-%d}")],
    )
    audit = ("community", report.community.id,
             {"from": date_from.isoformat(), "to": date_to.isoformat(), "kind": "hours"})
    return RosterFile(export_roster(actor, fmt, document, audit), file_name(title))
