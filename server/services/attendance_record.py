"""A resident's own attendance record: the activities they attended (were checked in at), by year,
and a printable certificate of participation (参加活动证明) for one of them.

Rules: an activity counts as attended when the caller's registration for it has `checked_in_at`
(whatever check-in path set it); it belongs to the calendar year (in APP_TIMEZONE) in which the
activity starts. A certificate is available when the activity has `certificate_enabled` (the
organizer's choice) and the registration was checked in. Only the registration's own user gets it:
another person's registration answers `registration_not_found`, as if it did not exist.

The certificate names the person by real name, else nickname; the issuer is `CERTIFICATE_ISSUER`,
else the activity's community's name + 党群服务中心. It is an A4 PDF drawn with ReportLab in its
built-in CID font STSong-Light (Adobe's Chinese font every PDF reader provides: no font file).

Locks: none; these are reads.
"""

import io
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from flask import current_app
from sqlalchemy import select

from server.errors import DomainError, NotFound
from server.extensions import db
from server.localtime import app_timezone, to_local
from server.models import Activity, Registration
from server.models.base import utcnow

CERTIFICATE_FONT = "STSong-Light"
ISSUER_SUFFIX = "党群服务中心"


class NotAttended(DomainError):
    error = "not_attended"


class CertificateNotEnabled(DomainError):
    error = "certificate_not_enabled"


def _year_bounds(year):
    """The UTC start (inclusive) and end (exclusive) of a calendar year in APP_TIMEZONE."""
    zone = app_timezone()
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(timezone.utc)
    return start, end


def _attended(user_id, *columns):
    """`columns` (default: the registration and its activity) of the user's checked-in registrations."""
    return select(*(columns or (Registration, Activity))).join(Registration.activity).where(
        Registration.user_id == user_id, Registration.checked_in_at.is_not(None)
    )


def attended_years(user):
    """The local calendar years in which the user attended anything, newest first."""
    starts = db.session.scalars(_attended(user.id, Activity.starts_at))
    return sorted({to_local(start).year for start in starts}, reverse=True)


def list_attendance(user, year=None):
    """The user's attended activities of `year` (default: this local year), newest first, as dicts
    for `AttendanceRecordSchema`: `{"year", "years", "total", "items"}`."""
    if year is None:
        year = to_local(utcnow()).year
    start, end = _year_bounds(year)
    rows = db.session.execute(
        _attended(user.id)
        .where(Activity.starts_at >= start, Activity.starts_at < end)
        .order_by(Activity.starts_at.desc(), Registration.id.desc())
    ).all()
    items = [
        {
            "registration_id": registration.id,
            "activity_id": activity.id,
            "title": activity.title,
            "starts_at": activity.starts_at,
            "ends_at": activity.ends_at,
            "venue": activity.venue,
            "community": activity.community,
            "checked_in_at": registration.checked_in_at,
            "certificate_available": bool(activity.certificate_enabled),
        }
        for registration, activity in rows
    ]
    return {"year": year, "years": attended_years(user), "total": len(items), "items": items}


def certificate_issuer(activity):
    return current_app.config.get("CERTIFICATE_ISSUER") or f"{activity.community.name}{ISSUER_SUFFIX}"


def person_name(user):
    return (user.real_name or "").strip() or (user.nickname or "").strip() or "居民"


def _activity_time(activity):
    start, end = to_local(activity.starts_at), to_local(activity.ends_at)
    day = f"{start.year}年{start.month}月{start.day}日"
    if start.date() == end.date():
        return f"{day} {start:%H:%M}–{end:%H:%M}"
    return f"{day} {start:%H:%M} 至 {end.year}年{end.month}月{end.day}日 {end:%H:%M}"


def certificate_for(user, registration_id):
    """The certificate of the user's registration: `(pdf_bytes, filename)`.

    Raises NotFound `registration_not_found` (no such registration, or another person's),
    NotAttended `not_attended` (not checked in), CertificateNotEnabled `certificate_not_enabled`.
    """
    row = db.session.execute(
        select(Registration, Activity).join(Registration.activity).where(Registration.id == registration_id)
    ).first()
    if row is None or row.Registration.user_id != user.id:
        raise NotFound("registration_not_found")
    registration, activity = row
    if registration.checked_in_at is None:
        raise NotAttended()
    if not activity.certificate_enabled:
        raise CertificateNotEnabled()
    pdf = render_certificate(
        name=person_name(user),
        title=activity.title,
        time=_activity_time(activity),
        venue=activity.venue,
        issuer=certificate_issuer(activity),
        issued_on=to_local(utcnow()).date(),
        number=f"{activity.id:06d}-{registration.id:08d}",
    )
    return pdf, f"参加活动证明-{activity.title}"


def render_certificate(name, title, time, venue, issuer, issued_on, number):
    """An A4 PDF certificate of participation (bytes)."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Paragraph

    if CERTIFICATE_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CERTIFICATE_FONT))
    width, height = A4
    red = HexColor("#B71C1C")
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle("参加活动证明")
    pdf.setAuthor(issuer)
    pdf.setCreator("community activities service")

    # A double red border.
    pdf.setStrokeColor(red)
    pdf.setLineWidth(3)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(19 * mm, 19 * mm, width - 38 * mm, height - 38 * mm)

    pdf.setFillColor(red)
    pdf.setFont(CERTIFICATE_FONT, 34)
    pdf.drawCentredString(width / 2, height - 60 * mm, "参加活动证明")

    body = ParagraphStyle(
        "body", fontName=CERTIFICATE_FONT, fontSize=16, leading=30, wordWrap="CJK", alignment=TA_JUSTIFY,
        firstLineIndent=32,
    )
    text = (
        f"兹证明 <u>{escape(name)}</u> 于 {escape(time)}"
        + (f"在{escape(venue)}" if venue else "")
        + f"参加了{escape(issuer)}组织的「{escape(title)}」活动，特此证明。"
    )
    left, frame_width = 32 * mm, width - 64 * mm
    paragraph = Paragraph(text, body)
    _, used = paragraph.wrapOn(pdf, frame_width, height)
    top = height - 90 * mm
    paragraph.drawOn(pdf, left, top - used)

    right = ParagraphStyle("right", fontName=CERTIFICATE_FONT, fontSize=15, leading=26, alignment=TA_RIGHT)
    signature = Paragraph(
        f"{escape(issuer)}<br/>{issued_on.year}年{issued_on.month}月{issued_on.day}日", right
    )
    _, used_signature = signature.wrapOn(pdf, frame_width, height)
    signature.drawOn(pdf, left, min(top - used - 40 * mm, 110 * mm) - used_signature)

    small = ParagraphStyle("small", fontName=CERTIFICATE_FONT, fontSize=9, leading=14, alignment=TA_CENTER)
    footer = Paragraph(f"证明编号：{escape(number)}", small)
    footer.wrapOn(pdf, frame_width, height)
    footer.drawOn(pdf, left, 26 * mm)

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
