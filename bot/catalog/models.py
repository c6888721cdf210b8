"""SQLAlchemy 2.0 tables for the catalogue: trials, their register ids, sites, recruitment and criteria.

The full checked trial document is kept in `trials.document` so the matcher rebuilds
exactly what was validated; the other tables make the catalogue queryable by site,
country, status or criterion without parsing YAML.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class TrialRow(Base):
    __tablename__ = "trials"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    protocol: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(Text)
    phase: Mapped[str] = mapped_column(String(40))
    is_open: Mapped[bool] = mapped_column(Boolean, index=True)
    # "curated" (a reviewed file in trials/) or "imported" (from a register record); curated wins.
    origin: Mapped[str] = mapped_column(String(10), default="curated", index=True)
    source_file: Mapped[str] = mapped_column(String(255))
    checksum: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict] = mapped_column(JSON)

    register_ids: Mapped[list[RegisterIdRow]] = relationship(cascade="all, delete-orphan")
    sites: Mapped[list[SiteRow]] = relationship(cascade="all, delete-orphan")
    recruitment: Mapped[list[RecruitmentRow]] = relationship(cascade="all, delete-orphan")
    criteria: Mapped[list[CriterionRow]] = relationship(cascade="all, delete-orphan", order_by="CriterionRow.position")
    filters: Mapped[FilterRow | None] = relationship(cascade="all, delete-orphan")
    concepts: Mapped[list[ConceptRow]] = relationship(cascade="all, delete-orphan")
    countries: Mapped[list[CountryRow]] = relationship(cascade="all, delete-orphan")


class RegisterIdRow(Base):
    __tablename__ = "register_ids"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trial_id: Mapped[str] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    register: Mapped[str] = mapped_column(String(40))
    register_id: Mapped[str] = mapped_column(String(60), index=True)


class SiteRow(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trial_id: Mapped[str] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(80), index=True)
    verified: Mapped[bool] = mapped_column(Boolean)


class RecruitmentRow(Base):
    __tablename__ = "recruitment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trial_id: Mapped[str] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    country: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(40))
    start: Mapped[str | None] = mapped_column(String(10))


class CriterionRow(Base):
    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trial_id: Mapped[str] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    rule: Mapped[dict | None] = mapped_column(JSON)
    manual: Mapped[str | None] = mapped_column(Text)
    also_check: Mapped[str | None] = mapped_column(Text)


class FilterRow(Base):
    """The prefilter's fields of one trial (see bot.catalog.index): indexed, so the database leaves out the
    trials whose rules would rule the person out before any rule runs. NULL means "not stated": never filters."""

    __tablename__ = "trial_filters"
    # The first two conditions of every prefilter query: a person is matched against open trials by default.
    __table_args__ = (Index("ix_trial_filters_open_origin", "is_open", "origin"),)

    trial_id: Mapped[str] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), primary_key=True)
    origin: Mapped[str] = mapped_column(String(10))
    is_open: Mapped[bool] = mapped_column(Boolean)
    # Not indexed on their own: "min_age IS NULL OR min_age <= ?" led SQLite to a slower plan than the open
    # status index (measured on 10,000 trials), and a full scan of these short rows is fast.
    min_age: Mapped[float | None] = mapped_column(Float)
    max_age: Mapped[float | None] = mapped_column(Float)
    # ",female," or ",female,male,": the sexes the trial's rules admit; NULL when they say nothing.
    sexes: Mapped[str | None] = mapped_column(String(40))
    has_topics: Mapped[bool] = mapped_column(Boolean)
    has_countries: Mapped[bool] = mapped_column(Boolean)
    # Whether its inclusion rules require diagnosis concepts (rows of role "need"): read here, the prefilter looks
    # the groups up only for those trials, instead of probing the concepts' index for every candidate.
    has_needs: Mapped[bool | None] = mapped_column(Boolean)
    # The trial's checksum again (trials.checksum): the prefilter returns it with each candidate, and joining the
    # trials table for it was half of the query's time on PostgreSQL (10,000 trials).
    checksum: Mapped[str | None] = mapped_column(String(64))


class ConceptRow(Base):
    """A diagnosis concept of a trial: what it is about ("topic"), or one of a group of concepts ("need",
    group number `grp`) one of which its inclusion rules require."""

    __tablename__ = "trial_concepts"
    # Each prefilter subquery looks up one trial's concepts of one role: with this, an index-only look-up.
    __table_args__ = (Index("ix_trial_concepts_lookup", "trial_id", "role", "concept"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trial_id: Mapped[str] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(5))
    grp: Mapped[int] = mapped_column(Integer)
    concept: Mapped[str] = mapped_column(String(60), index=True)


class CountryRow(Base):
    """A country where the trial has a site or recruits, lower-case, for the "only in this country" filter."""

    __tablename__ = "trial_countries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trial_id: Mapped[str] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    country: Mapped[str] = mapped_column(String(80), index=True)
