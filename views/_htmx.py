"""The one htmx helper: tell full-page requests from fragment requests, and answer each."""

from flask import render_template
from flask import session
from flask_htmx import HTMX
from flask_htmx import make_response as htmx_response
from flask_htmx.responses import HTMXResponseClientRedirect

htmx = HTMX()


def is_partial():
    """A request wants a fragment: htmx sent it, not by boosted navigation or a history restore."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page_or_fragment(page, fragment, **context):
    """Render the fragment alone for htmx, else the full page that includes it."""
    return render_template(fragment if is_partial() else page, **context)


def client_redirect(url):
    """Send the browser to url: HX-Redirect for htmx requests (never a swapped-in page)."""
    from flask import redirect

    if htmx:
        return HTMXResponseClientRedirect(url)
    return redirect(url)


def init_app(app):
    """Bind flask-htmx and vary cached responses on HX-Request."""
    htmx.init_app(app)

    @app.after_request
    def _vary_and_flash(response):
        response.vary.add("HX-Request")
        if (is_partial() and response.mimetype == "text/html" and session.get("_flashes")
                and "HX-Redirect" not in response.headers):  # kept for the page it leads to
            # Fragments carry pending flash messages out of band into the page's #flashes.
            response.set_data(response.get_data(as_text=True)
                              + render_template("_flashes.html", oob=True))
        return response


__all__ = ["client_redirect", "htmx", "htmx_response", "init_app", "is_partial",
           "render_page_or_fragment"]
