"""Small field types shared by the models."""

import json

from peewee import Node
from peewee import TextField


class JSONField(TextField):
    """JSON stored as text, portable across SQLite and PostgreSQL."""

    def db_value(self, value):
        """Serialise to text (None stays NULL)."""
        return None if value is None else json.dumps(value, sort_keys=True, default=str)

    def python_value(self, value):
        """Parse from text."""
        return None if value is None else json.loads(value)


class IdList(Node):
    """The right side of `field.in_(IdList(ids))` for many integer ids, rendered in one step.

    peewee renders a plain list value by value, as nodes; over a recheck's batches of 500 that
    costs more than the checks themselves.
    """

    def __init__(self, ids):
        self.ids = [int(i) for i in ids]

    def __sql__(self, ctx):
        if not self.ids:
            return ctx.literal("(NULL)")
        param = ctx.state.param or "?"
        ctx.literal("(" + ", ".join([param] * len(self.ids)) + ")")
        ctx._values.extend(self.ids)
        return ctx
