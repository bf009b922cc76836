"""The one converter for ids in URLs: ASCII digits within what the database stores, else 404.

Registered as `int`, so every `<int:...>` in every blueprint (and any route added later) gets
it: /documents/18446744073709551616 or /documents/² is "nothing at this address", never an
OverflowError from the database.
"""

from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError

from services.cursors import parse_id


class IdConverter(BaseConverter):
    """A row id in a path segment."""

    regex = r"[0-9]{1,19}"
    weight = 50
    part_isolating = True

    def to_python(self, value):
        """The id, or no match (a 404) when it is out of range."""
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value):
        """The id as digits."""
        return str(int(value))


def init_app(app):
    """Use the id converter for every integer in a URL rule."""
    app.url_map.converters["int"] = IdConverter
