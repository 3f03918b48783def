"""Schemas for subscribe-message templates and the caller's credits."""

from server.schemas import fields
from server.schemas.common import Schema


class TemplateSchema(Schema):
    """A subscribe-message template: our key for it and WeChat's template id."""

    key = fields.String(
        metadata={
            "description": "`activity_reminder`, `shift_reminder`, `waitlist_promoted`, `cancelled_by_organizer`, "
            "`schedule_changed` (an activity or shift the user holds moved, or its venue changed), `notice` (an "
            "organizer's notice to an activity's participants; added after v1), `signup_result`, `shift_swap` (换班: "
            "a swap offered to you, your booking taken, a claim approved or rejected; added with issue 18)"
        }
    )
    template_id = fields.String(metadata={"description": "Pass to `wx.requestSubscribeMessage({tmplIds})`"})


class TemplateListSchema(Schema):
    """The templates to ask the user for with `wx.requestSubscribeMessage`."""

    items = fields.List(fields.Nested(TemplateSchema))


class CreditSchema(TemplateSchema):
    """A template and how many more messages of it may be sent to the caller."""

    remaining = fields.Integer(metadata={"description": "Sends left: one per accept, one used per message"})


class CreditListSchema(Schema):
    """The caller's remaining sends, per template."""

    items = fields.List(fields.Nested(CreditSchema))


class AcceptedSchema(Schema):
    """The template ids the user accepted in `wx.requestSubscribeMessage`: one more send each."""

    accepted = fields.List(
        fields.String(validate=fields.Length(min=1, max=64)),
        required=True,
        validate=fields.Length(max=10),
        metadata={"description": "Template ids answered `accept` (or `acceptWithAudio`) by wx.requestSubscribeMessage"},
    )
