"""Settings (administrators): the screen's blueprint and its routes, one module per section.

page: the page and the system status; worker_check: the worker check panel; firm: the firm's
details for PDFs; api_tokens: tokens for the API.
"""

from flask import Blueprint

from views.settings import api_tokens
from views.settings import firm
from views.settings import page
from views.settings import worker_check

bp = Blueprint("settings", __name__, url_prefix="/settings")

bp.get("/")(page.index)
bp.post("/worker-check")(worker_check.worker_check_start)
bp.get("/worker-check/<job_id>")(worker_check.worker_check_status)
bp.post("/firm")(firm.save_firm)
bp.post("/api-tokens")(api_tokens.create_token)
bp.post("/api-tokens/<int:token_id>/revoke")(api_tokens.revoke_token)
