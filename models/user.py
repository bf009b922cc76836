"""Users who sign in, with argon2 password hashes and a role."""

import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from flask_login import UserMixin
from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import fn

from models import BaseModel

ROLES = ("admin", "staff")
_hasher = PasswordHasher()
# Verified against when an address is unknown, so a miss costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class LastAdminError(Exception):
    """Raised when a change would leave no active administrator."""


class User(UserMixin, BaseModel):
    """A person who signs in: an email, a password hash, a role and an active flag."""

    email = CharField(unique=True)
    password_hash = CharField()
    role = CharField(default="staff")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=datetime.datetime.now)
    last_login_at = DateTimeField(null=True)
    must_change_password = BooleanField(default=False)
    # The token of the sign-in this object was loaded for (see models/user_session.py).
    session_token = None

    class Meta:
        table_name = "users"

    def get_id(self):
        """flask-login: the sign-in token, not the user id, so each sign-in can be ended alone."""
        return self.session_token

    @property
    def is_active(self):
        """flask-login: an inactive user's session and remember cookie stop working."""
        return self.active

    @property
    def is_admin(self):
        """True for administrators."""
        return self.role == "admin"

    def set_password(self, password):
        """Store an argon2 hash of the password."""
        self.password_hash = _hasher.hash(password)

    @classmethod
    def normalise_email(cls, email):
        """Emails are compared case-insensitively and without surrounding spaces."""
        return (email or "").strip().lower()

    @classmethod
    def create_user(cls, email, password, role="staff"):
        """Create a user with a hashed password."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        user = cls(email=cls.normalise_email(email), role=role)
        user.set_password(password)
        user.save()
        return user

    def check_password(self, password):
        """True when password is this user's password."""
        try:
            return _hasher.verify(self.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return False

    @classmethod
    def authenticate(cls, email, password):
        """Return the active user with these credentials, or None, in constant-ish time."""
        address = cls.normalise_email(email)
        # An address with control characters cannot be stored, so it is not looked up either.
        user = cls.get_or_none(cls.email == address) if address.isprintable() else None
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or not user.active:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.set_password(password)
        user.last_login_at = datetime.datetime.now()
        user.save()
        return user

    @classmethod
    def active_admin_count(cls):
        """How many active administrators there are."""
        return cls.select(fn.COUNT(cls.id)).where(cls.role == "admin", cls.active).scalar()

    def change(self, role=None, active=None):
        """Change role and/or active flag, refusing to remove the last active admin."""
        new_role = self.role if role is None else role
        new_active = self.active if active is None else active
        if new_role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        losing_admin = self.is_admin and self.active and not (new_role == "admin" and new_active)
        if losing_admin and self.active_admin_count() <= 1:
            raise LastAdminError("Ledgerlink needs at least one active administrator.")
        self.role, self.active = new_role, new_active
        self.save()
