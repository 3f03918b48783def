"""SQLAlchemy models, one module per table family; importing this registers them all."""

from server.models.audit import AuditLog
from server.models.users import ROLES, Community, OrganizerScope, User, mask_phone

__all__ = ["AuditLog", "Community", "OrganizerScope", "ROLES", "User", "mask_phone"]
