"""Users and roles."""

import datetime

from peewee import *


def up(migrator, db):
    class User(db.Model):
        email = CharField(unique=True)
        password_hash = CharField()
        role = CharField(default="staff")
        active = BooleanField(default=True)
        created_at = DateTimeField(default=datetime.datetime.now)
        last_login_at = DateTimeField(null=True)

        class Meta:
            table_name = "users"

    db.create_tables([User])


def down(migrator, db):
    db.execute_sql("DROP TABLE users")
