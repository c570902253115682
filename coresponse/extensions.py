"""Flask extensions, created unbound and initialised in create_app()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so migrations can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every CoResponse table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# A request commits after its response is made (coresponse/unit_of_work.py); command-line
# commands and the tests commit and carry on with what they loaded, which expiring
# everything on commit would reload (or, with lazy loading off, fail on) for nothing.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
# Every table's base class. A type checker cannot take a base class from an attribute of an
# instance (db.Model), so it is told the class db.Model is built from (mypy issue 8603).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()
