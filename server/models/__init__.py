"""SQLAlchemy models, one module per table family. `metadata` holds every table (Alembic compares it)."""

from server.extensions import db
from server.models.activities import (
    ACTIVE_REGISTRATION,
    ACTIVITY_STATUSES,
    AUDIENCES,
    CATEGORIES,
    CATEGORY_LABELS,
    MAX_QUESTIONS,
    OPEN_REGISTRATION,
    QUESTION_KINDS,
    REGISTRATION_STATUSES,
    SIGNUP_MODES,
    Activity,
    Registration,
)
from server.models.audit import AuditLog
from server.models.hours import HOURS_CHANGE_KINDS, HOURS_QUERY_STATUSES, HOURS_STATUSES, HoursChange, HoursQuery
from server.models.notices import ActivityNotice
from server.models.outbox import MESSAGE_KINDS, MESSAGE_STATUSES, REMINDER_KINDS, OutboxMessage, SubscriptionCredit
from server.models.qualifications import (
    HEALTH_DECLARATION_MOMENTS,
    HealthDeclaration,
    Qualification,
    QualificationGrant,
)
from server.models.shifts import (
    BOOKING_STATUSES,
    SHIFT_STATUSES,
    SITE_KIND_LABELS,
    SITE_KINDS,
    Booking,
    Shift,
    ShiftPost,
    Site,
)
from server.models.swaps import LIVE_SWAP_STATUSES, SWAP_END_REASONS, SWAP_STATUSES, ShiftSwap
from server.models.users import MEMBERSHIP_STATUSES, ROLES, Community, OrganizerScope, User, mask_phone
from server.models.vacancy import VacancyAlert, VacancyAlertPref, VacancyAlertRound, VacancyAlertScope

# Every table of the modules above: what the migrations must match (server/migrations/env.py).
metadata = db.metadata

__all__ = [
    "HEALTH_DECLARATION_MOMENTS",
    "HealthDeclaration",
    "Qualification",
    "QualificationGrant",
    "BOOKING_STATUSES",
    "Booking",
    "SHIFT_STATUSES",
    "SITE_KINDS",
    "SITE_KIND_LABELS",
    "Shift",
    "ShiftPost",
    "Site",
    "LIVE_SWAP_STATUSES",
    "SWAP_END_REASONS",
    "SWAP_STATUSES",
    "ShiftSwap",
    "ACTIVE_REGISTRATION",
    "ACTIVITY_STATUSES",
    "ActivityNotice",
    "AUDIENCES",
    "Activity",
    "AuditLog",
    "HOURS_CHANGE_KINDS",
    "HOURS_QUERY_STATUSES",
    "HOURS_STATUSES",
    "HoursChange",
    "HoursQuery",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "Community",
    "MESSAGE_KINDS",
    "MEMBERSHIP_STATUSES",
    "MESSAGE_STATUSES",
    "OrganizerScope",
    "OutboxMessage",
    "MAX_QUESTIONS",
    "OPEN_REGISTRATION",
    "QUESTION_KINDS",
    "REGISTRATION_STATUSES",
    "SIGNUP_MODES",
    "REMINDER_KINDS",
    "SubscriptionCredit",
    "ROLES",
    "Registration",
    "User",
    "VacancyAlert",
    "VacancyAlertPref",
    "VacancyAlertRound",
    "VacancyAlertScope",
    "mask_phone",
    "metadata",
]
