"""The app's extensions, created unbound and initialised in create_app."""

from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


if TYPE_CHECKING:

    class _RequestSession(Session, scoped_session[Session]):  # type: ignore[misc]  # the two spell scalar()'s overloads apart
        """db.session: a scoped_session, which forwards every Session method to this request's session."""

    class _SQLAlchemy(SQLAlchemy):
        session: _RequestSession  # type: ignore[assignment]  # narrower than Flask-SQLAlchemy's own annotation

else:
    _SQLAlchemy = SQLAlchemy


db = _SQLAlchemy(model_class=Base)
# The models' base class: at run time Flask-SQLAlchemy's subclass of Base, which a type checker
# cannot see through `db.Model`.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
