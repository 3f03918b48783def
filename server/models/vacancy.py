"""Vacancy alerts (空岗提醒): who wants to hear of a post short of people, and who was told.

A volunteer opts in (`VacancyAlertPref`) for sites and/or communities (`VacancyAlertScope`), with an
optional home point for "nearest first". The scheduler runs one round per shift and lead
(`VacancyAlertRound`, unique: claimed once across schedulers) and records each person it alerts
(`VacancyAlert`, unique per shift and person: never twice for one shift). Rules: services.vacancy_alerts.
"""

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import UTCDateTime, utcnow
from server.models.shifts import Shift, ShiftPost, Site
from server.models.users import Community, User


class VacancyAlertPref(db.Model):
    """A volunteer's opt-in: on or off, and an optional home point (GCJ-02, rounded to 3 decimals,
    about 100 m: enough to sort sites by nearness, little enough to collect). Erased with the account."""

    __tablename__ = "vacancy_alert_prefs"
    __table_args__ = (
        CheckConstraint("(home_latitude IS NULL) = (home_longitude IS NULL)", name="home_point_complete"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    home_latitude: Mapped[float | None] = mapped_column(Float)
    home_longitude: Mapped[float | None] = mapped_column(Float)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class VacancyAlertScope(db.Model):
    """One site or one community (exactly one of the two) a volunteer wants alerts for."""

    __tablename__ = "vacancy_alert_scopes"
    __table_args__ = (
        CheckConstraint("(site_id IS NULL) <> (community_id IS NULL)", name="site_or_community"),
        UniqueConstraint("user_id", "site_id"),
        UniqueConstraint("user_id", "community_id"),
        Index("ix_vacancy_alert_scopes_site_id", "site_id"),
        Index("ix_vacancy_alert_scopes_community_id", "community_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))

    site: Mapped[Site | None] = relationship()
    community: Mapped[Community | None] = relationship()


class VacancyAlertRound(db.Model):
    """One (shift, lead) round, claimed by the first scheduler that inserts it: the unique pair makes
    it happen once. `missing`: places short when it ran; `alerted`: people it alerted."""

    __tablename__ = "vacancy_alert_rounds"
    __table_args__ = (UniqueConstraint("shift_id", "lead_minutes"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    lead_minutes: Mapped[int] = mapped_column(Integer)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    alerted: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    ran_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class VacancyAlert(db.Model):
    """One person alerted for one shift (at most once per shift: the unique pair), for a post short of
    people, in a round. `distance_m`: from their home point to the site, when both have coordinates."""

    __tablename__ = "vacancy_alerts"
    __table_args__ = (
        UniqueConstraint("shift_id", "user_id"),
        Index("ix_vacancy_alerts_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("shift_roles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("vacancy_alert_rounds.id", ondelete="CASCADE"), index=True)
    lead_minutes: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[int | None] = mapped_column(Integer)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    shift: Mapped[Shift] = relationship()
    post: Mapped[ShiftPost] = relationship()
    user: Mapped[User] = relationship()
