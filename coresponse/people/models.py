"""People referred to the program and the people around them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coresponse.clock import utcnow
from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type
from coresponse.extensions import Model
from coresponse.people import limits


class Borough(LabelledEnum):
    """New York City's boroughs, by their common two-letter codes."""

    MANHATTAN = "MN", "Manhattan"
    BRONX = "BX", "Bronx"
    BROOKLYN = "BK", "Brooklyn"
    QUEENS = "QN", "Queens"
    STATEN_ISLAND = "SI", "Staten Island"


class LocationStatus(LabelledEnum):
    """Whether an address has a usable point on the map."""

    LOCATED = "located", "Located"
    APPROXIMATE = "approximate", "Approximate (ZIP or neighbourhood)"
    NEEDED = "needed", "Location needed"
    MANUAL = "manual", "Set by hand"


class PhoneKind(LabelledEnum):
    MOBILE = "mobile", "Mobile"
    HOME = "home", "Home"
    WORK = "work", "Work"
    OTHER = "other", "Other"


class SupportRelationship(LabelledEnum):
    """How a support contact is related to the person."""

    PARENT = "parent", "Parent"
    SIBLING = "sibling", "Sibling"
    CHILD = "child", "Child"
    PARTNER = "partner", "Spouse or partner"
    OTHER_FAMILY = "other_family", "Other family"
    FRIEND = "friend", "Friend"
    NEIGHBOR = "neighbor", "Neighbor"
    PROVIDER = "provider", "Treatment provider"
    CASE_MANAGER = "case_manager", "Case manager"
    OTHER = "other", "Other"

    @property
    def is_family_or_friend(self) -> bool:
        return self not in (
            SupportRelationship.PROVIDER,
            SupportRelationship.CASE_MANAGER,
            SupportRelationship.OTHER,
        )


# The HUD HMIS data standards (FY2024) answer "don't know", "prefers not to answer" and
# "not collected" with codes of their own (8, 9, 99), and reports count them. Each is an
# answer on its own: it is never recorded beside another answer (people.services).
_NULL_ANSWERS = ("client_doesnt_know", "client_prefers_not_to_answer", "data_not_collected")


class RaceEthnicity(LabelledEnum):
    """HMIS FY2024 element 3.04, Race and Ethnicity: several may be chosen."""

    AM_IND_AK_NATIVE = "am_ind_ak_native", "American Indian, Alaska Native, or Indigenous"
    ASIAN = "asian", "Asian or Asian American"
    BLACK_AF_AMERICAN = "black_af_american", "Black, African American, or African"
    HISPANIC_LATINAEO = "hispanic_latinaeo", "Hispanic/Latina/e/o"
    MID_EAST_N_AFRICAN = "mid_east_n_african", "Middle Eastern or North African"
    NATIVE_HI_PACIFIC = "native_hi_pacific", "Native Hawaiian or Pacific Islander"
    WHITE = "white", "White"
    CLIENT_DOESNT_KNOW = "client_doesnt_know", "Client doesn't know"
    CLIENT_PREFERS_NOT_TO_ANSWER = "client_prefers_not_to_answer", "Client prefers not to answer"
    DATA_NOT_COLLECTED = "data_not_collected", "Data not collected"

    @property
    def is_null_answer(self) -> bool:
        """Doesn't know, prefers not to answer, not collected: an answer on its own."""
        return self.value in _NULL_ANSWERS


class Gender(LabelledEnum):
    """HMIS FY2024 element 3.06, Gender: several may be chosen."""

    WOMAN = "woman", "Woman (Girl, if child)"
    MAN = "man", "Man (Boy, if child)"
    CULTURALLY_SPECIFIC = "culturally_specific", "Culturally Specific Identity (e.g., Two-Spirit)"
    TRANSGENDER = "transgender", "Transgender"
    NON_BINARY = "non_binary", "Non-Binary"
    QUESTIONING = "questioning", "Questioning"
    DIFFERENT_IDENTITY = "different_identity", "Different Identity"
    CLIENT_DOESNT_KNOW = "client_doesnt_know", "Client doesn't know"
    CLIENT_PREFERS_NOT_TO_ANSWER = "client_prefers_not_to_answer", "Client prefers not to answer"
    DATA_NOT_COLLECTED = "data_not_collected", "Data not collected"

    @property
    def is_null_answer(self) -> bool:
        """Doesn't know, prefers not to answer, not collected: an answer on its own."""
        return self.value in _NULL_ANSWERS


