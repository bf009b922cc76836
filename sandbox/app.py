"""The sandbox's Flask app: one blueprint per provider under its prefix, plus /_control."""

import json
import os

from flask import Flask
from flask import abort
from flask import jsonify
from flask import make_response
from flask import request

from sandbox import REGISTRY
from sandbox.core import GENERIC_ODD_ANSWERS
from sandbox.core import Clock
from sandbox.demo_firm import checked_contacts

LIMIT_SWITCH = {"on": True, "off": False}


def create_sandbox_app(clock_factor=None, faults=None, limits=None, demo_firm=None):
    """Build the sandbox app. The clock factor, the run's faults ({"xero": {...}}), whether
    the published rate limits are enforced ("on" or "off") and whether the default organisations
    hold the demo firm's contacts (sandbox/demo_firm.py) also come from SANDBOX_CLOCK_FACTOR,
    SANDBOX_FAULTS, SANDBOX_LIMITS and SANDBOX_DEMO_FIRM=on; a reset comes back to these."""
    factor = clock_factor or float(os.environ.get("SANDBOX_CLOCK_FACTOR", "1"))
    app = Flask(__name__)
    app.config["JSON_SORT_KEYS"] = False
    clock = Clock(factor)
    sandboxes = {name: cls(clock) for name, cls in REGISTRY.items()}
    app.extensions["sandbox"] = {"clock": clock, "providers": sandboxes}
    for sandbox in sandboxes.values():
        app.register_blueprint(sandbox.blueprint(), url_prefix=sandbox.prefix)
    spec = faults or json.loads(os.environ.get("SANDBOX_FAULTS", "{}"))
    switch = (limits or os.environ.get("SANDBOX_LIMITS") or "on").lower()
    if switch not in LIMIT_SWITCH:
        raise ValueError(f"SANDBOX_LIMITS must be on or off, not {switch!r}")
    firm = demo_firm if demo_firm is not None else (
        os.environ.get("SANDBOX_DEMO_FIRM", "off").lower() == "on")
    for sandbox in sandboxes.values():
        sandbox.set_run_defaults(enforce_limits=LIMIT_SWITCH[switch], demo_firm=firm)
    for name, values in spec.items():
        if name not in sandboxes:
            raise ValueError(f"unknown provider {name!r} in the faults")
        sandboxes[name].set_run_defaults(faults=values)
    _register_control(app, clock, sandboxes)
    return app


