"""Schemas shared by every domain: the error body and list pagination."""

import marshmallow as ma


class ErrorSchema(ma.Schema):
    """The contract's error body; `error` is one of the ids of the catalogue (see the API description)."""

    error = ma.fields.String(
        required=True, metadata={"description": "Stable snake_case error id from the catalogue; clients branch on it"}
    )
    message = ma.fields.String(required=True, metadata={"description": "Human-readable text (Chinese)"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Per-field messages, only for validation failures (422)"},
    )


class PageArgsSchema(ma.Schema):
    """Query arguments of every paginated list."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1), metadata={"description": "From 1"})
    page_size = ma.fields.Integer(
        load_default=20, validate=ma.validate.Range(min=1, max=100), metadata={"description": "At most 100"}
    )


class PageSchema(ma.Schema):
    """`{items, total, page, page_size}`; subclasses set `items`."""

    total = ma.fields.Integer(required=True, metadata={"description": "Every match, on all pages"})
    page = ma.fields.Integer(required=True)
    page_size = ma.fields.Integer(required=True)