class Person(Model):
    """Someone referred to the program. One row however often they are referred."""

    __tablename__ = "person"
    __table_args__ = (
        Index("ix_person_name", "last_name_key", "first_name_key"),
        Index("ix_person_first_name", "first_name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(limits.NAME_MAX))
    middle_name: Mapped[str | None] = mapped_column(String(limits.NAME_MAX))
    last_name: Mapped[str] = mapped_column(String(limits.NAME_MAX))
    preferred_name: Mapped[str | None] = mapped_column(String(limits.NAME_MAX))
    # Lower-cased, accent-free copies for search and duplicate checks.
    first_name_key: Mapped[str] = mapped_column(String(limits.NAME_MAX))
    last_name_key: Mapped[str] = mapped_column(String(limits.NAME_MAX))
    date_of_birth: Mapped[date | None] = mapped_column(index=True)
    # True when the date was worked out from an approximate age.
    date_of_birth_estimated: Mapped[bool] = mapped_column(default=False)
    # In the person's own words (a different identity, say), beside the HMIS answers.
    gender_description: Mapped[str | None] = mapped_column(String(limits.GENDER_MAX))
    needs_interpreter: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # Set when this record was merged into another (a duplicate of the same person): the
    # row stays as a tombstone pointing to the survivor, found by no search or list, and
    # old links to it lead there. An unmerge clears it (PersonMerge keeps how).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    # Optimistic locking: every UPDATE checks and bumps it (see coresponse/locking.py).
    version: Mapped[int] = mapped_column(server_default=text("1"))
    __mapper_args__ = {"version_id_col": version}

    aliases: Mapped[list[PersonAlias]] = relationship(
        back_populates="person", order_by="PersonAlias.id", lazy="raise_on_sql"
    )
    languages: Mapped[list[PersonLanguage]] = relationship(
        back_populates="person", order_by="PersonLanguage.position", lazy="raise_on_sql"
    )
    addresses: Mapped[list[PersonAddress]] = relationship(
        back_populates="person", order_by="PersonAddress.recorded_at.desc()", lazy="raise_on_sql"
    )
    phones: Mapped[list[PersonPhone]] = relationship(
        back_populates="person", order_by="PersonPhone.recorded_at.desc()", lazy="raise_on_sql"
    )
    support_contacts: Mapped[list[SupportContact]] = relationship(
        back_populates="person", order_by="SupportContact.name", lazy="raise_on_sql"
    )
    # HMIS answers; no row at all is counted as "Data not collected". An answer changed
    # is deleted (the audit trail keeps that it changed): it is the person's answer now.
    race_ethnicity_rows: Mapped[list[PersonRaceEthnicity]] = relationship(
        back_populates="person", order_by="PersonRaceEthnicity.id", lazy="raise_on_sql",
        cascade="all, delete-orphan",
    )  # fmt: skip
    gender_rows: Mapped[list[PersonGender]] = relationship(
        back_populates="person", order_by="PersonGender.id", lazy="raise_on_sql",
        cascade="all, delete-orphan",
    )  # fmt: skip
    # What people search and the intake's duplicate check look people up by: a read model
    # of the names, aliases, phones, addresses and birth date above (people/matching.py),
    # rewritten by the people services whenever those change.
    search_keys: Mapped[list[PersonSearchKey]] = relationship(
        back_populates="person", lazy="raise_on_sql", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        return self.name_of(self.first_name, self.preferred_name, self.last_name)

    @staticmethod
    def name_of(first: str, preferred: str | None, last: str) -> str:
        """The name as pages show it, from the three columns (for rows read without
        loading the person)."""
        if preferred and preferred != first:
            return f"{first} “{preferred}” {last}"
        return f"{first} {last}"

    @property
    def current_address(self) -> PersonAddress | None:
        """The last known address (addresses must be loaded)."""
        return next((a for a in self.addresses if a.current), None)

    @property
    def current_phones(self) -> list[PersonPhone]:
        return [p for p in self.phones if p.current]

    @property
    def race_ethnicity(self) -> list[RaceEthnicity]:
        """The answers recorded, in the standard's order (race_ethnicity_rows loaded)."""
        have = {row.race_ethnicity for row in self.race_ethnicity_rows}
        return [member for member in RaceEthnicity if member in have]

    @property
    def gender(self) -> list[Gender]:
        """The answers recorded, in the standard's order (gender_rows loaded)."""
        have = {row.gender for row in self.gender_rows}
        return [member for member in Gender if member in have]

    @property
    def race_ethnicity_counted(self) -> list[RaceEthnicity]:
        """As reports count them: nothing recorded is "Data not collected"."""
        return self.race_ethnicity or [RaceEthnicity.DATA_NOT_COLLECTED]

    @property
    def gender_counted(self) -> list[Gender]:
        """As reports count them: nothing recorded is "Data not collected"."""
        return self.gender or [Gender.DATA_NOT_COLLECTED]

    def __repr__(self) -> str:
        return f"<Person {self.id}>"


class PersonAlias(Model):
    """Another name the person is known by (street name, maiden name, misspelling)."""

    __tablename__ = "person_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    name: Mapped[str] = mapped_column(String(limits.ALIAS_MAX))
    name_key: Mapped[str] = mapped_column(String(limits.ALIAS_MAX), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="aliases", lazy="raise_on_sql")


class PersonLanguage(Model):
    """A language the person speaks; position 0 is the preferred one."""

    __tablename__ = "person_language"
    # Reports group by the preferred language (position 0): one lookup.
    __table_args__ = (
        Index("ix_person_language_preferred", "person_id", "position", "id", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    language: Mapped[str] = mapped_column(String(limits.LANGUAGE_MAX), index=True)
    position: Mapped[int] = mapped_column(default=0)

    person: Mapped[Person] = relationship(back_populates="languages", lazy="raise_on_sql")


class PersonRaceEthnicity(Model):
    """One of the person's answers to HMIS 3.04, Race and Ethnicity."""

    __tablename__ = "person_race_ethnicity"
    __table_args__ = (UniqueConstraint("person_id", "race_ethnicity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # Reports group people by it.
    race_ethnicity: Mapped[RaceEthnicity] = mapped_column(enum_type(RaceEthnicity), index=True)

    person: Mapped[Person] = relationship(back_populates="race_ethnicity_rows", lazy="raise_on_sql")


class PersonGender(Model):
    """One of the person's answers to HMIS 3.06, Gender."""

    __tablename__ = "person_gender"
    __table_args__ = (UniqueConstraint("person_id", "gender"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # Reports group people by it.
    gender: Mapped[Gender] = mapped_column(enum_type(Gender), index=True)

    person: Mapped[Person] = relationship(back_populates="gender_rows", lazy="raise_on_sql")


class PersonAddress(Model):
    """An address on record. A newer address retires the old one; none are deleted."""

    __tablename__ = "person_address"
    __table_args__ = (
        Index("ix_person_address_precinct", "precinct"),
        Index("ix_person_address_borough", "borough"),
        # Reports group by a person's current address: one lookup, newest first.
        Index(
            "ix_person_address_current",
            "person_id", "current", "recorded_at", "id", "borough", "precinct",
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    line1: Mapped[str] = mapped_column(String(limits.ADDRESS_LINE_MAX))
    line2: Mapped[str | None] = mapped_column(String(limits.ADDRESS_LINE_MAX))
    city: Mapped[str] = mapped_column(String(limits.CITY_MAX), default="New York")
    state: Mapped[str] = mapped_column(String(limits.STATE_MAX), default="NY")
    postal_code: Mapped[str | None] = mapped_column(String(limits.POSTAL_CODE_MAX))
    borough: Mapped[Borough | None] = mapped_column(enum_type(Borough, length=2))
    precinct: Mapped[str | None] = mapped_column(String(10))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    location_status: Mapped[LocationStatus] = mapped_column(
        enum_type(LocationStatus), default=LocationStatus.NEEDED
    )
    # Where the person may be found when not at this address (shelter, corner, park).
    whereabouts_note: Mapped[str | None] = mapped_column(Text)
    current: Mapped[bool] = mapped_column(default=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    person: Mapped[Person] = relationship(back_populates="addresses", lazy="raise_on_sql")

    @property
    def one_line(self) -> str:
        parts = [
            self.line1,
            self.line2,
            self.city,
            f"{self.state} {self.postal_code or ''}".strip(),
        ]
        return ", ".join(p for p in parts if p)


class PersonPhone(Model):
    """A phone number on record, normalised to digits for matching."""

    __tablename__ = "person_phone"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    number: Mapped[str] = mapped_column(String(limits.PHONE_MAX))
    # Room for limits.PHONE_DIGITS_MAX, which the services check.
    digits: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[PhoneKind] = mapped_column(enum_type(PhoneKind), default=PhoneKind.MOBILE)
    current: Mapped[bool] = mapped_column(default=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="phones", lazy="raise_on_sql")


class SupportContact(Model):
    """Family, a friend or a provider in the person's life."""

    __tablename__ = "support_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    relationship_type: Mapped[SupportRelationship] = mapped_column(enum_type(SupportRelationship))
    relationship_detail: Mapped[str | None] = mapped_column(String(120))
    organization: Mapped[str | None] = mapped_column(String(160))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    person: Mapped[Person] = relationship(back_populates="support_contacts", lazy="raise_on_sql")


class SearchKeyKind(LabelledEnum):
    """Where a search key comes from: which name, or a phone, an address, the birth date."""

    FIRST = "first", "First name"
    MIDDLE = "middle", "Middle name"
    LAST = "last", "Last name"
    PREFERRED = "preferred", "Preferred name"
    ALIAS = "alias", "Alias"
    PHONE = "phone", "Phone"
    ADDRESS = "address", "Address"
    STREET = "street", "Street"
    BIRTH = "birth", "Date of birth"


class PersonSearchKey(Model):
    """One normalised key a person is found by (people/matching.py says how each is made).

    A name gives a folded key ("El-Sayed" → "elsayed", and each part, "el" and "sayed")
    with its phonetic code (NYSIIS less its vowels); a phone its digits reversed, so that
    "ends with 4321" is a prefix an index reads; an address its line folded, with and
    without the house number; the birth date "YYYYMMDD". Search and the duplicate check
    select candidates by equality or prefix on `key`, or equality on `phonetic`, and
    score them in Python. Nothing here is shown: it is rebuilt from the record whenever
    that changes.
    """

    __tablename__ = "person_search_key"
    __table_args__ = (
        # Covering: candidates are grouped by person from the index alone.
        Index("ix_person_search_key_key", "key", "kind", "person_id"),
        Index("ix_person_search_key_phonetic", "phonetic", "kind", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[SearchKeyKind] = mapped_column(enum_type(SearchKeyKind, length=10))
    key: Mapped[str] = mapped_column(String(limits.ALIAS_MAX))
    phonetic: Mapped[str | None] = mapped_column(String(limits.ALIAS_MAX))

    person: Mapped[Person] = relationship(back_populates="search_keys", lazy="raise_on_sql")


class PersonMerge(Model):
    """Two records of one person made one, and everything it takes to undo it exactly.

    `survivor_before` holds the survivor's fields the merge changed, as they were (and
    `survivor_after` as the merge set them: an unmerge restores only a field nobody has
    changed since); `moved` lists every row the merge moved from the merged record to
    the survivor as {"table", "id", "before": {column: value}}, so an unmerge moves
    exactly those back; `survivor_rows` lists the survivor's own rows at the merge, so
    the unmerge page can tell what was added since (it stays with the survivor).
    """

    __tablename__ = "person_merge"
    __table_args__ = (Index("ix_person_merge_merged_at", "merged_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    survivor_before: Mapped[dict[str, Any]] = mapped_column(JSON)
    survivor_after: Mapped[dict[str, Any]] = mapped_column(JSON)
    merged_before: Mapped[dict[str, Any]] = mapped_column(JSON)
    moved: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    survivor_rows: Mapped[dict[str, list[int]]] = mapped_column(JSON)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    survivor: Mapped[Person] = relationship(foreign_keys=[survivor_id], lazy="raise_on_sql")
    merged: Mapped[Person] = relationship(foreign_keys=[merged_id], lazy="raise_on_sql")
