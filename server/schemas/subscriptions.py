"""Schemas for subscribe-message templates and the caller's credits."""

import marshmallow as ma


class TemplateSchema(ma.Schema):
    key = ma.fields.String(
        metadata={"description": "`activity_reminder`, `shift_reminder`, `waitlist_promoted`, `cancelled_by_organizer`"}
    )
    template_id = ma.fields.String(metadata={"description": "Pass to `wx.requestSubscribeMessage({tmplIds})`"})


class TemplateListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TemplateSchema))


class CreditSchema(TemplateSchema):
    remaining = ma.fields.Integer(metadata={"description": "Sends left: one per accept, one used per message"})


class CreditListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CreditSchema))


class AcceptedSchema(ma.Schema):
    accepted = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=64)),
        required=True,
        validate=ma.validate.Length(max=10),
        metadata={"description": "Template ids answered `accept` (or `acceptWithAudio`) by wx.requestSubscribeMessage"},
    )
