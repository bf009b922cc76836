"""JSON API under /api/v1 for the firm's job or booking system: bearer tokens, JSON errors.

The blueprint and its routes; protocol: tokens, JSON in and out, errors; routes: the endpoints;
schemas and openapi: the JSON Schemas and the OpenAPI description built from them. Unmatched
URLs, 405s, 413s and unexpected errors under /api/ are answered as JSON by the app's error
handlers (views/errors.py), which also see requests that never reach this blueprint.
"""

from flask import Blueprint

from views._security import csrf
from views.api import protocol
from views.api import routes
from views.api import sync_routes

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.before_request(protocol.authenticate)
bp.register_error_handler(protocol.ApiError, protocol.api_error)

bp.get("/openapi.json")(routes.openapi)
bp.get("/contacts/<number>")(routes.get_contact)
bp.put("/contacts/<number>")(routes.put_contact)
bp.get("/documents/<number>")(routes.get_document)
bp.put("/documents/<number>")(routes.put_document)
bp.post("/documents/<number>/sent")(routes.mark_sent)
bp.get("/documents")(routes.list_documents)
bp.get("/documents/<number>/payments")(routes.list_payments)
bp.post("/documents/<number>/payments")(routes.add_payment)
bp.delete("/documents/<number>/payments/<int:payment_id>")(routes.remove_payment)
bp.get("/documents/<number>/sync")(sync_routes.document_sync)
bp.post("/sync/runs")(sync_routes.start_sync_run)
bp.get("/sync/runs/<int:run_id>")(sync_routes.get_sync_run)
bp.post("/sync/runs/<int:run_id>/stop")(sync_routes.stop_sync_run)
