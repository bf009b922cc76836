"""Accounts locked by failed sign-ins: administrators are told, and may unlock them."""

import logging
import time

from flask import current_app

from views._throttle import Throttle
from worker.queue import get_redis

log = logging.getLogger("ledgerlink.auth")
_KEY = "ledgerlink:locked-accounts"
NOTICE_SECONDS = 3600  # how long administrators are told about a lockout


def login_throttle():
    """The sign-in failure throttle, shared by every web process."""
    return Throttle("login", current_app.config["LOGIN_ATTEMPTS_PER_MINUTE"])


def record_locked_account(address):
    """Note that an account reached its limit of failed sign-ins (someone may be guessing)."""
    client = get_redis()
    if client.zscore(_KEY, address) is None:
        log.warning("sign-in: too many failed attempts for %s; the account is locked for now",
                    address)
    client.zadd(_KEY, {address: time.time()})


def locked_accounts():
    """{address: failures in the window} of accounts locked in the last hour that still fail."""
    client = get_redis()
    client.zremrangebyscore(_KEY, 0, time.time() - NOTICE_SECONDS)
    throttle = login_throttle()
    return {address.decode(): throttle.failures(f"account:{address.decode()}")
            for address in client.zrange(_KEY, 0, -1)}


def is_locked(address):
    """True while the account's failed sign-ins keep it locked."""
    return login_throttle().blocked(f"account:{address}")


def unlock(address):
    """Clear an account's failed sign-ins so its owner can sign in again at once."""
    login_throttle().clear(f"account:{address}")
    get_redis().zrem(_KEY, address)
