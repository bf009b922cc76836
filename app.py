"""Ledgerlink's application factory."""

from pathlib import Path

from flask import Flask

import config
import logs
import models
from views import _converters
from views import _htmx
from views import _security
from views import auth
from views import errors

ROOT = Path(__file__).resolve().parent


def _navigation():
    """Sidebar entries (endpoint, label, admin only), shown when their screen exists."""
    return [
        ("integrations.index", "Integrations", False),
        ("sync.index", "Sync", False),
        ("documents.index", "Documents", False),
        ("contacts.index", "Contacts", False),
        ("users.index", "Users", True),
        ("settings.index", "Settings", True),
    ]


def _register_blueprints(app):
    from views import account
    from views import api
    from views import connect
    from views import contacts
    from views import documents
    from views import health
    from views import home
    from views import integrations
    from views import mapping
    from views import sage50
    from views import settings
    from views import sync
    from views import users
    from views import zynk

    for module in (auth, home, health, users, settings, documents, contacts, api, integrations,
                   connect, mapping, account, sync, sage50, zynk):
        app.register_blueprint(module.bp)


def create_app(test_config=None):
    """Build the app: settings in order, then database, logging, security and screens."""
    app = Flask(__name__, instance_path=config.instance_path_from_env(ROOT),
                instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    config.load_config(app, test_config)

    logs.init_app(app)
    models.init_app(app)
    _security.init_app(app)
    _htmx.init_app(app)
    _converters.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    _register_blueprints(app)

    from cli import init_app as init_cli

    init_cli(app)

    from models.money import format_price

    app.add_template_filter(format_price, "price")

    @app.context_processor
    def _layout():
        return {"navigation": [item for item in _navigation() if item[0] in app.view_functions]}

    return app
