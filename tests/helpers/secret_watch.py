"""Watch the whole suite's log output for secrets the suite itself created (issue 14.6).

install() (called once from conftest) records every secret as it is made: passwords given to
users, API tokens, sign-in tokens, the apps' secret and token keys, OAuth tokens put in the
vault; and every line the log handler writes, in this process and in the worker processes the
tests start. tests/test_zz_log_scan.py, run last, looks for any of the one in the other.
"""

import functools
import re

MIN_LENGTH = 8  # shorter strings occur in ordinary text by chance
LINES = []
SECRETS = set()


def remember(secret):
    """Note one secret value."""
    if isinstance(secret, str) and len(secret) >= MIN_LENGTH:
        SECRETS.add(secret)


def _wrap(owner, name, record):
    original = getattr(owner, name)
    function = getattr(original, "__func__", original)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        record(args, kwargs, result)
        return result

    setattr(owner, name, classmethod(wrapper) if hasattr(original, "__func__") else wrapper)


def install():
    """Start recording secrets and log lines."""
    import config
    import logs
    from helpers import processes
    from models import token_vault
    from models.api_token import ApiToken
    from models.user import User
    from models.user_session import UserSession

    _wrap(User, "set_password", lambda args, kwargs, result: remember(args[1]))
    _wrap(ApiToken, "issue", lambda args, kwargs, result: remember(result[1]))
    _wrap(UserSession, "start", lambda args, kwargs, result: remember(result[1]))

    def vault(args, kwargs, result):
        for value in vars(args[1]).values():
            remember(value)

    _wrap(token_vault, "encrypt", vault)

    def keys(args, kwargs, result):
        app_config = args[0].config
        remember(app_config.get("SECRET_KEY"))
        for key in str(app_config.get("TOKEN_KEYS") or "").split(","):
            remember(key.strip())

    _wrap(config, "load_config", keys)

    emit = logs._StdoutHandler.emit

    def emit_and_keep(self, record):
        emit(self, record)
        LINES.append(self.format(record))

    logs._StdoutHandler.emit = emit_and_keep
    for name in ("run_worker_burst", "stop"):
        _wrap(processes, name, lambda args, kwargs, result: LINES.append(str(result)))


def leaks():
    """(secret, line) for every secret found in the captured output, secrets shown shortened."""
    if not SECRETS or not LINES:
        return []
    pattern = re.compile("|".join(re.escape(s) for s in sorted(SECRETS, key=len, reverse=True)))
    found = []
    for line in LINES:
        for match in pattern.finditer(line):
            found.append((match.group()[:4] + "…", line[:200]))
    return found
