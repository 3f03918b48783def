"""Schemas for subscribe-message templates and the caller's credits."""

import marshmallow as ma


class TemplateSchema(ma.Schema):
    """A subscribe-message template: our key for it and WeChat's template id."""

    key = ma.fields.String(
        metadata={
            "description": "`activity_reminder`, `shift_reminder`, `waitlist_promoted`, `cancelled_by_organizer`, "
            "`schedule_changed` (an activity or shift the user holds moved, or its venue changed)"
        }
    )
    template_id = ma.fields.String(metadata={"description": "Pass to `wx.requestSubscribeMessage({tmplIds})`"})


class TemplateListSchema(ma.Schema):
    """The templates to ask the user for with `wx.requestSubscribeMessage`."""

    items = ma.fields.List(ma.fields.Nested(TemplateSchema))


class CreditSchema(TemplateSchema):
    """A template and how many more messages of it may be sent to the caller."""

    remaining = ma.fields.Integer(metadata={"description": "Sends left: one per accept, one used per message"})


class CreditListSchema(ma.Schema):
    """The caller's remaining sends, per template."""

    items = ma.fields.List(ma.fields.Nested(CreditSchema))


class AcceptedSchema(ma.Schema):
    """The template ids the user accepted in `wx.requestSubscribeMessage`: one more send each."""

    accepted = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=64)),
        required=True,
        validate=ma.validate.Length(max=10),
        metadata={"description": "Template ids answered `accept` (or `acceptWithAudio`) by wx.requestSubscribeMessage"},
    )
