"""Organisation tables: authority tree, units, users and roles, councils, nominees, award history."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base, UTCDateTime, enum_check, utcnow
from workflow.folding import fold_name
from workflow.org.vocab import AuthorityKind, NomineeKind, Role

AUTHORITY_KINDS = AuthorityKind.values()
UNIT_KINDS = ("hamlet", "school", "clinic", "mass_organisation", "office", "other")
ROLES = Role.values()
COUNCIL_POSITIONS = ("chair", "vice_chair", "member", "secretary")
NOMINEE_KINDS = NomineeKind.values()
GENDERS = ("male", "female", "other")
AWARD_SOURCES = ("manual", "decision", "outcome")


class Authority(Base):
    """Authority (cấp chính quyền): a node of the administrative tree with a council and a head."""

    __tablename__ = "authority"
    __table_args__ = (CheckConstraint(enum_check("kind", AUTHORITY_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"), index=True)
    # An explicit rule set (legal period) for this authority; None = chosen by date
    rule_set_code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the tree over time: an authority dissolved from a day (the districts on 2025-07-01, Law
    # 72/2025/QH15) receives nothing from then on; a child re-attached on ``parent_since`` had
    # ``former_parent`` before that day (Định Biên: huyện Định Hóa until 2025-06-30, then the province)
    dissolved_on: Mapped[date | None] = mapped_column(Date)
    former_parent_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"))
    parent_since: Mapped[date | None] = mapped_column(Date)

    parent: Mapped[Authority | None] = relationship(remote_side=[id], back_populates="children",
                                                    foreign_keys=[parent_id])
    children: Mapped[list[Authority]] = relationship(back_populates="parent", foreign_keys=[parent_id])
    former_parent: Mapped[Authority | None] = relationship(remote_side=[id], foreign_keys=[former_parent_id])
    units: Mapped[list[Unit]] = relationship(back_populates="authority")

    def ancestors(self) -> list[Authority]:
        """Parent, grandparent, … up to the root."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def active_on(self, day: date) -> bool:
        """False from the day the authority was dissolved."""
        return self.dissolved_on is None or day < self.dissolved_on

    def parent_on(self, day: date) -> Authority | None:
        """The parent the authority had on ``day`` (its former parent before ``parent_since``)."""
        if self.parent_since is not None and day < self.parent_since and self.former_parent is not None:
            return self.former_parent
        return self.parent

    def ancestors_on(self, day: date) -> list[Authority]:
        """The chain above the authority as it stood on ``day``."""
        chain, node = [], self.parent_on(day)
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent_on(day)
        return chain

    def __repr__(self) -> str:
        return f"<Authority {self.code}>"


