"""Schemas shared by every domain: the error body and list pagination."""

import marshmallow as ma


class ErrorSchema(ma.Schema):
    """The contract's error body (documentation only; `server.errors` builds it)."""

    error = ma.fields.String(required=True, metadata={"description": "Stable snake_case error id"})
    message = ma.fields.String(required=True, metadata={"description": "Human-readable text (Chinese)"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Per-field messages, only for validation failures (422)"},
    )


class PageArgsSchema(ma.Schema):
    """Query arguments of every paginated list."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    page_size = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class PageSchema(ma.Schema):
    """`{items, total, page, page_size}`; subclasses set `items`."""

    total = ma.fields.Integer(required=True)
    page = ma.fields.Integer(required=True)
    page_size = ma.fields.Integer(required=True)
