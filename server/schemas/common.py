"""Schemas shared by every domain: the base schema, the error body and list pagination."""

import marshmallow as ma

from server.schemas import fields


class Schema(ma.Schema):
    """The base of every schema: its own messages in Chinese (with `server.schemas.fields`' types,
    every message a client can receive is Chinese)."""

    error_messages = {"type": "输入类型无效，应为对象", "unknown": "未知字段"}


class ErrorSchema(Schema):
    """The contract's error body; `error` is one of the ids of the catalogue (see the API description)."""

    error = fields.String(
        required=True, metadata={"description": "Stable snake_case error id from the catalogue; clients branch on it"}
    )
    message = fields.String(required=True, metadata={"description": "Human-readable text (Chinese)"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "Only for validation failures (422): each field, by its name in the request, to "
            "its messages. A field inside a list or object is named by its dotted path (`roles.0.name`); "
            "`_schema` holds messages about the request as a whole."
        },
    )


class PageArgsSchema(Schema):
    """Query arguments of every paginated list."""

    page = fields.Integer(
        load_default=1, validate=fields.Range(min=1, max=fields.INT_MAX), metadata={"description": "From 1"}
    )
    page_size = fields.Integer(
        load_default=20, validate=fields.Range(min=1, max=100), metadata={"description": "At most 100"}
    )


class PageSchema(Schema):
    """`{items, total, page, page_size}`; subclasses set `items`."""

    total = fields.Integer(required=True, metadata={"description": "Every match, on all pages"})
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
