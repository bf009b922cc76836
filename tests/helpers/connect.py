"""Connect a provider through Ledgerlink's own screens and the sandbox's real consent pages."""

import re
from urllib.parse import urlparse

from conftest import csrf_token

import models
from helpers import oauth_dance
from models.integration import Connection


def start_connect(client, provider_id, reconnect=None):
    """Press Connect (or Reconnect): return the provider's authorize URL we were sent to."""
    data = {"csrf_token": csrf_token(client, "/integrations/")}
    if reconnect:
        data["reconnect"] = str(reconnect)
    response = client.post(f"/integrations/{provider_id}/connect", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def return_from_provider(client, callback_url):
    """Follow the provider's redirect back into Ledgerlink (path and query only)."""
    parsed = urlparse(callback_url)
    return client.get(f"{parsed.path}?{parsed.query}")


def connect(app, client, provider_id, organisation_index=0, decision="allow", avoid=None,
            organisation=None):
    """The whole flow, granting every organisation offered; returns (response, Connection)."""
    authorize_url = start_connect(client, provider_id)
    callback = oauth_dance.consent(authorize_url, f"http://localhost/integrations/{provider_id}/",
                                   decision=decision, select_all=True)
    response = return_from_provider(client, callback)
    if response.headers.get("Location", "").endswith(f"/integrations/{provider_id}/choose"):
        page = client.get(f"/integrations/{provider_id}/choose").get_data(as_text=True)
        options = [o for o in re.findall(r'name="organisation" value="([^"]+)"', page)
                   if o != avoid and organisation in (None, o)]
        token = csrf_token(client, f"/integrations/{provider_id}/choose")
        response = client.post(f"/integrations/{provider_id}/choose",
                               data={"organisation": options[organisation_index],
                                     "csrf_token": token})
    with app.app_context(), models.db.connection_context():
        connection = Connection.get_or_none(Connection.provider == provider_id,
                                            Connection.active == True)  # noqa: E712
    return response, connection
