"""Sign-ins kept on the server (revocable sessions), and a forced password change per user."""

import datetime

from peewee import *


def up(migrator, db):
    class User(db.Model):
        class Meta:
            table_name = "users"

    class UserSession(db.Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        token_hash = CharField(max_length=64, unique=True)
        remember = BooleanField(default=False)
        created_at = DateTimeField(default=datetime.datetime.now)
        expires_at = DateTimeField(index=True)
        user_agent = CharField(max_length=200, default="")

        class Meta:
            table_name = "user_session"

    db.create_tables([UserSession])
    migrator.migrate(migrator.add_column("users", "must_change_password",
                                         BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("users", "must_change_password"))
    db.execute_sql("DROP TABLE user_session")
