"""Bearer tokens for the JSON API: stored as a SHA-256 hash, shown once when created."""

import datetime
import hashlib
import secrets

from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField

from models import BaseModel
from models.user import User

TOKEN_PREFIX = "llk_"  # noqa: S105 (a public marker, not a secret)


def hash_token(token):
    """SHA-256 hex of a token (tokens are 256 random bits, so no slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(BaseModel):
    """A named API token an administrator created; revoked tokens stop working at once."""

    name = CharField(max_length=100)
    token_hash = CharField(max_length=64, unique=True)
    prefix = CharField(max_length=16)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=datetime.datetime.now)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    class Meta:
        table_name = "api_token"

    @classmethod
    def issue(cls, name, user=None):
        """Create a token; return (record, the plain token to show once)."""
        plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = cls.create(name=name, token_hash=hash_token(plain), prefix=plain[:10],
                            created_by=user)
        return record, plain

    @classmethod
    def find_active(cls, plain):
        """The unrevoked token matching plain, or None."""
        if not plain or not plain.startswith(TOKEN_PREFIX):
            return None
        return cls.get_or_none(cls.token_hash == hash_token(plain), cls.revoked_at.is_null())

    def revoke(self):
        """Stop the token working."""
        self.revoked_at = datetime.datetime.now()
        self.save()
