"""In headless Chromium: users managed in place with confirmations, your own password, the
login page before any administrator exists (issue 13.16)."""

from conftest import PASSWORD
from helpers.browser import chromium_page
from helpers.browser import live_server
from helpers.browser import needs_chromium
from helpers.browser import sign_in_page

import models
from models.user import User


@needs_chromium
def test_admin_manages_users_in_place_and_a_user_changes_the_password_set_for_them(
        app, admin, staff, tmp_path):
    with live_server(app) as base, chromium_page() as page:
        dialogs = []

        def answer(dialog):
            dialogs.append(dialog.message)
            dialog.accept()

        page.on("dialog", answer)
        sign_in_page(page, base, admin.email, PASSWORD)
        page.goto(f"{base}/users/")
        page.evaluate("window.__sameDocument = true")

        row = page.locator(f"#user-{staff.id}")
        row.locator("select[name=role]").select_option("admin")
        row.get_by_role("button", name="Change role").click()
        page.get_by_text(f"{staff.email} is now an administrator.").wait_for()
        assert dialogs and dialogs[-1].startswith(f"Change the role of {staff.email}?")

        page.locator("summary", has_text="Add a user").click()
        page.fill("input[name=email]", "new@example.com")
        page.fill("#users-panel input[name=password][autocomplete=new-password] >> nth=-1",
                  "a long password")
        page.get_by_role("button", name="Add user").click()
        page.get_by_text("new@example.com is added as staff").wait_for()

        row = page.locator(f"#user-{staff.id}")
        row.locator("summary", has_text="New password").click()
        row.locator("input[name=password]").fill("set by the admin")
        row.get_by_role("button", name="Set password").click()
        page.get_by_text(f"New password set for {staff.email}").wait_for()
        page.screenshot(path=str(tmp_path / "users.png"), full_page=True)
        assert page.evaluate("window.__sameDocument") is True  # all of it answered in place
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        assert not page.js_errors, page.js_errors

    with live_server(app) as base, chromium_page() as page:
        page.goto(f"{base}/auth/login")
        page.fill("input[name=email]", staff.email)
        page.fill("input[name=password]", "set by the admin")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/account/")
        assert "An administrator set" in page.inner_text("main")
        page.screenshot(path=str(tmp_path / "account.png"), full_page=True)
        page.goto(f"{base}/documents/")
        page.wait_for_url(f"{base}/account/")
        page.fill("input[name=current_password]", "set by the admin")
        page.fill("input[name=new_password]", "my very own password")
        page.fill("input[name=confirm_password]", "my very own password")
        page.get_by_role("button", name="Change password").click()
        page.wait_for_url(f"{base}/")
        assert "Your password is changed" in page.inner_text("main")
        page.screenshot(path=str(tmp_path / "after-change.png"), full_page=True)
        assert not page.js_errors, page.js_errors
    with app.app_context(), models.db.connection_context():
        assert User.get_by_id(staff.id).check_password("my very own password")


@needs_chromium
def test_login_page_says_how_to_create_the_first_admin(app, tmp_path):
    with live_server(app) as base, chromium_page() as page:
        page.goto(f"{base}/auth/login")
        note = page.locator("#no-admin-yet")
        assert note.is_visible()
        assert "create-user you@example.com --admin" in note.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        page.screenshot(path=str(tmp_path / "login.png"), full_page=True)
