"""Schemas of the console's scan login, as the mini-program sees it."""

from server.schemas import fields
from server.schemas.common import Schema


class ConsoleLoginSchema(Schema):
    """A browser asking to sign in to the web console: what the phone shows before confirming."""

    ticket = fields.String(dump_only=True, metadata={"description": "The `scene` of the scanned code"})
    status = fields.String(dump_only=True, metadata={"description": "`pending`, `confirmed` or `rejected`"})
    requested_at = fields.LocalDateTime(dump_only=True, metadata={"description": "When the browser showed the code"})
    expires_at = fields.LocalDateTime(dump_only=True, metadata={"description": "When the code stops working"})
    ip = fields.String(dump_only=True, allow_none=True, metadata={"description": "The browser's address"})
    user_agent = fields.String(dump_only=True, metadata={"description": "The browser's full User-Agent"})
    browser = fields.String(dump_only=True, metadata={"description": "Short label, e.g. `Chrome 156 · Windows`"})


class ConsoleSessionSchema(Schema):
    """A browser signed in to the web console."""

    id = fields.String(dump_only=True, metadata={"description": "A short, non-secret label of the session"})
    created_at = fields.LocalDateTime(dump_only=True)
    last_seen_at = fields.LocalDateTime(dump_only=True)
    ip = fields.String(dump_only=True, allow_none=True)
    browser = fields.String(dump_only=True)


class ConsoleSessionListSchema(Schema):
    """The caller's console sessions, newest first."""

    items = fields.List(fields.Nested(ConsoleSessionSchema))
