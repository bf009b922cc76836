"""Settings for documents: firm details and logo for PDFs, API tokens; admins only."""

import base64
import io
import re

import pytest
from conftest import csrf_token
from conftest import htmx_headers

import models
from models.api_token import ApiToken
from models.api_token import hash_token
from models.firm import FirmProfile

# A 1x1 PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQ"
                       "GAhKmMIQAAAABJRU5ErkJggg==")


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/settings/firm"), ("post", "/settings/api-tokens"),
    ("post", "/settings/api-tokens/1/revoke"), ("get", "/settings/"),
])
def test_staff_cannot_use_these_settings(staff_client, method, path):
    token = csrf_token(staff_client, "/documents/")
    assert getattr(staff_client, method)(path, data={"csrf_token": token}).status_code == 403


def test_admin_creates_a_token_shown_once_then_revokes_it(app, admin_client):
    token = csrf_token(admin_client, "/settings/")
    response = admin_client.post("/settings/api-tokens", headers=htmx_headers(),
                                 data={"csrf_token": token, "name": "Job system"})
    html = response.get_data(as_text=True)
    plain = re.search(r'<code id="new-token-value">([^<]+)</code>', html).group(1)
    with app.app_context(), models.db.connection_context():
        record = ApiToken.get()
        assert record.token_hash == hash_token(plain) and record.name == "Job system"
    assert plain not in admin_client.get("/settings/").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {plain}"}
    assert admin_client.get("/api/v1/documents", headers=headers).status_code == 200
    admin_client.post(f"/settings/api-tokens/{record.id}/revoke", data={"csrf_token": token})
    assert admin_client.get("/api/v1/documents", headers=headers).status_code == 401


def test_a_token_needs_a_name(admin_client):
    token = csrf_token(admin_client, "/settings/")
    response = admin_client.post("/settings/api-tokens", data={"csrf_token": token, "name": " "})
    assert response.status_code == 422 and "Give the token a name" in response.get_data(
        as_text=True)


def test_firm_details_and_logo(app, admin_client):
    token = csrf_token(admin_client, "/settings/")
    data = {"csrf_token": token, "name": "Severn Heating Ltd", "address_line1": "2 Mill Lane",
            "city": "Bristol", "postcode": "BS1 1AA", "country": "gb", "vat_number": "GB123",
            "email": "office@severn.example", "phone": "", "payment_terms": "30 days"}
    gif = (io.BytesIO(b"GIF89a"), "logo.gif")
    bad = admin_client.post("/settings/firm", data={**data, "logo": gif},
                            content_type="multipart/form-data")
    assert bad.status_code == 422 and "PNG or JPEG" in bad.get_data(as_text=True)
    with app.app_context(), models.db.connection_context():
        assert FirmProfile.select().count() == 0
    ok = admin_client.post("/settings/firm", data={**data, "logo": (io.BytesIO(PNG), "l.png")},
                           content_type="multipart/form-data")
    assert ok.status_code == 302
    with app.app_context(), models.db.connection_context():
        firm = FirmProfile.current()
        assert (firm.name, firm.country, firm.logo_type) == ("Severn Heating Ltd", "GB", "png")
    page = admin_client.get("/settings/").get_data(as_text=True)
    assert 'value="Severn Heating Ltd"' in page and 'id="api-tokens"' in page