class Unit(Base):
    """Unit (đơn vị): hamlet, school, clinic, mass organisation or office that nominates."""

    __tablename__ = "unit"
    __table_args__ = (CheckConstraint(enum_check("kind", UNIT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    authority: Mapped[Authority] = relationship(back_populates="units")


class User(UserMixin, Base):
    """A person who signs in. ``session_version`` grows at logout so old cookies stop working."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # set by an admin's password reset: the next sign-in must choose a new password first
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login: the id in the cookie carries the session version (see auth.services)
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}

    def has_role(self, role: str, authority_id: int | None = None) -> bool:
        return any(
            r.role == role and (authority_id is None or r.authority_id == authority_id) for r in self.roles
        )

    @property
    def is_deployment_admin(self) -> bool:
        return any(r.role == Role.ADMIN and r.authority_id is None for r in self.roles)


class RoleAssignment(Base):
    """A role held at an authority (and, for nominators, at one unit)."""

    __tablename__ = "role_assignment"
    __table_args__ = (
        CheckConstraint(enum_check("role", ROLES), name="role"),
        # only a deployment admin may hold a role without an authority
        CheckConstraint("authority_id IS NOT NULL OR role = 'admin'", name="authority_required"),
        CheckConstraint("role <> 'nominator' OR unit_id IS NOT NULL", name="nominator_unit"),
        UniqueConstraint("user_id", "role", "authority_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))

    user: Mapped[User] = relationship(back_populates="roles")
    authority: Mapped[Authority | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")


class CouncilMember(Base):
    """Seat on an authority's Emulation and Commendation Council (Hội đồng Thi đua – Khen thưởng)."""

    __tablename__ = "council_member"
    __table_args__ = (
        CheckConstraint(enum_check("position", COUNCIL_POSITIONS), name="position"),
        UniqueConstraint("authority_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    position: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(lazy="joined")
    authority: Mapped[Authority] = relationship()


class Nominee(Base):
    """Nominee (đối tượng): an individual, a collective or a household that can receive awards."""

    __tablename__ = "nominee"
    __table_args__ = (
        CheckConstraint(enum_check("kind", NOMINEE_KINDS), name="kind"),
        CheckConstraint(f"gender IS NULL OR {enum_check('gender', GENDERS)}", name="gender"),
        CheckConstraint("birth_year IS NULL OR (birth_year > 1900 AND birth_year < 2100)", name="birth_year"),
        # the name search (``LIKE '%hoang van%'`` on the folded name): a trigram GIN index on
        # PostgreSQL (pg_trgm, created by migration 0011), an ordinary index on SQLite
        Index("ix_nominee_name_folded", "name_folded", postgresql_using="gin",
              postgresql_ops={"name_folded": "gin_trgm_ops"}),
        # the annual report counts by nominee kind: an index-only probe per counted proposal
        Index("ix_nominee_id_kind", "id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # individual: full name; collective: the group's name; household: "Hộ ông/bà <head>"
    name: Mapped[str] = mapped_column(String(200))
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"), index=True)
    # individual: workplace; collective: the nominated unit (or the unit a named group belongs to);
    # household: its hamlet
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    position: Mapped[str | None] = mapped_column(String(200))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(10))
    head_name: Mapped[str | None] = mapped_column(String(200))  # household head
    # name (and household head) without diacritics, case-folded (``folding.fold_name``): what the
    # search compares; kept in step with the name on every flush (the listener below)
    name_folded: Mapped[str] = mapped_column(String(400), default="", server_default="")
    # when the nominee is (or is headed by) a user of the system: drives council recusal
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    authority: Mapped[Authority] = relationship()
    unit: Mapped[Unit | None] = relationship()
    user: Mapped[User | None] = relationship()
    awards: Mapped[list[AwardRecord]] = relationship(
        back_populates="nominee", order_by="AwardRecord.year", cascade="all, delete-orphan"
    )


@event.listens_for(Nominee, "before_insert")
@event.listens_for(Nominee, "before_update")
def _fold_name(_mapper, _connection, nominee: Nominee) -> None:
    """Every ORM write of a nominee refreshes its folded name (a rename, a new head)."""
    nominee.name_folded = fold_name(nominee.name, nominee.head_name)


@event.listens_for(Nominee.__table__, "before_create")
def _trigram_extension(_table, connection, **_kw) -> None:
    """A schema built from the models (tests, benchmarks) needs pg_trgm for the name index, as
    the migrated one does (trusted since PostgreSQL 13: the database's owner may create it)."""
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # a schema of its own (the benchmarks' temporary one) may not have the extension's schema on
    # its search_path: add it for the rest of this transaction, so the index finds gin_trgm_ops
    # (the tables' existence was checked before any is created, so this changes nothing else)
    where = connection.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'").scalar()
    if where and not connection.exec_driver_sql(
            "SELECT %(s)s = ANY(current_schemas(false))", {"s": where}).scalar():
        connection.exec_driver_sql(
            "SELECT set_config('search_path', current_setting('search_path') || ', ' || quote_ident(%(s)s), true)",
            {"s": where})


class AwardRecord(Base):
    """One award in a nominee's history (entered by hand, or written by a decision or outcome)."""

    __tablename__ = "award_record"
    __table_args__ = (
        CheckConstraint(enum_check("source", AWARD_SOURCES), name="source"),
        CheckConstraint("year > 1945 AND year < 2200", name="year"),
        UniqueConstraint("nominee_id", "award_type_code", "year", "decision_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nominee_id: Mapped[int] = mapped_column(ForeignKey("nominee.id", ondelete="CASCADE"), index=True)
    award_type_code: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    decision_number: Mapped[str] = mapped_column(String(60))
    decision_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(10), default="manual")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # the proposal whose decision or recorded outcome wrote this row (None for hand-entered history)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="SET NULL"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    nominee: Mapped[Nominee] = relationship(back_populates="awards")
