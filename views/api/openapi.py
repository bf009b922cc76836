"""The OpenAPI 3.1 description of /api/v1, built from the schemas the API validates with."""

from views.api import schemas


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name, description):
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _errors(*codes):
    texts = {401: "Missing, unknown or revoked bearer token.", 404: "No such record.",
             409: "The document is synced to the ledger and locked; raise a credit note "
                  "(for a payment: it has gone to the ledger and cannot be removed).",
             405: "The method is not allowed here; the Allow header lists those that are.",
             413: "The body is larger than API_MAX_BODY_KB.",
             415: "The body is not JSON.", 422: "Invalid input; `errors` lists each field."}
    return {str(code): _json("Error", texts[code]) for code in codes}


def _number_param(what):
    return {"name": "number", "in": "path", "required": True, "schema": schemas.PATH_NUMBER,
            "description": f"The firm's own number of the {what}."}


def _run_param():
    return {"name": "run_id", "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1}, "description": "The run's id."}


def _body(name):
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def build_spec(max_lines):
    """The whole document as a dict."""
    write_errors = _errors(401, 413, 415, 422)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Ledgerlink API", "version": "1.0.0",
                 "description": "Send the firm's contacts and documents to Ledgerlink. Upserts "
                                "are keyed by the firm's own numbers: sending the same payload "
                                "twice changes nothing and answers `unchanged`."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/contacts/{number}": {
                "parameters": [_number_param("contact (A number)")],
                "get": {"operationId": "getContact", "summary": "Read one contact",
                        "responses": {"200": _json("Contact", "The contact."),
                                      **_errors(401, 404)}},
                "put": {"operationId": "upsertContact", "summary": "Create or update a contact",
                        "requestBody": _body("ContactInput"),
                        "responses": {"200": _json("ContactResult", "Updated or unchanged."),
                                      "201": _json("ContactResult", "Created."),
                                      **write_errors}},
            },
            "/documents": {
                "get": {"operationId": "listDocuments", "summary": "List documents, oldest first",
                        "parameters": [
                            {"name": "cursor", "in": "query", "required": False,
                             "schema": schemas.CURSOR,
                             "description": "next_cursor of the previous page."},
                            {"name": "limit", "in": "query", "required": False,
                             "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                            {"name": "kind", "in": "query", "required": False,
                             "schema": {"type": "string", "enum": list(schemas.KINDS)}}],
                        "responses": {"200": _json("DocumentPage", "One page."),
                                      **_errors(401, 422)}},
            },
            "/documents/{number}": {
                "parameters": [_number_param("document (S number)")],
                "get": {"operationId": "getDocument",
                        "summary": "Read one document with its sync status",
                        "responses": {"200": _json("Document", "The document."),
                                      **_errors(401, 404)}},
                "put": {"operationId": "upsertDocument", "summary": "Create or update a document",
                        "requestBody": _body("DocumentInput"),
                        "responses": {"200": _json("DocumentResult", "Updated or unchanged."),
                                      "201": _json("DocumentResult", "Created."),
                                      **write_errors, **_errors(409)}},
            },
            "/documents/{number}/sent": {
                "parameters": [_number_param("document (S number)")],
                "post": {"operationId": "markSent",
                         "summary": "Record that a sales document was sent, and how",
                         "requestBody": _body("SentInput"),
                         "responses": {"200": _json("DocumentResult", "Updated or unchanged."),
                                       **write_errors, **_errors(404)}},
            },
            "/documents/{number}/payments": {
                "parameters": [_number_param("invoice (S number)")],
                "get": {"operationId": "listPayments",
                        "summary": "The payments recorded against an invoice, and what is owed",
                        "responses": {"200": _json("PaymentList", "The payments."),
                                      **_errors(401, 404)}},
                "post": {"operationId": "addPayment",
                         "summary": "Record a receipt (customer invoice) or payment (supplier "
                                    "invoice)",
                         "requestBody": _body("PaymentInput"),
                         "responses": {"201": _json("PaymentResult", "Recorded."),
                                       **write_errors, **_errors(404)}},
            },
            "/documents/{number}/payments/{payment_id}": {
                "parameters": [_number_param("invoice (S number)"),
                               {"name": "payment_id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}],
                "delete": {"operationId": "removePayment",
                           "summary": "Remove a payment the ledger has not been sent",
                           "responses": {"204": {"description": "Removed."},
                                         **_errors(401, 404, 409)}},
            },
            "/documents/{number}/sync": {
                "parameters": [_number_param("document (S number)")],
                "get": {"operationId": "getDocumentSync",
                        "summary": "A document's sync state, status code and attempt history",
                        "responses": {"200": _json("DocumentSync", "The sync state."),
                                      **_errors(401, 404, 409)}},
            },
            "/sync/runs": {
                "post": {"operationId": "startSyncRun",
                         "summary": "Start a Sync (the next few) or an Auto sync on a worker",
                         "requestBody": _body("RunInput"),
                         "responses": {"202": _json("Run", "Started."),
                                       "409": {"description": "A run is already going (the "
                                                              "run), or nothing is connected.",
                                               "content": {"application/json": {"schema": {
                                                   "oneOf": [_ref("RunGoing"),
                                                             _ref("Error")]}}}},
                                       **write_errors}},
            },
            "/sync/runs/{run_id}": {
                "parameters": [_run_param()],
                "get": {"operationId": "getSyncRun", "summary": "A run's state and counters",
                        "responses": {"200": _json("Run", "The run."), **_errors(401, 404)}},
            },
            "/sync/runs/{run_id}/stop": {
                "parameters": [_run_param()],
                "post": {"operationId": "stopSyncRun",
                         "summary": "Ask a run to stop after the step in flight",
                         "responses": {"202": _json("Run", "Stop requested."),
                                       **_errors(401, 404)}},
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A token an administrator created "
                                                          "in Settings."}},
            "schemas": {
                "ContactInput": schemas.CONTACT_INPUT, "Contact": schemas.CONTACT,
                "ContactResult": schemas.CONTACT_RESULT,
                "DocumentInput": schemas.document_input(max_lines),
                "Document": schemas.DOCUMENT, "DocumentResult": schemas.DOCUMENT_RESULT,
                "DocumentPage": schemas.DOCUMENT_PAGE, "SentInput": schemas.SENT_INPUT,
                "Error": schemas.ERROR, "RunInput": schemas.RUN_INPUT, "Run": schemas.RUN,
                "RunGoing": schemas.RUN_GOING, "DocumentSync": schemas.DOCUMENT_SYNC,
                "PaymentInput": schemas.PAYMENT_INPUT, "Payment": schemas.PAYMENT,
                "PaymentResult": schemas.PAYMENT_RESULT, "PaymentList": schemas.PAYMENT_LIST,
            },
        },
    }
