"""Small field types shared by the models."""

import json

from peewee import TextField


class JSONField(TextField):
    """JSON stored as text, portable across SQLite and PostgreSQL."""

    def db_value(self, value):
        """Serialise to text (None stays NULL)."""
        return None if value is None else json.dumps(value, sort_keys=True, default=str)

    def python_value(self, value):
        """Parse from text."""
        return None if value is None else json.loads(value)
