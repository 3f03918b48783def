"""Schemas for vacancy alerts (空岗提醒): a volunteer's opt-in, and whom a shift's alerts reached."""

from server.schemas import fields
from server.schemas.common import Schema
from server.schemas.users import RosterPersonSchema


class VacancySiteSchema(Schema):
    """A site chosen for alerts."""

    id = fields.Integer()
    name = fields.String()
    community_id = fields.Integer()


class VacancyCommunitySchema(Schema):
    """A community chosen for alerts (every one of its sites)."""

    id = fields.Integer()
    name = fields.String()


class VacancyAlertSettingsSchema(Schema):
    """The caller's vacancy-alert opt-in."""

    enabled = fields.Boolean()
    sites = fields.List(fields.Nested(VacancySiteSchema))
    communities = fields.List(fields.Nested(VacancyCommunitySchema))
    home_latitude = fields.Float(allow_none=True, metadata={"description": "GCJ-02, rounded to 3 decimals (~100 m)"})
    home_longitude = fields.Float(allow_none=True, metadata={"description": "GCJ-02, rounded to 3 decimals (~100 m)"})
    credits = fields.Integer(
        metadata={"description": "`shift_vacancy` sends left: one per accept of the template, one used per alert; "
                  "0: no alerts are chosen for the caller"}
    )


class VacancyAlertUpdateSchema(Schema):
    """The whole opt-in: every field replaces what was set (fields left out: off, nothing chosen, no point)."""

    enabled = fields.Boolean(required=True)
    site_ids = fields.List(fields.Id(strict=True), load_default=list, validate=fields.Length(max=50))
    community_ids = fields.List(fields.Id(strict=True), load_default=list, validate=fields.Length(max=20))
    home_latitude = fields.Float(
        load_default=None, allow_none=True, validate=fields.Range(min=-90, max=90),
        metadata={"description": "GCJ-02 (`wx.chooseLocation`); stored rounded to 3 decimals. With `home_longitude`"},
    )
    home_longitude = fields.Float(
        load_default=None, allow_none=True, validate=fields.Range(min=-180, max=180),
        metadata={"description": "GCJ-02; stored rounded to 3 decimals. With `home_latitude`"},
    )


class VacancyRoundSchema(Schema):
    """One round of alerts for the shift: at `lead_minutes` before it."""

    lead_minutes = fields.Integer()
    ran_at = fields.LocalDateTime()
    missing = fields.Integer(metadata={"description": "Places short when the round ran"})
    alerted = fields.Integer(metadata={"description": "People alerted by the round"})


class VacancyAlertItemSchema(Schema):
    """One person alerted for the shift (phone masked), and whether they then took a place."""

    user = fields.Nested(RosterPersonSchema)
    post_name = fields.String(metadata={"description": "The post (岗位) short of people they were alerted for"})
    lead_minutes = fields.Integer()
    alerted_at = fields.LocalDateTime()
    distance_m = fields.Integer(allow_none=True, metadata={"description": "From their home point to the site"})
    took_place = fields.Boolean(metadata={"description": "Booked the shift after the alert (and still holds it)"})
    booked_at = fields.LocalDateTime(allow_none=True)


class ShiftVacancyAlertsSchema(Schema):
    """Whom the shift's vacancy alerts reached, oldest first."""

    shift_id = fields.Integer()
    alerted = fields.Integer()
    took_place = fields.Integer()
    rounds = fields.List(fields.Nested(VacancyRoundSchema))
    items = fields.List(fields.Nested(VacancyAlertItemSchema))
