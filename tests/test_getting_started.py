"""The home page's getting-started list follows what is really set up, and says who acts."""

import re

from helpers.connect import connect
from helpers.docs import add_document
from helpers.sync import CUSTOMER
from helpers.sync import Db
from helpers.sync import ready_world

from models.firm import FirmProfile


def _steps(client):
    html = client.get("/").get_data(as_text=True)
    return html, dict(re.findall(r'<li id="step-(\w+)" data-done="(yes|no)">', html))


def test_the_steps_follow_the_set_up_and_end_at_the_sync_page(sandbox_app, admin_web,
                                                              staff_web):
    html, steps = _steps(admin_web)
    assert steps == {"connect": "no", "map": "no", "firm": "no", "documents": "no"}
    assert "0 of 4 done" in html and 'href="/integrations/"' in html
    staff_html, _ = _steps(staff_web)
    assert staff_html.count("An administrator does this.") == 3  # staff add documents themselves

    _response, connection = connect(sandbox_app, admin_web, "xero")
    html, steps = _steps(admin_web)
    assert steps["connect"] == "yes" and steps["map"] == "no"
    assert f'href="/integrations/{connection.id}/configure"' in html

    ready_world(sandbox_app, admin_web, "xero")  # maps the accounts
    with Db(sandbox_app):
        FirmProfile.create(name="Harbour Builders", address_line1="1 Quay Street")
    add_document(sandbox_app, "S4001", contact_number=CUSTOMER)
    html, steps = _steps(admin_web)
    assert steps == {}  # the list is gone once every step is done
    assert "Getting started" not in html and "Everything is set up" in html
    assert 'id="next-step"' in html and 'href="/sync/"' in html
