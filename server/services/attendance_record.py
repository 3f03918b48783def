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
    return issuer_of(activity.community)


def issuer_of(community):
    """Who issues certificates and proofs: `CERTIFICATE_ISSUER`, else the community's centre."""
    return current_app.config.get("CERTIFICATE_ISSUER") or f"{community.name}{ISSUER_SUFFIX}"


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
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    pdf, buffer, (width, height) = _certificate_page("参加活动证明", issuer)
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
    _sign_and_number(pdf, issuer, issued_on, number, min(top - used - 40 * mm, 110 * mm))
    return _finish(pdf, buffer)


def _certificate_page(title, issuer, pdf=None, buffer=None):
    """A new A4 page with the double red border and the red title: `(canvas, buffer, (width, height))`;
    on `pdf`, the next page of that document (border only, no title)."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if CERTIFICATE_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CERTIFICATE_FONT))
    width, height = A4
    red = HexColor("#B71C1C")
    first = pdf is None
    if first:
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
        pdf.setTitle(title)
        pdf.setAuthor(issuer)
        pdf.setCreator("community activities service")
    # A double red border.
    pdf.setStrokeColor(red)
    pdf.setLineWidth(3)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(19 * mm, 19 * mm, width - 38 * mm, height - 38 * mm)
    pdf.setFillColor(red)
    if first:
        pdf.setFont(CERTIFICATE_FONT, 34)
        pdf.drawCentredString(width / 2, height - 60 * mm, title)
    pdf.setFillColor(HexColor("#000000"))
    return pdf, buffer, (width, height)


def _sign_and_number(pdf, issuer, issued_on, number, signature_top):
    """The issuer and date on the right below `signature_top`, and the certificate number at the foot."""
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    width, height = pdf._pagesize
    left, frame_width = 32 * mm, width - 64 * mm
    right = ParagraphStyle("right", fontName=CERTIFICATE_FONT, fontSize=15, leading=26, alignment=TA_RIGHT)
    signature = Paragraph(
        f"{escape(issuer)}<br/>{issued_on.year}年{issued_on.month}月{issued_on.day}日", right
    )
    _, used_signature = signature.wrapOn(pdf, frame_width, height)
    signature.drawOn(pdf, left, signature_top - used_signature)

    small = ParagraphStyle("small", fontName=CERTIFICATE_FONT, fontSize=9, leading=14, alignment=TA_CENTER)
    footer = Paragraph(f"证明编号：{escape(number)}", small)
    footer.wrapOn(pdf, frame_width, height)
    footer.drawOn(pdf, left, 26 * mm)


def _finish(pdf, buffer):
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def render_service_proof(name, volunteer_number, period, total_hours, rows, issuer, issued_on, number):
    """An A4 PDF proof of volunteer service (志愿服务证明, bytes): the person, the period and its total
    confirmed hours, then the services as a table `rows` of (date, site, post, hours), continued on
    further bordered pages when long, and the issuer's signature after the last row."""
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    pdf, buffer, (width, height) = _certificate_page("志愿服务证明", issuer)
    body = ParagraphStyle(
        "body", fontName=CERTIFICATE_FONT, fontSize=14, leading=26, wordWrap="CJK", alignment=TA_JUSTIFY,
        firstLineIndent=28,
    )
    who = f"<u>{escape(name)}</u>" + (f"（志愿者编号：{escape(volunteer_number)}）" if volunteer_number else "")
    text = (
        f"兹证明 {who} 于{escape(period)}期间参加{escape(issuer)}组织的志愿服务，"
        f"经确认的志愿服务时长共计 {escape(total_hours)} 小时，服务明细如下。特此证明。"
    )
    left, frame_width = 28 * mm, width - 56 * mm
    paragraph = Paragraph(text, body)
    _, used = paragraph.wrapOn(pdf, frame_width, height)
    top = height - 80 * mm
    paragraph.drawOn(pdf, left, top - used)
    y = top - used - 8 * mm

    cell = ParagraphStyle("cell", fontName=CERTIFICATE_FONT, fontSize=10.5, leading=14, wordWrap="CJK")
    widths = [28 * mm, frame_width - 28 * mm - 45 * mm - 22 * mm, 45 * mm, 22 * mm]
    style = TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), CERTIFICATE_FONT), ("FONTSIZE", (0, 0), (-1, -1), 10.5),
        ("GRID", (0, 0), (-1, -1), 0.5, "#888888"), ("BACKGROUND", (0, 0), (-1, 0), "#F3E5E5"),
        ("ALIGN", (-1, 0), (-1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ])
    header = ["服务日期", "服务项目/站点", "岗位", "时长（小时）"]
    bottom = 40 * mm  # room for the footer
    remaining = [[r[0], Paragraph(escape(r[1]), cell), Paragraph(escape(r[2]), cell), r[3]] for r in rows]
    while remaining:
        # As many rows as fit above `bottom` on this page.
        count = len(remaining)
        while count > 1:
            table = Table([header] + remaining[:count], colWidths=widths, style=style)
            if table.wrapOn(pdf, frame_width, height)[1] <= y - bottom:
                break
            count -= 1
        table = Table([header] + remaining[:count], colWidths=widths, style=style)
        _, used = table.wrapOn(pdf, frame_width, height)
        table.drawOn(pdf, left, y - used)
        y -= used
        remaining = remaining[count:]
        if remaining or y - 40 * mm < 45 * mm:
            pdf.showPage()
            _certificate_page("志愿服务证明", issuer, pdf, buffer)
            y = height - 30 * mm
    _sign_and_number(pdf, issuer, issued_on, number, y - 12 * mm)
    return _finish(pdf, buffer)
