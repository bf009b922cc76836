"""The pretend provider sign-in and consent page, and the redirect back to the client, shared
by every provider's authorize step."""

from urllib.parse import urlencode

from flask import redirect
from flask import render_template_string

# A minimal style for the sandbox's pages, so they read as plain forms and not as a broken site.
HEAD = """<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>
body { font: 16px/1.5 system-ui, sans-serif; color: #222; background: #f4f5f7; margin: 0; }
main { max-width: 34rem; margin: 3rem auto; padding: 1.5rem 2rem; background: #fff;
       border: 1px solid #dde; border-radius: 8px; }
h1 { font-size: 1.4rem; margin-top: 0; }
label { display: block; margin: 0.4rem 0; }
input[type=email], input[type=text] { display: block; width: 100%; padding: 0.4rem;
       box-sizing: border-box; }
fieldset { border: 1px solid #dde; border-radius: 6px; margin: 1rem 0; }
button { padding: 0.5rem 1.2rem; margin: 0.5rem 0.5rem 0 0; border-radius: 6px;
         border: 1px solid #0b5cad; background: #0b5cad; color: #fff; font: inherit; }
button[value=deny] { background: #fff; color: #0b5cad; }
</style>"""

_CONSENT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ label }} sandbox: sign in</title>
{{ head|safe }}</head>
<body>
<main>
<h1>{{ label }} (sandbox)</h1>
<p>This is Ledgerlink's local stand-in for {{ label }}. Nothing here is a real ledger.</p>
<form method="post" action="{{ action }}">
  {% for name, value in hidden.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
  {% endfor %}
  <label>Email <input type="email" name="user" value="{{ user }}" required></label>
  <p>{{ app_name }} asks to: {{ scope }}</p>
  {% if choices %}
  <fieldset><legend>{{ choice_label }}</legend>
  {% for value, text in choices %}
    <label><input type="{{ 'checkbox' if multi else 'radio' }}" name="{{ choice_name }}"
       value="{{ value }}"{% if loop.first %} checked{% endif %}> {{ text }}</label><br>
  {% endfor %}
  </fieldset>
  {% endif %}
  {{ extra|safe }}
  <button type="submit" name="decision" value="allow">Allow access</button>
  <button type="submit" name="decision" value="deny">Cancel</button>
</form>
</main>
</body></html>"""


def consent_page(label, action, hidden, scope, choices=(), multi=False, choice_name="org",
                 choice_label="Organisation", user="owner@example.com", extra="",
                 app_name="Ledgerlink"):
    """Render the sign-in and consent form; its POST carries the user's choices."""
    return render_template_string(
        _CONSENT, head=HEAD, label=label, action=action, hidden=hidden, scope=scope,
        choices=list(choices), multi=multi, choice_name=choice_name, choice_label=choice_label,
        user=user, extra=extra, app_name=app_name)


def back_to_client(redirect_uri, **params):
    """Redirect (302) to the client's redirect URI with the non-empty params in its query."""
    query = urlencode({k: v for k, v in params.items() if v})
    return redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}", 302)
