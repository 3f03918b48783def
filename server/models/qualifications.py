"""Requirements per post (岗位要求): qualifications an organizer grants, and same-day health declarations.

A community's organizers define qualifications (e.g. 核酸采样点登记培训) and grant them to its people,
optionally until a date; a post (`ShiftPost.requires_qualification_id`) may require one. A post may also
require a health declaration (健康申报) made the same (China) day, at booking or at check-in
(`ShiftPost.health_declaration`). The rules: `services.qualifications`, `services.health_declarations`.
"""

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import UTCDateTime, utcnow
from server.models.users import Community, User

# When a post asks for a same-day health declaration: never, when booking, or when checking in.
HEALTH_DECLARATION_MOMENTS = ("none", "booking", "checkin")


class Qualification(db.Model):
    """A qualification a community's organizers grant (培训、资质), e.g. 核酸采样点登记培训."""

    __tablename__ = "qualifications"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    community: Mapped[Community] = relationship(lazy="joined", innerjoin=True)


class QualificationGrant(db.Model):
    """One person's qualification: one row per person and qualification. Revoking sets `revoked_at`;
    granting again reuses the row. `expires_on`: the last local date it counts (None: no expiry)."""

    __tablename__ = "qualification_grants"
    __table_args__ = (
        UniqueConstraint("qualification_id", "user_id"),
        Index("ix_qualification_grants_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualifications.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_on = mapped_column(Date)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at = mapped_column(UTCDateTime)

    qualification: Mapped[Qualification] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class HealthDeclaration(db.Model):
    """A person's health declaration (健康申报) for one local day: three yes/no answers, no free text.
    One row per person and day (declaring again the same day replaces the answers). Deleted after
    `health_declarations.RETENTION_DAYS` and with the account."""

    __tablename__ = "health_declarations"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day = mapped_column(Date, nullable=False, index=True)
    temperature_normal: Mapped[bool] = mapped_column(Boolean)
    has_symptoms: Mapped[bool] = mapped_column(Boolean)
    is_risk_person: Mapped[bool] = mapped_column(Boolean)
    declared_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    @property
    def well(self):
        """Fit for duty: a normal temperature, no fever, cough or similar symptoms, not a risk person."""
        return self.temperature_normal and not self.has_symptoms and not self.is_risk_person
