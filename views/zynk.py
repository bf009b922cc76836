"""The two (three) URLs Zynk's HTTP tasks call for Sage 50: GET the download, POST the success
file, POST the fail file. Basic auth from the connection's credentials, no browser session, so
no CSRF token either (a cross-site form cannot supply the credentials). Wrong credentials get a
bare 401, and too many wrong guesses from one address or for one user name a 429.
"""

import logging

from flask import Blueprint
from flask import Response
from flask import jsonify
from flask import request

from connections.zynk import authenticate
from models.integration import Connection
from providers.sage50.wire import MAX_BODY_BYTES
from sync import zynk
from views._security import csrf
from views._throttle import Throttle

bp = Blueprint("zynk", __name__, url_prefix="/zynk")
csrf.exempt(bp)
log = logging.getLogger("ledgerlink.zynk")
# Failed sign-ins per client address and per user name, over five minutes.
AUTH_FAILURES = Throttle("zynk-auth", limit=10, window_seconds=300)


def _subjects():
    auth = request.authorization
    name = (auth.username if auth and auth.username else "")[:40]
    return (f"ip:{request.remote_addr or ''}", f"user:{name}")


def _refused():
    return Response(status=401, headers={"WWW-Authenticate": 'Basic realm="Ledgerlink Zynk"'})


def _authenticated():
    """(connection, link), or the 401/429 Response to answer with."""
    subjects = _subjects()
    if AUTH_FAILURES.blocked(*subjects):
        return Response(status=429,
                        headers={"Retry-After": str(AUTH_FAILURES.retry_after(*subjects))})
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return _refused()  # no guess made: nothing to count
    found = authenticate(auth.username, auth.password)
    if found is None:
        AUTH_FAILURES.record_failure(*subjects)
        log.info("zynk: refused credentials from %s", request.remote_addr)
        return _refused()
    return found


def _body():
    """The posted file, read no further than the size limit (None when it is over)."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        return None
    data = request.stream.read(MAX_BODY_BYTES + 1)
    return None if len(data) > MAX_BODY_BYTES else data


def _problem(message, status=400):
    return jsonify({"error": message}), status


@bp.get("/download")
def download():
    """Zynk's XML of everything Sage 50 has not confirmed yet."""
    found = _authenticated()
    if isinstance(found, Response):
        return found
    connection, link = found
    if not connection.mappings_confirmed:
        return _problem("The Sage 50 mapping is not saved yet: an administrator saves it on the "
                        "Integrations page.", 409)
    body = zynk.download(connection, link)
    return Response(body, mimetype="application/xml",
                    headers={"Cache-Control": "no-store",
                             "Content-Disposition": 'attachment; filename="download.xml"'})


def _apply(apply):
    found = _authenticated()
    if isinstance(found, Response):
        return found
    connection, link = found
    body = _body()
    if body is None:
        return _problem(f"The file is larger than {MAX_BODY_BYTES // 1024} KB.", 413)
    try:
        counts = apply(Connection.get_by_id(connection.id), link, body)
    except zynk.ZynkError as exc:
        return _problem(str(exc))
    return jsonify(counts)


@bp.post("/confirm")
def confirm():
    """Zynk's success file: mark each Id confirmed with Sage 50's numbers."""
    return _apply(zynk.confirm)


@bp.post("/failed")
def failed():
    """Zynk's fail file: Sage 50's reasons on the refused records."""
    return _apply(zynk.record_failures)