def _register_control(app, clock, sandboxes):
    def named():
        """The provider named in the body or query, or None."""
        name = (request.get_json(silent=True) or {}).get("provider") or request.args.get("provider")
        return sandboxes.get(name)

    def pick():
        """The provider named in the body or query; 404 for an unknown one."""
        target = named()
        if target is None:
            abort(make_response({"error": "unknown provider"}, 404))
        return target

    @app.get("/")
    def index():
        return {"sandbox": True, "providers": {n: s.prefix for n, s in sandboxes.items()},
                "clock_factor": clock.factor,
                "demo_firm": all(s.run_demo_firm for s in sandboxes.values())}

    @app.get("/favicon.ico")
    def favicon():
        return "", 204  # browsers ask for one; the sandbox has none and says so without a 404

    @app.post("/_control/reset")
    def reset():
        target = named()
        for sandbox in [target] if target else sandboxes.values():
            sandbox.reset()
        return {"reset": True}

    @app.post("/_control/clock")
    def set_clock():
        body = request.get_json(force=True)
        if "factor" in body:
            clock.factor = float(body["factor"])
        if "advance" in body:
            clock.advance(float(body["advance"]))
        return {"factor": clock.factor, "offset": clock.offset}

    @app.post("/_control/faults")
    def set_faults():
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            return {"error": "send a JSON object of faults"}, 400
        body = dict(body)
        name = body.pop("provider", None)
        if name not in sandboxes:
            abort(make_response({"error": "unknown provider"}, 404))
        try:
            sandboxes[name].faults = sandboxes[name].make_faults(body)
        except ValueError as exc:
            return {"error": str(exc)}, 400
        return faults_of(sandboxes[name])

    @app.get("/_control/faults")
    def show_faults():
        return faults_of(pick())

    def faults_of(target):
        faults = target.faults
        return {**faults.settings(), "fired": dict(faults.fired),
                "odd_answers_known": {**GENERIC_ODD_ANSWERS, **target.odd_answers}}

    @app.route("/_control/limits", methods=["GET", "POST"])
    def limits():
        """Whether each provider enforces its published rate limits; POST {"enforce": bool}
        (and "provider" for one) switches them."""
        body = request.get_json(silent=True) or {}
        if "provider" in body or "provider" in request.args:
            target = pick()
            targets = {target.name: target}
        else:
            targets = sandboxes
        if request.method == "POST":
            enforce = body.get("enforce") if isinstance(body, dict) else None
            if not isinstance(enforce, bool):
                return {"error": "enforce must be true or false"}, 400
            for target in targets.values():
                target.limiter.enforce = enforce
        return {name: {"enforce": target.limiter.enforce,
                       "published": published_limits(target)}
                for name, target in targets.items()}

    @app.get("/_control/ledger")
    def ledger():
        """Each organisation's documents by number and reference, and the API calls it got."""
        target = pick()
        return {"tenants": target.ledger(request.args.get("tenant")),
                "faults_fired": dict(target.faults.fired)}

    @app.get("/_control/state")
    def state():
        target = pick()
        return {"tenants": target.summary(request.args.get("tenant")),
                "refreshes": target.oauth.refresh_count}

    @app.post("/_control/seed")
    def seed():
        body = request.get_json(force=True)
        target = pick()
        try:
            tenant = target.seed_tenant(body.get("tenant"), body.get("preset", "uk"),
                                        body.get("name"))
        except (ValueError, KeyError) as exc:
            return {"error": f"cannot seed: {exc}"}, 400
        return {"tenant": tenant}

    @app.post("/_control/organisation")
    def organisation_settings():
        body = dict(request.get_json(force=True))
        target = pick()
        body.pop("provider", None)
        tenant = body.pop("tenant", None)
        try:
            return target.set_organisation(tenant, body)
        except KeyError:
            return {"error": "unknown tenant"}, 404
        except (ValueError, TypeError) as exc:
            return {"error": str(exc)}, 400

    @app.post("/_control/contacts")
    def add_contacts():
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            return {"error": "send a JSON object"}, 400
        target = pick()
        try:
            contacts = checked_contacts(body.get("contacts"))
            target.add_contacts(body.get("tenant"), contacts)
        except KeyError:
            return {"error": "unknown tenant"}, 404
        except ValueError as exc:
            return {"error": str(exc)}, 400
        return {"added": len(contacts)}

    @app.post("/_control/touch")
    def touch():
        body = request.get_json(force=True)
        target = pick()
        try:
            stamp = target.touch_document(body.get("tenant"), str(body.get("id", "")))
        except KeyError:
            return {"error": "unknown tenant or document"}, 404
        return {"modified": stamp}

    @app.post("/_control/clients")
    def register_client():
        body = request.get_json(force=True)
        target = pick()
        target.clients[body["client_id"]] = {"secret": body["client_secret"],
                                             "redirect_uris": body.get("redirect_uris")}
        return {"client_id": body["client_id"]}

    @app.get("/_control/requests")
    def recorded():
        target = pick()
        return jsonify(target.requests)


def published_limits(target):
    """A provider sandbox's published rate limits, as enforced when limits are on."""
    shown = {}
    for prefix, attribute in (("", "limits"), ("app_", "app_limits"), ("batch_", "batch_limits")):
        limits = getattr(target, attribute, None)
        if limits is not None:
            shown.update({prefix + name: value for name, value in vars(limits).items() if value})
    return shown
