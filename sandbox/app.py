"""The sandbox's Flask app: one blueprint per provider under its prefix, plus /_control."""

import json
import os

from flask import Flask
from flask import abort
from flask import jsonify
from flask import make_response
from flask import request

from sandbox import REGISTRY
from sandbox.core import Clock
from sandbox.core import Faults


def create_sandbox_app(clock_factor=None, faults=None):
    """Build the sandbox app; clock factor and faults also come from SANDBOX_* variables."""
    factor = clock_factor or float(os.environ.get("SANDBOX_CLOCK_FACTOR", "1"))
    app = Flask(__name__)
    app.config["JSON_SORT_KEYS"] = False
    clock = Clock(factor)
    sandboxes = {name: cls(clock) for name, cls in REGISTRY.items()}
    app.extensions["sandbox"] = {"clock": clock, "providers": sandboxes}
    for sandbox in sandboxes.values():
        app.register_blueprint(sandbox.blueprint(), url_prefix=sandbox.prefix)
    _apply_faults(sandboxes, faults or json.loads(os.environ.get("SANDBOX_FAULTS", "{}")))
    _register_control(app, clock, sandboxes)
    return app


def _apply_faults(sandboxes, spec):
    for name, values in spec.items():
        target = sandboxes[name]
        fresh = Faults()
        for key, value in values.items():
            if not hasattr(fresh, key):
                raise ValueError(f"unknown fault {key!r}")
            setattr(fresh, key, value)
        target.faults = fresh


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
                "clock_factor": clock.factor}

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
        body = dict(request.get_json(force=True))
        name = body.pop("provider", None)
        if name not in sandboxes:
            abort(make_response({"error": "unknown provider"}, 404))
        try:
            _apply_faults(sandboxes, {name: body})
        except ValueError as exc:
            return {"error": str(exc)}, 400
        return vars(sandboxes[name].faults)

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
