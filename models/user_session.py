"""Sign-ins kept on the server: one record per sign-in, so signing out really ends it.

The browser holds a random token (in the session cookie and, with "keep me signed in", in the
remember cookie); the database holds only its SHA-256 and when it expires. A request is signed
in only while its record exists and has not expired, so deleting the record (sign-out, sign out
everywhere, an administrator deactivating the user or setting a new password) ends it at once.
"""

import datetime
import hashlib
import secrets

from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField

from models import BaseModel
from models.user import User


def hash_session_token(token):
    """SHA-256 hex of a sign-in token (256 random bits, so no slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


class UserSession(BaseModel):
    """One sign-in of one user: the hash of its token, whether it is remembered, its expiry."""

    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    remember = BooleanField(default=False)
    created_at = DateTimeField(default=datetime.datetime.now)
    expires_at = DateTimeField(index=True)
    user_agent = CharField(max_length=200, default="")

    class Meta:
        table_name = "user_session"

    @classmethod
    def start(cls, user, lifetime, remember=False, user_agent=""):
        """Record a new sign-in; return (record, the plain token for the cookies)."""
        now = datetime.datetime.now()
        cls.delete().where(cls.user == user, cls.expires_at <= now).execute()
        token = secrets.token_urlsafe(32)
        record = cls.create(user=user, token_hash=hash_session_token(token), remember=remember,
                            created_at=now, expires_at=now + lifetime,
                            user_agent=(user_agent or "")[:200])
        return record, token

    @classmethod
    def user_for(cls, token):
        """The active user signed in with this token, or None (unknown, ended or expired)."""
        if not token or len(token) > 100:
            return None
        record = (cls.select(cls, User).join(User)
                  .where(cls.token_hash == hash_session_token(token),
                         cls.expires_at > datetime.datetime.now(), User.active == True)  # noqa: E712
                  .first())
        if record is None:
            return None
        user = record.user
        user.session_token = token
        return user

    @classmethod
    def end(cls, token):
        """End one sign-in."""
        if token:
            cls.delete().where(cls.token_hash == hash_session_token(token)).execute()

    @classmethod
    def end_all(cls, user, keep_token=None):
        """End every sign-in of a user (but the one holding keep_token); return how many."""
        query = cls.delete().where(cls.user == user)
        if keep_token:
            query = query.where(cls.token_hash != hash_session_token(keep_token))
        return query.execute()

    @classmethod
    def live_count(cls, user):
        """How many unexpired sign-ins a user has."""
        return cls.select().where(cls.user == user,
                                  cls.expires_at > datetime.datetime.now()).count()
