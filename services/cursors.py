"""Row ids and keyset cursors as they arrive from outside: one parser for each, never a 500.

An id is ASCII digits within the signed 64-bit range that SQLite and PostgreSQL both store;
anything else (2^63 or more, "²", "١٢", "-1") is not an id. A cursor is base64url (no padding)
of its parts packed in order: an id or a date as 8 bytes big-endian (a date by its ordinal), and
at most one text part, last, as UTF-8. Decoding checks every part and answers None for anything
that is not a cursor we could have given out, so a list shows its first page instead.
"""

import base64
import binascii
import datetime
import re
import struct

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]{1,400}")
# Every 11-character string matching this decodes to one id (the first character keeps the top
# bit clear, so the value is below 2^63); the OpenAPI document publishes it for the API cursor.
ID_CURSOR_PATTERN = r"^[A-Za-f][A-Za-z0-9_-]{10}$"


def parse_id(text):
    """The row id written in text, or None when it is not one (never raises)."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 0 <= text <= MAX_ID else None
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def encode_cursor(*parts):
    """An opaque cursor for parts (ints, dates, and at most one str, last)."""
    packed = b""
    for part in parts:
        if isinstance(part, str):
            packed += part.encode()
        elif isinstance(part, datetime.date):
            packed += struct.pack(">Q", part.toordinal())
        else:
            packed += struct.pack(">Q", part)
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode_cursor(cursor, *kinds):
    """The parts of a cursor, by kinds ("id", "date", "text" last), or None when it is not one."""
    if not isinstance(cursor, str) or not _BASE64URL.fullmatch(cursor):
        return None
    try:
        packed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        return None
    fixed = sum(8 for kind in kinds if kind != "text")
    if len(packed) < fixed or ("text" not in kinds and len(packed) != fixed):
        return None
    parts, offset = [], 0
    for kind in kinds:
        if kind == "text":
            try:
                parts.append(packed[offset:].decode())
            except UnicodeDecodeError:
                return None
            continue
        (value,) = struct.unpack_from(">Q", packed, offset)
        offset += 8
        if kind == "id":
            if value > MAX_ID:
                return None
            parts.append(value)
        elif kind == "date":
            if not 1 <= value <= datetime.date.max.toordinal():
                return None
            parts.append(datetime.date.fromordinal(value))
    return tuple(parts)
